"""The evaluation plan: validation, references, behavioural tests and the decision threshold."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import confusion_matrix

from helpers import REPO, run_cli, write_project
from planner import load as load_project
from planner.assess import assess
from planner.audit.cache import audits_for
from planner.numbers import quantity

ADULT = REPO / "examples" / "adult-income"

OBJECTIVES = """\
kind: objectives
goals:
  - {id: G1, statement: Grow., kpi: {name: revenue, target: 10}}
objectives:
  - {id: O1, goal: G1, statement: Rank., metric: {name: roc_auc, target: 0.7, dataset: holdout}}
"""

RISKS = """\
kind: risks
risks:
  - {id: R1, title: Unfair to a region., likelihood: 2, impact: 2}
"""

EVALUATION = """\
kind: evaluation
id: E1
datasets:
  - {id: holdout, description: Last quarter., split: test, rows: 400}
slices: [region]
tests:
  - id: T1
    type: invariance
    statement: Region does not change the decision.
    perturbation: Swap `region`.
    expectation: At most 1% of decisions flip.
    metric: {name: flip_rate, target: 0.01, direction: lower}
    dataset: holdout
    links: [R1, O1]
  - id: T2
    type: directional
    statement: More income never lowers the score.
    perturbation: Add 10% to `income`.
    expectation: Almost never.
    metric: {name: drop_rate, target: 0.02, direction: lower}
  - id: T3
    type: minimum-functionality
    statement: Clear cases are flagged.
    expectation: All 20 hand-written cases are flagged.
    metric: {name: mft_pass_rate, target: 1.0}
  - id: T4
    type: minimum-functionality
    statement: Clear cases are flagged.
    expectation: Reviewed by hand.
  - id: T5
    type: directional
    statement: Older debts weigh less.
    perturbation: Age every debt by a year.
    expectation: The score never falls.
    metric: {name: not_logged, target: 0.0, direction: lower}
threshold:
  policy: cost-based
  value: 0.5
  audit: A1
"""

AUDIT = """\
kind: bias-audit
id: A1
predictions: predictions.csv
label: y
score: score
threshold: 0.5
sensitive_features: [region]
costs: {false_positive: 1, false_negative: 3}
"""

RESULTS = """\
kind: results
sources:
  - {id: S, type: table, path: runs.csv}
candidate: {run: cand}
"""

RUNS = "run_id,roc_auc,flip_rate,drop_rate,mft_pass_rate,param.threshold\ncand,0.8,0.004,0.05,nan,0.5\n"


def predictions(seed=0, rows=400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, rows)
    score = np.clip(0.35 * y + rng.uniform(0, 0.65, rows), 0, 1).round(4)
    return pd.DataFrame({"y": y, "score": score, "region": rng.choice(["north", "south"], rows)})


def project(tmp_path, evaluation=EVALUATION, audit=AUDIT, runs=RUNS):
    specs = {
        "specs/o.yaml": OBJECTIVES,
        "specs/r.yaml": RISKS,
        "specs/e.yaml": evaluation,
        "specs/a.yaml": audit,
        "specs/res.yaml": RESULTS,
        "runs.csv": runs,
    }
    root = write_project(tmp_path / "p", specs)
    predictions().to_csv(root / "predictions.csv", index=False)
    return root


def problems(root):
    loaded = load_project(root)
    return [
        (d.file.removeprefix(str(root) + "/"), d.line, d.column, d.code, d.message, d.hint, d.breadcrumb)
        for d in loaded.diagnostics
        if d.is_error
    ]


def assessed(root, with_audits=True):
    loaded = load_project(root)
    assert not loaded.has_errors, loaded.diagnostics
    audits, failures = audits_for(loaded, use_cache=False) if with_audits else ([], [])
    assert failures == []
    return assess(loaded, audits=audits)


def expected_cost(frame, threshold, cost_fp=1.0, cost_fn=3.0) -> float:
    """Expected cost per row at `threshold`, from scikit-learn's confusion matrix."""
    _tn, fp, fn, _tp = confusion_matrix(frame["y"], (frame["score"] >= threshold).astype(int), labels=[0, 1]).ravel()
    return (cost_fp * fp + cost_fn * fn) / len(frame)


# --- validation ---------------------------------------------------------------------------------


def test_a_valid_evaluation_has_no_errors(tmp_path):
    assert problems(project(tmp_path)) == []


def test_a_perturbation_test_without_perturbation(tmp_path):
    text = EVALUATION.replace("    perturbation: Add 10% to `income`.\n", "")
    assert problems(project(tmp_path, text)) == [
        ("specs/e.yaml", 15, 5, "invalid", "a directional test needs a `perturbation`", "", "tests[T2]")
    ]


