"""Real engines for warehouse tests: a PostgreSQL 15 server, a local SparkSession, DuckDB files.

`postgres_server` (session) starts a throwaway PostgreSQL server on 127.0.0.1 (a free port, password
auth over TCP, role `auditor`, database `scores`) and stops it at the end; `spark` (session) is a local
SparkSession writing only under a tmp folder. If the binaries (or pyspark / Java) are missing the tests
skip on a developer machine and FAIL under CI (env var CI set): CI must run them.

`tests` is not a package (helpers are imported as `helpers`, via tests/conftest.py's sys.path), so the
CSV loaders are fixtures returning callables:

    def test_x(postgres_server, load_csv_postgres):
        n = load_csv_postgres(postgres_server, csv_path, "predictions")

Types: int64 -> BIGINT / LongType, float64 -> DOUBLE PRECISION / DoubleType, bool -> BOOLEAN /
BooleanType, anything else -> TEXT / StringType. Only empty CSV fields are missing (NULL); strings such
as "NA" or "null" stay text.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

STARTUP_TIMEOUT_S = 20.0


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(reason: str) -> None:
    """Skip on a developer machine; fail loudly under CI, which must run these tests."""
    if _in_ci():
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


# --------------------------------------------------------------------------------------------------
# CSV reading and types, shared by the three loaders


def read_csv_typed(csv_path: str | os.PathLike[str]) -> pd.DataFrame:
    """The CSV as pandas reads it, with only empty fields as missing (NaN / None)."""
    return pd.read_csv(csv_path, keep_default_na=False, na_values=[""])


def _kind(dtype: Any) -> str:
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    return "text"


_PG_TYPES = {"int": "BIGINT", "float": "DOUBLE PRECISION", "bool": "BOOLEAN", "text": "TEXT"}
_DUCKDB_TYPES = {"int": "BIGINT", "float": "DOUBLE", "bool": "BOOLEAN", "text": "VARCHAR"}


def _python_rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    """Rows of plain Python values (int, float, bool, str) with None for every missing value."""
    columns = []
    for name in frame.columns:
        series = frame[name]
        values = series.tolist()
        missing = series.isna().tolist()
        columns.append([None if m else v for v, m in zip(values, missing, strict=True)])
    return list(zip(*columns, strict=True))


# --------------------------------------------------------------------------------------------------
# PostgreSQL


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    password: str
    database: str

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{self.database}"


def _postgres_bindir() -> Path | None:
    """The directory holding initdb, pg_ctl and postgres: PATH first, then /usr/lib/postgresql/*/bin."""
    names = ("initdb", "pg_ctl", "postgres")
    found = shutil.which("pg_ctl")
    if found:
        bindir = Path(os.path.realpath(found)).parent
        if all((bindir / n).is_file() for n in names):
            return bindir
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: _version_key(p), reverse=True)
    for candidate in candidates:
        bindir = Path(candidate)
        if all((bindir / n).is_file() for n in names):
            return bindir
    return None


def _version_key(path: str) -> tuple[int, ...]:
    version = Path(path).parent.name
    return tuple(int(p) for p in version.split(".") if p.isdigit()) or (0,)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(cmd: list[str], *, as_user: str | None, cwd: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    if as_user is not None:
        cmd = ["runuser", "-u", as_user, "--", *cmd]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError as exc:
        return f"<no server log at {path}: {exc}>"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server on 127.0.0.1 for the session: role `auditor` owns database `scores`."""
    import psycopg
    from psycopg import sql

    bindir = _postgres_bindir()
    if bindir is None:
        _unavailable("PostgreSQL binaries (initdb, pg_ctl, postgres) not found on PATH or in /usr/lib/postgresql/*/bin")
        raise AssertionError("unreachable")

    as_user: str | None = None
    base = Path(tempfile.mkdtemp(prefix="planner-pg-"))
    if os.geteuid() == 0:  # postgres refuses to run as root: run it as the `postgres` system user
        try:
            entry = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(base, ignore_errors=True)
            _unavailable("running as root and there is no `postgres` system user to run the server as")
            raise AssertionError("unreachable") from None
        if shutil.which("runuser") is None:
            shutil.rmtree(base, ignore_errors=True)
            _unavailable("running as root and `runuser` is not available to run the server as `postgres`")
        as_user = "postgres"
        os.chown(base, entry.pw_uid, entry.pw_gid)
    os.chmod(base, 0o700)
    datadir, log = base / "data", base / "server.log"

    pwfile = base / "superuser.pw"
    superuser_pw = secrets.token_urlsafe(24)
    pwfile.write_text(superuser_pw + "\n")
    if as_user is not None:
        os.chown(pwfile, pwd.getpwnam(as_user).pw_uid, -1)
    init = _run(
        [
            str(bindir / "initdb"),
            "-D", str(datadir),
            "-U", "postgres",
            f"--pwfile={pwfile}",
            "--auth-local=trust",  # the socket lives in a 0700 dir only the server user (and root) can enter
            "--auth-host=scram-sha-256",
            "-E", "UTF8",
            "--locale=C",
        ],
        as_user=as_user,
        cwd=str(base),
    )  # fmt: skip
    pwfile.unlink(missing_ok=True)
    if init.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        raise RuntimeError(f"initdb failed ({init.returncode}):\n{init.stdout}\n{init.stderr}")
    # TCP only from loopback, with passwords (scram-sha-256); local socket trusted for the setup below.
    (datadir / "pg_hba.conf").write_text(
        "local all all trust\n"
        "host all all 127.0.0.1/32 scram-sha-256\n"
    )  # fmt: skip

    pg_ctl = str(bindir / "pg_ctl")
    started, port, errors = False, 0, []
    for _attempt in range(3):  # a free port can be taken between the probe and the bind: try another
        port = _free_port()
        opts = (
            f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={base} "
            "-c password_encryption=scram-sha-256 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        start = _run(
            [pg_ctl, "-D", str(datadir), "-l", str(log), "-o", opts, "-w", "-t", str(int(STARTUP_TIMEOUT_S)), "start"],
            as_user=as_user,
            cwd=str(base),
            timeout=STARTUP_TIMEOUT_S + 15,
        )
        if start.returncode == 0:
            started = True
            break
        errors.append(
            f"pg_ctl start on port {port} ({start.returncode}):\n{start.stdout}\n{start.stderr}\n{_read(log)}"
        )
        _run([pg_ctl, "-D", str(datadir), "-m", "immediate", "-w", "stop"], as_user=as_user, cwd=str(base))
    if not started:
        shutil.rmtree(base, ignore_errors=True)
        raise RuntimeError("PostgreSQL did not start:\n" + "\n---\n".join(errors))

    def stop() -> None:
        _run([pg_ctl, "-D", str(datadir), "-m", "fast", "-w", "-t", "30", "stop"], as_user=as_user, cwd=str(base))
        shutil.rmtree(base, ignore_errors=True)

    try:
        # pg_ctl -w already waited; still poll a real connection before trusting it.
        deadline, last_error = time.monotonic() + STARTUP_TIMEOUT_S, None
        admin = None
        while time.monotonic() < deadline:
            try:
                admin = psycopg.connect(host=str(base), port=port, user="postgres", dbname="postgres", autocommit=True)
                break
            except psycopg.OperationalError as exc:
                last_error = exc
                time.sleep(0.2)
        if admin is None:
            raise RuntimeError(f"PostgreSQL accepted no connection in {STARTUP_TIMEOUT_S:.0f} s: {last_error}")
        password = secrets.token_urlsafe(24)
        with admin:
            admin.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier("auditor"), sql.Literal(password))
            )
            admin.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier("scores"), sql.Identifier("auditor"))
            )
        server = PostgresServer(host="127.0.0.1", port=port, user="auditor", password=password, database="scores")
        with psycopg.connect(server.url, connect_timeout=10) as probe:  # over TCP, with the password
            probe.execute("SELECT 1").fetchone()
    except Exception as exc:
        log_text = _read(log)
        stop()
        raise RuntimeError(f"PostgreSQL set-up failed: {exc}\n--- server log ---\n{log_text}") from exc
    except BaseException:
        stop()
        raise
    try:
        yield server
    finally:
        stop()


