"""Benchmark the release gate's whole-process time on a project whose audits are cached.

Usage: python benchmarks/bench_gate.py [--runs 10] [--project examples/german-credit]
       [--command "python -m planner gate {root} --format json"]

The project is copied to a temp dir and its audit cache is computed once (`audits_for`), then
checked: the measured gate must find every audit fresh and import none of pandas, numpy,
scikit-learn, pyarrow or weasyprint. Each measured thing then runs as a fresh subprocess, the
three taking turns (gate, `python -c pass`, `python -c "import pandas"`) after one unmeasured
warm-up each, so drift of a shared machine touches all three alike. Printed: best and median wall
seconds and the peak memory of each (the child's own, from `wait4`), and the gate's ratios to the
two peers (medians and bests).

Without `--command`, the gate is this file run as `--worker ROOT`: what the CLI command does
(`planner.load` -> `planner.assess` -> `planner.gate` -> JSON of `decision.to_dict()`), minus
click and rich. `--command` times any command line instead, with
`{root}` replaced by the copied project folder: exit codes 0 (pass) and 1 (blocked) both count.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "numpy", "sklearn", "pyarrow", "weasyprint")


def worker(root: str, check: bool) -> int:
    """The gate on a project, as the CLI command does it; with `check`, print what it relied on."""
    sys.path.insert(0, str(REPO))  # run from a checkout
    import planner

    recomputed: list[str] = []
    project = planner.load(root)
    if project.has_errors:
        return 2
    assessment = planner.assess(project, report=recomputed.append)
    if assessment.audit_problems:
        return 2
    decision = planner.gate(assessment, today=datetime.date.today())
    out = json.dumps(decision.to_dict(), allow_nan=False)
    if check:
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)
        print(json.dumps({"recomputed": recomputed, "heavy": heavy, "bytes": len(out)}))
    return 0 if decision.passed else 1


def prepare(project: Path, tmp: Path) -> Path:
    """A copy of the project with its audit cache computed (and checked fresh)."""
    root = tmp / project.name
    shutil.copytree(project, root, ignore=shutil.ignore_patterns(".planner"))
    warm = subprocess.run([sys.executable, __file__, "--worker", str(root)], capture_output=True, text=True)
    if warm.returncode not in (0, 1):
        raise SystemExit(f"computing the audits failed:\n{warm.stderr}")
    check = subprocess.run([sys.executable, __file__, "--worker", str(root), "--check"], capture_output=True, text=True)
    found = json.loads(check.stdout.strip().splitlines()[-1])
    if found["recomputed"] or found["heavy"]:
        raise SystemExit(f"the cache was not used as it should be: {found}")
    return root


def timed(command: list[str], accepted: tuple[int, ...]) -> tuple[float, float]:
    """Wall seconds and peak MB of one run (`wait4` gives the child's own peak memory)."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        child.returncode = code  # reaped here, so Popen must not wait for it again
        if code not in accepted:
            errors.seek(0)
            raise SystemExit(f"{shlex.join(command)} exited {code}:\n{errors.read().decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def measure(commands: dict[str, tuple[list[str], tuple[int, ...]]], runs: int) -> dict[str, list[tuple]]:
    """Each command `runs` times, taking turns, after one warm-up each."""
    for command, accepted in commands.values():
        timed(command, accepted)
    figures = {name: [] for name in commands}
    for _ in range(runs):
        for name, (command, accepted) in commands.items():
            figures[name].append(timed(command, accepted))
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--project", type=Path, default=REPO / "examples" / "german-credit")
    parser.add_argument("--command", help="command line to time instead of the stand-in, with {root}")
    parser.add_argument("--worker", metavar="ROOT", help=argparse.SUPPRESS)
    parser.add_argument("--check", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.check)
    with tempfile.TemporaryDirectory() as tmp:
        root = prepare(args.project.resolve(), Path(tmp))
        gate = (
            shlex.split(args.command.format(root=root))
            if args.command
            else [sys.executable, __file__, "--worker", str(root)]
        )
        commands = {
            "gate": (gate, (0, 1)),
            "python -c pass": ([sys.executable, "-c", "pass"], (0,)),
            "import pandas": ([sys.executable, "-c", "import pandas"], (0,)),
        }
        figures = measure(commands, args.runs)
    seconds = {name: [wall for wall, _ in runs] for name, runs in figures.items()}
    print(f"gate: {shlex.join(gate) if args.command else 'planner.load -> assess -> gate -> JSON'}")
    print(f"project: {args.project.name} (copied, audit cache warm); {args.runs} runs each, taking turns")
    print(f"{'what':<16} {'best s':>8} {'median s':>9} {'peak MB':>8}")
    for name, values in seconds.items():
        peak = max(mb for _, mb in figures[name])
        print(f"{name:<16} {min(values):>8.3f} {statistics.median(values):>9.3f} {peak:>8.0f}")
    for peer in ("python -c pass", "import pandas"):
        best = min(seconds["gate"]) / min(seconds[peer])
        median = statistics.median(seconds["gate"]) / statistics.median(seconds[peer])
        print(f"gate / {peer:<14} {best:>6.2f}x best, {median:.2f}x median")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
