"""Predictions that live in a warehouse, a lakehouse or a database file: where, and which rows.

Why checked here, without connecting: `planner validate` must catch a literal password or a
statement that is not a query before any CI job hands the spec its credentials. The connection
is made later, by the audit (`planner.audit.warehouse`), through Ibis.

`${NAME}` placeholders stand for the user name, the password and the whole value of a credential
parameter (Spark Connect's `;token=${SPARK_TOKEN}`) only, as in tracking URIs
(`planner.spec.results`): a placeholder in the host or any other part would let a spec send any
secret of the CI job to any host (or into a table name).
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, StringConstraints, ValidationInfo, model_validator

from planner.spec.base import SpecModel, inside_project
from planner.spec.results import PLACEHOLDER, split_userinfo
from planner.text import SECRET_NAME

SECRET_PARAMETER = re.compile(r"(?i)" + SECRET_NAME)

SCHEMES = ("duckdb", "postgresql", "postgres", "spark", "sc", "bigquery", "snowflake")
"""Connections an audit reaches (each through Ibis): a DuckDB database file of the project, a
PostgreSQL server, the active or a local SparkSession (`spark`), Spark Connect (`sc://`),
BigQuery and Snowflake."""
DIALECTS = ("duckdb", "postgres", "bigquery", "snowflake", "spark")
"""Dialects of `planner audit --emit-sql TABLE --dialect D` (sqlglot's names; `spark` is Ibis's `pyspark`)."""
IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_$]*"
TABLE_PATTERN = rf"^{IDENTIFIER}(\.{IDENTIFIER}){{0,2}}$"
QUERY_START = re.compile(r"(?is)^\s*(select|with)\b")
PLACES = "${NAME} may only stand for the user name, the password or a credential parameter's value"
STATEMENT_END = re.compile(r";\s*\S")


def scheme_of(connection: str) -> str:
    """`duckdb` of `duckdb:data/p.duckdb`, `postgresql` of `postgresql+psycopg://...`, `spark` of `spark`."""
    return connection.split(":", 1)[0].split("+", 1)[0].lower()


def duckdb_file(connection: str) -> str:
    """The database file of a `duckdb:FILE` connection (relative to the project folder)."""
    return connection.split(":", 1)[1] if ":" in connection else ""


def _connection(value: str, info: ValidationInfo) -> str:
    scheme = scheme_of(value)
    if scheme not in SCHEMES:
        raise ValueError(
            "must start with one of "
            + ", ".join(s if s == "spark" else f"{s}:" for s in SCHEMES)
            + " (e.g. postgresql://auditor:${PG_PASSWORD}@127.0.0.1:5432/scores)"
        )
    if scheme == "spark":
        if value != "spark":
            raise ValueError(
                "write `spark` for the active (or a local) SparkSession, or sc://HOST:PORT for Spark Connect"
            )
        return value
    if scheme == "duckdb":
        database = duckdb_file(value)
        if not database or database.startswith("//"):
            raise ValueError("write duckdb:<file>, the database file relative to the project folder")
        inside_project(database, info)
        return value
    parts = urlsplit(value)
    if not parts.netloc:
        raise ValueError(f"write {scheme}://HOST/... (the server to connect to)")
    if parts.password is not None and not PLACEHOLDER.fullmatch(parts.password):
        raise ValueError("must not hold a password: write ${NAME} and set environment variable NAME")
    rest = split_userinfo(value)[1]
    for part in re.split(r"[?&;#]", rest)[1:]:
        name, _, secret = part.partition("=")
        if PLACEHOLDER.search(name):
            raise ValueError(PLACES)
        credential = bool(SECRET_PARAMETER.fullmatch(name))
        if credential and secret and not PLACEHOLDER.fullmatch(secret):
            raise ValueError(f"parameter {name!r} must not hold a credential: write {name}=${{NAME}}")
        if not credential and PLACEHOLDER.search(part):
            raise ValueError(PLACES)
    if PLACEHOLDER.search(re.split(r"[?;#]", rest, maxsplit=1)[0]):
        raise ValueError(PLACES)
    return value


def _query(value: str) -> str:
    if not QUERY_START.match(value):
        raise ValueError("must be one SELECT (or WITH ... SELECT) statement")
    if STATEMENT_END.search(value):
        raise ValueError("must be a single statement: nothing may follow a `;`")
    return value.strip().rstrip(";").strip()


def _condition(value: str) -> str:
    if ";" in value:
        raise ValueError("must be a condition, without `;`")
    return value


Connection = Annotated[str, StringConstraints(min_length=1, max_length=2048), AfterValidator(_connection)]
TableName = Annotated[str, StringConstraints(pattern=TABLE_PATTERN, max_length=512)]
Query = Annotated[str, StringConstraints(min_length=1, max_length=100_000), AfterValidator(_query)]
Condition = Annotated[str, StringConstraints(min_length=1, max_length=20_000), AfterValidator(_condition)]


class Warehouse(SpecModel):
    """A table or a query holding one row per prediction, in a warehouse or a database file."""

    connection: Connection
    """Where: `duckdb:FILE` (a DuckDB database in the project), `postgresql://USER:${NAME}@HOST:PORT/DB`, `spark` (the active SparkSession, else a local one), `sc://HOST:PORT` (Spark Connect), `bigquery://PROJECT/DATASET`, `snowflake://USER:${NAME}@ACCOUNT/DB/SCHEMA`. `${NAME}` is replaced by environment variable NAME when the audit connects: never write a password."""
    table: TableName | None = None
    """The table (or view) of predictions, optionally `schema.table` or `catalog.schema.table`."""
    query: Query | None = None
    """Instead of `table`: one SELECT statement whose rows are the predictions."""
    where: Condition | None = None
    """A filter on the rows (SQL of the warehouse, e.g. `scored_at >= DATE '2026-07-01'`), pushed down."""

    @model_validator(mode="after")
    def _table_or_query(self):
        if (self.table is None) == (self.query is None):
            raise ValueError("give exactly one of `table` and `query`")
        return self

    @property
    def scheme(self) -> str:
        return scheme_of(self.connection)


def describe(source: Warehouse) -> str:
    """How messages and reports name a warehouse source: its redacted connection and its table or query."""
    from planner.source.uris import redact as redacted

    what = f"table {source.table}" if source.table else "a query"
    return f"{redacted(source.connection)} {what}" + (" (filtered)" if source.where else "")
