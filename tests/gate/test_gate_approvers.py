"""Who may sign and approve: sign-off roles come from the policy, waiver approvers from its
`approvers`, and no waiver outlasts `max_waiver_days`; plus the evidence a sign-off binds, on a
small project (the example's flows are in `tests/test_signoff_evidence.py`)."""

import datetime

import pytest

from gate_projects import RUNS, TODAY, audit_spec, build, load, policy, predictions
from helpers import run_cli
from planner import assess as assess_with_audits
from planner import load as load_project
from planner.errors import PlannerError
from planner.gate import evaluate
from planner.kinds.signoffs import record_signoff
from planner.spec.policy import SignoffEvidence

ON = datetime.date(2026, 2, 1)
WAIVER = """\
waivers:
  - item: O1
    reason: Measured next quarter.
    approver: {approver}
    expires: {expires}
{granted}"""


def waiver_policy(top: str, *, approver="ro@example.com", expires="2026-03-31", granted="") -> str:
    granted = f"    granted: {granted}\n" if granted else ""
    return policy() + top + WAIVER.format(approver=approver, expires=expires, granted=granted)


def problems(root) -> list[tuple]:
    return [(d.code, d.line, d.message, d.hint) for d in load_project(root).diagnostics if d.is_error]


def test_approvers_must_include_each_waivers_approver(tmp_path):
    text = waiver_policy("approvers: [ro@example.com, cro@example.com]\n", approver="dev@example.com")
    root = build(tmp_path / "p", {"specs/policy.yaml": text})
    assert problems(root) == [
        (
            "unknown-approver",
            8,
            "dev@example.com is not one of the policy's approvers",
            "one of: ro@example.com, cro@example.com",
        )
    ]
    root = build(tmp_path / "q", {"specs/policy.yaml": waiver_policy("approvers: [ro@example.com]\n")})
    assert problems(root) == []


def test_without_approvers_anyone_may_approve(tmp_path):
    assert problems(build(tmp_path / "p", {"specs/policy.yaml": waiver_policy("", approver="dev@example.com")})) == []


def test_a_waiver_longer_than_max_waiver_days_from_its_grant_is_refused_at_its_expiry(tmp_path):
    text = waiver_policy("max_waiver_days: 30\n", expires="2026-03-31", granted="2026-01-31")
    assert problems(build(tmp_path / "p", {"specs/policy.yaml": text})) == [
        (
            "waiver-too-long",
            9,
            "the waiver lasts 59 days (from 2026-01-31 to 2026-03-31), longer than max_waiver_days: 30",
            "shorten the waiver, or renew it when it expires",
        )
    ]
    text = waiver_policy("max_waiver_days: 59\n", expires="2026-03-31", granted="2026-01-31")
    assert problems(build(tmp_path / "q", {"specs/policy.yaml": text})) == []


def test_without_a_grant_date_max_waiver_days_counts_from_today(tmp_path):
    today = datetime.date.today()
    far, near = (today + datetime.timedelta(days=days) for days in (91, 90))
    text = waiver_policy("max_waiver_days: 90\n", expires=far.isoformat())
    assert problems(build(tmp_path / "p", {"specs/policy.yaml": text})) == [
        (
            "waiver-too-long",
            9,
            f"the waiver lasts 91 days (from {today} to {far}), longer than max_waiver_days: 90",
            "shorten the waiver, or renew it when it expires (no `granted` date: counted from today)",
        )
    ]
    assert (
        problems(build(tmp_path / "q", {"specs/policy.yaml": waiver_policy("max_waiver_days: 90\n", expires=near)}))
        == []
    )


@pytest.mark.parametrize(("days", "code"), [("0", "invalid"), ("-3", "invalid"), ("'30'", "type")])
def test_max_waiver_days_is_a_positive_whole_number(tmp_path, days, code):
    root = build(tmp_path / "p", {"specs/policy.yaml": policy() + f"max_waiver_days: {days}\n"})
    assert [(found, line) for found, line, *_ in problems(root)] == [(code, 4)]


