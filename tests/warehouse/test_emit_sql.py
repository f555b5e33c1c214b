"""`planner audit --emit-sql TABLE --dialect D` prints a query that runs unchanged on each engine
here (PostgreSQL, Spark, DuckDB) and counts what planner counts from the CSV."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import psycopg
import pytest

from helpers import run_cli
from planner.audit import count_cells, prepare_predictions

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[2]
ADULT = ROOT / "examples" / "adult-income"
CSV = ADULT / "data" / "predictions.csv"
GROUPS = ["sex", "race", "education_level"]


def emitted(capsys, dialect: str) -> str:
    code, out, err = run_cli(capsys, "audit", str(ADULT), "--emit-sql", "loan_scores", "--dialect", dialect)
    assert code == 0, out + err
    assert out.startswith("-- A1\n")
    return out.split("\n", 1)[1]


def expected() -> pd.DataFrame:
    frame = pd.read_csv(CSV, dtype={g: str for g in GROUPS})
    data = prepare_predictions(
        frame, label="income_over_50k", prediction="prediction", score="score", sensitive_features=GROUPS
    )
    return count_cells(data, GROUPS)


def same_counts(got: pd.DataFrame) -> None:
    got = got.rename(columns=str.lower)[[*GROUPS, "label", "prediction", "count"]]
    for name in ("label", "prediction", "count"):
        got[name] = got[name].astype("int64")
    got = got.sort_values([*GROUPS, "label", "prediction"]).reset_index(drop=True)
    want = expected()
    for name in GROUPS:
        got[name] = got[name].astype(str).astype(object)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


def test_postgres_runs_its_emitted_query(capsys, postgres_server, load_csv_postgres):
    load_csv_postgres(postgres_server, CSV, "loan_scores")
    sql = emitted(capsys, "postgres")
    assert "GROUP BY ALL" not in sql
    with psycopg.connect(postgres_server.url) as con, con.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
        names = [c.name for c in cursor.description]
    same_counts(pd.DataFrame(rows, columns=names))


def test_spark_runs_its_emitted_query(capsys, spark, load_csv_spark):
    load_csv_spark(spark, CSV, "loan_scores")
    sql = emitted(capsys, "spark")
    same_counts(spark.sql(sql).toPandas())


def test_duckdb_runs_its_emitted_query(capsys, tmp_path, load_csv_duckdb):
    database = tmp_path / "p.duckdb"
    load_csv_duckdb(CSV, database, "loan_scores")
    sql = emitted(capsys, "duckdb")
    with duckdb.connect(str(database)) as con:
        same_counts(con.execute(sql).df())


@pytest.mark.parametrize("dialect", ["bigquery", "snowflake"])
def test_other_dialects_are_printed_in_their_own_quoting(capsys, dialect):
    sql = emitted(capsys, dialect)
    assert "GROUP BY ALL" not in sql
    assert ("`sex`" in sql) if dialect == "bigquery" else ('"sex"' in sql)
