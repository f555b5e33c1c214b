"""Benchmark the same bias audit of a predictions table on pandas, DuckDB, PostgreSQL and Spark.

Usage: python benchmarks/bench_warehouse.py [--rows 10000000] [--runs 1] [--large]
       [--engines pandas duckdb postgres spark] [--cache /tmp/planner-bench-warehouse]

Seeded predictions (y, pred = score >= 0.5, score from a Beta mix by label and group, ROC AUC
about 0.76; sex: 2 groups, race: 5 of unequal shares, region: 4) are written once per size to
parquet in the cache folder, in chunks, and reused. The same rows are loaded into a DuckDB database
file, a throwaway PostgreSQL server started here on 127.0.0.1 (password auth; stopped and removed
at the end) and Spark (a temp view `scores` over the parquet file, the lakehouse case, no copy);
loading is printed as setup, not measured. The audit: label y, prediction pred, score score,
features sex and race, their intersection, slices by region, costs fp 1 / fn 5, 200 bootstrap
samples. Its peer is the pandas engine reading the whole file (`run_audit(path)`, score metrics
exact, the default); `pandas-hist` is the same with `score_metrics="histogram"`, as the warehouse
engines compute them.

Each measured run is a fresh subprocess (this file with `--worker`) that times `run_audit` alone
(for Spark the local session is started first, as the user's session would be) and reports its own
peak RSS (VmHWM of /proc/self/status; `getrusage(RUSAGE_SELF).ru_maxrss` would do, but on Linux
it keeps the forking parent's peak across the exec, so it is only the fallback): planner's own Python process, so DuckDB (in
process) counts and the PostgreSQL server and Spark's JVM do not (the JVM's peak, VmHWM, is printed
apart). Runs take turns across engines. Printed: best and median seconds, peak MB, rows brought
back to planner, the ratios to pandas, and a check that every engine found the same overall cells
and the same group counts. `--large` adds 100M rows on DuckDB and Spark (minutes).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pwd
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
ENGINES = ["pandas", "pandas-hist", "duckdb", "postgres", "spark"]
LARGE_ROWS, LARGE_ENGINES = 100_000_000, ["duckdb", "spark"]
CHUNK = 2_000_000
AUDIT = {
    "label": "y",
    "prediction": "pred",
    "score": "score",
    "sensitive_features": ["sex", "race"],
    "intersections": [["race", "sex"]],
    "slices": ["region"],
    "costs": {"fp": 1, "fn": 5},
    "bootstrap_samples": 200,
}
SEX, RACE, REGION = ["female", "male"], ["a", "b", "c", "d", "e"], ["north", "south", "east", "west"]
RACE_SHARES, REGION_SHARES = [0.5, 0.25, 0.13, 0.08, 0.04], [0.4, 0.3, 0.2, 0.1]


# --------------------------------------------------------------------------------------------------
# Data


def generate(path: Path, rows: int, seed: int = 0) -> None:
    """Seeded predictions to parquet in chunks (bounded memory at 100M rows), written atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    levels = {name: pa.array(values) for name, values in (("sex", SEX), ("race", RACE), ("region", REGION))}
    partial = path.with_suffix(".partial")
    writer = None
    for start in range(0, rows, CHUNK):
        n = min(CHUNK, rows - start)
        sex = rng.integers(0, 2, n, dtype=np.int8)
        race = rng.choice(5, n, p=RACE_SHARES).astype(np.int8)
        region = rng.choice(4, n, p=REGION_SHARES).astype(np.int8)
        y = (rng.random(n) < 0.3 + 0.06 * sex - 0.04 * race + 0.02 * region).astype(np.int8)
        shift = 0.25 * race - 0.3 * sex  # the model separates some groups better than others
        score = np.where(y == 1, rng.beta(3.0 + shift, 2.0), rng.beta(2.0, 3.0 + 0.5 * shift))
        table = pa.table(
            {
                "y": y,
                "pred": (score >= 0.5).astype(np.int8),
                "score": score,
                "sex": pa.DictionaryArray.from_arrays(sex, levels["sex"]),
                "race": pa.DictionaryArray.from_arrays(race, levels["race"]),
                "region": pa.DictionaryArray.from_arrays(region, levels["region"]),
            }
        )
        writer = writer or pq.ParquetWriter(partial, table.schema)
        writer.write_table(table, row_group_size=1_000_000)
    assert writer is not None
    writer.close()
    partial.rename(path)


def dataset(cache: Path, rows: int) -> Path:
    """The folder of one size (the project root of its DuckDB file), with `scores.parquet` in it."""
    root = cache / f"rows-{rows}"
    root.mkdir(parents=True, exist_ok=True)
    parquet = root / "scores.parquet"
    if parquet.exists():
        print(f"setup: {parquet} reused", flush=True)
    else:
        start = time.perf_counter()
        generate(parquet, rows)
        print(f"setup: {rows:,} rows generated to {parquet} in {time.perf_counter() - start:.1f} s", flush=True)
    return root


