"""Limits on the difference and ratio of every rate, against fairlearn and an Aequitas oracle.

Between groups (the default) and to_overall follow fairlearn's `MetricFrame.difference` /
`.ratio`; against a configured reference group each other group's rate is divided by (or has
subtracted) the reference's, Aequitas' disparity (e.g. `fpr_disparity`), computed here from
scikit-learn's confusion matrix per group since aequitas itself is not a dependency.
"""

import json
import warnings

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix

from helpers import run_cli, write_project
from helpers.predictions import make_predictions
from planner.audit import run_audit
from planner.audit.findings import TO_REFERENCE, Limit
from planner.spec.bias import LIMIT_METRICS, RATE_DISPARITY_METRICS, RATE_METRICS

TOL = 1e-9


def _rates(y, p) -> dict[str, float]:
    tn, fp, fn, tp = confusion_matrix(y, p, labels=[0, 1]).ravel()
    n = tn + fp + fn + tp

    def div(a, b):
        return a / b if b else np.nan

    return {
        "base_rate": (tp + fn) / n,
        "selection_rate": (tp + fp) / n,
        "accuracy": (tp + tn) / n,
        "precision": div(tp, tp + fp),
        "true_positive_rate": div(tp, tp + fn),
        "false_positive_rate": div(fp, fp + tn),
        "false_negative_rate": div(fn, tp + fn),
        "true_negative_rate": div(tn, fp + tn),
    }


def _per_group(frame, feature) -> dict[str, dict[str, float]]:
    return {str(g): _rates(part["y"], part["pred"]) for g, part in frame.groupby(feature)}


def _findings(frame, limits, **kw):
    result = run_audit(
        frame,
        label="y",
        prediction="pred",
        sensitive_features=["race"],
        min_group_size=0,
        bootstrap_samples=0,
        limits=limits,
        **kw,
    )
    return {id(limit): [f for f in result.findings if f.limit is limit] for limit in limits}


def test_every_rate_has_a_difference_and_a_ratio_the_spec_accepts():
    assert len(RATE_DISPARITY_METRICS) == 2 * len(RATE_METRICS)
    for name in ("false_positive_rate_ratio", "false_negative_rate_difference", "precision_ratio"):
        assert name in LIMIT_METRICS
    from planner.audit.metrics import RATE_METRICS as ENGINE_RATES

    assert set(RATE_METRICS) == set(ENGINE_RATES)


@pytest.mark.parametrize("seed", [0, 1])
def test_against_the_reference_is_aequitas_disparity(seed):
    frame = make_predictions(seed)
    limits = [Limit(name, "<=", 10.0, method=TO_REFERENCE) for name in RATE_DISPARITY_METRICS]
    found = _findings(frame, limits, reference_groups={"race": "b"})
    rates = _per_group(frame, "race")
    for limit in limits:
        metric, _, kind = limit.metric.rpartition("_")
        by_group = {f.group["race"]: f.observed for f in found[id(limit)]}
        assert set(by_group) == {"a", "c"}, limit.metric  # the reference is not judged against itself
        for group, observed in by_group.items():
            ref = rates["b"][metric]
            expected = rates[group][metric] / ref if kind == "ratio" else rates[group][metric] - ref
            assert observed == pytest.approx(expected, abs=TOL), (limit.metric, group)
    fpr = {
        f.group["race"]: f.observed
        for f in found[id(limits[RATE_DISPARITY_METRICS.index("false_positive_rate_ratio")])]
    }
    assert fpr["c"] == pytest.approx(rates["c"]["false_positive_rate"] / rates["b"]["false_positive_rate"], abs=TOL)


def test_without_a_configured_reference_a_reference_limit_is_judged_between_groups():
    frame = make_predictions(0)
    limit = Limit("false_positive_rate_ratio", ">=", 0.5, method=TO_REFERENCE)
    (finding,) = _findings(frame, [limit])[id(limit)]
    fpr = [r["false_positive_rate"] for r in _per_group(frame, "race").values()]
    assert finding.group is None and finding.observed == pytest.approx(min(fpr) / max(fpr), abs=TOL)


