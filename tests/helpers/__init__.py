"""Test helpers: build projects on disk and run the real CLI entry point."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from planner.cli import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.parent for p in (REPO / "examples").glob("*/planner.yaml"))

MANIFEST = """\
project:
  id: demo
  name: Demo
  owner: po@example.com
  version: 1.0.0
  problem: A problem.
  ml_fit: {pattern: A pattern., simpler_alternative: A rule.}
specs: [specs/*.yaml]
"""


def write_project(root: Path, specs: dict[str, str], manifest: str = MANIFEST) -> Path:
    """A project folder with `planner.yaml` and the given files (paths relative to the folder)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "planner.yaml").write_text(textwrap.dedent(manifest))
    for name, text in specs.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else textwrap.dedent(text).encode())
    return root


def run_cli(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    """Run planner's real entry point in-process; returns (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
        raise SystemExit(0)
    captured = capsys.readouterr()
    return exit_info.value.code or 0, captured.out, captured.err


def run_process(*args: str, timeout: float = 60, **kwargs) -> subprocess.CompletedProcess:
    """Run `python -m planner` as a separate process, as a user or CI would."""
    return subprocess.run(
        [sys.executable, "-m", "planner", *args], capture_output=True, text=True, timeout=timeout, **kwargs
    )
