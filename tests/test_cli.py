"""The CLI contract: exit codes, output formats, no tracebacks."""

import json
import resource

import pytest

import planner.api
from helpers import EXAMPLES, run_cli, run_process, write_project


def test_version(capsys):
    code, out, _ = run_cli(capsys, "--version")
    assert (code, out) == (0, f"planner, version {planner.__version__}\n")


def test_init_writes_a_project_that_validates(tmp_path, capsys):
    target = tmp_path / "new"
    code, out, _ = run_cli(capsys, "init", str(target))
    assert code == 0 and out.endswith(f"next: planner validate {target}\n")
    code, out, _ = run_cli(capsys, "validate", str(target))
    assert code == 0 and out.endswith(f"{target}: valid (15 documents; 0 errors, 1 warning)\n")  # R2 (test_starter)
    first_lines = {p.name: p.read_text().splitlines()[0] for p in (target / "specs").glob("*.yaml")}
    assert all(line.startswith("# yaml-language-server: $schema=../schemas/") for line in first_lines.values())


def test_init_refuses_a_folder_with_files(tmp_path, capsys):
    (tmp_path / "keep.txt").write_text("mine")
    code, out, _ = run_cli(capsys, "init", str(tmp_path))
    assert code == 2
    assert f"error[target-exists] {tmp_path} exists and is not an empty folder" in out
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_examples_validate(example, capsys):
    code, out, _ = run_cli(capsys, "validate", str(example))
    assert code == 0, out


def test_at_least_two_examples():
    assert {p.name for p in EXAMPLES} >= {"adult-income", "german-credit"}


def test_json_diagnostics_carry_the_contract_fields(tmp_path, capsys):
    root = write_project(
        tmp_path / "p", {"specs/r.yaml": "kind: risks\nrisks:\n  - {id: R1, title: T, likelihood: 9, impact: 1}\n"}
    )
    code, out, _ = run_cli(capsys, "validate", str(root), "--format", "json")
    payload = json.loads(out)
    assert code == 2 and payload["valid"] is False
    assert payload["diagnostics"] == [
        {
            "file": str(root / "specs/r.yaml"),
            "line": 3,
            "column": 36,
            "path": ["risks", 0, "likelihood"],
            "code": "out-of-scale",
            "severity": "error",
            "message": "likelihood 9 is above the scale's 5",
            "hint": "use 1 to 5, or enlarge `scale`",
            "breadcrumb": "risks[R1].likelihood",
        }
    ]


def test_text_diagnostics_show_the_source_line(tmp_path, capsys):
    root = write_project(
        tmp_path / "p", {"specs/r.yaml": "kind: risks\nrisks:\n  - {id: R1, title: T, likelihood: 9, impact: 1}\n"}
    )
    code, out, _ = run_cli(capsys, "validate", str(root))
    assert code == 2
    assert out.splitlines()[:5] == [
        f"{root}/specs/r.yaml:3:36: error[out-of-scale] likelihood 9 is above the scale's 5",
        "  at risks[R1].likelihood",
        "   3 |   - {id: R1, title: T, likelihood: 9, impact: 1}",
        "                                          ^",
        "  hint: use 1 to 5, or enlarge `scale`",
    ]


def test_strict_turns_warnings_into_failure(tmp_path, capsys):
    root = write_project(tmp_path / "p", {"specs/o.yaml": "kind: objectives\ngoals: [{id: G1, statement: S.}]\n"})
    assert run_cli(capsys, "validate", str(root))[0] == 0
    assert run_cli(capsys, "validate", str(root), "--strict")[0] == 2


def test_missing_project_exits_2(tmp_path, capsys):
    code, out, _ = run_cli(capsys, "validate", str(tmp_path))
    assert code == 2 and f"error[no-project] no planner.yaml in {tmp_path}" in out


def test_internal_error_exits_3_without_traceback(tmp_path, capsys, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(planner.api, "load", explode)
    code, _out, err = run_cli(capsys, "validate", str(tmp_path))
    assert code == 3
    assert err == (
        "planner: internal error: RuntimeError: boom\n"
        "hint: this is a bug in planner; please report it with the command you ran\n"
    )


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


@pytest.mark.parametrize(
    "name, body",
    [
        ("huge", b"kind: risks\nrisks: []\n" + b"# padding\n" * 5_300_000),  # ~50 MB
        ("bomb", None),
    ],
    ids=["50MB", "alias-bomb"],
)
@pytest.mark.slow  # a memory-capped process per hostile file
def test_hostile_files_fail_cleanly_in_a_bounded_process(tmp_path, name, body):
    from test_yaml_source import billion_laughs

    root = write_project(tmp_path / "p", {"specs/x.yaml": body or billion_laughs().encode()})
    result = run_process("validate", str(root), timeout=30, preexec_fn=_limit_memory)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert ("error[file-too-large]" if name == "huge" else "error[too-large]") in result.stdout


def test_max_file_size_is_configurable(tmp_path, capsys):
    root = write_project(tmp_path / "p", {"specs/r.yaml": "kind: risks\nrisks: []\n" + "# pad\n" * 50})
    assert run_cli(capsys, "validate", str(root))[0] == 0
    code, out, _ = run_cli(capsys, "validate", str(root), "--max-file-size", "300")
    assert code == 2
    assert (
        out.splitlines()[0]
        == f"{root}/specs/r.yaml: error[file-too-large] file is 322 bytes, more than the limit of 300"
    )