def test_unknown_test_key_and_type(tmp_path):
    text = EVALUATION.replace("    expectation: Almost never.", "    expectaton: Almost never.").replace(
        "type: minimum-functionality\n    statement: Clear cases are flagged.\n    expectation: All",
        "type: functionality\n    statement: Clear cases are flagged.\n    expectation: All",
    )
    assert problems(project(tmp_path, text)) == [  # the misspelt key, not also the required one it misses
        (
            "specs/e.yaml",
            19,
            5,
            "unknown-key",
            "unknown key 'expectaton'",
            "did you mean 'expectation'? it is required",
            "tests[T2].expectaton",
        ),
        (
            "specs/e.yaml",
            22,
            11,
            "invalid",
            "Input should be 'minimum-functionality', 'invariance' or 'directional'; found 'functionality'",
            "did you mean 'minimum-functionality'?",
            "tests[T3].type",
        ),
    ]


def test_threshold_policy_needs_its_fields(tmp_path):
    text = EVALUATION.replace(
        "  policy: cost-based\n  value: 0.5\n  audit: A1\n", "  policy: per-group\n  value: 0.5\n"
    )
    assert problems(project(tmp_path, text)) == [
        ("specs/e.yaml", 37, 3, "invalid", "a per-group threshold needs `feature` and `groups`", "", "threshold")
    ]
    text = EVALUATION.replace("  audit: A1\n", "")
    assert (
        problems(project(tmp_path / "2", text))[0][4]
        == "a cost-based threshold needs `costs`, or an `audit` that has them"
    )


def test_threshold_value_is_a_probability(tmp_path):
    text = EVALUATION.replace("  value: 0.5\n", "  value: 50\n")
    assert problems(project(tmp_path, text)) == [
        ("specs/e.yaml", 38, 10, "invalid", "Input should be less than or equal to 1; found 50", "", "threshold.value")
    ]


def test_a_crossed_slice_names_two_features(tmp_path):
    text = EVALUATION.replace("slices: [region]\n", "slices: [region]\ncrossed_slices:\n  - [region]\n")
    (problem,) = problems(project(tmp_path, text))
    assert problem[:4] == ("specs/e.yaml", 7, 5, "invalid") and problem[6] == "crossed_slices[0]"
    assert problem[4].startswith("List should have at least 2 items after validation, not 1")


# --- references ---------------------------------------------------------------------------------


def test_references_resolve_to_the_right_kinds(tmp_path):
    text = EVALUATION.replace("dataset: holdout\n    links: [R1, O1]", "dataset: holdot\n    links: [R1, G1]").replace(
        "audit: A1", "audit: R1"
    )
    assert problems(project(tmp_path, text)) == [
        (
            "specs/e.yaml",
            13,
            14,
            "unresolved-ref",
            "'holdot' does not exist",
            "did you mean 'holdout'?",
            "tests[T1].dataset",
        ),
        (
            "specs/e.yaml",
            14,
            17,
            "wrong-kind",
            "'G1' is a goal, expected a risk or objective or constraint",
            "",
            "tests[T1].links[1]",
        ),
        ("specs/e.yaml", 39, 10, "wrong-kind", "'R1' is a risk, expected a audit", "", "threshold.audit"),
    ]


def test_test_ids_are_unique_across_the_project(tmp_path):
    text = EVALUATION.replace("id: T4", "id: S")  # S is also the results source
    (problem,) = problems(project(tmp_path, text))
    assert problem[:5] == ("specs/res.yaml", 3, 10, "duplicate-id", "id 'S' is already used")
    assert problem[5].endswith("specs/e.yaml:26; ids are unique across the project")


def test_trace_links_tests_datasets_metrics_runs_and_the_audit(tmp_path, capsys):
    root = project(tmp_path)
    code, out, _ = run_cli(capsys, "trace", str(root), "T1", "--format", "json")
    assert code == 0
    upstream = {n["id"]: n["kind"] for n in json.loads(out)["upstream"]}
    assert {k: upstream[k] for k in ("holdout", "R1", "O1", "metric:flip_rate", "run:cand")} == {
        "holdout": "dataset",
        "R1": "risk",
        "O1": "objective",
        "metric:flip_rate": "metric",
        "run:cand": "run",
    }
    code, out, _ = run_cli(capsys, "trace", str(root), "holdout", "--format", "json")
    downstream = {n["id"] for n in json.loads(out)["downstream"]}
    assert {"T1", "O1"} <= downstream  # O1's `metric.dataset` names the evaluation dataset
    code, out, _ = run_cli(capsys, "trace", str(root), "E1.threshold", "--format", "json")
    assert {"id": "A1", "kind": "audit"} in json.loads(out)["upstream"]


