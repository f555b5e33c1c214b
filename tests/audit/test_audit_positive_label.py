"""`positive_label` other than 1: label and prediction mapped alike, checked against fairlearn with `pos_label`.

Comparing a 0/1 prediction to 1 while the truth went through `positive_label: 0` inverted every
cell (german credit: accuracy 0.2233 reported where the truth is 0.7767).
"""

import functools
import warnings
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from fairlearn import metrics as flm
from sklearn import metrics as skm

from helpers.predictions import make_predictions
from planner.audit import count_cells, emitted_counts, prepare_counts, prepare_predictions, run_audit

TOL = 1e-9
GERMAN = Path(__file__).resolve().parents[2] / "examples" / "german-credit" / "data" / "predictions.csv"
FEATURES = ["sex", "age_group"]
RATES = [
    "selection_rate",
    "accuracy",
    "precision",
    "true_positive_rate",
    "false_positive_rate",
    "false_negative_rate",
    "true_negative_rate",
    "base_rate",
    "count",
]


def fairlearn_metrics(pos):
    return {
        "selection_rate": functools.partial(flm.selection_rate, pos_label=pos),
        "accuracy": skm.accuracy_score,
        "precision": lambda y, p: skm.precision_score(y, p, pos_label=pos, zero_division=np.nan),
        "true_positive_rate": functools.partial(flm.true_positive_rate, pos_label=pos),
        "false_positive_rate": functools.partial(flm.false_positive_rate, pos_label=pos),
        "false_negative_rate": functools.partial(flm.false_negative_rate, pos_label=pos),
        "true_negative_rate": functools.partial(flm.true_negative_rate, pos_label=pos),
        "base_rate": lambda y, p: float(np.mean(np.asarray(y) == pos)),
        "count": flm.count,
    }


def metric_frame(frame, label, prediction, features, pos):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return flm.MetricFrame(
            metrics=fairlearn_metrics(pos),
            y_true=frame[label],
            y_pred=frame[prediction],
            sensitive_features=frame[features],
        )


def assert_close(ours, theirs):
    ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    assert ours.shape == theirs.shape
    assert np.allclose(ours, theirs, rtol=0, atol=TOL, equal_nan=True), (ours, theirs)


# The rows a rate is taken over; fairlearn returns 0 where there are none, we return undefined (NaN).
DENOMINATOR = {
    "precision": lambda y, p, pos: p == pos,
    "true_positive_rate": lambda y, p, pos: y == pos,
    "false_negative_rate": lambda y, p, pos: y == pos,
    "false_positive_rate": lambda y, p, pos: y != pos,
    "true_negative_rate": lambda y, p, pos: y != pos,
}


def fairlearn_undefined(frame, label, prediction, by, pos, metric, index):
    """Groups (in `index` order) whose `metric` has no rows to be taken over."""
    if metric not in DENOMINATOR:
        return np.zeros(len(index), dtype=bool)
    rows = DENOMINATOR[metric](frame[label], frame[prediction], pos)
    sizes = rows.groupby([frame[f] for f in by]).sum()
    return sizes.reindex(index).to_numpy() == 0


def check_against_fairlearn(result, frame, label, prediction, pos):
    """Every group metric of every grouping, the overall values and the disparities (with
    fairlearn's zeros for empty denominators left out, where we report undefined)."""
    checked = 0
    for by in [[f] for f in FEATURES] + [FEATURES]:
        mf = metric_frame(frame, label, prediction, by, pos)
        d = result.grouping(" & ".join(by)).disaggregated
        for metric in RATES:
            ours = d.by_group[metric].reindex(mf.by_group.index).to_numpy(dtype=float)
            theirs = mf.by_group[metric].to_numpy(dtype=float)
            undefined = fairlearn_undefined(frame, label, prediction, by, pos, metric, mf.by_group.index)
            assert np.array_equal(np.isnan(ours), undefined), metric
            # fairlearn gives 0 for an empty denominator (precision: NaN, as asked for with zero_division)
            assert np.all((theirs[undefined] == 0) | np.isnan(theirs[undefined]))
            theirs = np.where(undefined, np.nan, theirs)
            assert_close(ours, theirs)
            assert_close(result.overall[metric], mf.overall[metric])
            checked += len(ours)
            if metric == "count" or np.isnan(theirs).all():
                continue
            defined = theirs[~np.isnan(theirs)]
            overall = mf.overall[metric]
            expected = {
                ("difference", "between_groups"): defined.max() - defined.min() if defined.size > 1 else np.nan,
                ("difference", "to_overall"): np.abs(defined - overall).max(),
                ("ratio", "between_groups"): defined.min() / defined.max()
                if defined.size > 1 and defined.max() > 0
                else np.nan,
            }
            if not undefined.any():  # and fairlearn's own aggregates, where no group is undefined
                expected[("difference", "between_groups")] = mf.difference()[metric]
                expected[("difference", "to_overall")] = mf.difference(method="to_overall")[metric]
                expected[("ratio", "between_groups")] = mf.ratio()[metric]
                assert_close(d.ratio(metric, "to_overall"), mf.ratio(method="to_overall")[metric])
            for (kind, method), value in expected.items():
                assert_close(getattr(d, kind)(metric, method), value)
        g = result.grouping(" & ".join(by))
        rates = {
            m: d.by_group[m].reindex(mf.by_group.index)
            for m in ("selection_rate", "true_positive_rate", "false_positive_rate")
        }
        gap = {m: v.max() - v.min() for m, v in rates.items()}  # pandas skips NaN
        assert_close(
            g.disparities["demographic_parity_difference"]["between_groups"][0], mf.difference()["selection_rate"]
        )
        assert_close(
            g.disparities["equalized_odds_difference"]["between_groups"][0],
            max(gap["true_positive_rate"], gap["false_positive_rate"]),
        )
    return checked


