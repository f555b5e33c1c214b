"""The grouped count as SQL: DuckDB over parquet, and the query text for other warehouses.

Why DuckDB: it scans only the needed parquet columns in parallel and in bounded memory, so the
count of 100M rows never materialises them in pandas. The query groups by the *raw* label and
prediction values; validating and mapping them happens afterwards on the tiny result, with the
same code (and the same messages) as the pandas path.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.audit.counts import prepare_counts
from planner.audit.errors import AuditInputError
from planner.audit.inputs import FILE_NOT_FOUND, MISSING_VALUES, NO_PREDICTION, SCORE_OUT_OF_RANGE, check_columns

DUCKDB_MISSING = "the DuckDB engine needs the duckdb package, which is not installed"


def quote_identifier(name: str) -> str:
    """Double-quote an SQL identifier, doubling embedded quotes (no injection via names)."""
    return '"' + str(name).replace('"', '""') + '"'


def quote_literal(value: Any) -> str:
    """An SQL literal for a label value: numbers as numbers, anything else as a quoted string."""
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return repr(value.item() if hasattr(value, "item") else value)
    return "'" + str(value).replace("'", "''") + "'"


def grouped_count_sql(
    table: str,
    *,
    label: str,
    sensitive_features: Sequence[str],
    prediction: str | None = None,
    score: str | None = None,
    positive_label: Any = None,
    threshold: float = 0.5,
    raw: bool = False,
) -> str:
    """SQL text of the grouped count for a named table (for ``planner audit --emit-sql``).

    Parameters
    ----------
    table : str
        Table name, optionally dotted (``schema.table``); each part is quoted.
    label, prediction, score : str
        Column names; the prediction is ``score >= threshold`` when no prediction column is given.
    sensitive_features : sequence of str
        Group columns; NULL becomes the group 'missing'.
    positive_label : object, optional
        Label value meaning positive; without it the label column must already be 0/1.
    raw : bool
        Keep label and prediction values unmapped (used internally to validate them afterwards).
    """
    pred_sql = _prediction_sql(prediction, score, threshold, raw)
    source = table if "(" in table else ".".join(quote_identifier(p) for p in table.split("."))
    groups = [
        f"COALESCE(CAST({quote_identifier(c)} AS VARCHAR), 'missing') AS {quote_identifier(c)}"
        for c in sensitive_features
    ]
    label_sql = quote_identifier(label)
    if not raw:
        positive = quote_literal(1 if positive_label is None else positive_label)
        label_sql = f"CAST({label_sql} = {positive} AS INTEGER)"
    select = ",\n  ".join([*groups, f"{label_sql} AS label", f"{pred_sql} AS prediction", "COUNT(*) AS count"])
    return f"SELECT\n  {select}\nFROM {source}\nGROUP BY ALL\nORDER BY ALL"


def _prediction_sql(prediction: str | None, score: str | None, threshold: float, raw: bool) -> str:
    """The prediction column (as an integer unless `raw`), or the score compared to the threshold."""
    if prediction is not None:
        column = quote_identifier(prediction)
        return column if raw else f"CAST({column} AS INTEGER)"
    if score is None:
        raise AuditInputError(NO_PREDICTION, hint="give prediction or score")
    return f"CAST({quote_identifier(score)} >= {float(threshold)!r} AS INTEGER)"


def duckdb_cell_counts(
    path: str | Path,
    *,
    label: str,
    sensitive_features: Sequence[str],
    prediction: str | None = None,
    score: str | None = None,
    positive_label: Any = None,
    threshold: float = 0.5,
) -> pd.DataFrame:
    """The canonical counts table of a parquet file, counted by DuckDB.

    Returns the same table as ``count_cells(read_predictions(path, ...), by=sensitive_features)``.
    Raises `AuditInputError` when duckdb is not installed or the input is invalid.
    """
    try:
        import duckdb
    except ImportError as exc:  # optional dependency: planner[duckdb]
        raise AuditInputError(DUCKDB_MISSING, hint="pip install 'planner[duckdb]'") from exc
    file = str(path)
    if not Path(path).is_file():
        raise AuditInputError(FILE_NOT_FOUND.format(file=file), file=file)
    con = duckdb.connect()
    try:
        relation = f"read_parquet({quote_literal(file)})"
        columns = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]
        check_columns(columns, [label, *(c for c in (prediction, score) if c), *sensitive_features], file)
        if score is not None:
            _check_scores(con, relation, score, file)
        sql = grouped_count_sql(
            relation,
            label=label,
            sensitive_features=sensitive_features,
            prediction=prediction,
            score=score,
            threshold=threshold,
            raw=True,
        )
        raw = con.execute(sql).df()
    finally:
        con.close()
    return prepare_counts(
        raw,
        group_columns=sensitive_features,
        label="label",
        prediction="prediction",
        count="count",
        positive_label=positive_label,
        source=file,
    )


def _check_scores(con: Any, relation: str, score: str, file: str) -> None:
    """Score NaN/NULL and range checks in SQL, with the pandas path's messages.

    The cheap aggregate runs first; row numbers (a window over the scan) only when it fails.
    """
    col = quote_identifier(score)
    bad_nan = f"({col} IS NULL OR isnan({col}))"
    bad_range = f"({col} < 0 OR {col} > 1)"
    n_nan, n_bad = con.execute(
        f"SELECT count(*) FILTER (WHERE {bad_nan}), count(*) FILTER (WHERE {bad_range}) FROM {relation}"
    ).fetchone()
    if not (n_nan or n_bad):
        return
    bad = bad_nan if n_nan else bad_range
    row, value = con.execute(
        f"SELECT rn, {col} FROM (SELECT {col}, row_number() OVER () AS rn "
        f"FROM {relation}) WHERE {bad} ORDER BY rn LIMIT 1"
    ).fetchone()
    if n_nan:
        raise AuditInputError(
            MISSING_VALUES.format(role="score", column=score, where=file, count=n_nan, row=row), file=file, column=score
        )
    raise AuditInputError(
        SCORE_OUT_OF_RANGE.format(column=score, where=file, count=n_bad, value=float(value), row=row),
        file=file,
        column=score,
    )