def load_csv_postgres_impl(server: PostgresServer, csv_path: str | os.PathLike[str], table: str) -> int:
    """Create (replace) `table` in the server's database from the CSV with COPY; return its row count."""
    import psycopg
    from psycopg import sql

    frame = read_csv_typed(csv_path)
    ident = sql.Identifier(table)
    columns = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(str(name)), sql.SQL(_PG_TYPES[_kind(frame[name].dtype)]))
        for name in frame.columns
    )
    names = sql.SQL(", ").join(sql.Identifier(str(name)) for name in frame.columns)
    # CSV format: an unquoted empty field is NULL. Missing values are written as empty (unquoted), and
    # text that is genuinely empty cannot occur (empty fields were read as missing).
    payload = frame.to_csv(index=False, header=False, na_rep="", lineterminator="\n")
    with psycopg.connect(server.url) as conn:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(ident))
            cur.execute(sql.SQL("CREATE TABLE {} ({})").format(ident, columns))
            copy_stmt = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv, NULL '')").format(ident, names)
            with cur.copy(copy_stmt) as copy:
                data = payload.encode("utf-8")
                for i in range(0, len(data), 1 << 20):
                    copy.write(data[i : i + (1 << 20)])
            row = cur.execute(sql.SQL("SELECT COUNT(*) FROM {}").format(ident)).fetchone()
        conn.commit()
    assert row is not None
    return int(row[0])


