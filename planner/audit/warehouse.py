"""Audit predictions where they live: connect, push the two aggregations down, check what comes back.

Why only aggregates travel: a warehouse table of a billion scored rows fits in no process, and
every figure of the audit follows from the cell counts and the score histogram
(`planner.audit.pushdown`, `planner.audit.binned`). What comes back is a few thousand rows,
validated by the same code as a counts file, so a label that is not binary or a score outside
[0, 1] gets the message a file would get.

Trust: the connection's `${NAME}` placeholders are filled from the environment only here, and
every message that leaves this module is scrubbed of the filled-in URI and its credentials. Only
one SELECT statement is ever sent (sqlglot parses the query and the filter first), and a
PostgreSQL session is made read-only before it.

Provenance: the result records the connection (redacted), the table or query, the filter, the
row count, the rows brought back, a digest of them, and the engine's snapshot id where there is
one (a DuckDB database file's sha256; a Delta table's version). The audit cache fingerprints that.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.audit import pushdown
from planner.audit.binned import CELL_VALUES, ScoreCells, from_fixed
from planner.audit.counts import prepare_counts_missing
from planner.audit.errors import AuditInputError
from planner.audit.inputs import MAX_GROUPS, RESERVED_NAME, RESERVED_NAMES, to_binary, to_factor
from planner.audit.readers import check_columns, first_line
from planner.errors import PlannerError
from planner.source.uris import fill_placeholders, redact, scrub
from planner.spec.warehouse import Warehouse, describe, duckdb_file

EXTRAS = {"duckdb": "duckdb", "postgresql": "postgres", "postgres": "postgres", "spark": "spark", "sc": "spark"}
"""Connection scheme -> the planner extra that installs its engine."""
DIALECTS = {"duckdb": "duckdb", "postgresql": "postgres", "postgres": "postgres", "spark": "spark", "sc": "spark",
            "bigquery": "bigquery", "snowflake": "snowflake"}  # fmt: skip
"""Connection scheme -> sqlglot's dialect, for checking the query and the filter."""
NOT_INSTALLED = "the {scheme} connection needs {package}, which is not installed"
UNSET = "environment variable {name} is not set (named in connection {connection!r})"
CONNECT_FAILED = "cannot connect to {connection}: {error}"
NOT_FOUND = "table {table} not found"
QUERY_FAILED = "the query failed: {error}"
NOT_A_QUERY = "{what} is not one SELECT statement: {reason}"
SCORE_NOT_NUMERIC = "score column {column!r} in {where} is not numeric (type {dtype})"
SCORE_MISSING = "score column {column!r} in {where} has {count} missing or NaN value(s)"
SCORE_RANGE = "score column {column!r} in {where} has {count} value(s) outside [0, 1]"
DUCKDB_MEMORY = "64MB"
"""DuckDB runs in planner's process, and the two aggregations need little: 10M rows in ~4,000
cells peaked at 273 MB for the whole process with it, 302 MB without (bench_warehouse.py)."""
FILE_FORMATS = ("csv", "json", "parquet", "orc", "avro", "text", "delta", "binaryfile", "jdbc", "xml")
"""Spark's ``csv.`/path` `` table references: a file, not a table."""
DENIED_FUNCTIONS = (
    "read_", "glob", "query", "sniff", "parquet_", "pg_", "lo_", "dblink", "set_config", "setval", "nextval",
    "current_setting", "txid", "java", "reflect", "getenv", "env", "file", "load", "install", "http", "url",
    "s3", "gcs", "system", "shell", "sys_", "dbms_", "utl_", "xp_", "duckdb_",
)  # fmt: skip
"""Function-name prefixes an audit query may not call (files, the JVM, settings, state)."""
WRITES = ("Insert", "Update", "Delete", "Merge", "Create", "Drop", "Alter", "TruncateTable", "Command", "Copy", "Set")


@dataclass(frozen=True)
class WarehouseInput:
    """A warehouse source as the engine takes it: the spec's source and the project folder (for a
    DuckDB database file, which must lie inside it)."""

    source: Warehouse
    root: Path

    @property
    def label(self) -> str:
        """The source as messages name it (no credential), as the spec's `source_label` does."""
        return describe(self.source)

    @property
    def rows_key(self) -> str:
        """The spec key that chose the rows: an error reading them is placed there."""
        return "where" if self.source.where else ("table" if self.source.table else "query")


