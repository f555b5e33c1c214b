"""Benchmark `planner validate` on a large register, valid and with typos, against JSON Schema.

Usage: python benchmarks/bench_validate.py [--risks 10000] [--typos 100] [--runs 5]

A project is generated with a register of `--risks` risks and a constraints document that links
every risk, twice: once valid, once with `--typos` risks carrying a misspelt key (`ownr:`). The
invalid copy is checked first: it must report exactly one error per typo (no cascade of
unresolved links from the constraints to the risks that were dropped). Then, as fresh
subprocesses taking turns after one warm-up each (`bench_gate.measure`):

- `planner validate` of the valid project, and of the one with typos (items dropped and the
  document validated again without them);
- the peer a team would otherwise run, `check-jsonschema`'s work: each spec file read with
  PyYAML's C loader and validated against planner's own JSON Schema with `jsonschema` (no
  positions, hints or cross-document checks).

Printed: best and median wall seconds and peak memory of each, and the ratios to the peer.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_gate import measure  # this folder is not a package: found through sys.path

REPO = Path(__file__).resolve().parents[1]
PEER = """\
import json, sys, yaml, jsonschema
from pathlib import Path
root, schemas = Path(sys.argv[1]), Path(sys.argv[2])
failed = 0
for spec in sorted((root / "specs").glob("*.yaml")):
    for data in yaml.load_all(spec.read_text(), Loader=yaml.CSafeLoader):
        schema = json.loads((schemas / f"{data['kind']}.schema.json").read_text())
        failed += sum(1 for _ in jsonschema.Draft202012Validator(schema).iter_errors(data))
sys.exit(1 if failed else 0)
"""


def risk(index: int, typo: bool) -> str:
    owner = "ownr" if typo else "owner"
    return (
        f"  - id: R{index}\n    title: Risk number {index}\n    likelihood: {1 + index % 5}\n"
        f"    impact: {1 + index % 3}\n    {owner}: owner{index % 7}@example.com\n"
        f"    mitigations: [Mitigation {index}.]\n"
    )


def generate(root: Path, risks: int, typos: int) -> Path:
    """A project whose risks `R0..` are all linked from one constraint each; `typos` of them misspelt."""
    every = max(risks // typos, 1) if typos else 0
    (root / "specs").mkdir(parents=True)
    shutil.copy(REPO / "examples" / "adult-income" / "planner.yaml", root / "planner.yaml")
    register = "".join(risk(i, bool(typos) and i % every == 0 and i // every < typos) for i in range(risks))
    (root / "specs" / "risks.yaml").write_text("kind: risks\nrisks:\n" + register)
    constraints = "".join(
        f"  - id: C{i}\n    category: technical\n    statement: Constraint {i}.\n    links: [R{i}]\n"
        for i in range(risks)
    )
    (root / "specs" / "constraints.yaml").write_text("kind: constraints\nconstraints:\n" + constraints)
    return root


def errors_reported(root: Path) -> list[str]:
    """The error codes `planner validate --format json` reports for the project."""
    import json

    out = subprocess.run(
        [sys.executable, "-m", "planner", "validate", str(root), "--format", "json"], capture_output=True, text=True
    ).stdout
    return [d["code"] for d in json.loads(out)["diagnostics"] if d["severity"] == "error"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--risks", type=int, default=10_000)
    parser.add_argument("--typos", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        valid = generate(Path(tmp) / "valid", args.risks, 0)
        typos = generate(Path(tmp) / "typos", args.risks, args.typos)
        if errors_reported(valid) or errors_reported(typos) != ["unknown-key"] * args.typos:
            raise SystemExit(f"unexpected errors: {sorted(set(errors_reported(typos)))}")
        schemas = Path(tmp) / "schemas"
        subprocess.run(
            [sys.executable, "-m", "planner", "schema", "--out", str(schemas)], check=True, capture_output=True
        )
        planner = [sys.executable, "-m", "planner", "validate"]
        commands = {
            "validate, valid": ([*planner, str(valid)], (0,)),
            "validate, typos": ([*planner, str(typos)], (2,)),
            "jsonschema, valid": ([sys.executable, "-c", PEER, str(valid), str(schemas)], (0,)),
        }
        figures = measure(commands, args.runs)
    seconds = {name: [wall for wall, _ in runs] for name, runs in figures.items()}
    print(
        f"{args.risks:,} risks and {args.risks:,} constraints linking them; {args.typos} typos; {args.runs} runs each"
    )
    print(f"{'what':<18} {'best s':>8} {'median s':>9} {'peak MB':>8}")
    for name, values in seconds.items():
        peak = max(mb for _, mb in figures[name])
        print(f"{name:<18} {min(values):>8.3f} {statistics.median(values):>9.3f} {peak:>8.0f}")
    for name in ("validate, valid", "validate, typos"):
        median = statistics.median(seconds[name]) / statistics.median(seconds["jsonschema, valid"])
        print(f"{name} / jsonschema: {median:.2f}x median")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
