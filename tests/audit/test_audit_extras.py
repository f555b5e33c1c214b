"""ECE, slices and Simpson's paradox, threshold costs, baselines and the JSON form."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.calibration import calibration_curve
from sklearn.dummy import DummyClassifier
from sklearn.metrics import accuracy_score, brier_score_loss, precision_score

from helpers.predictions import make_predictions
from planner.audit import Limit, run_audit
from planner.audit.baselines import baselines


def ece_by_loop(y, s, bins=10):
    """ECE written out bin by bin: (0, .1], ... with 0 in the first bin, as calibration_curve bins."""
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for i in range(bins):
        inside = (s > edges[i]) & (s <= edges[i + 1]) if i else (s <= edges[1])
        if inside.any():
            total += inside.sum() / len(s) * abs(y[inside].mean() - s[inside].mean())
    return total


def test_ece_matches_bin_loop_and_calibration_curve(seeded):
    result = run_audit(seeded, label="y", score="score", sensitive_features=["sex"], bootstrap_samples=0)
    y, s = seeded["y"].to_numpy(), seeded["score"].to_numpy()
    assert result.overall["expected_calibration_error"] == pytest.approx(ece_by_loop(y, s), abs=1e-12)
    true, pred = calibration_curve(y, s, n_bins=10, strategy="uniform")
    sizes = np.bincount(np.searchsorted(np.linspace(0, 1, 11)[1:-1], s), minlength=10)
    assert np.sum(sizes[sizes > 0] / len(s) * np.abs(true - pred)) == pytest.approx(ece_by_loop(y, s), abs=1e-12)
    for sex, rows in seeded.groupby("sex"):
        got = result.grouping("sex").disaggregated.by_group.loc[sex, "expected_calibration_error"]
        assert got == pytest.approx(ece_by_loop(rows.y.to_numpy(), rows.score.to_numpy()), abs=1e-12)


def simpson_frame():
    """Group A is selected more overall but less inside each department (composition effect)."""
    cells = [("A", "easy", 800, 640), ("A", "hard", 200, 20), ("B", "easy", 200, 170), ("B", "hard", 800, 120)]
    rows = []
    for group, dept, n, selected in cells:
        rows += [(group, dept, 1, 1)] * selected + [(group, dept, 0, 0)] * (n - selected)
    return pd.DataFrame(rows, columns=["g", "dept", "y", "pred"])


def test_simpsons_paradox_is_flagged_with_slices_named():
    result = run_audit(
        simpson_frame(),
        label="y",
        prediction="pred",
        sensitive_features=["g"],
        slices=["dept"],
        metrics=["selection_rate"],
        bootstrap_samples=0,
    )
    (entry,) = result.slices[0]["reversals"]
    assert entry["overall_order"] == "A > B" and entry["reversed_in"] == ["easy", "hard"]
    assert entry["simpsons_paradox"] is True
    table = result.slices[0]["table"]
    assert table.loc[("easy", "A"), "selection_rate"] == 0.8 and table.loc[("hard", "B"), "selection_rate"] == 0.15


def test_reversals_past_the_limit_are_counted_and_simpsons_paradoxes_listed_first():
    from planner.audit.counts import count_cells
    from planner.audit.inputs import prepare_predictions
    from planner.audit.slices import reversals

    # groups A..C and their copies: A>B>C overall, reversed in both departments for every pair
    frames = [simpson_frame()]
    third = simpson_frame().query("g == 'B'").assign(g="C")
    third.loc[third.dept == "easy", "pred"] = third.loc[third.dept == "easy", "y"] * 0
    frames.append(third)
    frame = pd.concat(frames, ignore_index=True)
    counts = count_cells(
        prepare_predictions(frame, label="y", prediction="pred", sensitive_features=["g", "dept"]), ["g", "dept"]
    )
    every, found = reversals(counts, slice_column="dept", feature="g", metrics=["selection_rate"], limit=100)
    listed, counted = reversals(counts, slice_column="dept", feature="g", metrics=["selection_rate"], limit=1)
    assert counted == found == len(every) > 1
    paradoxes = [entry for entry in every if entry["simpsons_paradox"]]
    assert listed == paradoxes[:1]


def test_no_reversal_reported_when_orders_agree(seeded):
    frame = seeded.assign(pred=np.where(seeded.sex == "male", 1, 0))
    result = run_audit(
        frame, label="y", prediction="pred", sensitive_features=["sex"], slices=["edu"], bootstrap_samples=0
    )
    assert not [r for r in result.slices[0]["reversals"] if r["metric"] == "selection_rate"]


def cost_by_loop(y, s, t, cost_fp, cost_fn):
    p = s >= t
    return (cost_fp * np.sum(p & (y == 0)) + cost_fn * np.sum(~p & (y == 1))) / len(y)


@pytest.mark.parametrize("kind", ["grid", "quantiles"])
def test_threshold_costs_match_a_loop(seeded, kind):
    result = run_audit(
        seeded,
        label="y",
        prediction="pred",
        score="score",
        sensitive_features=["sex"],
        bootstrap_samples=0,
        costs={"fp": 1.0, "fn": 4.0},
        threshold_candidates=kind,
    )
    t = result.thresholds
    y, s = seeded.y.to_numpy(), seeded.score.to_numpy()
    expected = [cost_by_loop(y, s, x, 1.0, 4.0) for x in t["thresholds"]]
    assert np.allclose(t["overall_curve"], expected, atol=1e-12)
    assert t["overall"]["best_threshold"] == t["thresholds"][int(np.argmin(expected))]
    assert t["overall"]["cost_in_use"] == pytest.approx(cost_by_loop(y, s, 0.5, 1.0, 4.0))
    male = seeded[seeded.sex == "male"]
    best = t["groupings"]["sex"]["male"]
    my, ms = male.y.to_numpy(), male.score.to_numpy()
    assert best["best_cost"] == pytest.approx(min(cost_by_loop(my, ms, x, 1.0, 4.0) for x in t["thresholds"]))


@pytest.mark.parametrize("seed", [0, 1])
def test_baselines_match_dummy_classifiers(seed):
    frame = make_predictions(seed, n=4000)
    y = frame.y.to_numpy()
    p = y.mean()
    base = baselines(p)
    zero = DummyClassifier(strategy="most_frequent").fit(np.zeros((len(y), 1)), y)
    z_pred, z_prob = zero.predict(np.zeros((len(y), 1))), zero.predict_proba(np.zeros((len(y), 1)))[:, 1]
    assert base["zero_rule"]["overall"]["accuracy"] == pytest.approx(accuracy_score(y, z_pred), abs=1e-12)
    assert base["zero_rule"]["overall"]["brier_score"] == pytest.approx(brier_score_loss(y, z_prob), abs=1e-12)
    rnd = base["random"]["overall"]
    assert rnd["accuracy"] == pytest.approx(p**2 + (1 - p) ** 2) and rnd["roc_auc"] == 0.5
    prior = DummyClassifier(strategy="prior").fit(np.zeros((len(y), 1)), y).predict_proba(np.zeros((len(y), 1)))[:, 1]
    assert rnd["brier_score"] == pytest.approx(brier_score_loss(y, prior), abs=1e-12)
    # Monte Carlo check of the random ("stratified") strategy's expected accuracy and precision.
    reps = np.random.default_rng(seed).random((200, len(y))) < p
    assert np.mean([accuracy_score(y, r) for r in reps]) == pytest.approx(rnd["accuracy"], abs=0.003)
    assert np.mean([precision_score(y, r) for r in reps]) == pytest.approx(rnd["precision"], abs=0.003)


def test_to_dict_is_json_without_nan_and_has_the_documented_shape():
    frame = make_predictions(5, n=2000, no_positive_group=True)
    result = run_audit(
        frame,
        label="y",
        prediction="pred",
        score="score",
        sensitive_features=["sex", "race"],
        slices=["edu"],
        limits=[Limit("demographic_parity_ratio", ">=", 0.8, confident=True)],
        costs={"fp": 1, "fn": 2},
        reference_groups={"sex": "male", "race": "a"},
        bootstrap_samples=100,
        seed=1,
    )
    data = result.to_dict()
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text) == data
    assert [g["name"] for g in data["groupings"]] == ["sex", "race", "sex & race"]
    assert data["groupings"][2]["reference"] == {"sex": "male", "race": "a"}
    assert set(data["groupings"][0]["disparities"]["equalized_odds_ratio"]) == {"between_groups", "to_overall"}
    assert data["findings"][0]["status"] in {"pass", "fail", "insufficient-data"}
    assert (
        run_audit(
            frame,
            label="y",
            prediction="pred",
            score="score",
            sensitive_features=["sex", "race"],
            slices=["edu"],
            bootstrap_samples=100,
            seed=1,
            costs={"fp": 1, "fn": 2},
            reference_groups={"sex": "male", "race": "a"},
            limits=[Limit("demographic_parity_ratio", ">=", 0.8, confident=True)],
        ).to_dict()
        == data
    )