# --- behavioural tests --------------------------------------------------------------------------


def test_behavioural_tests_against_the_candidate(tmp_path):
    result = assessed(project(tmp_path))
    found = {s.id: (s.status, s.value, s.why) for s in result.of_kind("test")}
    assert found == {
        "T1": ("met", 0.004, "flip_rate = 0.004, target at most 0.01"),
        "T2": ("not-met", 0.05, "drop_rate = 0.05, target at most 0.02"),
        "T3": ("no-evidence", None, "the candidate run's mft_pass_rate is nan, not a finite number"),
        "T4": ("info", None, "not measured by a run"),
        "T5": ("no-evidence", None, "the candidate run has no metric 'not_logged'"),
    }
    t1 = result.get("T1")
    assert (t1.run, t1.target, t1.direction, t1.margin) == ("cand", 0.01, "lower", pytest.approx(0.006))
    assert t1.detail.to_dict() == {
        "evaluation": "E1",
        "type": "invariance",
        "perturbation": "Swap `region`.",
        "expectation": "At most 1% of decisions flip.",
        "dataset": "holdout",
        "links": ["R1", "O1"],
        "metric": "flip_rate",
    }
    assert (t1.file.endswith("specs/e.yaml"), t1.line) == (True, 7)


def test_without_a_candidate_every_measured_test_is_no_evidence(tmp_path):
    result = assessed(project(tmp_path, runs=RUNS.replace("cand,", "other,")), with_audits=False)
    assert {s.status for s in result.of_kind("test") if s.id != "T4"} == {"no-evidence"}


def test_the_plan_lists_datasets_and_slice_coverage(tmp_path):
    text = EVALUATION.replace("slices: [region]", "slices: [region, channel]")
    plan = assessed(project(tmp_path, text)).get("E1")
    assert (plan.kind, plan.status) == ("evaluation", "info")
    assert plan.detail.to_dict()["slice_coverage"] == {"region": ["A1"], "channel": []}
    assert plan.detail.to_dict()["datasets"] == [
        {"id": "holdout", "description": "Last quarter.", "split": "test", "rows": 400, "source": None}
    ]
    assert plan.why.endswith("not broken down by any bias audit: channel")


# --- decision threshold -------------------------------------------------------------------------


def test_cost_based_threshold_against_an_independent_cost_computation(tmp_path):
    frame = predictions()
    grid = np.linspace(0, 1, 101)
    costs = np.array([expected_cost(frame, t) for t in grid])
    best = int(np.argmin(costs))
    status = assessed(project(tmp_path)).get("E1.threshold")
    extra = status.detail.to_dict()
    assert extra["cost_at_value"] == pytest.approx(expected_cost(frame, 0.5), abs=1e-12)
    assert (extra["optimal_threshold"], extra["optimal_cost"]) == (
        pytest.approx(grid[best]),
        pytest.approx(costs[best]),
    )
    within = grid[costs <= costs[best] * 1.05 + 1e-12]
    assert extra["band"] == [pytest.approx(within.min()), pytest.approx(within.max())]
    assert extra["excess_cost"] == pytest.approx(expected_cost(frame, 0.5) - costs[best])
    assert extra["costs"] == {"false_positive": 1.0, "false_negative": 3.0} and extra["costs_from"] == "audit"
    assert (extra["bayes_threshold"], extra["run_threshold"], extra["candidates"]) == (0.25, 0.5, "grid")
    judged = "met" if expected_cost(frame, 0.5) <= costs[best] * 1.05 + 1e-12 else "not-met"
    assert (status.kind, status.status, status.value, status.run) == ("threshold", judged, 0.5, None)
    assert status.why == (
        f"cost-based threshold 0.5; cost-optimal {grid[best]:g} (expected cost {quantity(costs[best])} "
        f"per case, audit A1), at 0.5: {quantity(expected_cost(frame, 0.5))}"  # the reports' one number style
    )


def test_a_threshold_at_the_optimum_is_met(tmp_path):
    frame = predictions()
    grid = np.linspace(0, 1, 101)
    best = grid[int(np.argmin([expected_cost(frame, t) for t in grid]))]
    status = assessed(project(tmp_path, EVALUATION.replace("value: 0.5", f"value: {best:g}"))).get("E1.threshold")
    assert (status.status, status.detail.to_dict()["excess_cost"]) == ("met", pytest.approx(0, abs=1e-12))


