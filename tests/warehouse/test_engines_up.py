"""Each real engine fixture works: the adult-income predictions loaded into PostgreSQL, Spark and DuckDB
give exactly pandas' per-group counts and the same sum of `score`."""

import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

CSV = Path(__file__).resolve().parents[2] / "examples" / "adult-income" / "data" / "predictions.csv"
ROWS = 16_281
KEYS = ["sex", "race", "income_over_50k", "prediction"]
GROUP_SQL = (
    "SELECT sex, race, income_over_50k, prediction, COUNT(*) AS n FROM {t} "
    "GROUP BY sex, race, income_over_50k, prediction"
)
SUM_SQL = "SELECT SUM(score) FROM {t}"

pytestmark = pytest.mark.server


def _norm(value: Any) -> Any:
    """One spelling for a key value across engines: None for missing, Python int/str otherwise."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    return value


def _one(row: tuple[Any, ...] | None) -> tuple[Any, ...]:
    assert row is not None
    return row


def _counts(rows: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], int]:
    return {tuple(_norm(v) for v in row[:-1]): int(row[-1]) for row in rows}


@pytest.fixture(scope="module")
def expected() -> tuple[dict[tuple[Any, ...], int], float]:
    frame = pd.read_csv(CSV, keep_default_na=False, na_values=[""])
    assert len(frame) == ROWS
    grouped = frame.groupby(KEYS, dropna=False).size()
    counts = {tuple(_norm(v) for v in key): int(n) for key, n in grouped.items()}  # type: ignore[attr-defined]
    return counts, float(frame["score"].sum())


def _check(counts: dict[tuple[Any, ...], int], total: float, expected: tuple[dict, float]) -> None:
    want_counts, want_total = expected
    assert counts == want_counts
    assert sum(counts.values()) == ROWS
    assert math.isclose(total, want_total, rel_tol=1e-9), (total, want_total)


def test_postgres(postgres_server, load_csv_postgres, expected) -> None:
    import psycopg

    assert postgres_server.host == "127.0.0.1"
    assert postgres_server.url == (
        f"postgresql://auditor:{postgres_server.password}@127.0.0.1:{postgres_server.port}/scores"
    )
    assert load_csv_postgres(postgres_server, CSV, "predictions") == ROWS
    with psycopg.connect(postgres_server.url) as conn:
        types: dict[str, str] = dict(
            conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'predictions'"
            ).fetchall()
        )
        rows = conn.execute(GROUP_SQL.format(t='"predictions"')).fetchall()
        (total,) = _one(conn.execute(SUM_SQL.format(t='"predictions"')).fetchone())
        owner = conn.execute("SELECT current_user, current_database()").fetchone()
    assert owner == ("auditor", "scores")
    assert types == {
        "income_over_50k": "bigint",
        "prediction": "bigint",
        "score": "double precision",
        "sex": "text",
        "race": "text",
        "age_group": "text",
        "education_level": "text",
    }
    _check(_counts(rows), float(total), expected)


def test_postgres_needs_the_password(postgres_server) -> None:
    import psycopg

    wrong = postgres_server.url.replace(postgres_server.password, "not-" + postgres_server.password)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(wrong, connect_timeout=5)


def test_spark(spark, load_csv_spark, expected) -> None:
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    assert load_csv_spark(spark, CSV, "predictions") == ROWS
    types = dict(spark.table("predictions").dtypes)
    assert types == {
        "income_over_50k": "bigint",
        "prediction": "bigint",
        "score": "double",
        "sex": "string",
        "race": "string",
        "age_group": "string",
        "education_level": "string",
    }
    rows = [tuple(r) for r in spark.sql(GROUP_SQL.format(t="predictions")).collect()]
    total = spark.sql(SUM_SQL.format(t="predictions")).collect()[0][0]
    _check(_counts(rows), float(total), expected)


def test_duckdb(tmp_path, load_csv_duckdb, expected) -> None:
    import duckdb

    db = tmp_path / "scores.duckdb"
    assert load_csv_duckdb(CSV, db, "predictions") == ROWS
    con = duckdb.connect(str(db), read_only=True)
    try:
        types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns").fetchall())
        rows = con.execute(GROUP_SQL.format(t='"predictions"')).fetchall()
        (total,) = _one(con.execute(SUM_SQL.format(t='"predictions"')).fetchone())
    finally:
        con.close()
    assert types == {
        "income_over_50k": "BIGINT",
        "prediction": "BIGINT",
        "score": "DOUBLE",
        "sex": "VARCHAR",
        "race": "VARCHAR",
        "age_group": "VARCHAR",
        "education_level": "VARCHAR",
    }
    _check(_counts(rows), float(total), expected)
