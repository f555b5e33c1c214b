"""Benchmark the audit core against fairlearn's MetricFrame.

Usage: python benchmarks/bench_audit.py [--rows 1000000 10000000] [--skip-fairlearn-above 1000000]
       [--only planner-duckdb] [--bootstrap 1000] [--regions 5]

For each size, seeded predictions with two sensitive features (sex: 2 groups, region: 5 groups,
intersection: 10 groups; `--regions 499` makes 998 intersection groups, near the audit's group
limit, to measure the bounded per-group work: streamed bootstrap, vectorised disparities) are written to parquet (dictionary-encoded) in a temp dir. Each measured
thing runs in its own subprocess that reports its own wall time and peak RSS
(``getrusage(RUSAGE_SELF).ru_maxrss``), so peaks never mix:
- planner (pandas): whole ``run_audit`` from the parquet path, reading included, with Wilson and
  bootstrap intervals, for the six metrics below;
- planner (duckdb): the same with ``engine="duckdb"``;
- fairlearn: ``MetricFrame`` for the six metrics on the intersection, data already in memory
  (its read is excluded), plus ``.difference()`` and ``.ratio()``; no intervals.
Metrics: selection_rate, accuracy, precision, true_positive_rate, false_positive_rate,
false_negative_rate.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SIX = ["selection_rate", "accuracy", "precision", "true_positive_rate", "false_positive_rate", "false_negative_rate"]
FEATURES = ["sex", "region"]


def generate(path: Path, rows: int, seed: int = 0, chunk: int = 10_000_000, regions: int = 5) -> None:
    """Write seeded predictions to parquet in chunks (bounded memory even at 100M rows)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    names = ["north", "south", "east", "west", "centre"] if regions == 5 else [f"r{i}" for i in range(regions)]
    sex_levels, region_levels = pa.array(["female", "male"]), pa.array(names)
    shares = [0.4, 0.25, 0.2, 0.1, 0.05] if regions == 5 else None  # many regions: uniform
    writer = None
    for start in range(0, rows, chunk):
        n = min(chunk, rows - start)
        sex = rng.integers(0, 2, n, dtype=np.int8)
        region = rng.choice(regions, n, p=shares).astype(np.int16)
        y = (rng.random(n) < 0.3 + 0.1 * sex - 0.15 * region / regions).astype(np.int8)
        pred = np.where(rng.random(n) < 0.8, y, 1 - y).astype(np.int8)
        table = pa.table(
            {
                "y": y,
                "pred": pred,
                "sex": pa.DictionaryArray.from_arrays(sex, sex_levels),
                "region": pa.DictionaryArray.from_arrays(region, region_levels),
            }
        )
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=1_000_000)
    writer.close()


def worker(kind: str, path: str, bootstrap: int) -> dict:
    """Run one measured thing in this process; return its timings."""
    if kind.startswith("planner"):
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout
        from planner.audit import run_audit

        start = time.perf_counter()
        result = run_audit(
            path,
            label="y",
            prediction="pred",
            sensitive_features=FEATURES,
            metrics=SIX,
            bootstrap_samples=bootstrap,
            engine=kind.split("-")[1],
        )
        seconds = time.perf_counter() - start
        check = result.grouping("sex & region").disaggregated.difference("selection_rate")
        return {"seconds": seconds, "check": check}
    import warnings

    import pandas as pd
    from fairlearn import metrics as flm
    from sklearn.metrics import accuracy_score, precision_score

    frame = pd.read_parquet(path)
    funcs = {
        "selection_rate": flm.selection_rate,
        "accuracy": accuracy_score,
        "precision": lambda y, p: precision_score(y, p, zero_division=0),
        "true_positive_rate": flm.true_positive_rate,
        "false_positive_rate": flm.false_positive_rate,
        "false_negative_rate": flm.false_negative_rate,
    }
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mf = flm.MetricFrame(metrics=funcs, y_true=frame["y"], y_pred=frame["pred"], sensitive_features=frame[FEATURES])
        mf.difference(), mf.ratio()
    return {"seconds": time.perf_counter() - start, "check": float(mf.difference()["selection_rate"])}


def measure(kind: str, path: Path, bootstrap: int) -> dict:
    """Run `worker` in a fresh subprocess; its own ru_maxrss is its peak memory."""
    out = subprocess.run(
        [sys.executable, __file__, "--worker", kind, str(path), "--bootstrap", str(bootstrap)],
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"{kind} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--skip-fairlearn-above", type=int, default=1_000_000)
    parser.add_argument("--only", nargs="+", choices=["planner-pandas", "planner-duckdb", "fairlearn"])
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--regions", type=int, default=5, help="groups of the second feature")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        result = worker(args.worker[0], args.worker[1], args.bootstrap)
        result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return 0
    kinds = args.only or ["planner-pandas", "planner-duckdb", "fairlearn"]
    groups = f"sex (2) x region ({args.regions})"
    print(f"six metrics: {', '.join(SIX)}; groups: {groups}; bootstrap samples: {args.bootstrap}")
    print(f"fairlearn skipped above {args.skip_fairlearn_above:,} rows (--skip-fairlearn-above)")
    print(f"{'rows':>12} {'what':<16} {'seconds':>9} {'peak MB':>9}  note")
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            path = Path(tmp) / f"preds_{rows}.parquet"
            generate(path, rows, regions=args.regions)
            seen = {}
            for kind in kinds:
                if kind == "fairlearn" and rows > args.skip_fairlearn_above:
                    print(f"{rows:>12,} {kind:<16} {'skipped':>9}")
                    continue
                seen[kind] = r = measure(kind, path, args.bootstrap)
                note = (
                    "whole audit from parquet incl. intervals"
                    if kind.startswith("planner")
                    else "MetricFrame in memory, no intervals"
                )
                print(f"{rows:>12,} {kind:<16} {r['seconds']:>9.3f} {r['peak_mb']:>9.0f}  {note}", flush=True)
            if "fairlearn" in seen and "planner-pandas" in seen:
                assert abs(seen["fairlearn"]["check"] - seen["planner-pandas"]["check"]) < 1e-9
                ratio = seen["fairlearn"]["seconds"] / seen["planner-pandas"]["seconds"]
                print(f"{rows:>12,} {'speed-up':<16} {ratio:>9.1f}x  fairlearn / planner (pandas)")
            path.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