def test_a_role_the_policy_does_not_require_exits_2_listing_its_roles(tmp_path, capsys):
    root = build(tmp_path / "p", {"specs/policy.yaml": policy("  signoffs: [risk-officer, product-owner]\n")})
    code, out, err = run_cli(capsys, "signoff", str(root), "--role", "cto", "--name", "Ann Lee")
    assert (code, err) == (2, "")
    assert out.endswith(
        "specs/policy.yaml:3:13: error[unknown-role] 'cto' is not a sign-off role of the policy\n"
        "  hint: one of: risk-officer, product-owner\n"
    )
    assert not (root / "signoffs.yaml").exists()


def test_with_no_roles_required_nobody_can_sign_off(tmp_path, capsys):
    root = build(tmp_path / "p")
    code, out, _ = run_cli(capsys, "signoff", str(root), "--role", "cto", "--name", "Ann Lee")
    assert (code, out) == (
        2,
        f"{root / 'planner.yaml'}: error[unknown-role] the policy requires no sign-offs, so no role can sign off\n"
        "  hint: list the roles whose sign-off a release needs in the policy's `require.signoffs`\n",
    )


# the evidence, on a small project: a table source and one bias audit
SMALL = {
    "specs/policy.yaml": policy("  signoffs: [risk-officer]\n"),
    "specs/bias-audit.yaml": audit_spec(),
    "predictions.csv": predictions(45, 50),
}


def signoff_why(root) -> tuple[str, str]:
    decision = evaluate(assess_with_audits(load(root)), today=TODAY)
    return next((i.status, i.why) for i in decision.items if i.id == "signoff:risk-officer")


@pytest.fixture
def signed(tmp_path, capsys):
    root = build(tmp_path / "p", SMALL)
    code, _, err = run_cli(
        capsys, "signoff", str(root), "--role", "risk-officer", "--name", "Ann Lee", "--date", "2026-02-01"
    )
    assert code == 0, err
    assert signoff_why(root) == ("pass", "signed off by Ann Lee on 2026-02-01")
    return root


STALE = "signed off by Ann Lee on 2026-02-01, stale: {} since"


def test_changed_predictions_name_the_file_and_the_audit(signed):
    (signed / "predictions.csv").write_text(predictions(44, 50))
    assert signoff_why(signed) == (
        "fail",
        STALE.format("the predictions file predictions.csv changed; the result of audit A1 changed"),
    )


def test_changed_params_and_another_candidate_are_named(signed):
    (signed / "runs.csv").write_text(RUNS.replace("0.75", "0.76"))
    assert signoff_why(signed) == ("fail", STALE.format("the metrics of the candidate run cand of T changed"))
    (signed / "runs.csv").write_text(RUNS + "other,0.8,40,0.1\n")
    results = signed / "specs" / "results.yaml"
    results.write_text(results.read_text().replace("{run: cand}", "{run: other}"))
    assert signoff_why(signed) == (
        "fail",
        STALE.format("specs/results.yaml changed; the candidate run changed from cand of T to other of T"),
    )


def test_a_removed_audit_is_named(signed):
    (signed / "specs" / "bias-audit.yaml").unlink()
    assert signoff_why(signed) == (
        "fail",
        STALE.format(
            "specs/bias-audit.yaml removed; the predictions file predictions.csv removed; the result of audit A1 removed"
        ),
    )


def test_recording_needs_the_evidence(tmp_path):
    project = load(build(tmp_path / "p", SMALL))
    with pytest.raises(TypeError):
        record_signoff(project, role="risk-officer", name="Ann Lee", on=ON)  # type: ignore[call-arg]
    record_signoff(project, role="risk-officer", name="Ann Lee", on=ON, evidence=SignoffEvidence())
    assert signoff_why(tmp_path / "p")[0] == "fail"  # it approved no candidate, predictions or audit


def test_an_unknown_role_is_refused_by_the_library_too(tmp_path):
    project = load(build(tmp_path / "p", SMALL))
    with pytest.raises(PlannerError) as error:
        record_signoff(project, role="cto", name="Ann Lee", on=ON, evidence=SignoffEvidence())
    assert [(d.code, d.line, d.hint) for d in error.value.diagnostics] == [("unknown-role", 3, "one of: risk-officer")]
