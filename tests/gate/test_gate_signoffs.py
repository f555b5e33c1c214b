"""Content-bound sign-offs: valid until a spec value changes, then stale naming the file
(the evidence a sign-off binds is tested in `tests/test_signoff_evidence.py`)."""

import datetime
import re

import pytest

from gate_projects import OBJECTIVES, RISKS, TODAY, build, load, policy
from planner import load as load_project
from planner.assess import assess
from planner.errors import PlannerError
from planner.gate import evaluate
from planner.kinds.signoffs import overall_digest, record_signoff, spec_digests
from planner.spec.policy import SignoffEvidence

ON = datetime.date(2026, 2, 1)
SPEC_FILES = [
    "planner.yaml",
    "specs/constraints.yaml",
    "specs/data.yaml",
    "specs/objectives.yaml",
    "specs/policy.yaml",
    "specs/results.yaml",
    "specs/risks.yaml",
]
REQUIRED = {"specs/policy.yaml": policy("  signoffs: [risk-officer, product-owner]\n")}


def sign(project, *, role: str, name: str, on: datetime.date):
    """Record a sign-off of the project's specs and the evidence its Assessment binds."""
    return record_signoff(project, role=role, name=name, on=on, evidence=assess(project).evidence)


@pytest.fixture
def signed(tmp_path):
    """A project signed off by the risk officer."""
    root = build(tmp_path / "p", REQUIRED)
    sign(load(root), role="risk-officer", name="Ann Lee", on=ON)
    return root


def states(root) -> list[tuple]:
    project = load(root)
    return [(s.role, s.name, s.valid, s.changed, s.added, s.removed) for s in assess(project).signoffs]


def gate_item(root):
    project = load(root)
    decision = evaluate(assess(project), today=TODAY)
    return next((i.status, i.why) for i in decision.items if i.id == "signoff:risk-officer")


def test_digests_cover_every_spec_file_but_signoffs(signed):
    digests = spec_digests(load(signed))
    assert list(digests) == SPEC_FILES
    assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", d) for d in digests.values())
    assert (signed / "signoffs.yaml").is_file()


def test_overall_digest_is_order_independent():
    digests = {"b.yaml": "sha256:2", "a.yaml": "sha256:1"}
    assert overall_digest(digests) == overall_digest(dict(sorted(digests.items())))
    assert overall_digest(digests) != overall_digest({**digests, "a.yaml": "sha256:3"})


def test_a_recorded_signoff_is_valid_and_its_file_validates(signed):
    project = load_project(signed)
    assert [d for d in project.diagnostics if d.is_error] == []
    assert states(signed) == [("risk-officer", "Ann Lee", True, [], [], [])]
    text = (signed / "signoffs.yaml").read_text()
    assert text.startswith("# Sign-offs recorded by `planner signoff`")
    assert "kind: signoffs\n" in text and "date: 2026-02-01\n" in text
    assert gate_item(signed) == ("pass", "signed off by Ann Lee on 2026-02-01")


def test_a_missing_signoff_fails_the_gate(tmp_path):
    assert gate_item(build(tmp_path / "p", REQUIRED)) == ("fail", "no sign-off for the role 'risk-officer'")


def test_signing_again_replaces_the_same_persons_entry(signed):
    sign(load(signed), role="risk-officer", name="Ann Lee", on=ON + datetime.timedelta(days=1))
    sign(load(signed), role="product-owner", name="Bo Ek", on=ON)
    assert [(s.role, s.name, s.date) for s in assess(load(signed)).signoffs] == [
        ("risk-officer", "Ann Lee", datetime.date(2026, 2, 2)),
        ("product-owner", "Bo Ek", ON),
    ]


def test_a_changed_value_makes_the_signoff_stale_naming_the_file(signed):
    risks = signed / "specs" / "risks.yaml"
    risks.write_text(risks.read_text().replace("likelihood: 4", "likelihood: 3"))
    assert states(signed) == [("risk-officer", "Ann Lee", False, ["specs/risks.yaml"], [], [])]
    assert gate_item(signed) == ("fail", "signed off by Ann Lee on 2026-02-01, stale: specs/risks.yaml changed since")


