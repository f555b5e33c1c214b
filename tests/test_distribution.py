"""The ways planner reaches CI: the pre-commit hooks and the composite GitHub Action, run for real.

The action's gate script is taken out of `action.yml` and run with bash the way a runner does
(`bash -e -o pipefail`), with `planner` on PATH and GitHub's output files set.
"""

import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from helpers import EXAMPLES, REPO

ADULT, GERMAN = (next(p for p in EXAMPLES if p.name == name) for name in ("adult-income", "german-credit"))
TODAY = "2026-11-29"  # the examples' waivers expire in 2027: runs are pinned to a date they cover


@pytest.fixture
def planner_on_path(tmp_path):
    """A `planner` executable on PATH running this checkout's package with this interpreter."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "planner"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m planner "$@"\n')
    shim.chmod(0o755)
    return {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": f"{REPO}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
    }


def action():
    return yaml.safe_load((REPO / "action.yml").read_text())


def gate_step():
    return next(step for step in action()["runs"]["steps"] if step.get("id") == "gate")


def test_action_inputs_never_reach_a_script_unquoted():
    for step in action()["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), f"step {step.get('name')!r} pastes an expression into its script"
    assert action()["runs"]["using"] == "composite"


def run_gate_step(project, env, tmp_path, sarif=""):
    """The action's gate step as a runner executes it; returns (exit code, stdout, outputs, summary)."""
    outputs, summary = tmp_path / "github_output", tmp_path / "step_summary"
    outputs.write_text("")
    summary.write_text("")
    step_env = {
        **env,
        "PLANNER_PATH": str(project),
        "PLANNER_SARIF": sarif,
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    # the action has no --today input: a real run uses the real date; the test pins it
    script = gate_step()["run"].replace("planner gate ", f"planner gate --today {TODAY} ")
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        env=step_env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.returncode, done.stdout, outputs.read_text(), summary.read_text()


@pytest.mark.slow
def test_action_fails_a_blocked_release_with_annotations_sarif_and_one_summary(planner_on_path, tmp_path):
    project = shutil.copytree(GERMAN, tmp_path / "german")
    code, out, outputs, summary = run_gate_step(project, planner_on_path, tmp_path, sarif="gate.sarif")
    assert code == 1, out
    assert outputs == "passed=false\n"
    assert re.search(r"^::error file=[^,]*specs/objectives\.yaml,line=\d+", out, re.M), out
    assert (tmp_path / "gate.sarif").is_file() and '"version": "2.1.0"' in (tmp_path / "gate.sarif").read_text()
    assert summary.count("planner gate: BLOCKED") == 1  # the SARIF run adds no second summary


@pytest.mark.slow
def test_action_passes_a_release_that_meets_its_policy(planner_on_path, tmp_path):
    project = shutil.copytree(ADULT, tmp_path / "adult")
    code, out, outputs, _ = run_gate_step(project, planner_on_path, tmp_path)
    assert (code, outputs) == (0, "passed=true\n"), out
    assert "::error" not in out


@pytest.mark.slow
def test_precommit_hooks_run_their_entry_on_a_project(planner_on_path, tmp_path):
    hooks = {hook["id"]: hook for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    validate = hooks["planner-validate"]
    pattern = re.compile(validate["files"])
    assert [
        path
        for path in ("planner.yaml", "specs/risks.yaml", "x/specs/a.yml", "x/signoffs.yaml")
        if not pattern.search(path)
    ] == []
    assert [path for path in ("README.md", "data/predictions.csv", "mlruns/0/meta.yaml") if pattern.search(path)] == []
    assert hooks["planner-gate"]["stages"] == ["manual"]
    project = shutil.copytree(GERMAN, tmp_path / "german")
    for hook_id, expected in (("planner-validate", 0), ("planner-gate", 1)):
        hook = hooks[hook_id]
        done = subprocess.run(
            [*hook["entry"].split(), *hook["args"]],
            cwd=project,
            env=planner_on_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == expected, done.stdout + done.stderr
    (project / "specs" / "risks.yaml").write_text("kind: risks\nrisks: [{id: R1}]\n")
    done = subprocess.run(
        [*validate["entry"].split(), *validate["args"]],
        cwd=project,
        env=planner_on_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2 and "specs/risks.yaml:2:" in done.stdout


@pytest.mark.slow
def test_action_recomputes_a_forged_audit_cache(planner_on_path, tmp_path):
    import hashlib
    import json

    project = shutil.copytree(GERMAN, tmp_path / "german")
    subprocess.run(
        [sys.executable, "-m", "planner", "audit", str(project)], env=planner_on_path, capture_output=True, check=False
    )
    cache = project / ".planner" / "audits" / "A1.json"
    document = json.loads(cache.read_text())
    forged = json.loads(json.dumps(document["audit"]).replace('"status": "fail"', '"status": "pass"'))
    assert forged != document["audit"]
    canonical = json.dumps(forged, sort_keys=True, separators=(",", ":")).encode()
    cache.write_text(json.dumps({**document, "audit": forged, "checksum": hashlib.sha256(canonical).hexdigest()}))
    # the forged cache fools a bare gate...
    bare = subprocess.run(
        [sys.executable, "-m", "planner", "gate", str(project), "--today", TODAY],
        env=planner_on_path,
        capture_output=True,
        text=True,
    )
    assert "A1.equalized_odds_difference.age_group" not in bare.stdout
    # ...and not the action, which recomputes the audits first
    code, out, _, _ = run_gate_step(project, planner_on_path, tmp_path)
    assert code == 1 and "A1.equalized_odds_difference.age_group" in out
