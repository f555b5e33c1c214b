"""Each requirement of the policy: passing, failing, and what `all` and `none` select."""

import json

import pytest

from gate_projects import (
    CHECKLIST,
    OBJECTIVES,
    RESULTS,
    RISKS,
    RUNS,
    TODAY,
    audit_spec,
    build,
    by_id,
    load,
    policy,
    predictions,
)
from planner import load as load_project
from planner.assess import assess
from planner.errors import PlannerError
from planner.gate import evaluate

RULES = """\
rules:
  - {id: P1, description: Calibrated., metric: brier, op: "<=", value: 0.15}
  - {id: P2, description: Accurate enough., metric: roc_auc, op: ">", value: 0.8}
  - {id: P3, description: Recall known., metric: recall, op: ">=", value: 0.5}
"""


def test_a_project_meeting_the_strict_defaults_passes(decide):
    decision = decide()
    assert decision.passed and decision.failures == []
    assert [(i.id, i.requirement) for i in decision.items] == [
        ("O1", "objectives"),
        ("O2", "objectives"),
        ("C2", "constraints"),
        ("D1.consent", "checklist"),
        ("D1.vendor", "checklist"),
        ("R1", "risks"),
        ("R2", "risks"),
    ]
    assert by_id(decision) == {
        "O1": ("pass", "roc_auc = 0.75, target at least 0.7"),
        "O2": ("pass", "latency_ms = 40, target at most 50"),
        "C2": ("pass", "latency_ms = 40, limit at most 100"),
        "D1.consent": ("pass", "done"),
        "D1.vendor": ("pass", "n/a: Open data."),
        "R1": ("pass", "residual band low is not above medium"),
        "R2": ("pass", "inherent band low is not above medium"),
    }


def test_an_item_says_where_it_is_defined(decide):
    item = decide().items[0]
    assert (item.file.endswith("specs/objectives.yaml"), item.line, item.title) == (True, 5, "Rank.")


def test_an_objective_below_target_fails(decide):
    decision = decide({"specs/objectives.yaml": OBJECTIVES.replace("target: 0.7", "target: 0.8")})
    assert not decision.passed
    assert [(i.id, i.status, i.why) for i in decision.failures] == [
        ("O1", "fail", "roc_auc = 0.75, target at least 0.8")
    ]


@pytest.mark.parametrize(
    ("runs", "why"),
    [
        ("run_id,roc_auc,latency_ms\ncand,nan,40\n", "the candidate run's roc_auc is nan, not a finite number"),
        ("run_id,roc_auc,latency_ms\ncand,inf,40\n", "the candidate run's roc_auc is inf, not a finite number"),
        ("run_id,latency_ms\ncand,40\n", "the candidate run has no metric 'roc_auc'"),
    ],
    ids=["nan", "inf", "missing"],
)
def test_a_nan_or_missing_metric_never_passes(decide, runs, why):
    decision = decide({"runs.csv": runs})
    assert by_id(decision)["O1"] == ("fail", why)


def test_without_a_candidate_run_objectives_and_rules_fail(decide):
    results = RESULTS.replace("{run: cand}", "{tag: {candidate: 'true'}}")
    decision = decide({"specs/results.yaml": results, "specs/policy.yaml": policy(rules=RULES)})
    assert by_id(decision)["O1"] == by_id(decision)["P1"] == ("fail", "no candidate run")


def test_only_the_listed_objectives_are_required(decide):
    changes = {
        "specs/objectives.yaml": OBJECTIVES.replace("target: 0.7", "target: 0.8"),
        "specs/policy.yaml": policy("  objectives: [O2]\n"),
    }
    decision = decide(changes)
    assert decision.passed and "O1" not in by_id(decision) and by_id(decision)["O2"][0] == "pass"


def test_a_measurable_constraint_over_its_limit_fails(decide):
    decision = decide({"runs.csv": RUNS.replace(",40,", ",140,"), "specs/policy.yaml": policy("  objectives: none\n")})
    assert [(i.id, i.why) for i in decision.failures] == [("C2", "latency_ms = 140, limit at most 100")]


def test_a_constraint_named_explicitly_must_be_measurable(decide):
    decision = decide({"specs/policy.yaml": policy("  constraints: [C1, C2]\n")})
    assert by_id(decision)["C1"] == ("fail", "schedule constraint, not measurable from runs")
    assert by_id(decision)["C2"][0] == "pass"


