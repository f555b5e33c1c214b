"""Metric synonyms (`planner.metric_names`): each resolves, and a spec may use one wherever it
names a metric, with scikit-learn and fairlearn as the oracles on the adult-income example."""

import json
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest
from fairlearn import metrics as flm
from sklearn import metrics as skm

from helpers import REPO, run_cli
from planner import numbers
from planner.audit import run_audit
from planner.evidence.model import Run, RunSet
from planner.metric_names import SYNONYMS, canonical, lookup, resolve, spelling

ADULT = REPO / "examples" / "adult-income"
TOL = 1e-9

STANDARD = {
    "sensitivity": "true_positive_rate",
    "recall": "true_positive_rate",
    "hit_rate": "true_positive_rate",
    "tpr": "true_positive_rate",
    "true_positive_rate": "true_positive_rate",
    "specificity": "true_negative_rate",
    "selectivity": "true_negative_rate",
    "tnr": "true_negative_rate",
    "true_negative_rate": "true_negative_rate",
    "fall_out": "false_positive_rate",
    "fpr": "false_positive_rate",
    "false_positive_rate": "false_positive_rate",
    "miss_rate": "false_negative_rate",
    "fnr": "false_negative_rate",
    "false_negative_rate": "false_negative_rate",
    "precision": "precision",
    "ppv": "precision",
    "positive_predictive_value": "precision",
    "npv": "negative_predictive_value",
    "negative_predictive_value": "negative_predictive_value",
    "accuracy": "accuracy",
    "selection_rate": "selection_rate",
    "base_rate": "base_rate",
    "roc_auc": "roc_auc",
}


@pytest.mark.parametrize(("name", "expected"), sorted(STANDARD.items()))
def test_each_standard_synonym_resolves(name, expected):
    assert resolve(name) == expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Fall-out", "false_positive_rate"),
        ("miss rate", "false_negative_rate"),
        ("PPV", "precision"),
        ("NPV", "negative_predictive_value"),
        ("TNR", "true_negative_rate"),
        ("FNR", "false_negative_rate"),
        ("Hit Rate", "true_positive_rate"),
        ("  Sensitivity ", "true_positive_rate"),
        ("true-positive-rate", "true_positive_rate"),
        ("Miss-Rate_Difference", "false_negative_rate_difference"),
        ("specificity ratio", "true_negative_rate_ratio"),
        ("statistical parity difference", "demographic_parity_difference"),
    ],
)
def test_case_spaces_and_hyphens_do_not_matter(written, expected):
    assert resolve(written) == expected


def test_every_name_in_the_table_resolves_to_its_canonical_one():
    for name, synonyms in SYNONYMS.items():
        assert resolve(name) == name
        for synonym in synonyms:
            assert resolve(synonym) == name, synonym
            assert spelling(synonym) == synonym  # the table holds names in their spelling
            for kind in ("difference", "ratio"):
                if name.endswith("_rate") or name in ("accuracy", "precision"):
                    assert resolve(f"{synonym}_{kind}") == f"{name}_{kind}"


def test_an_unknown_name_is_kept_as_written():
    assert resolve("p95_latency_ms") is None
    assert canonical("p95_latency_ms") == "p95_latency_ms"
    assert canonical("Sensitivity") == "true_positive_rate"


def test_run_metrics_are_found_under_any_name_of_the_metric():
    logged = {"Recall": 0.6, "precision": 0.7, "true_negative_rate": 0.9}
    assert lookup(logged, "sensitivity") == 0.6
    assert lookup(logged, "ppv") == 0.7
    assert lookup(logged, "specificity") == 0.9
    assert lookup(logged, "fall_out") is None
    # an exact key wins over a synonym's
    assert lookup({"recall": 0.1, "true_positive_rate": 0.2}, "recall") == 0.1
    assert lookup({"recall": 0.1, "true_positive_rate": 0.2}, "sensitivity") == 0.2


def test_the_best_rule_ranks_runs_by_a_synonym():
    runs = RunSet([Run("s", "a", metrics={"recall": 0.4}), Run("s", "b", metrics={"tpr": 0.7}), Run("s", "c")])
    assert runs.best("sensitivity").run_id == "b"