@pytest.mark.parametrize(
    "change, status, why_ends",
    [
        (
            ("value: 0.5", "value: 0.505"),
            "no-evidence",
            "; 0.505 is not one of the audit's candidate thresholds; the candidate run records threshold 0.5",
        ),
        (
            ("audit: A1", "audit: A1\n  costs: {false_positive: 2, false_negative: 3}"),
            "no-evidence",
            "; its costs differ from audit A1's (false positive 1, false negative 3), whose analysis therefore does not apply"
            "; with calibrated scores expected cost is lowest at 0.4",
        ),
        (("policy: cost-based", "policy: fixed"), "info", None),
    ],
)
def test_threshold_statuses(tmp_path, change, status, why_ends):
    found = assessed(project(tmp_path, EVALUATION.replace(*change))).get("E1.threshold")
    assert found.status == status
    if why_ends:
        assert found.why.endswith(why_ends)


def test_a_threshold_whose_audit_was_not_computed_is_no_evidence(tmp_path):
    found = assessed(project(tmp_path), with_audits=False).get("E1.threshold")
    assert (found.status, found.why) == (
        "no-evidence",
        "cost-based threshold 0.5; audit A1 not computed; with calibrated scores expected cost is lowest at 0.25",
    )


def test_a_cost_based_threshold_without_an_audit_is_info(tmp_path):
    text = EVALUATION.replace("  audit: A1\n", "  costs: {false_positive: 1, false_negative: 4}\n")
    found = assessed(project(tmp_path, text)).get("E1.threshold")
    assert (found.status, found.detail.to_dict()["bayes_threshold"], found.detail.to_dict()["optimal_threshold"]) == (
        "info",
        0.2,
        None,
    )


@pytest.mark.slow
def test_per_group_threshold_reports_each_group_optimum(tmp_path):
    text = EVALUATION.replace(
        "  policy: cost-based\n  value: 0.5\n",
        "  policy: per-group\n  feature: region\n  groups: {north: 0.4, south: 0.5}\n",
    )
    found = assessed(project(tmp_path, text)).get("E1.threshold")
    frame = predictions()
    grid = np.linspace(0, 1, 101)
    for region, part in frame.groupby("region"):
        costs = [expected_cost(part, t) for t in grid]
        assert found.detail.to_dict()["group_optimal"][region] == pytest.approx(grid[int(np.argmin(costs))])
    assert (found.status, found.value, found.detail.to_dict()["groups"]) == ("info", None, {"north": 0.4, "south": 0.5})
    assert found.why.startswith("per-group threshold on region: north 0.4, south 0.5; cost-optimal ")


# --- the adult-income example -------------------------------------------------------------------


@pytest.mark.slow
def test_adult_threshold_matches_scikit_learn_on_its_predictions():
    loaded = load_project(ADULT)
    audits, _ = audits_for(loaded, use_cache=False)
    status = assess(loaded, audits=audits).get("E1.threshold")
    frame = pd.read_csv(ADULT / "data" / "predictions.csv").rename(columns={"income_over_50k": "y"})
    grid = np.linspace(0, 1, 101)
    costs = np.array([expected_cost(frame, t, 60, 180) for t in grid])
    assert status.detail.to_dict()["cost_at_value"] == pytest.approx(expected_cost(frame, 0.5, 60, 180), rel=1e-12)
    assert status.detail.to_dict()["optimal_threshold"] == pytest.approx(grid[int(np.argmin(costs))])
    assert status.detail.to_dict()["optimal_cost"] == pytest.approx(costs.min(), rel=1e-12)
    assert status.status == "not-met"  # 0.5 costs about a quarter more than the optimum near 0.24


def test_adult_status_shows_tests_and_threshold(capsys):
    code, out, _ = run_cli(capsys, "status", str(ADULT), "--format", "json")
    assert code == 0
    items = {i["id"]: i for i in json.loads(out)["items"]}
    assert {k: items[k]["status"] for k in ("O1", "O2", "O3", "T1", "T2", "T3", "T4", "E1.threshold")} == {
        "O1": "met",
        "O2": "met",
        "O3": "met",
        "T1": "not-met",
        "T2": "met",
        "T3": "met",
        "T4": "info",
        "E1.threshold": "not-met",
    }
    code, out, _ = run_cli(capsys, "status", str(ADULT))
    assert "Behavioural tests" in out and "Decision thresholds" in out and "Evaluation plans" in out
