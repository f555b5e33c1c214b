"""Validation of spec documents: each class of mistake, with its exact position and message."""

import shutil

import pytest

from helpers import REPO, run_cli, write_project
from planner import load as load_project

RISKS = """\
kind: risks
risks:
  - id: R1
    title: Drift
    likelihood: 3
    impact: 4
    owner: ml@example.com
    mitigations: [Monitor drift.]
"""

OBJECTIVES = """\
kind: objectives
goals:
  - {id: G1, statement: Grow revenue.}
objectives:
  - id: O1
    goal: G1
    statement: Rank leads.
    metric: {name: roc_auc, target: 0.8}
"""


def problems(root, errors_only=True):
    project = load_project(root)
    return [
        (d.file.removeprefix(str(root) + "/"), d.line, d.column, d.code, d.message, d.hint, d.breadcrumb)
        for d in project.diagnostics
        if d.is_error or not errors_only
    ]


def test_a_valid_project_has_no_diagnostics(tmp_path):
    root = write_project(tmp_path / "p", {"specs/risks.yaml": RISKS, "specs/objectives.yaml": OBJECTIVES})
    assert problems(root, errors_only=False) == []


def test_unknown_key_points_at_the_key_with_a_suggestion(tmp_path):
    root = write_project(tmp_path / "p", {"specs/risks.yaml": RISKS.replace("    owner:", "    ownr:")})
    assert problems(root) == [
        ("specs/risks.yaml", 7, 5, "unknown-key", "unknown key 'ownr'", "did you mean 'owner'?", "risks[R1].ownr")
    ]


def test_missing_key_points_at_its_parent(tmp_path):
    root = write_project(tmp_path / "p", {"specs/risks.yaml": RISKS.replace("    title: Drift\n", "")})
    assert problems(root) == [
        (
            "specs/risks.yaml",
            3,
            5,
            "missing-key",
            "missing required key 'title'",
            "add it; see `planner schema` for every key",
            "risks[R1].title",
        )
    ]


def test_unquoted_no_is_not_a_string(tmp_path):
    root = write_project(tmp_path / "p", {"specs/risks.yaml": RISKS.replace("title: Drift", "title: NO")})
    assert problems(root) == [
        (
            "specs/risks.yaml",
            4,
            12,
            "type",
            "Input should be a valid string; found False",
            "YAML reads unquoted yes/no/on/off/true/false as booleans: quote the value",
            "risks[R1].title",
        )
    ]


def test_numbers_are_not_parsed_from_strings(tmp_path):
    root = write_project(tmp_path / "p", {"specs/risks.yaml": RISKS.replace("impact: 4", "impact: '4'")})
    assert problems(root)[0][1:5] == (6, 13, "type", "Input should be a valid integer; found '4'")


def test_email_and_range_checks(tmp_path):
    text = RISKS.replace("ml@example.com", "not-an-email").replace("impact: 4", "impact: 0")
    root = write_project(tmp_path / "p", {"specs/risks.yaml": text})
    found = [(line, code, crumb) for _, line, _, code, _, _, crumb in problems(root)]
    assert found == [(6, "invalid", "risks[R1].impact"), (7, "invalid", "risks[R1].owner")]


def test_likelihood_above_the_scale(tmp_path):
    text = RISKS.replace(
        "kind: risks\n",
        "kind: risks\nscale: {likelihood: 3, impact: 5}\nbands: {low: 1-3, medium: 4-6, high: 7-10, critical: 11-15}\n",
    )
    root = write_project(tmp_path / "p", {"specs/risks.yaml": text.replace("likelihood: 3\n", "likelihood: 4\n")})
    assert problems(root) == [
        (
            "specs/risks.yaml",
            7,
            17,
            "out-of-scale",
            "likelihood 4 is above the scale's 3",
            "use 1 to 3, or enlarge `scale`",
            "risks[R1].likelihood",
        )
    ]


def test_bands_must_cover_every_score(tmp_path):
    text = RISKS.replace("kind: risks\n", "kind: risks\nbands: {low: 1-4, high: 10-25}\n")
    root = write_project(tmp_path / "p", {"specs/risks.yaml": text})
    (problem,) = problems(root)
    assert problem[1:5] == (2, 8, "uncovered-scores", "bands leave scores [5, 6, 8, 9] (of 1-25) without a band")


def test_duplicate_ids_across_files(tmp_path):
    root = write_project(tmp_path / "p", {"specs/a.yaml": RISKS, "specs/b.yaml": OBJECTIVES.replace("O1", "R1")})
    (problem,) = problems(root)
    assert problem[:5] == ("specs/b.yaml", 5, 9, "duplicate-id", "id 'R1' is already used")
    assert problem[5].startswith("first defined at ") and problem[5].endswith(
        "specs/a.yaml:3; ids are unique across the project"
    )