def test_the_engine_takes_synonyms():
    frame = pd.DataFrame({"y": [1, 0, 1, 0, 1, 1], "pred": [1, 0, 0, 1, 1, 1], "g": list("aabbab")})
    result = run_audit(frame, label="y", prediction="pred", sensitive_features=["g"], metrics=["sensitivity", "TNR"])
    overall = result.to_dict()["overall"]["metrics"]
    assert overall["true_positive_rate"]["value"] == pytest.approx(0.75)
    assert overall["true_negative_rate"]["value"] == pytest.approx(0.5)


# --- the adult-income example ------------------------------------------------------------------


def adult_copy(root, objectives=None, audit=None):
    """A copy of examples/adult-income, its specs edited by (old, new) replacements."""
    shutil.copytree(ADULT, root, ignore=shutil.ignore_patterns("reports", ".planner*"))
    for name, edits in (("objectives.yaml", objectives or []), ("bias-audit.yaml", audit or [])):
        path = root / "specs" / name
        text = path.read_text()
        for old, new in edits:
            assert old in text, old
            text = text.replace(old, new)
        path.write_text(text)
    return root


ZERO_RULE = [
    ("    baselines: [B3]\n    depends_on: [O1]", "    baselines: [B3, B5]\n    depends_on: [O1]"),
    ("baselines:                                  #", "baselines:\n  - {id: B5, kind: zero-rule}  #"),
]
FAST = [("bootstrap: {samples: 1000, seed: 20260301}", "bootstrap: {samples: 100, seed: 1}")]


def status_of(capsys, root, item):
    code, out, _ = run_cli(capsys, "status", str(root), "--format", "json")
    assert code == 0, out
    return next(entry for entry in json.loads(out)["items"] if entry["id"] == item)


def predictions():
    return pd.read_csv(ADULT / "data" / "predictions.csv")


@pytest.fixture(scope="module")
def recall_and_sensitivity(tmp_path_factory):
    """O3 of the example on `recall`, and the same objective on `sensitivity`."""
    recall = adult_copy(tmp_path_factory.mktemp("recall") / "p", ZERO_RULE, FAST)
    sensitivity = adult_copy(
        tmp_path_factory.mktemp("sensitivity") / "p",
        [*ZERO_RULE, ("{name: recall, target: 0.55", "{name: sensitivity, target: 0.55")],
        FAST,
    )
    return recall, sensitivity


def test_an_objective_on_sensitivity_is_measured_as_one_on_recall(capsys, recall_and_sensitivity):
    recall, sensitivity = (status_of(capsys, root, "O3") for root in recall_and_sensitivity)
    data = predictions()
    oracle = skm.recall_score(data["income_over_50k"], data["prediction"])
    assert recall["value"] == pytest.approx(oracle, abs=1e-6)  # the run logged recall to 6 digits or more
    assert sensitivity["value"] == recall["value"]
    assert sensitivity["status"] == recall["status"] == "met"
    assert sensitivity["extra"]["metric"] == "sensitivity"  # the author's word is the label
    assert sensitivity["extra"]["canonical_metric"] == recall["extra"]["canonical_metric"] == "true_positive_rate"
    assert sensitivity["why"].startswith("sensitivity = ")


def test_a_zero_rule_baseline_of_sensitivity_is_computed(capsys, recall_and_sensitivity):
    rows = [{b["id"]: b for b in status_of(capsys, root, "O3")["baselines"]} for root in recall_and_sensitivity]
    data = predictions()
    majority = int(data["income_over_50k"].mean() > 0.5)  # DummyClassifier's most frequent class
    oracle = skm.recall_score(data["income_over_50k"], np.full(len(data), majority), zero_division=0)
    for baseline in rows:
        assert baseline["B5"]["origin"] == "computed from the audit"
        assert baseline["B5"]["value"] == pytest.approx(oracle)
        assert baseline["B5"]["beaten"] is True
    assert rows[0] == rows[1]