@pytest.fixture(scope="session")
def load_csv_postgres() -> Callable[[PostgresServer, str | os.PathLike[str], str], int]:
    """`load_csv_postgres(server, csv_path, table) -> row count`."""
    return load_csv_postgres_impl


# --------------------------------------------------------------------------------------------------
# Spark


def _java_home() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return home
    java = shutil.which("java")
    if java:
        return str(Path(os.path.realpath(java)).parent.parent)
    return None


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """A real local SparkSession (local[2], UTC, no UI, 127.0.0.1), writing only under a tmp folder."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        _unavailable(f"pyspark is not importable: {exc}")
        raise AssertionError("unreachable") from exc
    java_home = _java_home()
    if java_home is None:
        _unavailable("no Java runtime for Spark (JAVA_HOME unset and no `java` on PATH)")
        raise AssertionError("unreachable")

    os.environ.setdefault("JAVA_HOME", java_home)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")

    base = Path(tempfile.mkdtemp(prefix="planner-spark-"))
    warehouse, derby, local = base / "warehouse", base / "derby", base / "local"
    for d in (warehouse, derby, local):
        d.mkdir()
    java_opts = f"-Dderby.system.home={derby} -Djava.io.tmpdir={local}"
    session = (
        SparkSession.builder.master("local[2]")
        .appName("planner-warehouse-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", "1g")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", str(warehouse))
        .config("spark.local.dir", str(local))
        .config("spark.driver.extraJavaOptions", java_opts)
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={derby / 'metastore_db'};create=true",
        )
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()
        shutil.rmtree(base, ignore_errors=True)


def load_csv_spark_impl(spark: Any, csv_path: str | os.PathLike[str], table: str) -> int:
    """Create (replace) managed table `table` in the session's warehouse from the CSV; return its row count."""
    from pyspark.sql import types as T

    spark_types = {"int": T.LongType(), "float": T.DoubleType(), "bool": T.BooleanType(), "text": T.StringType()}
    frame = read_csv_typed(csv_path)
    schema = T.StructType(
        [T.StructField(str(name), spark_types[_kind(frame[name].dtype)], nullable=True) for name in frame.columns]
    )
    df = spark.createDataFrame(_python_rows(frame), schema=schema)
    quoted = "`" + table.replace("`", "``") + "`"
    spark.sql(f"DROP TABLE IF EXISTS {quoted}")
    df.write.mode("overwrite").saveAsTable(table)
    return int(spark.table(quoted).count())


@pytest.fixture(scope="session")
def load_csv_spark() -> Callable[[Any, str | os.PathLike[str], str], int]:
    """`load_csv_spark(spark, csv_path, table) -> row count` (a managed table in the tmp warehouse)."""
    return load_csv_spark_impl


# --------------------------------------------------------------------------------------------------
# DuckDB


def load_csv_duckdb_impl(csv_path: str | os.PathLike[str], db_path: str | os.PathLike[str], table: str) -> int:
    """Write (replace) `table` into the DuckDB database file `db_path` from the CSV; return its row count."""
    import duckdb

    frame = read_csv_typed(csv_path)

    def q(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    columns = ", ".join(f"{q(str(n))} {_DUCKDB_TYPES[_kind(frame[n].dtype)]}" for n in frame.columns)
    casts = ", ".join(f"CAST({q(str(n))} AS {_DUCKDB_TYPES[_kind(frame[n].dtype)]})" for n in frame.columns)
    con = duckdb.connect(str(db_path))
    try:
        con.execute(f"DROP TABLE IF EXISTS {q(table)}")
        con.execute(f"CREATE TABLE {q(table)} ({columns})")
        con.register("_planner_staged", frame)
        con.execute(f"INSERT INTO {q(table)} SELECT {casts} FROM _planner_staged")
        con.unregister("_planner_staged")
        row = con.execute(f"SELECT COUNT(*) FROM {q(table)}").fetchone()
    finally:
        con.close()
    assert row is not None
    return int(row[0])


@pytest.fixture(scope="session")
def load_csv_duckdb() -> Callable[[str | os.PathLike[str], str | os.PathLike[str], str], int]:
    """`load_csv_duckdb(csv_path, db_path, table) -> row count` (writes the DuckDB file)."""
    return load_csv_duckdb_impl
