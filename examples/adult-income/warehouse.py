"""Put this example's predictions where a team would keep them, and audit them there.

    python examples/adult-income/warehouse.py duckdb             # data/predictions.duckdb, table loan_scores
    python examples/adult-income/warehouse.py postgres URL       # a table in a PostgreSQL database
    python examples/adult-income/warehouse.py spark              # a table in the local Spark catalogue

The project itself keeps reading `data/predictions.csv`. For each target this loads the same 16,281
rows into the engine and prints the `predictions:` mapping that makes `specs/bias-audit.yaml` audit
them where they are (docs/warehouse.md). `planner audit` then gives the same counts and metrics as
from the CSV, with ROC AUC within its reported binning error (the tests check both on all three).
For PostgreSQL the URL's password is only used here to load: the spec names it as ${PG_PASSWORD}.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd

HERE = Path(__file__).resolve().parent
CSV = HERE / "data" / "predictions.csv"
TABLE = "loan_scores"


def to_duckdb() -> str:
    import duckdb

    database = HERE / "data" / "predictions.duckdb"
    database.unlink(missing_ok=True)
    with duckdb.connect(str(database)) as con:
        con.execute(f"CREATE TABLE {TABLE} AS SELECT * FROM read_csv(?)", [str(CSV)])
    return f"  connection: duckdb:data/{database.name}\n  table: {TABLE}"


def to_postgres(url: str) -> str:
    import psycopg

    frame = pd.read_csv(CSV)
    columns = ", ".join(
        f'"{c}" {"DOUBLE PRECISION" if c == "score" else "BIGINT" if frame[c].dtype.kind == "i" else "TEXT"}'
        for c in frame
    )
    with psycopg.connect(url) as con, con.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(f"CREATE TABLE {TABLE} ({columns})")
        with cursor.copy(f"COPY {TABLE} FROM STDIN (FORMAT csv, HEADER true)") as copy:
            copy.write(CSV.read_bytes())
    parts = urlsplit(url)
    return f"  connection: postgresql://{parts.username}:${{PG_PASSWORD}}@{parts.hostname}:{parts.port or 5432}{parts.path}\n  table: {TABLE}"


def to_spark() -> str:
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false").getOrCreate()
    spark.createDataFrame(pd.read_csv(CSV)).write.mode("overwrite").saveAsTable(TABLE)
    return f"  connection: spark\n  table: {TABLE}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", choices=["duckdb", "postgres", "spark"])
    parser.add_argument("url", nargs="?", help="postgresql://USER:PASSWORD@HOST:PORT/DB (postgres only)")
    args = parser.parse_args()
    if args.target == "postgres" and not args.url:
        parser.error("postgres needs the database URL")
    block = {"duckdb": to_duckdb, "spark": to_spark}.get(args.target, lambda: to_postgres(args.url))()
    print(f"loaded {len(pd.read_csv(CSV)):,} rows; in specs/bias-audit.yaml write:\npredictions:\n{block}")


if __name__ == "__main__":
    main()