def test_a_confident_target_on_sensitivity_uses_the_audits_interval(tmp_path, capsys):
    root = adult_copy(
        tmp_path / "p",
        [
            (
                "{name: recall, target: 0.55, direction: higher",
                "{name: Sensitivity, target: 0.55, confident: true, direction: higher",
            )
        ],
        FAST,
    )
    entry = status_of(capsys, root, "O3")
    assert "in audit A1, 95% Wilson lower bound" in entry["why"], entry["why"]
    data = predictions()
    assert f"= {numbers.quantity(skm.recall_score(data['income_over_50k'], data['prediction']))} " in entry["why"]


NO_REFERENCE = [
    (
        "reference_groups:                            # disparities are measured against these groups\n  sex: Male\n  race: White\n",
        "",
    )
]


def fairlearn_difference(metric, feature):
    data = predictions()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = flm.MetricFrame(
            metrics=metric,
            y_true=data["income_over_50k"],
            y_pred=data["prediction"],
            sensitive_features=data[feature],
        )
    return frame.difference(method="between_groups"), frame.ratio(method="between_groups")


@pytest.mark.parametrize(
    ("written", "metric", "kind"),
    [
        ("miss_rate_difference", flm.false_negative_rate, 0),
        ("Fall-out ratio", flm.false_positive_rate, 1),
        ("sensitivity_difference", flm.true_positive_rate, 0),
        ("specificity_ratio", flm.true_negative_rate, 1),
    ],
)
def test_a_limit_on_a_synonym_is_fairlearns_disparity(tmp_path, capsys, written, metric, kind):
    limit = f'  - metric: {written}\n    op: "<="\n    value: 0.5\n    feature: sex\n'
    root = adult_copy(tmp_path / "p", audit=[*FAST, *NO_REFERENCE, ("limits:\n", f"limits:\n{limit}")])
    code, out, _ = run_cli(capsys, "audit", str(root), "--format", "json")
    assert code in (0, 1), out
    (audit,) = json.loads(out)["audits"]
    (found,) = [entry for entry in audit["limits"] if entry["metric"] == spelling(written)]
    assert found["id"] == f"A1.{spelling(written)}.sex"  # the author's word in the default id
    assert found["canonical_metric"] == canonical(written)
    (finding,) = found["findings"]
    assert finding["observed"] == pytest.approx(fairlearn_difference(metric, "sex")[kind], abs=TOL)


def test_a_group_metric_list_takes_synonyms(tmp_path, capsys):
    root = adult_copy(
        tmp_path / "p",
        audit=[
            *FAST,
            (
                "slices: [education_level]",
                "slices: []\nmetrics: [selection_rate, sensitivity, Specificity, ppv, recall, fall-out]",
            ),
        ],
    )
    code, out, _ = run_cli(capsys, "audit", str(root), "--format", "json")
    assert code in (0, 1), out
    (audit,) = json.loads(out)["audits"]
    overall = audit["overall"]["metrics"]
    frame = predictions()
    y, p = frame["income_over_50k"], frame["prediction"]
    assert overall["true_positive_rate"]["value"] == pytest.approx(skm.recall_score(y, p), abs=TOL)
    assert overall["true_negative_rate"]["value"] == pytest.approx(skm.recall_score(y, p, pos_label=0), abs=TOL)
    assert overall["precision"]["value"] == pytest.approx(skm.precision_score(y, p), abs=TOL)


# --- misspelt names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ("metric: equal_opportunity_difference", "metric: sensitivty_difference"),
            "unknown limit metric 'sensitivty_difference'; did you mean 'sensitivity_difference'?",
        ),
        (
            ("metric: equal_opportunity_difference", "metric: mis rate difference"),
            "unknown limit metric 'mis rate difference'; did you mean 'miss_rate_difference'?",
        ),
        (
            ("slices: [education_level]", "slices: [education_level]\nmetrics: [accuracy, specifity]"),
            "unknown group metric 'specifity'; did you mean 'specificity'?",
        ),
        (
            ("slices: [education_level]", "slices: [education_level]\nmetrics: [npv]"),
            "'npv' names negative_predictive_value, which is not a group metric here",
        ),
    ],
)
def test_a_misspelt_metric_gets_a_did_you_mean(tmp_path, capsys, edit, expected):
    root = adult_copy(tmp_path / "p", audit=[edit])
    code, out, _ = run_cli(capsys, "validate", str(root))
    assert code == 2
    assert "specs/bias-audit.yaml:" in out
    assert expected in out, out
