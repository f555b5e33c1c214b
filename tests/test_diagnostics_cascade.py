"""One mistake, one error: a document with invalid items stays in the project without them, so
references to those items elsewhere are not reported as missing; the output is ordered by cause
and closes with the files that have errors."""

import shutil

from helpers import REPO, run_cli, write_project
from planner import load

RISKS = """\
kind: risks
risks:
  - id: R1
    title: Drift
    likelihood: 3
    impact: 4
    owner: ml@example.com
    mitigations: [Monitor drift.]
  - id: R2
    title: Label leakage
    likelihood: 2
    impact: 5
    owner: ml@example.com
    mitigations: [Audit features.]
  - id: R3
    title: Outage
    likelihood: 9
    impact: 2
    owner: ops@example.com
    mitigations: [Fallback rules.]
"""

CONSTRAINTS = """\
kind: constraints
constraints:
  - id: C1
    category: ethical
    statement: Explain every decline.
    links: [{links}]
"""


def errors(root):
    return [
        (d.file.removeprefix(f"{root}/"), d.line, d.code, d.message, d.hint)
        for d in load(root).diagnostics
        if d.is_error
    ]


def test_typos_in_the_adult_income_risks_are_reported_there_only(tmp_path, capsys):
    root = tmp_path / "adult-income"
    shutil.copytree(REPO / "examples" / "adult-income", root)
    risks = root / "specs" / "risks.yaml"
    lines = risks.read_text().splitlines(keepends=True)
    first_owner = next(i for i, line in enumerate(lines) if line.strip().startswith("owner:"))
    second_likelihood = [i for i, line in enumerate(lines) if line.strip().startswith("likelihood:")][1]
    lines[first_owner] = lines[first_owner].replace("owner:", "ownr:")
    lines[second_likelihood] = lines[second_likelihood].replace("likelihood:", "likelyhood:")
    risks.write_text("".join(lines))

    assert errors(root) == [
        ("specs/risks.yaml", first_owner + 1, "unknown-key", "unknown key 'ownr'", "did you mean 'owner'?"),
        (
            "specs/risks.yaml",
            second_likelihood + 1,
            "unknown-key",
            "unknown key 'likelyhood'",
            "did you mean 'likelihood'? it is required",
        ),
    ]
    code, out, _ = run_cli(capsys, "validate", str(root))
    assert code == 2
    assert out.splitlines()[-2:] == [
        f"{root}/specs/risks.yaml: 2 errors, 0 warnings",
        f"{root}: invalid (9 documents; 2 errors, 0 warnings)",
    ]
    assert "unresolved-ref" not in out and "missing-key" not in out


def test_two_bad_dates_in_one_file_are_both_reported(tmp_path):
    risks = RISKS.replace(
        "    mitigations: [Monitor drift.]\n", "    mitigations: [Monitor drift.]\n    review_date: 2026-02-30\n"
    )
    risks = risks.replace(
        "    mitigations: [Audit features.]\n", "    mitigations: [Audit features.]\n    review_date: 30/04/2027\n"
    )
    root = write_project(tmp_path / "p", {"specs/risks.yaml": risks.replace("likelihood: 9", "likelihood: 2")})
    assert errors(root) == [
        (
            "specs/risks.yaml",
            9,
            "invalid",
            "'2026-02-30' is not a date",
            "give a real calendar date, as YYYY-MM-DD: February 2026 has 28 days",
        ),
        ("specs/risks.yaml", 16, "invalid", "'30/04/2027' is not a date", "write the date as YYYY-MM-DD: 2027-04-30"),
    ]


def test_a_reference_to_an_invalid_item_is_not_reported_but_one_to_no_item_is(tmp_path):
    root = write_project(
        tmp_path / "p",
        {
            "specs/risks.yaml": RISKS.replace("    impact: 5\n", "    impact: high\n"),
            "specs/constraints.yaml": CONSTRAINTS.format(links="R2, R7"),
        },
    )
    found = errors(root)
    assert [(file, code) for file, _, code, *_ in found] == [
        ("specs/risks.yaml", "type"),  # R2's impact
        ("specs/risks.yaml", "out-of-scale"),  # R3's likelihood, checked on the items kept
        ("specs/constraints.yaml", "unresolved-ref"),  # R7: no such item, valid or not
    ]
    assert found[1][1] == 17  # R3's likelihood, though R2 was dropped before R3 was checked
    assert found[2][3] == "'R7' does not exist"


def test_a_document_that_cannot_be_kept_still_defines_its_ids(tmp_path):
    broken = RISKS.replace("risks:\n", "scale: {likelihood: six, impact: 5}\nrisks:\n")
    root = write_project(
        tmp_path / "p", {"specs/risks.yaml": broken, "specs/constraints.yaml": CONSTRAINTS.format(links="R1, R3")}
    )
    assert [(file, code) for file, _, code, *_ in errors(root)] == [("specs/risks.yaml", "type")]


def test_a_reference_to_any_kind_suggests_no_id_of_another_kind(tmp_path):
    constraints = CONSTRAINTS.format(links="R8") + CONSTRAINTS.split("constraints:\n")[1].replace("C1", "C8")
    root = write_project(
        tmp_path / "p",
        {"specs/risks.yaml": RISKS.replace("likelihood: 9", "likelihood: 2"), "specs/constraints.yaml": constraints},
    )
    ((_, _, code, _, hint),) = [e for e in errors(root) if e[3] == "'R8' does not exist"]
    assert code == "unresolved-ref"
    assert "C8" not in hint and hint.startswith("did you mean 'R")


def test_output_is_ordered_by_cause_and_closes_with_each_file(tmp_path, capsys):
    root = write_project(
        tmp_path / "p",
        {
            "specs/a-constraints.yaml": CONSTRAINTS.format(links="X1"),
            "specs/b-broken.yaml": "kind: risks\nrisks: [\n",
            "specs/c-risks.yaml": RISKS,
        },
    )
    code, out, _ = run_cli(capsys, "validate", str(root))
    assert code == 2
    heads = [line.split(": ", 2)[1].split()[0] for line in out.splitlines() if ": error[" in line]
    assert heads == ["error[yaml-syntax]", "error[out-of-scale]", "error[unresolved-ref]"]
    assert out.splitlines()[-4:-1] == [
        f"{root}/specs/a-constraints.yaml: 1 error, 0 warnings",
        f"{root}/specs/b-broken.yaml: 1 error, 0 warnings",
        f"{root}/specs/c-risks.yaml: 1 error, 0 warnings",
    ]


def test_a_misspelt_audit_metric_hides_no_finding_references(tmp_path):
    root = tmp_path / "adult-income"
    shutil.copytree(REPO / "examples" / "adult-income", root)
    audit = root / "specs" / "bias-audit.yaml"
    audit.write_text(
        audit.read_text().replace("metric: demographic_parity_ratio", "metric: demographic_parity_rate", 1)
    )
    # risks.yaml and policy.yaml name the finding `A1.demographic_parity_ratio.sex` of the dropped limit
    assert [(file, code) for file, _, code, *_ in errors(root)] == [("specs/bias-audit.yaml", "invalid")]
