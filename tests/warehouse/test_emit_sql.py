"""`planner audit --emit-sql TABLE --dialect D` prints a query that runs unchanged on each engine
here (PostgreSQL, Spark, DuckDB) and counts what planner counts from the CSV."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import psycopg
import pytest

from helpers import run_cli
from planner.audit import count_cells, prepare_counts, prepare_predictions

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
    """The job's result, read back as a counts file with the audit's positive label, is planner's count."""
    got = prepare_counts(
        got.rename(columns=str.lower), group_columns=GROUPS, label="label", prediction="prediction", count="count",
        positive_label=1,
    )  # fmt: skip
    pd.testing.assert_frame_equal(got, expected())


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


def test_the_emitted_query_keeps_the_specs_filter_and_query(capsys, tmp_path, load_csv_duckdb):
    """The job must count the rows planner audits: a warehouse audit's `where` and `query` go into the text."""
    import shutil

    root = tmp_path / "adult"
    shutil.copytree(ADULT, root, ignore=shutil.ignore_patterns(".planner", "reports"))
    spec = root / "specs" / "bias-audit.yaml"
    text = spec.read_text()
    filtered = "predictions:\n  connection: duckdb:data/p.duckdb\n  table: loan_scores\n  where: sex = 'Female'\n"
    spec.write_text(text.replace("predictions: data/predictions.csv", filtered.rstrip("\n") + "\n#"))
    code, out, err = run_cli(capsys, "audit", str(root), "--emit-sql", "loan_scores", "--dialect", "duckdb")
    assert code == 0, out + err
    database = tmp_path / "p.duckdb"
    load_csv_duckdb(CSV, database, "loan_scores")
    with duckdb.connect(str(database)) as con:
        got = con.execute(out.split("\n", 1)[1]).df()
    assert set(got["sex"]) == {"Female"}
    assert int(got["count"].sum()) == int((pd.read_csv(CSV)["sex"] == "Female").sum())