def german_audit(source, **kw):
    return run_audit(
        source,
        label="good_credit",
        prediction="prediction",
        sensitive_features=FEATURES,
        intersections=[FEATURES],
        min_group_size=0,
        bootstrap_samples=0,
        metrics=RATES,
        **kw,
    )


@pytest.mark.parametrize("pos", [0, 1])
def test_german_credit_equals_fairlearn_with_pos_label(pos):
    frame = pd.read_csv(GERMAN)
    result = german_audit(GERMAN, positive_label=pos)
    assert check_against_fairlearn(result, frame, "good_credit", "prediction", pos) > 0
    # the bug inverted every cell: accuracy must be the share of predictions equal to the label
    assert result.overall["accuracy"] == pytest.approx((frame.good_credit == frame.prediction).mean(), abs=TOL)


def test_german_credit_with_positive_label_zero_on_duckdb(tmp_path):
    frame = pd.read_csv(GERMAN)
    path = tmp_path / "german.parquet"
    frame.to_parquet(path)
    result = german_audit(str(path), positive_label=0, engine="duckdb")
    check_against_fairlearn(result, frame, "good_credit", "prediction", 0)
    pandas_result = german_audit(str(path), positive_label=0)
    assert result.to_dict()["groupings"] == pandas_result.to_dict()["groupings"]


def relabelled(seed, kind):
    """A seeded frame whose label and prediction use `kind` values; returns it and the positive label."""
    frame = make_predictions(seed, n=3000)
    if kind == "zero":  # 0 is positive: y/pred are 1 - truth
        return frame.assign(y=1 - frame.y, pred=1 - frame.pred), 0
    if kind == "strings":
        names = np.array(["good", "bad"])
        return frame.assign(y=names[frame.y], pred=names[frame.pred]), "bad"
    if kind == "false":
        return frame.assign(y=frame.y == 0, pred=frame.pred == 0), False
    if kind == "true":
        return frame.assign(y=frame.y == 1, pred=frame.pred == 1), True
    if kind == "string-zero":
        return frame.assign(y=1 - frame.y, pred=1 - frame.pred), "0"
    raise ValueError(kind)


KINDS = ["zero", "strings", "false", "true", "string-zero"]


@pytest.mark.parametrize("kind", KINDS)
def test_positive_label_kinds_equal_fairlearn(kind):
    frame, pos = relabelled(1, kind)
    frame = frame.rename(columns={"sex": "sex", "race": "age_group"})
    result = run_audit(
        frame,
        label="y",
        prediction="pred",
        sensitive_features=FEATURES,
        intersections=[FEATURES],
        positive_label=pos,
        min_group_size=0,
        bootstrap_samples=0,
        metrics=RATES,
    )
    fl_pos = int(pos) if kind == "string-zero" else pos
    check_against_fairlearn(result, frame, "y", "pred", fl_pos)


@pytest.mark.parametrize("kind", KINDS)
def test_duckdb_engine_maps_prediction_like_label(tmp_path, kind):
    frame, pos = relabelled(2, kind)
    path = tmp_path / "p.parquet"
    frame.to_parquet(path)
    kw = dict(label="y", prediction="pred", sensitive_features=["sex", "race"], positive_label=pos, bootstrap_samples=0)
    duck = run_audit(str(path), engine="duckdb", **kw).to_dict()
    assert duck["groupings"] == run_audit(str(path), **kw).to_dict()["groupings"]


def test_prediction_from_score_is_not_mapped_on_either_engine(tmp_path):
    """A score is the probability of the positive label: `score >= threshold` is positive whatever the label."""
    frame, pos = relabelled(0, "zero")
    path = tmp_path / "p.parquet"
    frame.to_parquet(path)
    kw = dict(
        label="y",
        score="score",
        sensitive_features=["sex"],
        positive_label=pos,
        bootstrap_samples=0,
        metrics=["selection_rate"],
    )
    expected = (frame.score >= 0.5).mean()
    assert run_audit(str(path), **kw).overall["selection_rate"] == pytest.approx(expected, abs=TOL)
    assert run_audit(str(path), engine="duckdb", **kw).overall["selection_rate"] == pytest.approx(expected, abs=TOL)


@pytest.mark.parametrize("kind", [*KINDS, "string-labels-01-predictions"])
def test_emitted_sql_reads_back_with_the_positive_label(kind):
    if kind == "string-labels-01-predictions":
        frame = make_predictions(3, n=2000)
        frame, pos = frame.assign(y=np.where(frame.y == 1, "yes", "no")), "yes"
    else:
        frame, pos = relabelled(3, kind)
    sql = emitted_counts(
        "preds", dialect="duckdb", groups=["sex"], label="y", prediction="pred", score=None, threshold=0.5
    )
    con = duckdb.connect()
    con.register("preds", frame)
    raw = con.execute(sql).df()
    got = prepare_counts(
        raw, group_columns=["sex"], label="label", prediction="prediction", count="count", positive_label=pos
    )  # the counts file the job writes is read with the audit's positive label
    data = prepare_predictions(frame, label="y", prediction="pred", sensitive_features=["sex"], positive_label=pos)
    pd.testing.assert_frame_equal(got, count_cells(data, ["sex"]))
