"""A catalogue of hostile files: links out of the project, FIFOs, devices, huge sparse files, link
loops, special outputs, signals and races. Nothing planner reads can crash it, hang it or leak
through it, and nothing it writes lands outside the project.

Each case builds its input on the fly (a copy of `examples/german-credit`, or a small project from
`helpers.write_project`) and runs the real CLI in a separate process, as CI would; `run_case`
(tests/helpers/hostile.py) asserts what every case must. An outside file a link leads to holds
`SECRET`, placed where reading it would echo it (a param, a metric value, a run name, a role), so a
read that escaped the guard shows. What does not fit `run_case` (a FIFO's reader, a signal, two
processes at once, special output paths) is a plain test below with the same common assertions.

The guard and write path themselves are tested in-process by tests/source/test_guard.py and
tests/source/test_atomic.py, in the fast loop.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from helpers import write_project
from helpers.hostile import CANDIDATE_RUN, ENV, SECRET, Case, german_copy, run_case

# Every case starts a fresh planner process (CONTRIBUTING.md: slow)
pytestmark = pytest.mark.slow

CANDIDATE_DIR = CANDIDATE_RUN.rsplit("/", 1)[-1]
WANDB_RESULTS = """\
kind: results
sources:
  - id: S1
    type: wandb
    path: wandb
candidate: {run: abc123}
"""
DVC_RESULTS = """\
kind: results
sources:
  - id: S1
    type: dvc
    path: runs
candidate: {run: r1}
"""


def outside(root: Path, name: str, text: str) -> Path:
    """A file beside the project folder (outside it) holding `text`."""
    path = root.parent / "outside" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def link(path: Path, target: str | Path) -> None:
    """`path` replaced by a symbolic link to `target`."""
    if path.exists() or path.is_symlink():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


def fifo(path: Path) -> None:
    """`path` replaced by a FIFO no one writes to: opening it to read would wait for ever."""
    if path.exists() or path.is_symlink():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)


def dev_zero(path: Path) -> None:
    """`path` replaced by a link to /dev/zero: a read that follows it never ends."""
    link(path, "/dev/zero")


def sparse(path: Path) -> None:
    """`path` replaced by a 2 GB file of holes: nothing on disk, all of it to read."""
    if path.exists() or path.is_symlink():
        path.unlink()
    with path.open("wb") as out:
        out.truncate(2 << 30)


# Builders: each writes a project under `root` and returns its folder


def german_with(relative: str, make: Callable[[Path], None]) -> Callable[[Path], Path]:
    """german-credit with `relative` replaced by what `make` puts there."""

    def build(root: Path) -> Path:
        german_copy(root)
        make(root / relative)
        return root

    return build


def param_to_environ(root: Path) -> Path:
    """The candidate's `seed` param a link to /proc/self/environ, which holds PLANNER_TEST_SECRET."""
    german_copy(root)
    link(root / CANDIDATE_RUN / "params" / "seed", "/proc/self/environ")
    return root


def metric_out(root: Path) -> Path:
    german_copy(root)
    link(root / CANDIDATE_RUN / "metrics" / "roc_auc", outside(root, "roc_auc", f"1700000000000 {SECRET} 0\n"))
    return root


def run_folder_out(root: Path) -> Path:
    """The candidate's run folder moved out of the project (its run name made SECRET) and linked back."""
    german_copy(root)
    moved = root.parent / "outside" / CANDIDATE_DIR
    moved.parent.mkdir(parents=True)
    shutil.move(root / CANDIDATE_RUN, moved)
    (moved / "tags" / "mlflow.runName").write_text(SECRET)
    link(root / CANDIDATE_RUN, moved)
    return root


def signoffs_out(root: Path) -> Path:
    german_copy(root)
    signoffs = f"kind: signoffs\nsignoffs:\n  - {{role: {SECRET}, name: {SECRET}, date: 2025-01-01, digest: x}}\n"
    link(root / "signoffs.yaml", outside(root, "signoffs.yaml", signoffs))
    return root


