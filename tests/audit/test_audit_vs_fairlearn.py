"""Every group metric and disparity against fairlearn MetricFrame and scikit-learn (1e-9)."""

import warnings

import numpy as np
import pytest
from fairlearn import metrics as flm
from sklearn import metrics as skm

from helpers.predictions import make_predictions
from planner.audit import run_audit

pytestmark = pytest.mark.slow  # the fairlearn and scikit-learn oracles over every metric (12 s)

TOL = 1e-9
FAIRLEARN = {
    "selection_rate": flm.selection_rate,
    "accuracy": skm.accuracy_score,
    "precision": lambda y, p: skm.precision_score(y, p, zero_division=np.nan),
    "true_positive_rate": flm.true_positive_rate,
    "false_positive_rate": flm.false_positive_rate,
    "false_negative_rate": flm.false_negative_rate,
    "true_negative_rate": flm.true_negative_rate,
    "base_rate": lambda y, p: float(np.mean(y)),
    "count": flm.count,
}


def metric_frame(frame, features):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return flm.MetricFrame(
            metrics=FAIRLEARN, y_true=frame["y"], y_pred=frame["pred"], sensitive_features=frame[features]
        )


def audit(frame, features, **kw):
    kw.setdefault("bootstrap_samples", 0)
    return run_audit(
        frame, label="y", prediction="pred", score="score", sensitive_features=features, min_group_size=0, **kw
    )


def assert_close(ours, theirs):
    ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    assert ours.shape == theirs.shape
    assert np.allclose(ours, theirs, rtol=0, atol=TOL, equal_nan=True), (ours, theirs)


def by_group(result, name, metric, index):
    return result.grouping(name).disaggregated.by_group[metric].reindex(index)


@pytest.mark.parametrize("features", [["sex"], ["race"], ["sex", "race"]])
def test_group_and_overall_metrics_match_metricframe(seeded, features):
    mf = metric_frame(seeded, features)
    result = (
        audit(seeded, features, intersections=[])
        if len(features) == 1
        else audit(seeded, features[:1], intersections=[features])
    )
    name = " & ".join(features)
    for metric in FAIRLEARN:
        assert_close(by_group(result, name, metric, mf.by_group.index), mf.by_group[metric])
        assert_close(result.overall[metric], mf.overall[metric])


@pytest.mark.parametrize("method", ["between_groups", "to_overall"])
@pytest.mark.parametrize("features", [["sex"], ["race"], ["sex", "race"]])
def test_difference_and_ratio_match_metricframe(seeded, features, method):
    mf = metric_frame(seeded, features)
    result = audit(seeded, features[:1], intersections=[features] if len(features) > 1 else [])
    d = result.grouping(" & ".join(features)).disaggregated
    for metric in FAIRLEARN:
        if metric == "count":
            continue
        assert_close(d.difference(metric, method), mf.difference(method=method)[metric])
        assert_close(d.ratio(metric, method), mf.ratio(method=method)[metric])


NAMED = {
    "demographic_parity_difference": flm.demographic_parity_difference,
    "demographic_parity_ratio": flm.demographic_parity_ratio,
    "equalized_odds_difference": flm.equalized_odds_difference,
    "equalized_odds_ratio": flm.equalized_odds_ratio,
    "equal_opportunity_difference": flm.equal_opportunity_difference,
    "equal_opportunity_ratio": flm.equal_opportunity_ratio,
}


@pytest.mark.parametrize("method", ["between_groups", "to_overall"])
@pytest.mark.parametrize("features", [["sex"], ["race"], ["sex", "race"]])
def test_named_disparities_match_fairlearn_functions(seeded, features, method):
    result = audit(seeded, features[:1], intersections=[features] if len(features) > 1 else [])
    g = result.grouping(" & ".join(features))
    for name, func in NAMED.items():
        expected = func(seeded["y"], seeded["pred"], sensitive_features=seeded[features], method=method)
        assert_close(g.disparities[name][method][0], expected)
        assert_close(g.disaggregated.disparity(name, method), expected)


@pytest.mark.parametrize("features", [["sex"], ["race"], ["sex", "race"]])
def test_score_metrics_match_sklearn_per_group(seeded, features):
    result = audit(seeded, features[:1], intersections=[features] if len(features) > 1 else [])
    values = result.grouping(" & ".join(features)).disaggregated.by_group
    for key, rows in seeded.groupby(features):
        key = key if len(features) > 1 else key[0]
        assert_close(values.loc[key, "roc_auc"], skm.roc_auc_score(rows["y"], rows["score"]))
        assert_close(values.loc[key, "brier_score"], skm.brier_score_loss(rows["y"], rows["score"]))
        assert_close(values.loc[key, "precision"], skm.precision_score(rows["y"], rows["pred"]))
        assert_close(values.loc[key, "accuracy"], skm.accuracy_score(rows["y"], rows["pred"]))
        assert_close(values.loc[key, "true_positive_rate"], skm.recall_score(rows["y"], rows["pred"]))
    assert_close(result.overall["roc_auc"], skm.roc_auc_score(seeded["y"], seeded["score"]))


def test_adult_example_matches_fairlearn_and_sklearn(adult):
    frame = adult.rename(columns={"income_over_50k": "y", "prediction": "pred"})
    test_group_and_overall_metrics_match_metricframe(frame, ["sex", "race"])
    test_named_disparities_match_fairlearn_functions(frame, ["race"], "between_groups")
    test_score_metrics_match_sklearn_per_group(frame, ["sex"])


def test_group_without_positives_is_undefined_not_zero():
    frame = make_predictions(3, no_positive_group=True)
    result = audit(frame, ["race"], intersections=[])
    d_row = result.grouping("race").disaggregated.by_group.loc["d"]
    assert np.isnan(d_row["true_positive_rate"]) and np.isnan(d_row["false_negative_rate"])
    assert np.isnan(d_row["roc_auc"])
    assert d_row["false_positive_rate"] == pytest.approx(frame[frame.race == "d"].pred.mean())
    # fairlearn counts the undefined TPR as 0; we leave group "d" out of the TPR gap instead.
    defined = frame[frame.race != "d"]
    expected = flm.MetricFrame(
        metrics=flm.true_positive_rate, y_true=defined["y"], y_pred=defined["pred"], sensitive_features=defined["race"]
    ).difference()
    assert_close(result.grouping("race").disaggregated.difference("true_positive_rate"), expected)
    group = next(g for g in result.to_dict()["groupings"][0]["groups"] if g["group"] == {"race": "d"})
    assert group["metrics"]["true_positive_rate"] == {
        "value": None,
        "undefined": True,
        "interval": None,
        "reference_ratio": None,
    }
