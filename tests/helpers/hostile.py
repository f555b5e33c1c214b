"""The machinery of the hostile-input catalogues (tests/test_hostile*.py).

A `Case` names a builder (a function writing a project under a folder and returning it), the
command to run on it, and what must hold. `run_case` runs the real CLI in a separate process, as
CI would, and asserts what every case must: its exit code (0, 1 or 2, never 3 for a bug), no
traceback, the file named when the input is refused, no control character on a terminal, no
secret of the environment (`PLANNER_TEST_SECRET`, which `/proc/self/environ` holds) in anything
planner prints or writes, nothing written outside the project, and bounds on time and memory.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers import REPO, run_process

SECRET = "s3cr3t-value"
ENV = {
    **os.environ,
    "PLANNER_TEST_SECRET": SECRET,
    "COLUMNS": "400",  # rich tables do not wrap the hostile strings across lines
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "5",
}
# what may not reach a terminal: C0 controls but tab and line breaks, DEL, C1 controls
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
MEMORY_LIMIT = 2 << 30
"""The address space of a `memory` case's process: 2 GB, the issue's bound."""
GERMAN = REPO / "examples" / "german-credit"
CANDIDATE_RUN = "mlruns/936410969489666822/eaa5cb5a8f4b4cd5b81952816a0caea7"
"""german-credit's candidate run (tagged candidate=true) in its MLflow file store."""


def limit_memory() -> None:
    """The child's address space capped: an expansion that escapes the guards fails fast."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def german_copy(root: Path) -> Path:
    """A copy of `examples/german-credit` at `root`, without reports or caches."""
    shutil.copytree(GERMAN, root, ignore=shutil.ignore_patterns("reports", ".planner*"))
    return root


@dataclass
class Case:
    id: str
    build: Callable[[Path], Path]
    args: tuple[str, ...]  # "{root}" stands for the project folder
    code: int
    names: str = ""  # a file the output must name (inputs refused with a diagnostic)
    shows: tuple[str, ...] = ()  # text the output must hold
    check: Callable[[str], None] | None = None  # on stdout
    terminal: bool = True  # stdout is for a terminal: no control characters
    memory: bool = False
    seconds: float = 60  # a generous bound: these guards answer in well under a second or two


def snapshot(root: Path) -> dict[Path, tuple[int, int]]:
    """Every regular file below `root` (links not followed) with its mtime and size."""
    found = {}
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            info = path.stat()
            found[path] = (info.st_mtime_ns, info.st_size)
    return found


def run_case(case: Case, root: Path, cwd: Path) -> subprocess.CompletedProcess:
    """Run `case` on the project at `root` from the empty folder `cwd`; assert what every case must."""
    before = snapshot(root)
    args = [arg.replace("{root}", str(root)) for arg in case.args]
    started = time.perf_counter()
    try:
        result = run_process(*args, timeout=120, env=ENV, cwd=cwd, preexec_fn=limit_memory if case.memory else None)
    except subprocess.TimeoutExpired:  # pragma: no cover - the failure this catalogue exists for
        pytest.fail(f"planner {' '.join(args)} hung")
    elapsed = time.perf_counter() - started
    out, err = result.stdout, result.stderr
    assert elapsed < case.seconds, f"{elapsed:.1f} s"
    assert result.returncode == case.code, f"exit {result.returncode} after {elapsed:.1f} s\n{out[-3000:]}\n{err}"
    assert "Traceback" not in out + err
    assert "internal error" not in err
    if case.names:
        assert case.names in out + err
    for text in case.shows:
        assert text in out + err, text
    assert not CONTROL.search(err)
    if case.terminal:
        assert not CONTROL.search(out), CONTROL.findall(out)
    if case.check is not None:
        case.check(out)
    assert SECRET not in out + err
    written = {path for path, stamp in snapshot(root).items() if before.get(path) != stamp}
    written |= set(snapshot(cwd))
    for path in written:
        assert SECRET.encode() not in path.read_bytes(), path
    return result
