"""Metric names: the canonical names planner computes, and the synonyms people write for them.

Why one home: a product owner writes `sensitivity`, a data scientist logs `recall`, fairlearn
says `true_positive_rate`; all three are one number. Objectives, bias-audit metrics and limits,
constraints, policy rules, the candidate rule and run look-ups all name metrics, and each used
to keep its own aliases (or none). Here a name is resolved once: case, spaces and hyphens do not
matter (`Fall-out`, `miss rate`), a synonym maps to the canonical name the audit computes (the
fairlearn name), and `<metric>_difference` / `<metric>_ratio` resolve through their metric.

Spec values keep the word the author wrote (in its `spelling`: lower case, underscores), and so
do labels and default ids; everything computed or looked up goes by the canonical name.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping

SYNONYMS: dict[str, tuple[str, ...]] = {
    "base_rate": ("prevalence", "prev"),
    "selection_rate": ("predicted_prevalence", "pprev"),
    "accuracy": ("acc",),
    "precision": ("ppv", "positive_predictive_value"),
    "negative_predictive_value": ("npv",),
    "true_positive_rate": ("tpr", "recall", "sensitivity", "hit_rate"),
    "false_positive_rate": ("fpr", "fall_out", "fallout"),
    "false_negative_rate": ("fnr", "miss_rate"),
    "true_negative_rate": ("tnr", "specificity", "selectivity"),
    "roc_auc": ("auc", "auroc", "roc_auc_score"),
    "brier_score": ("brier", "brier_score_loss"),
    "expected_calibration_error": ("ece",),
    "count": (),
    "share": (),
    "demographic_parity_difference": ("statistical_parity_difference",),
    "demographic_parity_ratio": ("statistical_parity_ratio",),
    "equalized_odds_difference": (),
    "equalized_odds_ratio": (),
    "equal_opportunity_difference": (),
    "equal_opportunity_ratio": (),
}
"""Canonical name -> the other names it goes by (each in its `spelling`). The canonical names are
those of `planner.audit.metrics` and `planner.audit.disparities` (fairlearn's), plus
`negative_predictive_value`, which runs may log but the audit does not compute."""

DISPARITY_KINDS = ("difference", "ratio")
FRACTIONS = frozenset(SYNONYMS) - {"count"}
"""The known metrics whose values are fractions (rates, scores, their gaps and ratios): a target
written `90%` for one of them means 0.9."""
_CANONICAL_OF = {name: canonical for canonical, names in SYNONYMS.items() for name in (canonical, *names)}
_SEPARATORS = re.compile(r"[\s\-]+")
NOT_HERE = "{value!r} names {found}, which is not a {what} here; see `planner schema` for every metric"


def spelling(name: str) -> str:
    """`name` as planner spells metric names: trimmed, lower case, spaces and hyphens made `_`."""
    return _SEPARATORS.sub("_", name.strip()).lower()


def _split_disparity(word: str) -> tuple[str, str] | None:
    """(metric, kind) of a spelt `<metric>_difference` / `<metric>_ratio`, when its metric is known."""
    for kind in DISPARITY_KINDS:
        metric = word.removesuffix(f"_{kind}")
        if metric != word and metric in _CANONICAL_OF:
            return metric, kind
    return None


def resolve(name: str) -> str | None:
    """The canonical name of a metric or of a `<metric>_difference` / `_ratio`; None when unknown."""
    word = spelling(name)
    if word in _CANONICAL_OF:
        return _CANONICAL_OF[word]
    split = _split_disparity(word)
    return None if split is None else f"{_CANONICAL_OF[split[0]]}_{split[1]}"


def is_fraction(name: str) -> bool:
    """Whether `name` is a known metric whose values lie in 0..1 (or -1..1 for a difference)."""
    found = resolve(name)
    return found is not None and (found in FRACTIONS or found.endswith(DISPARITY_KINDS))


def canonical(name: str) -> str:
    """The canonical name of `name`, or `name` itself when planner does not know the metric
    (a KPI, a latency: free text that runs are looked up by exactly)."""
    return resolve(name) or name


def names_of(canonical_names: Iterable[str]) -> list[str]:
    """Every spelling that resolves to one of `canonical_names` (canonical first, then synonyms;
    a `<metric>_difference` / `_ratio` with every synonym of its metric)."""
    out: list[str] = []
    for name in canonical_names:
        out.append(name)
        if name in SYNONYMS:
            out.extend(SYNONYMS[name])
            continue
        for kind in DISPARITY_KINDS:
            metric = name.removesuffix(f"_{kind}")
            if metric != name and metric in SYNONYMS:
                out.extend(f"{synonym}_{kind}" for synonym in SYNONYMS[metric])
    return list(dict.fromkeys(out))


def unknown_message(what: str, value: str, allowed: Iterable[str]) -> str:
    """`unknown WHAT 'VALUE'; did you mean 'X'?` over the `allowed` canonical names and their
    synonyms (so `sensitivty` finds `sensitivity`, not only `true_positive_rate`)."""
    close = difflib.get_close_matches(spelling(value), names_of(allowed), n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else "see `planner schema` for every metric"
    return f"unknown {what} {value!r}; {hint}"


def written(value: str, allowed: Iterable[str], what: str) -> str:
    """A metric name a spec gives where only `allowed` (canonical) metrics are computed: its
    `spelling` when it resolves to one of them; `ValueError` with a did-you-mean otherwise."""
    allowed, found = tuple(allowed), resolve(value)
    if found in allowed:
        return spelling(value)
    if found is not None:  # `npv` is no typo of `ppv`: it names a metric computed elsewhere only
        raise ValueError(NOT_HERE.format(value=value, found=found, what=what))
    raise ValueError(unknown_message(what, value, allowed))


def lookup(metrics: Mapping[str, float], name: str) -> float | None:
    """The value `metrics` (a run's) hold for `name`: under that exact key, else under any name of
    the same metric (the canonical one first, then the synonyms in table order, then keys spelt
    differently, such as `Recall` or `true-positive-rate`, in sorted order)."""
    if name in metrics:
        return metrics[name]
    key = lookup_key(metrics, name)
    return None if key is None else metrics[key]


def lookup_key(metrics: Mapping[str, float], name: str) -> str | None:
    """The key `lookup` reads `name` from; None when `metrics` hold no name of that metric."""
    if name in metrics:
        return name
    wanted = resolve(name)
    if wanted is None:
        return None
    for key in names_of([wanted]):
        if key in metrics:
            return key
    return next((key for key in sorted(metrics) if resolve(key) == wanted), None)
