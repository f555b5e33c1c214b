"""Benchmark `planner coverage` on a large register against `planner status` on the same project.

Usage: python benchmarks/bench_coverage.py [--risks 10000] [--runs 5]

Coverage is the assessment plus the mapping of every item to every entry of the asked catalogue,
judged on the gate's day, so its peer is `planner status`, which does the same loading, evidence
and assessment without it (the Assessment maps a catalogue only when it is read): the ratio is
what the mapping, the gate's judgement and the output cost. Two
projects: `examples/german-credit` as it is (13 documents, the audit cache warm), and a generated
one with `--risks` risks (each with an owner, mitigations, misuse and affected groups), as many
constraints linking them, and the EU AI Act and NIST profiles enabled. The generated project's
coverage is checked first: every risk must support the EU obligations on risk identification.

Printed: best and median wall seconds and peak memory of each, and the ratios to the peer.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_validate  # this folder is not a package: found through sys.path
from bench_gate import measure

REPO = Path(__file__).resolve().parents[1]
PROFILES = "profiles:\n  eu-ai-act-high-risk: {}\n  nist-ai-rmf-1.0: {}\n"


def generate(root: Path, risks: int) -> Path:
    """`bench_validate`'s register and constraints, each risk with misuse and affected groups, profiles on."""
    bench_validate.generate(root, risks, 0)
    manifest = root / "planner.yaml"
    manifest.write_text(manifest.read_text().split("\nprofiles:")[0] + "\n" + PROFILES)
    register = root / "specs" / "risks.yaml"
    text = re.sub(
        r"\[Mitigation (\d+)\.\]\n",
        lambda m: f"{m[0]}    misuse: [Misuse {m[1]}.]\n    affected: [G{int(m[1]) % 11}]\n",
        register.read_text(),
    )
    register.write_text(text)
    return root


def check(root: Path, risks: int) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "planner",
            "coverage",
            str(root),
            "--profile",
            "eu-ai-act-high-risk",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = {o["entry"]: o for o in json.loads(out)["obligations"]}
    supported = {item["id"] for item in found["art-9.2b"]["items"]}
    if len(supported) != risks:
        raise SystemExit(f"art-9.2b is supported by {len(supported)} items, not the {risks} risks")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--risks", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        large = generate(Path(tmp) / "large", args.risks)
        check(large, args.risks)
        german = Path(tmp) / "german"
        shutil.copytree(REPO / "examples" / "german-credit", german, ignore=shutil.ignore_patterns("reports"))
        planner = [sys.executable, "-m", "planner"]
        commands = {}
        for name, root in (("german-credit", german), (f"{args.risks:,} risks", large)):
            eu = ["--profile", "eu-ai-act-high-risk", "--format", "json"]
            commands[f"coverage, {name}"] = ([*planner, "coverage", str(root), *eu], (0,))
            commands[f"status, {name}"] = ([*planner, "status", str(root), "--format", "json"], (0,))
        figures = measure(commands, args.runs)
    seconds = {name: [wall for wall, _ in runs] for name, runs in figures.items()}
    print(f"{args.runs} runs each, taking turns, after one warm-up")
    print(f"{'what':<26} {'best s':>8} {'median s':>9} {'peak MB':>8}")
    for name, values in seconds.items():
        peak = max(mb for _, mb in figures[name])
        print(f"{name:<26} {min(values):>8.3f} {statistics.median(values):>9.3f} {peak:>8.0f}")
    for name in ("german-credit", f"{args.risks:,} risks"):
        ratio = statistics.median(seconds[f"coverage, {name}"]) / statistics.median(seconds[f"status, {name}"])
        print(f"coverage / status, {name}: {ratio:.2f}x median")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