@dataclass(frozen=True)
class Pushed:
    """What a warehouse sent back, checked: the canonical counts, the missing rows per group column,
    the score histogram (with a score column), the threshold agreement and the provenance."""

    counts: pd.DataFrame
    missing: dict[str, int]
    cells: ScoreCells | None
    agreement: float | None
    provenance: dict[str, Any]


def _scrubbed(
    message: str, source: WarehouseInput, uris: Sequence[str], key: str, hint: str | None = None
) -> AuditInputError:
    text = message
    for uri in uris:
        text = scrub(text, uri)
    return AuditInputError(text, file=source.label, hint=hint, key=key)


@contextmanager
def _failures(source: WarehouseInput, uris: Sequence[str], key: str, template: str, **fields: str) -> Iterator[None]:
    """Anything an engine raises becomes an `AuditInputError` at the spec's `key`, its text
    scrubbed of credentials."""
    try:
        yield
    except AuditInputError:
        raise
    except Exception as exc:  # drivers raise their own classes (psycopg, py4j, duckdb, ...)
        error = first_line(exc)
        raise _scrubbed(template.format(error=error, **fields), source, uris, key) from None


def _filled(source: WarehouseInput) -> str:
    def unset(name: str) -> AuditInputError:
        return AuditInputError(
            UNSET.format(name=name, connection=redact(source.source.connection)),
            file=source.label,
            hint=f"export {name}=... before running planner",
            key="connection",
        )

    return fill_placeholders(source.source.connection, unset)