def wandb_project(make_log: Callable[[Path], None] | None = None) -> Callable[[Path], Path]:
    """A W&B project: one run in the files layout, its config.yaml a link out holding SECRET; or,
    with `make_log`, one offline run with only its transaction log, made by `make_log`."""

    def build(root: Path) -> Path:
        write_project(root, {"specs/results.yaml": WANDB_RESULTS})
        if make_log is not None:
            run_dir = root / "wandb" / "offline-run-20250101_120000-abc123"
            make_log(run_dir / "run-abc123.wandb")
            return root
        files = root / "wandb" / "run-20250101_120000-abc123" / "files"
        files.mkdir(parents=True)
        (files / "wandb-summary.json").write_text('{"auc": 0.8}')
        link(files / "config.yaml", outside(root, "config.yaml", f"wandb_version: 1\nlr:\n  value: {SECRET}\n"))
        return root

    return build


def dvc_params_out(root: Path) -> Path:
    write_project(root, {"specs/results.yaml": DVC_RESULTS, "runs/r1/metrics.json": '{"auc": 0.8}'})
    link(root / "runs" / "r1" / "params.yaml", outside(root, "params.yaml", f"lr: {SECRET}\n"))
    return root


def sparse_spec(root: Path) -> Path:
    write_project(root, {"specs/risks.yaml": "kind: risks\nrisks: []\n"})
    sparse(root / "specs" / "huge.yaml")
    return root


RISKS = "kind: risks\nrisks:\n  - {id: R1, title: A risk, likelihood: 1, impact: 1, owner: a@example.com}\n"


def glob_over_loop(root: Path) -> Path:
    """`specs/**` with `specs/loop -> ..`: glob would walk specs/loop/specs/loop/... and read R1 again."""
    write_project(root, {"specs/risks.yaml": RISKS}, manifest=MANIFEST_ANY_DEPTH.format(pattern="specs/**/*.yaml"))
    (root / "specs" / "loop").symlink_to("..")
    return root


def glob_link_out(root: Path) -> Path:
    write_project(root, {"specs/risks.yaml": RISKS}, manifest=MANIFEST_ANY_DEPTH.format(pattern="specs/**/*.yaml"))
    outside(root, "specs/secret.yaml", f"kind: risks\nrisks: [{SECRET}]\n")
    (root / "specs" / "out").symlink_to(root.parent / "outside" / "specs")
    return root


MANIFEST_ANY_DEPTH = """\
project:
  id: demo
  name: Demo
  owner: po@example.com
  version: 1.0.0
  problem: A problem.
  ml_fit: {{pattern: A pattern., simpler_alternative: A rule.}}
specs: ["{pattern}"]
"""


def json_parses(out: str) -> None:
    json.loads(out)


def one_document(out: str) -> None:
    assert "valid (1 documents" in out, out


PREDICTIONS = "data/predictions.csv"
CACHE = ".planner/audits/A1.json"
ENVIRON_NAMES = f"{CANDIDATE_RUN}/params/seed"