def test_reference_findings_have_bootstrap_intervals_for_confident_limits():
    frame = make_predictions(2)
    limit = Limit("false_negative_rate_ratio", "<=", 5.0, confident=True, method=TO_REFERENCE)
    result = run_audit(
        frame,
        label="y",
        prediction="pred",
        sensitive_features=["race"],
        min_group_size=0,
        bootstrap_samples=200,
        reference_groups={"race": "a"},
        limits=[limit],
    )
    for f in result.findings:
        low, high = f.interval
        assert low <= f.observed <= high and f.compared == high and f.status in ("pass", "fail")


@pytest.mark.slow  # imports fairlearn
@pytest.mark.parametrize("method", ["between_groups", "to_overall"])
def test_between_groups_and_to_overall_match_fairlearn(method):
    from fairlearn.metrics import MetricFrame

    frame = make_predictions(1)
    limits = [Limit(name, "<=", 10.0, method=method) for name in RATE_DISPARITY_METRICS]
    found = _findings(frame, limits)
    for limit in limits:
        metric, _, kind = limit.metric.rpartition("_")

        def one(y, p, metric=metric):
            return _rates(y, p)[metric]

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mf = MetricFrame(metrics=one, y_true=frame["y"], y_pred=frame["pred"], sensitive_features=frame["race"])
            expected = mf.ratio(method=method) if kind == "ratio" else mf.difference(method=method)
        (finding,) = found[id(limit)]
        assert finding.observed == pytest.approx(expected, abs=TOL), (limit.metric, method)


AUDIT = """\
kind: bias-audit
id: A1
predictions: p.csv
label: y
prediction: pred
sensitive_features: [race, sex]
intersections: []
min_group_size: 1
bootstrap: {{samples: 100}}
{reference}limits:
  - {{metric: false_positive_rate_ratio, op: ">=", value: 0.5}}
  - {{metric: demographic_parity_ratio, op: ">=", value: 0.5, feature: race}}
"""


@pytest.mark.parametrize("configured", [True, False])
def test_spec_limits_use_the_reference_only_where_configured(tmp_path, capsys, configured):
    frame = make_predictions(0)
    reference = "reference_groups: {race: b}\n" if configured else ""
    root = write_project(
        tmp_path / "p", {"p.csv": frame.to_csv(index=False), "specs/a.yaml": AUDIT.format(reference=reference)}
    )
    code, out, _ = run_cli(capsys, "audit", str(root), "--format", "json")
    assert code in (0, 1), out
    fpr_limit, dp_limit = json.loads(out)["audits"][0]["limits"]
    race = _per_group(frame, "race")
    by_grouping = {}
    for f in fpr_limit["findings"]:
        by_grouping.setdefault(f["grouping"], []).append(f)
    if configured:
        assert [f["label"] for f in by_grouping["race"]] == ["race=a", "race=c"]
        ref = race["b"]["false_positive_rate"]
        assert by_grouping["race"][1]["observed"] == pytest.approx(race["c"]["false_positive_rate"] / ref, abs=TOL)
    else:
        (f,) = by_grouping["race"]
        fpr = [r["false_positive_rate"] for r in race.values()]
        assert f["label"] == "race" and f["observed"] == pytest.approx(min(fpr) / max(fpr), abs=TOL)
    (sex,) = by_grouping["sex"]  # no reference for sex: between groups either way
    assert sex["group"] is None
    (dp,) = dp_limit["findings"]  # fairlearn's named disparities stay between groups
    selection = [r["selection_rate"] for r in race.values()]
    assert dp["observed"] == pytest.approx(min(selection) / max(selection), abs=TOL)


def test_a_misspelt_limit_metric_gets_a_did_you_mean(tmp_path, capsys):
    spec = AUDIT.format(reference="").replace("false_positive_rate_ratio", "false_positve_rate_ratio")
    root = write_project(tmp_path / "p", {"p.csv": "y,pred,race,sex\n1,1,a,f\n", "specs/a.yaml": spec})
    code, out, _ = run_cli(capsys, "validate", str(root))
    assert code != 0
    assert "unknown limit metric 'false_positve_rate_ratio'; did you mean 'false_positive_rate_ratio'?" in out