def _require(module: str, scheme: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        extra = EXTRAS.get(scheme, "warehouse")
        raise AuditInputError(
            NOT_INSTALLED.format(scheme=scheme, package=module.split(".")[0]),
            hint=f"pip install 'planner[{extra}]'",
            key="connection",
        ) from None


def connect(source: WarehouseInput) -> tuple[Any, list[str]]:
    """An Ibis backend for the source, and the URIs whose credentials no message may show."""
    from planner.source import guard

    scheme = source.source.scheme
    ibis = _require("ibis", scheme)
    if scheme == "duckdb":
        _require("duckdb", scheme)
        name = duckdb_file(source.source.connection)
        try:  # inside the project, a regular file: a FIFO or a link out is refused before DuckDB opens it
            path = guard.checked_file(source.root / name, source.root, kind=guard.PREDICTIONS, file_label=name)
        except PlannerError as exc:
            first = exc.diagnostics[0]
            raise AuditInputError(first.message, file=name, hint=first.hint or None, key="connection") from None
        with _failures(source, [], "connection", CONNECT_FAILED, connection=name):
            # no file outside the database, no extension (DuckDB cannot turn this back on while open)
            config = {"enable_external_access": False, "memory_limit": DUCKDB_MEMORY}
            return ibis.duckdb.connect(str(path), read_only=True, **config), []
    if scheme in ("spark", "sc"):
        _require("pyspark", scheme)
        from pyspark.sql import SparkSession

        uri = _filled(source)
        with _failures(source, [uri, source.source.connection], "connection", CONNECT_FAILED, connection=source.label):
            if scheme == "sc":
                session = SparkSession.builder.remote(uri).getOrCreate()
            else:
                session = SparkSession.getActiveSession() or SparkSession.builder.appName("planner").getOrCreate()
            return ibis.pyspark.connect(session), [uri, source.source.connection]
    uri = _filled(source)
    uris = [uri, source.source.connection]
    if scheme in ("postgresql", "postgres"):
        _require("psycopg", scheme)
        uri = "postgres://" + uri.split("://", 1)[1]
    with _failures(source, uris, "connection", CONNECT_FAILED, connection=redact(source.source.connection)):
        return ibis.connect(uri), uris


def read_only(backend: Any, source: WarehouseInput) -> None:
    """Defence in depth on PostgreSQL (only SELECTs are sent anyway): the session turns read-only
    once the relation is known (Ibis learns a query's columns through a temporary view)."""
    if source.source.scheme in ("postgresql", "postgres"):
        backend.raw_sql("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY").close()
        # The bins are expressions of the score, so PostgreSQL expects one group per distinct score
        # and sorts 10M rows to disk; hashing the ~20,000 real groups took 23 s instead of 63 s.
        backend.raw_sql("SET enable_sort = off").close()


def _check_select(text: str, what: str, dialect: str, source: WarehouseInput, key: str) -> None:
    """Refuse anything but one SELECT: a spec from a pull request must not write with CI's credentials."""
    import sqlglot
    from sqlglot import exp

    try:
        statements = [s for s in sqlglot.parse(text, read=dialect) if s is not None]
    except sqlglot.errors.SqlglotError as exc:
        raise _scrubbed(NOT_A_QUERY.format(what=what, reason=first_line(exc)), source, [], key) from None
    if len(statements) != 1:
        raise _scrubbed(NOT_A_QUERY.format(what=what, reason=f"{len(statements)} statements"), source, [], key)
    statement = statements[0]
    writes = tuple(getattr(exp, name) for name in WRITES if hasattr(exp, name))
    if not isinstance(statement, exp.Query) or statement.find(*writes) is not None:
        raise _scrubbed(NOT_A_QUERY.format(what=what, reason=f"it is {type(statement).__name__}"), source, [], key)
    reason = _reaches_out(statement)
    if reason:
        raise _scrubbed(NOT_A_QUERY.format(what=what, reason=reason), source, [], key)


def _check_filter(text: str, dialect: str, source: WarehouseInput) -> None:
    """The filtered text must still be the one SELECT planner wrapped around the rows, with a WHERE
    and nothing else: a `where` of ``1=1) UNION ALL (SELECT ...`` or ``1=1) LIMIT (5`` breaks out."""
    import sqlglot
    from sqlglot import exp

    statement = sqlglot.parse_one(text, read=dialect)
    extra = [
        name for name in ("group", "having", "order", "limit", "offset", "qualify", "joins") if statement.args.get(name)
    ]
    if not isinstance(statement, exp.Select) or extra or statement.args.get("where") is None:
        reason = f"it changes the query ({', '.join(extra) or type(statement).__name__}), not only the rows kept"
        raise _scrubbed(NOT_A_QUERY.format(what="the filter", reason=reason), source, [], "where")


def _reaches_out(statement: Any) -> str | None:
    """Why a SELECT could act or read beyond the warehouse's tables, or None: a function that
    reads files, calls Java, reads settings or the environment, or changes state; a table that is
    a function or a file path; SELECT INTO; a row lock. Such a query could put a CI secret or a
    host file into group names (every report shows them) or undo the read-only session."""
    from sqlglot import exp

    for node in statement.walk():
        if isinstance(node, (exp.Into, exp.Lock)):
            return f"{type(node).__name__.upper()} is not allowed"
        if isinstance(node, exp.Table):
            if not isinstance(node.this, exp.Identifier):
                return f"it reads from {node.this.sql()[:60]!r}, not from a table"
            if node.db.lower() in FILE_FORMATS or any(mark in node.name for mark in ("/", "\\", "*")):
                return f"it reads the file {node.name!r}, not a table"
        if isinstance(node, exp.Func):
            name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
            if name.startswith(DENIED_FUNCTIONS):
                return f"function {name}() is not allowed in an audit query"
    return None


def relation(backend: Any, source: WarehouseInput, uris: Sequence[str]) -> Any:
    """The predictions as an Ibis table: the table or the query, with the filter pushed down."""
    from sqlglot import exp

    spec = source.source
    dialect = DIALECTS[spec.scheme]
    if spec.table:
        parts = spec.table.split(".")
        database = None if len(parts) == 1 else (parts[0] if len(parts) == 2 else tuple(parts[:-1]))
        with _failures(source, uris, "table", NOT_FOUND + ": {error}", table=spec.table):
            table = backend.table(parts[-1], database=database)
        if spec.where is None:
            return table
        base = f"SELECT * FROM {exp.to_table(spec.table).sql(dialect=dialect, identify=True)}"
    else:
        assert spec.query is not None  # the spec gives one of the two
        _check_select(spec.query, "the query", dialect, source, "query")
        base = spec.query
    text = base
    if spec.where is not None:
        text = f"SELECT * FROM ({base}) AS planner_source WHERE ({spec.where})"
        _check_select(text, "the filter", dialect, source, "where")
        _check_filter(text, dialect, source)
    with _failures(source, uris, source.rows_key, QUERY_FAILED):
        return backend.sql(text, dialect=dialect)


def _frame(expression: Any, source: WarehouseInput, uris: Sequence[str], backend: Any) -> pd.DataFrame:
    """The aggregation's result; DuckDB runs it again with its default memory limit when the
    small in-process one (`DUCKDB_MEMORY`) is too small for this many cells."""
    with _failures(source, uris, source.rows_key, QUERY_FAILED):
        try:
            return expression.to_pandas()
        except Exception as exc:
            if source.source.scheme != "duckdb" or "Out of Memory" not in str(exc):
                raise
            backend.raw_sql("RESET memory_limit")
            return expression.to_pandas()


def _check_score_type(table: Any, score: str, source: WarehouseInput, uris: Sequence[str]) -> None:
    with _failures(source, uris, "score", QUERY_FAILED):
        dtype = table.schema()[score]
    if not (dtype.is_floating() or dtype.is_integer() or dtype.is_decimal()):
        raise AuditInputError(
            SCORE_NOT_NUMERIC.format(column=score, where=source.label, dtype=dtype), file=source.label, column=score
        )


def _groups_of(frame: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """Group keys `g0, g1, ...` back under their column names; NaN is missing, as in a file."""
    out = frame.rename(columns={pushdown.group_key(i): name for i, name in enumerate(names)})
    for name in names:
        column = out[name].astype(object)
        out[name] = column.where(column.notna(), None)
    return out


def _score_cells(
    frame: pd.DataFrame, *, features: Sequence[str], label: str, score: str, positive_label: Any,
    source: WarehouseInput, bins: int, ece_bins: int, max_groups: int,
) -> ScoreCells:  # fmt: skip
    """The histogram checked: no missing or out-of-range score, labels mapped, groups as factors."""
    tbin = frame["tbin"].to_numpy(dtype=np.int64)
    counts = frame["count"].to_numpy(dtype=np.int64)
    for bad, template in ((pushdown.NAN_BIN, SCORE_MISSING), (pushdown.RANGE_BIN, SCORE_RANGE)):
        n = int(counts[tbin == bad].sum())
        if n:
            raise AuditInputError(
                template.format(column=score, where=source.label, count=n), file=source.label, column=score
            )
    frame = _groups_of(frame, features)
    table: dict[str, Any] = {}
    for name in features:
        factor, _ = to_factor(frame[name], column=name, file=source.label, max_groups=max_groups)
        table[name] = np.asarray(factor.levels, dtype=object)[factor.codes]
    table["label"] = to_binary(
        frame["label"], role="label", column=label, file=source.label, positive_label=positive_label
    )
    table["tbin"], table["cbin"] = tbin, frame["cbin"].to_numpy(dtype=np.int64)
    for name in CELL_VALUES:  # exact integers, whatever type the engine's sum came back as
        table[name] = [int(v) for v in frame[name]]
    keys = [*features, "label", "tbin", "cbin"]
    grouped = pd.DataFrame(table).groupby(keys, sort=True, observed=True)[list(CELL_VALUES)]
    summed = grouped.agg(_exact_sum).reset_index()
    return ScoreCells(from_fixed(summed), tuple(features), bins, ece_bins)


def _exact_sum(values: pd.Series) -> int:
    """A sum in Python integers: fixed-point score sums of many cells may pass 2**63."""
    return sum(int(v) for v in values)


def _agreement(frame: pd.DataFrame, prediction: pd.Series) -> float | None:
    if "at_threshold" not in frame:
        return None
    agree = frame["count"].to_numpy()[prediction.to_numpy() == frame["at_threshold"].to_numpy()]
    return float(agree.sum() / frame["count"].sum())


def _snapshot(backend: Any, source: WarehouseInput) -> dict[str, Any] | None:
    """The engine's own version of the data, where it has one (None for PostgreSQL, a query)."""
    spec = source.source
    if spec.scheme == "duckdb":
        from planner.audit.cache import database_sha256

        return {"kind": "file-sha256", "value": database_sha256(source.root, duckdb_file(spec.connection))}
    if spec.scheme in ("spark", "sc") and spec.table:
        try:  # a Delta table knows its version; any other table raises, and has none
            row = backend.raw_sql(f"DESCRIBE HISTORY {spec.table} LIMIT 1").first()
        except Exception:
            return None
        return {"kind": "delta-version", "value": int(row["version"])}
    return None


def _digest(*frames: pd.DataFrame) -> str:
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(frame.to_csv(index=False).encode())
    return digest.hexdigest()


def push_down(
    source: WarehouseInput,
    *,
    label: str,
    prediction: str | None,
    score: str | None,
    groups: Sequence[str],
    features: Sequence[str],
    positive_label: Any,
    threshold: float,
    bins: int,
    ece_bins: int,
    max_groups: int = MAX_GROUPS,
) -> Pushed:
    """Run the counts (and, with a score, the histogram) where the predictions live; see the module."""
    for name in groups:
        if name in RESERVED_NAMES:
            raise AuditInputError(RESERVED_NAME.format(column=name), file=source.label, column=name)
    backend, uris = connect(source)
    try:
        table = relation(backend, source, uris)
        with _failures(source, uris, source.rows_key, QUERY_FAILED):
            read_only(backend, source)
            columns = list(table.columns)
        wanted = list(dict.fromkeys([label, *(c for c in (prediction, score) if c), *groups]))
        check_columns(columns, wanted, source.label)
        cells = None
        raw_histogram = None
        if score is not None:
            _check_score_type(table, score, source, uris)
            raw_histogram = _frame(
                pushdown.histogram(table, features=features, label=label, score=score, bins=bins, ece_bins=ece_bins),
                source,
                uris,
                backend,
            )
            cells = _score_cells(
                raw_histogram, features=features, label=label, score=score, positive_label=positive_label,
                source=source, bins=bins, ece_bins=ece_bins, max_groups=max_groups,
            )  # fmt: skip
        raw = _groups_of(
            _frame(
                pushdown.counts(
                    table, groups=groups, label=label, prediction=prediction, score=score, threshold=threshold
                ),
                source,
                uris,
                backend,
            ),
            groups,
        )
        snapshot = _snapshot(backend, source)
    finally:
        disconnect = getattr(backend, "disconnect", None)
        if disconnect is not None and source.source.scheme not in ("spark", "sc"):  # the session is the user's
            with contextlib.suppress(Exception):  # a connection that broke meanwhile: nothing to close
                disconnect()
    # The cells under the spec's column names, so a message names the column the author wrote;
    # its rows are the grouped count's, which the place says.
    names = {"label": label, "prediction": prediction or "prediction"}
    renamed = len({*names.values(), "count", *groups}) == len(groups) + 3
    cells_frame = raw.drop(columns=["at_threshold"], errors="ignore")
    counts, missing = prepare_counts_missing(
        cells_frame.rename(columns=names) if renamed else cells_frame,
        group_columns=list(groups),
        label=names["label"] if renamed else "label",
        prediction=names["prediction"] if renamed else "prediction",
        count="count",
        positive_label=positive_label,
        source=f"the grouped count of {source.label}",
        max_groups=max_groups,
        prediction_positive=positive_label if prediction is not None else None,
    )
    agreement = None
    if prediction is not None and "at_threshold" in raw:
        mapped = to_binary(
            raw["prediction"], role="prediction", column=prediction, file=source.label, positive_label=positive_label
        )
        agreement = _agreement(raw, pd.Series(mapped))
    spec = source.source
    returned = [raw] + ([raw_histogram] if raw_histogram is not None else [])
    checked = [counts] + ([cells.table] if cells is not None else [])
    provenance = {
        "engine": spec.scheme,
        "connection": redact(spec.connection),
        "table": spec.table,
        "query": spec.query,
        "where": spec.where,
        "rows": int(counts["count"].sum()),
        "rows_returned": sum(len(f) for f in returned),
        "returned_sha256": _digest(*checked),
        "snapshot": snapshot,
    }
    return Pushed(counts, missing, cells, agreement, provenance)