CASES = [
    # 1. a result file linked to /proc/self/environ: refused, named, never echoed. The gate turns
    # unreadable evidence into a failing item (exit 1), the other commands stop (exit 2)
    Case(
        "environ-param-status-json", param_to_environ, ("status", "{root}", "--format", "json"), 2, names=ENVIRON_NAMES
    ),
    Case(
        "environ-param-gate-github",
        param_to_environ,
        ("gate", "{root}", "--format", "github"),
        1,
        names=ENVIRON_NAMES,
        shows=("evidence%3Ainput-outside",),
    ),
    Case("environ-param-report", param_to_environ, ("report", "{root}"), 2, names=ENVIRON_NAMES),
    Case(
        "environ-param-modelcard",
        param_to_environ,
        ("report", "{root}", "--format", "modelcard"),
        2,
        names=ENVIRON_NAMES,
    ),
    # 2. other result files and folders linked out of the project
    Case(
        "metric-out",
        metric_out,
        ("status", "{root}"),
        2,
        names=f"{CANDIDATE_RUN}/metrics/roc_auc",
        shows=("error[input-outside]",),
    ),
    Case(
        "wandb-config-out",
        wandb_project(),
        ("status", "{root}"),
        2,
        names="wandb/run-20250101_120000-abc123/files/config.yaml",
        shows=("error[input-outside]",),
    ),
    Case(
        "dvc-params-out",
        dvc_params_out,
        ("status", "{root}", "--format", "json"),
        2,
        names="runs/r1/params.yaml",
        shows=("error[input-outside]",),
    ),
    Case(
        "signoffs-out-gate-github",
        signoffs_out,
        ("gate", "{root}", "--format", "github"),
        2,
        names="signoffs.yaml",
        shows=("input-outside",),
    ),
    Case(
        "run-folder-out",
        run_folder_out,
        ("status", "{root}"),
        2,
        names=f"{CANDIDATE_RUN}/meta.yaml",
        shows=("error[input-outside]",),
    ),
    # 3. FIFOs and /dev/zero where a file is expected: no hang, no endless read. A cache that
    # cannot be read is recomputed (exit 0); predictions and a W&B log that cannot be are errors
    *(
        Case(
            f"{name}-{make.__name__}",
            build,
            ("status", "{root}"),
            code,
            names=names,
            memory=True,
            seconds=30,
        )
        for make in (fifo, dev_zero)
        for name, build, code, names in (
            ("predictions", german_with(PREDICTIONS, make), 2, PREDICTIONS),
            ("audit-cache", german_with(CACHE, make), 0, ""),
            ("wandb-log", wandb_project(make), 2, "run-abc123.wandb"),
        )
    ),
    Case("audit-cache-fifo-gate", german_with(CACHE, fifo), ("gate", "{root}"), 1, memory=True, seconds=30),
    # 4. 2 GB sparse files: refused (a spec from its size), not read into memory
    Case(
        "sparse-predictions",
        german_with(PREDICTIONS, sparse),
        ("audit", "{root}"),
        2,
        names=PREDICTIONS,
        memory=True,
        seconds=30,
    ),
    Case(
        "sparse-spec",
        sparse_spec,
        ("validate", "{root}"),
        2,
        names="huge.yaml",
        shows=("error[file-too-large]", "2,147,483,648 bytes"),
        memory=True,
        seconds=10,
    ),
    # 5. spec globs: a link loop is walked once, a link out is not walked
    Case("glob-over-loop", glob_over_loop, ("validate", "{root}"), 0, check=one_document, seconds=20),
    Case("glob-link-out", glob_link_out, ("validate", "{root}"), 2, names="out", shows=("error[outside-project]",)),
]


@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in CASES])
def test_hostile_file(case: Case, built, tmp_path):
    run_case(case, built(case.build), tmp_path)


# Plain tests: readers, signals, concurrency and output paths


def planner(*args: str, cwd: Path, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "planner", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env or ENV,
        cwd=cwd,
    )


def common(result: subprocess.CompletedProcess) -> None:
    """What every hostile case must hold: an exit code for an outcome (never 3), no traceback, no secret."""
    assert result.returncode in (0, 1, 2), f"exit {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr}"
    assert "Traceback" not in result.stdout + result.stderr
    assert "internal error" not in result.stderr
    assert SECRET not in result.stdout + result.stderr


def test_reports_folder_linked_out_is_refused_and_the_outside_stays_empty(tmp_path):
    root = german_copy(tmp_path / "project")
    (tmp_path / "outside").mkdir()
    (root / "reports").symlink_to(tmp_path / "outside")
    for formats in ("html,pdf", "modelcard"):
        case = Case(f"reports-out-{formats}", german_copy, ("report", "{root}", "--format", formats), 2)
        cwd = tmp_path / f"cwd-{formats}"
        cwd.mkdir()
        result = run_case(case, root, cwd)
        shown = result.stdout + result.stderr
        assert "error[output-outside]" in shown and str(root / "reports") in shown
        assert list((tmp_path / "outside").iterdir()) == []


@pytest.fixture(scope="module")
def german(tmp_path_factory) -> Path:
    """One german-credit copy for the gate output tests (which only read it, and write its audit cache)."""
    return german_copy(tmp_path_factory.mktemp("german") / "project")


