"""Wilson intervals against scipy; bootstrap reproducibility and coverage; limits to findings."""

import numpy as np
import pytest
from scipy.stats import binomtest

from helpers.predictions import make_predictions
from planner.audit import Limit, bootstrap_disparities, run_audit, wilson_interval
from planner.audit.disparities import named_disparity
from planner.audit.findings import evaluate
from planner.audit.metrics import rate_values


@pytest.mark.parametrize("k,n", [(0, 10), (1, 10), (5, 10), (10, 10), (37, 250), (999, 1000), (3, 7)])
@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
def test_wilson_matches_scipy(k, n, level):
    low, high = wilson_interval(np.array([k]), np.array([n]), level)
    expected = binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
    assert low[0] == pytest.approx(expected.low, abs=1e-12)
    assert high[0] == pytest.approx(expected.high, abs=1e-12)


def test_wilson_undefined_for_empty_group():
    low, high = wilson_interval(np.array([0]), np.array([0]))
    assert np.isnan(low[0]) and np.isnan(high[0])


CELLS = np.array([[120, 40, 30, 210], [60, 35, 25, 80], [15, 10, 9, 40]])


def test_bootstrap_is_seeded_and_brackets_the_estimate():
    names = ["demographic_parity_difference", "equalized_odds_ratio"]
    kw = dict(methods=("between_groups", "to_overall"), samples=2000, seed=7)
    a = bootstrap_disparities(CELLS, np.ones(3, bool), names, **kw)
    assert a == bootstrap_disparities(CELLS, np.ones(3, bool), names, **kw)
    assert a != bootstrap_disparities(CELLS, np.ones(3, bool), names, **{**kw, "seed": 8})
    by = {m: rate_values(CELLS, m) for m in ("selection_rate", "true_positive_rate", "false_positive_rate")}
    overall = {m: rate_values(CELLS.sum(axis=0), m) for m in by}
    for (name, method), (low, high) in a.items():
        assert low < float(named_disparity(name, by, overall, method)) < high


def test_bootstrap_coverage_is_roughly_nominal():
    """Draw data from known cell probabilities; the 90% interval should cover the truth ~90%."""
    rng = np.random.default_rng(11)
    probs = CELLS / CELLS.sum(axis=1, keepdims=True)
    truth = float(
        named_disparity(
            "demographic_parity_difference",
            {"selection_rate": rate_values(probs, "selection_rate")},
            {"selection_rate": np.nan},
        )
    )
    covered = 0
    for i in range(200):
        sample = np.stack([rng.multinomial(n, p) for n, p in zip(CELLS.sum(axis=1), probs, strict=False)])
        low, high = bootstrap_disparities(
            sample, np.ones(3, bool), ["demographic_parity_difference"], samples=400, confidence_level=0.9, seed=i
        )[("demographic_parity_difference", "between_groups")]
        covered += low <= truth <= high
    assert 0.8 <= covered / 200 <= 0.97


def test_small_groups_are_insufficient_and_left_out_of_disparities():
    frame = make_predictions(0, n=3000, no_positive_group=True)
    result = run_audit(
        frame,
        label="y",
        prediction="pred",
        sensitive_features=["race"],
        min_group_size=50,
        bootstrap_samples=200,
        limits=[Limit("selection_rate", ">=", 0.0)],
    )
    d = result.grouping("race").disaggregated
    assert not d.eligible["d"] and d.eligible[["a", "b", "c"]].all()
    rates = d.by_group.loc[["a", "b", "c"], "selection_rate"]
    assert d.difference("selection_rate") == pytest.approx(rates.max() - rates.min(), abs=1e-12)
    statuses = {f.group["race"]: f.status for f in result.findings}
    assert statuses == {"a": "pass", "b": "pass", "c": "pass", "d": "insufficient-data"}


def test_confident_limits_use_the_unfavourable_bound():
    limit = Limit("demographic_parity_ratio", ">=", 0.8, confident=True)
    assert evaluate(limit, grouping="g", observed=0.85, interval=(0.78, 0.9)).status == "fail"
    assert evaluate(limit, grouping="g", observed=0.85, interval=(0.81, 0.9)).status == "pass"
    assert evaluate(Limit("x", ">=", 0.8), grouping="g", observed=0.85, interval=(0.78, 0.9)).status == "pass"
    upper = Limit("demographic_parity_difference", "<=", 0.1, confident=True)
    assert evaluate(upper, grouping="g", observed=0.05, interval=(0.01, 0.12)).compared == 0.12
    assert evaluate(upper, grouping="g", observed=0.05, interval=None).status == "insufficient-data"
    assert evaluate(upper, grouping="g", observed=float("nan"), interval=None).reason.startswith("value undefined")
    assert evaluate(Limit("m", "<", 0.1), grouping="g", observed=0.1, interval=None).status == "fail"
    with pytest.raises(ValueError, match="limit operator must be one of <=, >=, <, >; got '=='"):
        Limit("m", "==", 1)


def test_run_audit_findings_for_disparity_limits(seeded):
    result = run_audit(
        seeded,
        label="y",
        prediction="pred",
        sensitive_features=["sex"],
        bootstrap_samples=300,
        limits=[
            Limit("demographic_parity_ratio", ">=", 0.0, confident=True),
            Limit("equalized_odds_difference", "<=", 0.0),
        ],
    )
    first, second = result.findings
    assert first.status == "pass" and first.compared == first.interval[0]
    assert second.status == "fail" and second.observed > 0
    assert result.status == "fail"
