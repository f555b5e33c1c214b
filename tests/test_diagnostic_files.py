"""Every diagnostic names a file: the spec line that named the evidence, or the file itself, so
`<input>` (the renderer's fallback for a diagnostic without a file) never reaches a user."""

import json
import textwrap

import pytest
import test_hostile_data

from helpers import run_cli
from helpers.hostile import Case, german_copy, run_case

FALLBACK = "<input>"
CASES = {case.id: case for case in test_hostile_data.CASES}
NAMED_NOW = (  # the catalogue's cases whose diagnostics named no file before
    "template-type-error",  # a project template's own error: named by its file and line
    "template-range-1e10",
    "template-huge-output",  # stopped after the render, outside any template frame
    "template-recursive-macro",
    "template-nested-loops",
)


@pytest.mark.parametrize("case_id", NAMED_NOW)
def test_a_hostile_case_names_its_file(case_id, built, tmp_path, monkeypatch):
    case = CASES[case_id]
    for name, value in getattr(case, "env", {}).items():
        monkeypatch.setitem(test_hostile_data.hostile.ENV, name, value)
    result = run_case(case, built(case.build), tmp_path)
    out = result.stdout + result.stderr
    assert FALLBACK not in out
    assert "templates/design.html.j2" in out, out


def test_a_template_error_names_the_template_line(tmp_path):
    root = german_copy(tmp_path / "p")
    (root / "templates").mkdir()
    (root / "templates" / "design.html.j2").write_text('<p>fine</p>\n<p>{{ 1 + "a" }}</p>\n')
    case = Case("template-line", lambda root: root, ("report", "{root}", "--format", "html"), 2)
    (tmp_path / "cwd").mkdir()
    result = run_case(case, root, tmp_path / "cwd")
    assert f"{root / 'templates' / 'design.html.j2'}:2:1: error[report-template]" in result.stdout + result.stderr


def _results_with_candidate(candidate: str):
    def build(root):
        german_copy(root)
        path = root / "specs" / "results.yaml"
        text = path.read_text()
        start = text.index("candidate:")
        path.write_text(text[:start] + textwrap.dedent(candidate))
        return root

    return build


@pytest.mark.parametrize(
    ("candidate", "code", "key"),
    [
        ("candidate:\n  run: no-such-run\n", "candidate-none", "run"),
        ("candidate:\n  tag: {}\n", "candidate-ambiguous", "tag"),
        ("candidate:\n  tag: {nobody: tags-this}\n", "candidate-none", "tag"),
        ("candidate:\n  best: {metric: no_such_metric}\n", "candidate-none", "best"),
    ],
)
def test_no_candidate_is_placed_at_the_candidate_rule(tmp_path, capsys, candidate, code, key):
    root = _results_with_candidate(candidate)(tmp_path / "p")
    lines = (root / "specs" / "results.yaml").read_text().splitlines()
    (line,) = [number for number, text in enumerate(lines, 1) if text.lstrip().startswith(f"{key}:")]
    _, out, err = run_cli(capsys, "status", str(root))
    assert FALLBACK not in out + err
    assert f"specs/results.yaml:{line}:" in out + err and f"error[{code}]" in out + err, out + err
    assert f"at candidate.{key}" in out + err
    _, out, err = run_cli(capsys, "gate", str(root))  # the gate's item for the problem names it too
    assert f"evidence:{code}  evidence  {root / 'specs' / 'results.yaml'}:{line}  " in out, out


def test_a_candidate_chosen_by_a_synonym_is_found(tmp_path, capsys):
    """`best: {metric: sensitivity}` ranks german-credit's runs by the recall they log."""
    root = _results_with_candidate("candidate:\n  best: {metric: sensitivity}\n")(tmp_path / "p")
    _, out, _ = run_cli(capsys, "status", str(root), "--format", "json")
    data = json.loads(out)
    assert not [d for d in data["diagnostics"] if d["code"].startswith("candidate")]
    assert data["candidate"] is not None


def test_a_tracking_server_problem_names_the_results_spec_in_every_gate_format(built, tmp_path):
    case = CASES["postgres-without-driver"]
    root = built(case.build)
    for fmt in ("text", "json", "github"):
        gate = Case(f"{case.id}-gate-{fmt}", case.build, ("gate", "{root}", "--format", fmt), 1)
        (tmp_path / fmt).mkdir()
        result = run_case(gate, root, tmp_path / fmt)
        assert FALLBACK not in result.stdout + result.stderr
        assert "results.yaml" in result.stdout + result.stderr
