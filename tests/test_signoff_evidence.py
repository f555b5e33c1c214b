"""Sign-offs bound to the evidence (issue 13), on a copy of the adult-income example: another
candidate run, a changed metric or one flipped prediction makes every sign-off fail the gate,
naming what changed; re-signing makes it pass again."""

import json
import shutil
from pathlib import Path

import pytest
import yaml

from helpers import EXAMPLES, run_cli

# every test runs the real gate on the example, computing its bias audit (about a second each)
pytestmark = pytest.mark.slow

EXAMPLE = next(path for path in EXAMPLES if path.name == "adult-income")
ROLES = {"product-owner": "Dana Product", "risk-officer": "Rui Risk"}
RUNS = Path("mlruns/568318645451425357")
CANDIDATE = "8080a5bab43544b49d9d1d2512b7f5b2"
OTHER = "30ef2650406146ddaac0e13be30ad486"
SIGNED = "signed off by {name} on 2026-11-29"


def sign(capsys, root: Path) -> None:
    for role, name in ROLES.items():
        code, out, err = run_cli(capsys, "signoff", str(root), "--role", role, "--name", name, "--date", "2026-11-29")
        assert code == 0, err
        assert out.startswith(f"{root / 'signoffs.yaml'}: {role} signed off by {name} (sha256:")


def gate(capsys, root: Path) -> tuple[int, dict[str, tuple[str, str]]]:
    """The gate's exit code and its sign-off items (status, why) by role."""
    code, out, _ = run_cli(capsys, "gate", str(root), "--format", "json")
    items = json.loads(out)["items"]
    return code, {
        i["id"].removeprefix("signoff:"): (i["status"], i["why"]) for i in items if i["requirement"] == "signoffs"
    }


def stale(what: str) -> dict[str, tuple[str, str]]:
    return {role: ("fail", f"{SIGNED.format(name=name)}, stale: {what} since") for role, name in ROLES.items()}


PASSING = {role: ("pass", SIGNED.format(name=name)) for role, name in ROLES.items()}


@pytest.fixture
def project(tmp_path, capsys):
    """A copy of the example (without its reports) with its sign-offs recorded again."""
    root = tmp_path / "adult-income"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("reports"))
    sign(capsys, root)
    return root


def test_the_examples_recorded_signoffs_bind_the_evidence_and_pass(project, capsys):
    assert gate(capsys, project) == (0, PASSING)
    recorded = yaml.safe_load((EXAMPLE / "signoffs.yaml").read_text())["signoffs"]
    assert [(entry["role"], entry["name"]) for entry in recorded] == list(ROLES.items())
    resigned = yaml.safe_load((project / "signoffs.yaml").read_text())["signoffs"]
    assert [entry["evidence"] for entry in resigned] == [entry["evidence"] for entry in recorded]
    evidence = recorded[0]["evidence"]
    assert (evidence["candidate"]["source"], evidence["candidate"]["run"]) == ("S1", CANDIDATE)
    assert list(evidence["predictions"]) == ["data/predictions.csv"]
    assert list(evidence["audits"]) == ["A1"]


def test_one_flipped_prediction_makes_every_signoff_stale_until_re_signed(project, capsys):
    predictions = project / "data" / "predictions.csv"
    header, first, *rest = predictions.read_text().splitlines(keepends=True)
    assert first.startswith("0,0,")
    predictions.write_text("".join([header, "0,1," + first.removeprefix("0,0,"), *rest]))
    assert gate(capsys, project) == (
        1,
        stale("the predictions file data/predictions.csv changed; the result of audit A1 changed"),
    )
    sign(capsys, project)
    assert gate(capsys, project) == (0, PASSING)


def test_another_candidate_run_makes_every_signoff_stale(project, capsys):
    (project / RUNS / CANDIDATE / "tags" / "candidate").unlink()
    (project / RUNS / OTHER / "tags" / "candidate").write_text("true")
    code, items = gate(capsys, project)
    assert (code, items) == (1, stale(f"the candidate run changed from {CANDIDATE} of S1 to {OTHER} of S1"))
    sign(capsys, project)
    assert gate(capsys, project)[1] == PASSING  # other items may fail: it is another model


def test_a_changed_metric_of_the_candidate_makes_every_signoff_stale_until_re_signed(project, capsys):
    metric = project / RUNS / CANDIDATE / "metrics" / "brier_score"
    metric.write_text(metric.read_text().replace("0.10190191907877255", "0.1029"))
    assert gate(capsys, project) == (1, stale(f"the metrics of the candidate run {CANDIDATE} of S1 changed"))
    sign(capsys, project)
    assert gate(capsys, project) == (0, PASSING)


def test_a_changed_spec_and_changed_evidence_are_named_together(project, capsys):
    metric = project / RUNS / CANDIDATE / "metrics" / "brier_score"
    metric.write_text(metric.read_text().replace("0.10190191907877255", "0.1029"))
    risks = project / "specs" / "risks.yaml"
    risks.write_text(risks.read_text() + "# a comment changes no value\n")
    policy = project / "specs" / "policy.yaml"
    policy.write_text(policy.read_text().replace("value: 0.15", "value: 0.16"))
    what = f"specs/policy.yaml changed; the metrics of the candidate run {CANDIDATE} of S1 changed"
    assert gate(capsys, project) == (1, stale(what))


def test_a_signoff_recorded_before_evidence_was_bound_fails_until_re_signed(project, capsys):
    path = project / "signoffs.yaml"
    data = yaml.safe_load(path.read_text())
    for entry in data["signoffs"]:
        del entry["evidence"]
    path.write_text(yaml.safe_dump(data))
    unbound = {
        role: ("fail", f"{SIGNED.format(name=name)}, recorded before evidence was bound; re-sign")
        for role, name in ROLES.items()
    }
    assert gate(capsys, project) == (1, unbound)
    sign(capsys, project)
    assert gate(capsys, project) == (0, PASSING)


def test_a_role_the_policy_does_not_name_is_refused(project, capsys):
    before = (project / "signoffs.yaml").read_text()
    code, out, err = run_cli(capsys, "signoff", str(project), "--role", "not-a-role", "--name", "Ann Lee")
    assert (code, err) == (2, "")
    assert out == (
        f"{project / 'specs' / 'policy.yaml'}:18:13: error[unknown-role] 'not-a-role' is not a sign-off role of "
        "the policy\n  hint: one of: product-owner, risk-officer\n"
    )
    assert (project / "signoffs.yaml").read_text() == before