def load_duckdb(root: Path, rows: int) -> None:
    import duckdb

    db = root / "scores.duckdb"
    if db.exists():
        con = duckdb.connect(str(db), read_only=True)
        try:
            found = con.execute("SELECT COUNT(*) FROM scores").fetchone()
        except duckdb.Error:
            found = None
        finally:
            con.close()
        if found and found[0] == rows:
            print(f"setup: {db} reused", flush=True)
            return
        db.unlink()
    start = time.perf_counter()
    partial = root / "scores.duckdb.partial"
    partial.unlink(missing_ok=True)
    con = duckdb.connect(str(partial))
    try:  # the dictionary-encoded columns come in as VARCHAR
        con.execute(f"CREATE TABLE scores AS SELECT * FROM read_parquet('{root / 'scores.parquet'}')")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    partial.rename(db)
    print(f"setup: DuckDB file {db} loaded in {time.perf_counter() - start:.1f} s", flush=True)


# --------------------------------------------------------------------------------------------------
# PostgreSQL: a throwaway server, as tests/warehouse/conftest.py's `postgres_server` starts one


def _postgres_bindir() -> Path:
    found = shutil.which("pg_ctl")
    candidates = [Path(os.path.realpath(found)).parent] if found else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for bindir in candidates:
        if all((bindir / n).is_file() for n in ("initdb", "pg_ctl", "postgres")):
            return bindir
    raise SystemExit("PostgreSQL binaries (initdb, pg_ctl, postgres) not found")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Postgres:
    """A server on 127.0.0.1 (role `auditor`, database `scores`, password auth over TCP); `stop` removes it."""

    def __init__(self) -> None:
        self.bindir = _postgres_bindir()
        self.base = Path(tempfile.mkdtemp(prefix="planner-bench-pg-"))
        self.as_user = "postgres" if os.geteuid() == 0 else None  # postgres refuses to run as root
        if self.as_user:
            entry = pwd.getpwnam(self.as_user)
            os.chown(self.base, entry.pw_uid, entry.pw_gid)
        os.chmod(self.base, 0o700)
        self.datadir, self.log = self.base / "data", self.base / "server.log"
        self.password = secrets.token_urlsafe(24)
        self.port = 0
        self.started = False

    def _run(self, cmd: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
        if self.as_user:
            cmd = ["runuser", "-u", self.as_user, "--", *cmd]
        return subprocess.run(cmd, cwd=self.base, capture_output=True, text=True, timeout=timeout, check=False)

    def start(self) -> None:
        import psycopg
        from psycopg import sql

        pwfile = self.base / "superuser.pw"
        pwfile.write_text(secrets.token_urlsafe(24) + "\n")
        if self.as_user:
            os.chown(pwfile, pwd.getpwnam(self.as_user).pw_uid, -1)
        init = self._run(
            [str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", "postgres", f"--pwfile={pwfile}",
             "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C"]
        )  # fmt: skip
        pwfile.unlink(missing_ok=True)
        if init.returncode:
            raise SystemExit(f"initdb failed:\n{init.stdout}\n{init.stderr}")
        (self.datadir / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n")
        pg_ctl = str(self.bindir / "pg_ctl")
        for _attempt in range(3):  # the free port may be taken between the probe and the bind
            self.port = _free_port()
            opts = (
                f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.base} "
                "-c password_encryption=scram-sha-256 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            )
            start = self._run([pg_ctl, "-D", str(self.datadir), "-l", str(self.log), "-o", opts, "-w", "start"])
            if start.returncode == 0:
                self.started = True
                break
        if not self.started:
            raise SystemExit(f"PostgreSQL did not start:\n{self.log.read_text(errors='replace')}")
        with psycopg.connect(host=str(self.base), port=self.port, user="postgres", dbname="postgres") as admin:
            admin.autocommit = True
            admin.execute(sql.SQL("CREATE ROLE auditor LOGIN PASSWORD {}").format(sql.Literal(self.password)))
            admin.execute("CREATE DATABASE scores OWNER auditor")

    def url(self, password: str) -> str:
        return f"postgresql://auditor:{password}@127.0.0.1:{self.port}/scores"

    def load(self, parquet: Path) -> None:
        """COPY the parquet file in as CSV text, a row group at a time; then ANALYZE."""
        import psycopg
        import pyarrow.parquet as pq

        start = time.perf_counter()
        with psycopg.connect(self.url(self.password)) as conn, conn.cursor() as cur:
            cur.execute(
                "CREATE TABLE scores (y SMALLINT, pred SMALLINT, score DOUBLE PRECISION,"
                " sex TEXT, race TEXT, region TEXT)"
            )
            with cur.copy("COPY scores (y, pred, score, sex, race, region) FROM STDIN WITH (FORMAT csv)") as copy:
                for batch in pq.ParquetFile(parquet).iter_batches(batch_size=500_000):
                    copy.write(_csv_bytes(batch))
            conn.commit()
            conn.autocommit = True
            cur.execute("ANALYZE scores")
        print(f"setup: PostgreSQL on 127.0.0.1:{self.port} loaded in {time.perf_counter() - start:.1f} s", flush=True)

    def stop(self) -> None:
        if self.started:
            self._run([str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w", "stop"])
        shutil.rmtree(self.base, ignore_errors=True)


def _csv_bytes(batch: object) -> bytes:
    """A record batch as CSV text without a header, dictionary columns as their values."""
    import io

    import pyarrow as pa
    import pyarrow.csv as pacsv

    columns = [c.dictionary_decode() if pa.types.is_dictionary(c.type) else c for c in batch.columns]  # type: ignore[attr-defined]
    out = io.BytesIO()
    table = pa.RecordBatch.from_arrays(columns, names=batch.schema.names)  # type: ignore[attr-defined]
    pacsv.write_csv(table, out, pacsv.WriteOptions(include_header=False))
    return out.getvalue()


# --------------------------------------------------------------------------------------------------
# One measured run (in a fresh process)


def _spark_session(parquet: str, tmp: Path) -> object:
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    warehouse, derby, local = tmp / "warehouse", tmp / "derby", tmp / "local"
    for d in (warehouse, derby, local):
        d.mkdir()
    session = (
        SparkSession.builder.master("local[2]")
        .appName("planner-bench-warehouse")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.driver.memory", "2g")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", str(warehouse))
        .config("spark.local.dir", str(local))
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={derby} -Djava.io.tmpdir={local}")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    session.read.parquet(parquet).createOrReplaceTempView("scores")
    return session


def own_peak_mb() -> float:
    """This process's peak RSS since its exec: VmHWM, not `ru_maxrss`, which on Linux keeps the
    forking parent's peak across the exec (a child of a 230 MB parent reports >= 230 MB)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _jvm_peak_mb(session: object) -> float | None:
    """The Spark JVM's own peak RSS (VmHWM), from /proc: it is not this process's."""
    try:
        pid = session.sparkContext._gateway.proc.pid  # type: ignore[attr-defined]
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (AttributeError, OSError):
        return None
    return None


def _check_digest(result: object) -> tuple[str, dict]:
    """The overall cells and every group's count, and a digest of them (what every engine must agree on)."""
    data = result.to_dict()  # type: ignore[attr-defined]
    counts = {
        "overall": data["overall"]["cells"],
        "groups": {
            g["name"]: sorted((str(x.get("group")), x.get("count")) for x in g["groups"]) for g in data["groupings"]
        },
    }
    text = json.dumps(counts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16], data["overall"]["metrics"]


def worker(engine: str, root: str, connection: str | None) -> dict:
    sys.path.insert(0, str(REPO))  # run from a checkout
    from planner.audit.run import run_audit

    extra: dict = {}
    session = None
    tmp = Path(tempfile.mkdtemp(prefix="planner-bench-spark-")) if engine == "spark" else None
    try:
        if engine == "spark":
            assert tmp is not None
            session = _spark_session(str(Path(root) / "scores.parquet"), tmp)
        if engine.startswith("pandas"):
            source: object = str(Path(root) / "scores.parquet")
            if engine == "pandas-hist":
                extra["score_metrics"] = "histogram"
        else:
            from planner.audit.warehouse import WarehouseInput
            from planner.spec.warehouse import Warehouse

            spec = Warehouse.model_validate({"connection": connection, "table": "scores"}, context={"root": root})
            source = WarehouseInput(spec, Path(root))
        start = time.perf_counter()
        result = run_audit(source, **AUDIT, **extra)
        seconds = time.perf_counter() - start
        digest, metrics = _check_digest(result)
        back = result.source["rows_returned"] if not engine.startswith("pandas") else result.rows
        out = {"seconds": seconds, "rows": result.rows, "rows_back": back, "digest": digest}
        out["auc"] = metrics.get("roc_auc", {}).get("value") if isinstance(metrics.get("roc_auc"), dict) else None
        if session is not None:
            out["jvm_mb"] = _jvm_peak_mb(session)
        return out
    finally:
        if session is not None:
            session.stop()  # type: ignore[attr-defined]
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def measure(engine: str, root: Path, connection: str | None, env: dict) -> dict:
    """`worker` in a fresh subprocess: its own ru_maxrss is this run's peak memory."""
    command = [sys.executable, __file__, "--worker", engine, str(root)]
    if connection:
        command += ["--connection", connection]
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if out.returncode:
        raise SystemExit(f"{engine} on {root.name} failed ({out.returncode}):\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------------------------------


def bench(rows: int, engines: list[str], runs: int, cache: Path) -> list[tuple[int, str, list[dict]]]:
    root = dataset(cache, rows)
    env = dict(os.environ)
    connections: dict[str, str | None] = {"pandas": None, "pandas-hist": None, "spark": "spark"}
    server = None
    try:
        if "duckdb" in engines:
            load_duckdb(root, rows)
            connections["duckdb"] = "duckdb:scores.duckdb"
        if "postgres" in engines:
            server = Postgres()
            server.start()
            server.load(root / "scores.parquet")
            env["PGPW"] = server.password
            connections["postgres"] = server.url("${PGPW}")
        figures: dict[str, list[dict]] = {engine: [] for engine in engines}
        for run in range(runs):
            for engine in engines:
                r = measure(engine, root, connections[engine], env)
                figures[engine].append(r)
                jvm = f", Spark JVM peak {r['jvm_mb']:.0f} MB" if r.get("jvm_mb") else ""
                print(
                    f"  run {run + 1}/{runs} {engine:<12} {r['seconds']:8.2f} s {r['peak_mb']:7.0f} MB{jvm}", flush=True
                )
    finally:
        if server is not None:
            server.stop()
    return [(rows, engine, figures[engine]) for engine in engines]


def report(results: list[tuple[int, str, list[dict]]]) -> int:
    print()
    print(f"{'rows':>12}  {'engine':<12} {'best s':>8} {'median s':>9} {'peak MB':>8} {'rows back':>12}")
    for rows, engine, runs in results:
        seconds = [r["seconds"] for r in runs]
        peak = statistics.median(r["peak_mb"] for r in runs)
        print(
            f"{rows:>12,}  {engine:<12} {min(seconds):>8.2f} {statistics.median(seconds):>9.2f} {peak:>8.0f}"
            f" {runs[0]['rows_back']:>12,}"
        )
    by_size: dict[int, dict[str, list[dict]]] = {}
    for rows, engine, runs in results:
        by_size.setdefault(rows, {})[engine] = runs
    failed = False
    for rows, found in by_size.items():
        if "pandas" in found:
            base_s = statistics.median(r["seconds"] for r in found["pandas"])
            base_mb = statistics.median(r["peak_mb"] for r in found["pandas"])
            ratios = []
            for engine, runs in found.items():
                if engine != "pandas":
                    s = statistics.median(r["seconds"] for r in runs) / base_s
                    mb = statistics.median(r["peak_mb"] for r in runs) / base_mb
                    ratios.append(f"{engine} {s:.2f} time, {mb:.2f} memory")
            print(f"{rows:,} rows, ratio to pandas (medians): " + "; ".join(ratios))
        digests = {(engine, r["digest"]) for engine, runs in found.items() for r in runs}
        counted = {r["rows"] for runs in found.values() for r in runs}
        if len({d for _, d in digests}) != 1 or counted != {rows}:
            failed = True
            print(f"{rows:,} rows: ENGINES DISAGREE: digests {sorted(digests)}, rows audited {sorted(counted)}")
        else:
            print(f"{rows:,} rows: all engines agree on every count ({', '.join(found)}; digest {digests.pop()[1]})")
        aucs = {engine: runs[0].get("auc") for engine, runs in found.items() if engine != "pandas"}
        if any(v is not None for v in aucs.values()):
            print(f"{rows:,} rows: histogram ROC AUC " + ", ".join(f"{e} {v!r}" for e, v in aucs.items()))
    if failed:
        raise SystemExit("the engines' audits disagree (see above)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=ENGINES)
    parser.add_argument(
        "--large", action="store_true", help=f"also {LARGE_ROWS:,} rows on {' and '.join(LARGE_ENGINES)}"
    )
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "planner-bench-warehouse")
    parser.add_argument("--worker", nargs=2, metavar=("ENGINE", "ROOT"), help=argparse.SUPPRESS)
    parser.add_argument("--connection", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        result = worker(args.worker[0], args.worker[1], args.connection)
        result["peak_mb"] = own_peak_mb()
        result["ru_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return 0
    print(f"audit: {json.dumps(AUDIT)}; {args.runs} run(s) each, engines taking turns")
    results = bench(args.rows, args.engines, args.runs, args.cache)
    if args.large:
        results += bench(LARGE_ROWS, [e for e in LARGE_ENGINES if e in args.engines], args.runs, args.cache)
    return report(results)


if __name__ == "__main__":
    raise SystemExit(main())
