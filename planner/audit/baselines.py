"""Expected metric values of two trivial classifiers, computed analytically.

Why: a model's accuracy of 0.76 means little next to a majority-class rule that scores 0.76
too. The baselines are scikit-learn's ``DummyClassifier`` strategies, evaluated in expectation
(no sampling): *zero-rule* predicts the majority class of the whole data set (score 1 or 0;
ties go to the negative class, as DummyClassifier picks the first class), *random* predicts
positive with probability p, the overall prior, with score p. For a group with base rate q:
random gives selection p, accuracy qp + (1-q)(1-p), precision q, TPR = FPR = p,
Brier q(1-p)^2 + (1-q)p^2, ECE |q - p|, and ROC AUC 0.5; overall (q = p) its accuracy is
p^2 + (1-p)^2. A rate whose denominator is empty (e.g. TPR with q = 0) is undefined (NaN).
"""

from __future__ import annotations

from typing import Any


def _nan_unless(condition: bool, value: float) -> float:
    return float(value) if condition else float("nan")


def zero_rule(prior: float, q: float) -> dict[str, float]:
    """Expected metrics of the majority-class rule on a group with base rate `q`."""
    positive = prior > 0.5
    s = 1.0 if positive else 0.0
    return {
        "selection_rate": s,
        "accuracy": q if positive else 1.0 - q,
        "precision": _nan_unless(positive, q),
        "true_positive_rate": _nan_unless(q > 0, s),
        "false_positive_rate": _nan_unless(q < 1, s),
        "false_negative_rate": _nan_unless(q > 0, 1.0 - s),
        "true_negative_rate": _nan_unless(q < 1, 1.0 - s),
        "roc_auc": _nan_unless(0 < q < 1, 0.5),
        "brier_score": (1.0 - q) if positive else q,
        "expected_calibration_error": abs(q - s),
    }


def random_prior(prior: float, q: float) -> dict[str, float]:
    """Expected metrics of random predictions at the prior on a group with base rate `q`."""
    p = prior
    return {
        "selection_rate": p,
        "accuracy": q * p + (1.0 - q) * (1.0 - p),
        "precision": _nan_unless(p > 0, q),
        "true_positive_rate": _nan_unless(q > 0, p),
        "false_positive_rate": _nan_unless(q < 1, p),
        "false_negative_rate": _nan_unless(q > 0, 1.0 - p),
        "true_negative_rate": _nan_unless(q < 1, 1.0 - p),
        "roc_auc": _nan_unless(0 < q < 1, 0.5),
        "brier_score": q * (1.0 - p) ** 2 + (1.0 - q) * p**2,
        "expected_calibration_error": abs(q - p),
    }


def baselines(prior: float, base_rates: dict[str, float] | None = None) -> dict[str, dict[str, Any]]:
    """Both baselines overall (q = prior) and, optionally, per group.

    Parameters
    ----------
    prior : float
        Overall share of positive labels.
    base_rates : dict, optional
        Group label -> that group's base rate; the baselines still use the overall prior,
        because a trivial model does not see the group.
    """
    out: dict[str, dict[str, Any]] = {
        "zero_rule": {"overall": zero_rule(prior, prior)},
        "random": {"overall": random_prior(prior, prior)},
    }
    for name, q in (base_rates or {}).items():
        out["zero_rule"].setdefault("groups", {})[name] = zero_rule(prior, q)
        out["random"].setdefault("groups", {})[name] = random_prior(prior, q)
    return out
