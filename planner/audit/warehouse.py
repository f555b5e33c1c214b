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

import hashlib
import json
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
from planner.audit.inputs import MAX_GROUPS, RESERVED_NAMES, to_binary, to_factor
from planner.audit.readers import first_line
from planner.errors import PlannerError
from planner.source.uris import fill_userinfo, redact, scrub
from planner.spec.warehouse import Warehouse, duckdb_file

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
WRITES = ("Insert", "Update", "Delete", "Merge", "Create", "Drop", "Alter", "TruncateTable", "Command", "Copy", "Set")


@dataclass(frozen=True)
class WarehouseInput:
    """A warehouse source as the engine takes it: the spec's source and the project folder (for a
    DuckDB database file, which must lie inside it)."""

    source: Warehouse
    root: Path

    @property
    def label(self) -> str:
        """The source as messages name it (no credential)."""
        what = self.source.table or "its query"
        return f"{redact(self.source.connection)} ({what})"


@dataclass(frozen=True)
class Pushed:
    """What a warehouse sent back, checked: the canonical counts, the missing rows per group column,
    the score histogram (with a score column), the threshold agreement and the provenance."""

    counts: pd.DataFrame
    missing: dict[str, int]
    cells: ScoreCells | None
    agreement: float | None
    provenance: dict[str, Any]


def _error(
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
        raise _error(template.format(error=error, **fields), source, uris, key) from None


def _filled(source: WarehouseInput) -> str:
    def unset(name: str) -> AuditInputError:
        return AuditInputError(
            UNSET.format(name=name, connection=redact(source.source.connection)),
            file=source.label,
            hint=f"export {name}=... before running planner",
            key="connection",
        )

    return fill_userinfo(source.source.connection, unset)


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
            return ibis.duckdb.connect(str(path), read_only=True), []
    if scheme in ("spark", "sc"):
        _require("pyspark", scheme)
        from pyspark.sql import SparkSession

        with _failures(source, [source.source.connection], "connection", CONNECT_FAILED, connection=source.label):
            if scheme == "sc":
                session = SparkSession.builder.remote(source.source.connection).getOrCreate()
            else:
                session = SparkSession.getActiveSession() or SparkSession.builder.appName("planner").getOrCreate()
            return ibis.pyspark.connect(session), [source.source.connection]
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


def _check_select(text: str, what: str, dialect: str, source: WarehouseInput, key: str) -> None:
    """Refuse anything but one SELECT: a spec from a pull request must not write with CI's credentials."""
    import sqlglot
    from sqlglot import exp

    try:
        statements = [s for s in sqlglot.parse(text, read=dialect) if s is not None]
    except sqlglot.errors.SqlglotError as exc:
        raise _error(NOT_A_QUERY.format(what=what, reason=first_line(exc)), source, [], key) from None
    if len(statements) != 1:
        raise _error(NOT_A_QUERY.format(what=what, reason=f"{len(statements)} statements"), source, [], key)
    statement = statements[0]
    writes = tuple(getattr(exp, name) for name in WRITES if hasattr(exp, name))
    if not isinstance(statement, exp.Query) or statement.find(*writes) is not None:
        raise _error(NOT_A_QUERY.format(what=what, reason=f"it is {type(statement).__name__}"), source, [], key)


def relation(backend: Any, source: WarehouseInput, uris: Sequence[str]) -> Any:
    """The predictions as an Ibis table: the table or the query, with the filter pushed down."""
    from sqlglot import exp

    spec = source.source
    dialect = DIALECTS[spec.scheme]
    if spec.table:
        table_sql = exp.to_table(spec.table).sql(dialect=dialect, identify=True)
        base = f"SELECT * FROM {table_sql}"
        with _failures(
            source, uris, "table", NOT_FOUND + ": {error}", table=spec.table, connection=redact(spec.connection)
        ):
            parts = spec.table.split(".")
            database = None if len(parts) == 1 else (parts[0] if len(parts) == 2 else tuple(parts[:-1]))
            backend.table(parts[-1], database=database)
    else:
        assert spec.query is not None  # the spec gives one of the two
        _check_select(spec.query, "the query", dialect, source, "query")
        base = spec.query
    if spec.where is None and spec.table:
        parts = spec.table.split(".")
        database = None if len(parts) == 1 else (parts[0] if len(parts) == 2 else tuple(parts[:-1]))
        return backend.table(parts[-1], database=database)
    text = base if spec.where is None else f"SELECT * FROM ({base}) AS planner_source WHERE ({spec.where})"
    key = "where" if spec.where else "query"
    _check_select(text, "the filter" if spec.where else "the query", dialect, source, key)
    with _failures(source, uris, key, QUERY_FAILED):
        return backend.sql(text, dialect=dialect)


def _frame(expression: Any, source: WarehouseInput, uris: Sequence[str]) -> pd.DataFrame:
    key = "where" if source.source.where else ("table" if source.source.table else "query")
    with _failures(source, uris, key, QUERY_FAILED):
        return expression.to_pandas()


def _check_score_type(table: Any, score: str, source: WarehouseInput) -> None:
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
        from planner.audit.cache import file_sha256

        name = duckdb_file(spec.connection)
        return {"kind": "file-sha256", "value": file_sha256(source.root / name, source.root, name)}
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
            from planner.audit.inputs import RESERVED_NAME

            raise AuditInputError(RESERVED_NAME.format(column=name), file=source.label, column=name)
    backend, uris = connect(source)
    try:
        table = relation(backend, source, uris)
        read_only(backend, source)
        from planner.audit.readers import check_columns

        wanted = list(dict.fromkeys([label, *(c for c in (prediction, score) if c), *groups]))
        check_columns(list(table.columns), wanted, source.label)
        cells = None
        raw_histogram = None
        if score is not None:
            _check_score_type(table, score, source)
            raw_histogram = _frame(
                pushdown.histogram(table, features=features, label=label, score=score, bins=bins, ece_bins=ece_bins),
                source,
                uris,
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
            ),
            groups,
        )
        snapshot = _snapshot(backend, source)
    finally:
        disconnect = getattr(backend, "disconnect", None)
        if disconnect is not None and source.source.scheme not in ("spark", "sc"):  # the session is the user's
            disconnect()
    counts, missing = prepare_counts_missing(
        raw.drop(columns=["at_threshold"], errors="ignore"),
        group_columns=list(groups),
        label="label",
        prediction="prediction",
        count="count",
        positive_label=positive_label,
        source=source.label,
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


def provenance_digest(provenance: dict[str, Any]) -> str:
    """sha256 of a provenance record (what the cache fingerprints and a sign-off binds)."""
    return hashlib.sha256(json.dumps(provenance, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