def test_unresolved_reference_suggests_the_closest_id(tmp_path):
    text = OBJECTIVES.replace("goal: G1", "goal: G11")
    root = write_project(tmp_path / "p", {"specs/o.yaml": text})
    assert problems(root) == [
        ("specs/o.yaml", 6, 11, "unresolved-ref", "'G11' does not exist", "did you mean 'G1'?", "objectives[O1].goal")
    ]


def test_reference_to_the_wrong_kind(tmp_path):
    root = write_project(
        tmp_path / "p", {"specs/r.yaml": RISKS, "specs/o.yaml": OBJECTIVES.replace("goal: G1", "goal: R1")}
    )
    assert problems(root)[0][3:5] == ("wrong-kind", "'R1' is a risk, expected a goal")


def test_cycles_are_printed_as_a_chain(tmp_path):
    text = (
        OBJECTIVES
        + """\
    depends_on: [O2]
  - id: O2
    goal: G1
    statement: Clean data.
    metric: {name: completeness, target: 0.99}
    depends_on: [O1]
"""
    )
    root = write_project(tmp_path / "p", {"specs/o.yaml": text})
    assert problems(root)[0][3:5] == ("cycle", "cycle: O1 --> O2 --> O1")


def test_orphans_are_warnings(tmp_path):
    text = OBJECTIVES.replace("    goal: G1\n", "").replace(
        "Grow revenue.}", "Grow revenue.}\n  - {id: G2, statement: Keep costs.}"
    )
    root = write_project(tmp_path / "p", {"specs/o.yaml": text})
    assert [p[3:5] for p in problems(root, errors_only=False)] == [
        ("orphan-goal", "goal 'G1' has no objective"),
        ("orphan-goal", "goal 'G2' has no objective"),
        ("orphan-objective", "objective 'O1' serves no goal"),
    ]


def test_severe_risk_without_owner_or_mitigation_is_a_warning(tmp_path):
    text = (
        RISKS.replace("likelihood: 3", "likelihood: 5")
        .replace("    owner: ml@example.com\n", "")
        .replace("    mitigations: [Monitor drift.]\n", "")
    )
    root = write_project(tmp_path / "p", {"specs/r.yaml": text})
    assert [p[3:6] for p in problems(root, errors_only=False)] == [
        ("unmanaged-risk", "critical risk 'R1' has no owner and no mitigation", "give it an owner and a mitigation")
    ]


def test_paths_must_stay_inside_the_project(tmp_path):
    audit = """\
    kind: bias-audit
    id: A1
    predictions: ../../etc/passwd
    label: y
    prediction: p
    sensitive_features: [sex]
    """
    root = write_project(tmp_path / "p", {"specs/a.yaml": audit})
    assert problems(root) == [
        ("specs/a.yaml", 3, 14, "invalid", "must stay inside the project folder", "", "predictions")
    ]


def test_unknown_kind_suggests_a_kind(tmp_path):
    root = write_project(tmp_path / "p", {"specs/r.yaml": RISKS.replace("kind: risks", "kind: risk")})
    assert problems(root) == [
        ("specs/r.yaml", 1, 7, "unknown-kind", "unknown kind 'risk'", "did you mean 'risks'?", "")
    ]


def test_every_error_of_a_run_is_reported(tmp_path):
    root = write_project(
        tmp_path / "p",
        {
            "specs/r.yaml": RISKS.replace("impact: 4", "impact: high"),
            "specs/o.yaml": OBJECTIVES.replace("goal: G1", "goal: G9"),
            "specs/bad.yaml": "kind: risks\nrisks: [\n",
        },
    )
    assert [(p[0], p[3]) for p in problems(root)] == [
        ("specs/bad.yaml", "yaml-syntax"),
        ("specs/r.yaml", "type"),
        ("specs/o.yaml", "unresolved-ref"),
    ]


@pytest.mark.parametrize(("key", "line"), [("tests", 14), ("thresholds", 15)])
def test_a_policy_selection_naming_no_item_is_an_error_at_its_line(tmp_path, capsys, key, line):
    """Every `require` selection resolves its ids, behavioural tests and thresholds included."""
    root = shutil.copytree(
        REPO / "examples" / "adult-income", tmp_path / "adult", ignore=shutil.ignore_patterns(".planner", "reports")
    )
    policy = root / "specs" / "policy.yaml"
    text = policy.read_text()
    assert f"\n  {key}: all " in text
    policy.write_text(text.replace(f"\n  {key}: all ", f"\n  {key}: [T99] "))
    code, out, _ = run_cli(capsys, "validate", str(root))
    assert code == 2
    assert f"specs/policy.yaml:{line}:" in out and "error[unresolved-ref] 'T99' does not exist" in out
    assert f"at require.{key}[0]" in out