def test_gate_output_onto_a_fifo_writes_into_it(german, tmp_path):
    pipe = tmp_path / "gate.json"
    os.mkfifo(pipe)
    received: list[bytes] = []

    def read() -> None:
        with open(pipe, "rb") as handle:
            received.append(handle.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    result = planner("gate", str(german), "--format", "json", "--output", str(pipe), cwd=tmp_path)
    reader.join(10)
    common(result)
    assert result.returncode == 1 and result.stdout == ""
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)
    (data,) = received
    assert json.loads(data)["passed"] is False
    assert sorted(path.name for path in tmp_path.iterdir()) == ["gate.json"]  # no temporary beside it


@pytest.mark.parametrize("name", ["-", "/dev/stdout"])
def test_gate_output_to_standard_output(name, german, tmp_path):
    result = planner("gate", str(german), "--format", "json", "--output", name, cwd=tmp_path)
    common(result)
    assert result.returncode == 1
    assert json.loads(result.stdout)["passed"] is False
    assert list(tmp_path.iterdir()) == []  # no file named `-`


NOTES = 3000
"""Small files committed beside the project: writing them out keeps the copy in progress long
enough (about a second) for the signal to arrive while it exists."""


def test_sigterm_during_diff_of_a_revision_leaves_no_temporary_copy(tmp_path):
    repo = tmp_path / "repo"
    german_copy(repo / "proj")
    for number in range(NOTES):
        (repo / "proj" / "notes" / f"n{number}.txt").parent.mkdir(exist_ok=True)
        (repo / "proj" / "notes" / f"n{number}.txt").write_text(f"note {number}\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "v1"]):
        subprocess.run(
            [*git, *args], cwd=repo, check=True, capture_output=True, env={**ENV, "GIT_CONFIG_NOSYSTEM": "1"}
        )
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "planner", "diff", "HEAD:proj", "proj"],
        cwd=repo,
        env={**ENV, "TMPDIR": str(temporary)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not glob.glob(f"{temporary}/planner-diff-*/project/*") and process.poll() is None:
        assert time.monotonic() < deadline, "no temporary copy appeared"
        time.sleep(0.002)
    assert process.poll() is None, "diff ended before the copy could be interrupted; raise NOTES"
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == -signal.SIGTERM, err  # ended by the signal, as its sender expects
    assert "Traceback" not in out + err and SECRET not in out + err
    assert list(temporary.iterdir()) == []


def test_two_signoffs_at_once_keep_both(tmp_path):
    root = german_copy(tmp_path / "project")
    started = []
    for round_ in range(3):
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "planner", "signoff", str(root), "--role", role, "--name", f"{role} {round_}"],
                cwd=tmp_path,
                env=ENV,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for role in ("product-owner", "risk-officer")
        ]
        for process in processes:
            out, err = process.communicate(timeout=120)
            common(subprocess.CompletedProcess(process.args, process.returncode, out, err))
            assert process.returncode == 0, err
        started.extend(f"{role} {round_}" for role in ("product-owner", "risk-officer"))
        recorded = yaml.safe_load((root / "signoffs.yaml").read_text())["signoffs"]
        assert sorted(entry["name"] for entry in recorded) == sorted(started)
    assert not (root / ".signoffs.yaml.lock").exists()
    assert [path.name for path in root.iterdir() if path.name.startswith(".signoffs.yaml.")] == []


def test_init_dot_in_an_empty_working_folder(tmp_path):
    folder = tmp_path / "new"
    folder.mkdir()
    result = planner("init", ".", cwd=folder)
    common(result)
    assert result.returncode == 0, result.stderr
    assert (folder / "planner.yaml").is_file() and (folder / "specs").is_dir()
    assert "planner.yaml" in result.stdout.splitlines()
    assert [path.name for path in folder.iterdir() if path.name.startswith(".")] == []  # no staging left
    validated = planner("validate", ".", cwd=folder)
    assert validated.returncode == 0, validated.stdout + validated.stderr