def test_an_open_checklist_item_fails(decide):
    checklist = CHECKLIST + "  - {id: bias, question: Is bias checked?}\n"
    decision = decide({"specs/data.yaml": checklist})
    assert [(i.id, i.requirement, i.why) for i in decision.failures] == [
        ("D1.bias", "checklist", "open: neither done nor n/a")
    ]


def test_a_checklist_is_selected_by_its_id(decide):
    checklist = CHECKLIST + "  - {id: bias, question: Is bias checked?}\n"
    decision = decide({"specs/data.yaml": checklist, "specs/policy.yaml": policy("  checklist: [D1]\n")})
    assert [i.id for i in decision.failures] == ["D1.bias"]


RISKY = (
    RISKS
    + """\
  - {id: R3, title: Leak., likelihood: 4, impact: 3, owner: sec@example.com, mitigations: [Encrypt.],
     residual: {likelihood: 3, impact: 4}}
  - {id: R4, title: Harm., likelihood: 5, impact: 4}
  - {id: R5, title: Old., likelihood: 5, impact: 5, status: closed}
"""
)


def test_risks_above_the_band_or_unmanaged_fail(decide):
    decision = decide({"specs/risks.yaml": RISKY})
    assert [(i.id, i.why) for i in decision.failures] == [
        ("R3", "residual band high is above medium"),
        ("R4", "inherent band critical is above medium; critical risk has no owner and no mitigation"),
    ]
    assert by_id(decision)["R5"] == ("pass", "closed")


def test_risk_policy_can_be_relaxed(decide):
    relaxed = "  max_risk_band: critical\n  risk_owner_and_mitigation: false\n"
    decision = decide({"specs/risks.yaml": RISKY, "specs/policy.yaml": policy(relaxed)})
    assert decision.passed
    assert by_id(decision)["R4"] == ("pass", "inherent band critical is not above critical")


def test_a_high_risk_needs_an_owner_even_within_the_band(decide):
    risks = RISKS + "  - {id: R3, title: Leak., likelihood: 4, impact: 3, mitigations: [Encrypt.]}\n"
    decision = decide({"specs/risks.yaml": risks, "specs/policy.yaml": policy("  max_risk_band: high\n")})
    assert [(i.id, i.why) for i in decision.failures] == [("R3", "high risk has no owner")]


def test_a_max_band_missing_from_one_register_fails_its_risks(decide):
    other = (
        "kind: risks\nbands: {a: 1-4, b: 5-9, c: 10-16, d: 17-25}\n"
        "risks:\n  - {id: R9, title: Odd., likelihood: 1, impact: 1}\n"
    )
    decision = decide({"specs/other-risks.yaml": other})
    assert [(i.id, i.why) for i in decision.failures] == [("R9", "its register has no band 'medium'")]


@pytest.mark.parametrize(
    "women, status, why",
    [
        (20, "pass", "sex: 0.8 >= 0.8; limit demographic_parity_ratio >= 0.8 for sex"),
        (10, "fail", "sex: 0.4 < 0.8; limit demographic_parity_ratio >= 0.8 for sex"),
    ],
)
def test_audit_limits_must_pass(decide, women, status, why):
    decision = decide({"specs/audit.yaml": audit_spec(), "predictions.csv": predictions(women, 25)})
    assert by_id(decision)["A1.demographic_parity_ratio.sex"] == (status, why)
    assert decision.passed is (status == "pass")


def test_insufficient_data_is_not_proven(decide):
    decision = decide({"specs/audit.yaml": audit_spec(min_group_size=60), "predictions.csv": predictions(20, 25)})
    assert [(i.id, i.requirement, i.why) for i in decision.failures] == [
        (
            "A1.demographic_parity_ratio.sex",
            "audits",
            "insufficient data for demographic_parity_ratio >= 0.8 for sex, so it is not proven",
        )
    ]


def test_a_limit_whose_audit_was_not_computed_fails(decide):
    changes = {
        "specs/audit.yaml": audit_spec(),
        "predictions.csv": predictions(20, 25),
        "specs/policy.yaml": policy("  audits: [A1]\n"),
    }
    decision = decide(changes, audits=False)
    assert [(i.id, i.why) for i in decision.failures] == [
        (
            "A1.demographic_parity_ratio.sex",
            "audit not computed, so demographic_parity_ratio >= 0.8 for sex is not proven",
        )
    ]