def test_reformatting_reordering_and_comments_keep_it_valid(signed):
    reformatted = """\
# the register, rewritten by hand
risks:
  - title: 'Drift.'
    id: R1
    likelihood: 4      # likely
    impact: 4
    residual: {impact: 2, likelihood: 2}
    mitigations:
      - "Monitor."
    owner: ml@example.com
    status: mitigating
  - id: R2
    title: Outage.
    likelihood: 1
    impact: 2
kind: "risks"
"""
    (signed / "specs" / "risks.yaml").write_text(reformatted)
    objectives = signed / "specs" / "objectives.yaml"
    objectives.write_text("# goals first\n" + OBJECTIVES.replace("target: 0.7", "target: 0.70"))
    assert states(signed) == [("risk-officer", "Ann Lee", True, [], [], [])]


def test_an_added_or_removed_spec_file_makes_it_stale(signed):
    (signed / "specs" / "more.yaml").write_text("kind: constraints\nconstraints: []\n")
    (signed / "specs" / "data.yaml").unlink()
    assert states(signed) == [("risk-officer", "Ann Lee", False, [], ["specs/more.yaml"], ["specs/data.yaml"])]
    assert gate_item(signed)[1] == (
        "signed off by Ann Lee on 2026-02-01, stale: specs/more.yaml added; specs/data.yaml removed since"
    )


def test_a_signoff_recorded_before_evidence_was_bound_must_be_re_signed(tmp_path):
    signoffs = (
        "kind: signoffs\nsignoffs:\n  - {role: risk-officer, name: Ann Lee, date: 2026-02-01, digest: 'sha256:0'}\n"
    )
    root = build(tmp_path / "p", {**REQUIRED, "signoffs.yaml": signoffs})
    assert states(root) == [("risk-officer", "Ann Lee", False, [], [], [])]
    assert gate_item(root) == (
        "fail",
        "signed off by Ann Lee on 2026-02-01, recorded before evidence was bound; re-sign",
    )
    sign(load(root), role="risk-officer", name="Ann Lee", on=ON)
    assert gate_item(root) == ("pass", "signed off by Ann Lee on 2026-02-01")


def test_an_invalid_project_cannot_be_signed(tmp_path):
    root = build(tmp_path / "p", {"specs/risks.yaml": RISKS.replace("likelihood: 4", "likelihood: 'high'")})
    with pytest.raises(PlannerError) as error:
        record_signoff(load_project(root), role="risk-officer", name="Ann Lee", on=ON, evidence=SignoffEvidence())
    (diagnostic,) = error.value.diagnostics
    assert (diagnostic.code, diagnostic.message, diagnostic.file.endswith("specs/risks.yaml"), diagnostic.line) == (
        "invalid-project",
        "cannot record a sign-off: the project has 1 validation error, the first here",
        True,
        5,
    )
    assert not (root / "signoffs.yaml").exists()


def test_an_empty_role_is_refused(tmp_path):
    project = load(build(tmp_path / "p", REQUIRED))
    with pytest.raises(PlannerError) as error:
        sign(project, role="", name="Ann Lee", on=ON)
    assert [(d.code, d.message, d.hint) for d in error.value.diagnostics] == [
        ("unknown-role", "'' is not a sign-off role of the policy", "one of: risk-officer, product-owner")
    ]
    assert not (tmp_path / "p" / "signoffs.yaml").exists()


def test_another_kind_in_signoffs_yaml_is_not_overwritten(tmp_path):
    root = build(tmp_path / "p", {**REQUIRED, "signoffs.yaml": "kind: constraints\nconstraints: []\n"})
    with pytest.raises(PlannerError) as error:
        sign(load(root), role="risk-officer", name="Ann Lee", on=ON)
    (diagnostic,) = error.value.diagnostics
    assert (diagnostic.code, diagnostic.message, diagnostic.line) == (
        "not-signoffs",
        "signoffs.yaml holds a 'constraints' document; it is rewritten by `planner signoff`",
        1,
    )
    assert (root / "signoffs.yaml").read_text() == "kind: constraints\nconstraints: []\n"