def test_audits_none_requires_no_limit(decide):
    changes = {
        "specs/audit.yaml": audit_spec(),
        "predictions.csv": predictions(10, 25),
        "specs/policy.yaml": policy("  audits: none\n"),
    }
    assert decide(changes).passed


def test_rules_are_checked_against_the_candidate_run(decide):
    decision = decide({"specs/policy.yaml": policy(rules=RULES)})
    assert [(i.id, i.requirement, i.status, i.why) for i in decision.items if i.requirement == "rules"] == [
        ("P1", "rules", "pass", "brier = 0.12, rule <= 0.15"),
        ("P2", "rules", "fail", "roc_auc = 0.75, rule > 0.8"),
        ("P3", "rules", "fail", "the candidate run has no metric 'recall'"),
    ]
    p1 = decision.items[-3]
    assert (p1.title, p1.file.endswith("specs/policy.yaml"), p1.line) == ("Calibrated.", True, 5)


def test_a_rule_on_a_nan_metric_fails(decide):
    decision = decide({"specs/policy.yaml": policy(rules=RULES), "runs.csv": RUNS.replace("0.12", "nan")})
    assert by_id(decision)["P1"] == ("fail", "the candidate run's brier is nan, not a finite number")


def test_unreadable_evidence_fails_the_gate(decide):
    decision = decide({"runs.csv": None})
    evidence = [
        (i.id, i.why, i.file.rsplit("/", 1)[-1], i.line) for i in decision.failures if i.requirement == "evidence"
    ]
    # the candidate is not reported missing as well: it may be in the source that could not be read
    assert evidence == [("evidence:evidence-missing", "run table not found: runs.csv", "runs.csv", 0)]


def test_two_problems_with_one_code_stay_two_items(decide):
    results = (
        "kind: results\nsources:\n  - {id: T, type: table, path: runs.csv}\n  - {id: U, type: table, path: more.csv}\n"
        "candidate: {run: cand}\n"
    )
    decision = decide({"runs.csv": None, "specs/results.yaml": results})
    ids = [i.id for i in decision.failures if i.requirement == "evidence"]
    assert ids[:2] == ["evidence:evidence-missing:1", "evidence:evidence-missing:2"] and len(set(ids)) == len(ids)


def test_nothing_selected_fails_nothing(decide):
    nothing = "  objectives: none\n  constraints: none\n  checklist: none\n  audits: none\n"
    decision = decide(
        {
            "specs/policy.yaml": policy(nothing),
            "runs.csv": "run_id\ncand\n",
            "specs/data.yaml": CHECKLIST + "  - {id: bias, question: Is bias checked?}\n",
        }
    )
    assert decision.passed
    assert {i.requirement for i in decision.items} == {"risks"}


def test_to_dict_is_strict_json(decide):
    decision = decide(
        {"runs.csv": "run_id,roc_auc,latency_ms,brier\ncand,nan,40,nan\n", "specs/policy.yaml": policy(rules=RULES)}
    )
    data = json.loads(json.dumps(decision.to_dict(), allow_nan=False))
    assert data["passed"] is False
    assert data["counts"] == {"pass": 6, "fail": 4, "waived": 0}
    assert data["items"][0] == {
        "id": "O1",
        "requirement": "objectives",
        "status": "fail",
        "title": "Rank.",
        "why": "the candidate run's roc_auc is nan, not a finite number",
        "file": data["items"][0]["file"],
        "line": 5,
        "waiver": None,
        "group": None,
    }


def test_an_invalid_project_is_refused(tmp_path):
    root = build(
        tmp_path / "p",
        {"specs/objectives.yaml": OBJECTIVES.replace("goal: G1, statement: Rank.", "goal: G9, statement: Rank.")},
    )
    valid = load(build(tmp_path / "q"))
    project = load_project(root)
    evaluate(assess(valid), today=TODAY)  # a valid project's Assessment is gated; an invalid one has none
    with pytest.raises(PlannerError) as error:
        assess(project)
    (diagnostic,) = error.value.diagnostics
    assert (diagnostic.code, diagnostic.message, diagnostic.line) == (
        "invalid-project",
        "cannot assess the project: the project has 1 validation error, the first here",
        5,
    )
    assert diagnostic.file.endswith("specs/objectives.yaml")
