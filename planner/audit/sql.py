"""The grouped count as SQL: DuckDB over parquet, and the query text for other warehouses.

Why DuckDB: it scans only the needed parquet columns in parallel and in bounded memory, so the
count of 100M rows never materialises them in pandas. The query groups by the *raw* label and
prediction values; validating and mapping them happens afterwards on the tiny result, with the
same code (and the same messages) as the pandas path.

Missing group values stay NULL (one group in GROUP BY), so that a value spelled like the missing
group's name can never merge with it; `prepare_counts` turns NULL into the flagged missing group.
A parquet float NaN counts as missing too, as pandas reads it.

The emitted query maps label and prediction itself, through the same positive label (see
`planner.audit.inputs`): a positive label of 0 (or False) makes 0 positive in both columns. For a
text positive label the prediction may hold the label's values or 0/1; for another number (2)
it must hold the label's values.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.audit.counts import prepare_counts_missing
from planner.audit.errors import AuditInputError
from planner.audit.inputs import (
    FILE_NOT_FOUND,
    MAX_GROUPS,
    MISSING_VALUES,
    NO_PREDICTION,
    RESERVED_NAME,
    RESERVED_NAMES,
    SCORE_OUT_OF_RANGE,
    _zero_one_value,
)
from planner.audit.readers import CSV_SUFFIXES, PARQUET_SUFFIXES, first_line, parquet_schema

DUCKDB_MISSING = "the DuckDB engine needs the duckdb package, which is not installed"
DUCKDB_PARQUET_ONLY = "the DuckDB engine reads parquet files only, and {file} is not one"
DUCKDB_FAILED = "DuckDB cannot read {file}: {error}"


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
    float_columns: Sequence[str] = (),
) -> str:
    """SQL text of the grouped count for a named table (for ``planner audit --emit-sql``).

    Parameters
    ----------
    table : str
        Table name, optionally dotted (``schema.table``); each part is quoted.
    label, prediction, score : str
        Column names; the prediction is ``score >= threshold`` when no prediction column is given.
    sensitive_features : sequence of str
        Group columns; NULL stays NULL, the missing group.
    positive_label : object, optional
        Label and prediction value meaning positive; without it both columns must be 0/1.
    raw : bool
        Keep label and prediction values unmapped (used internally to validate them afterwards).
    float_columns : sequence of str
        Group columns of a floating type, whose NaN is missing too.
    """
    pred_sql = _prediction_sql(prediction, score, threshold, raw, positive_label)
    source = table if "(" in table else ".".join(quote_identifier(p) for p in table.split("."))
    groups = []
    for c in sensitive_features:
        column = quote_identifier(c)
        text = f"CAST({column} AS VARCHAR)"
        if c in float_columns:
            text = f"CASE WHEN {_is_nan(column)} THEN NULL ELSE {text} END"
        groups.append(f"{text} AS {quote_identifier(c)}")
    label_sql = quote_identifier(label)
    if not raw:
        positive = quote_literal(1 if positive_label is None else positive_label)
        label_sql = f"CAST({label_sql} = {positive} AS INTEGER)"
    select = ",\n  ".join([*groups, f"{label_sql} AS label", f"{pred_sql} AS prediction", "COUNT(*) AS count"])
    return f"SELECT\n  {select}\nFROM {source}\nGROUP BY ALL\nORDER BY ALL"


def _is_nan(column: str) -> str:
    """NaN test that DuckDB cannot fold away: with parquet statistics (which leave NaN out of
    min/max) DuckDB 1.x evaluated ``isnan(x)`` as false for every row of a column holding NaN."""
    return f"CAST({column} AS VARCHAR) IN ('nan', '-nan', 'NaN')"


def _prediction_sql(
    prediction: str | None, score: str | None, threshold: float, raw: bool, positive_label: Any = None
) -> str:
    """The prediction column mapped through the positive label (unless `raw`), or the score
    compared to the threshold (a score is the probability of the positive label: never mapped)."""
    if prediction is not None:
        column = quote_identifier(prediction)
        if raw:
            return column
        zero_one = _zero_one_value(positive_label)
        if positive_label is None or zero_one == 1:
            return f"CAST({column} AS INTEGER)"
        if zero_one == 0:
            return f"CAST({column} = 0 AS INTEGER)"
        if isinstance(positive_label, str):
            text = f"CAST({column} AS VARCHAR)"
            return f"CASE WHEN {text} = {quote_literal(positive_label)} OR {text} IN ('1', '1.0', 'true') THEN 1 ELSE 0 END"
        return f"CAST({column} = {quote_literal(positive_label)} AS INTEGER)"
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
    return duckdb_counts_missing(
        path,
        label=label,
        sensitive_features=sensitive_features,
        prediction=prediction,
        score=score,
        positive_label=positive_label,
        threshold=threshold,
    )[0]


def duckdb_counts_missing(
    path: str | Path,
    *,
    label: str,
    sensitive_features: Sequence[str],
    prediction: str | None = None,
    score: str | None = None,
    positive_label: Any = None,
    threshold: float = 0.5,
    max_groups: int = MAX_GROUPS,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """`duckdb_cell_counts`, and the rows of each group column's missing group.

    The file is checked with pyarrow first (a parquet file, columns present once, no nested
    values), and anything DuckDB raises becomes an `AuditInputError` naming the file.
    """
    try:
        import duckdb
    except ImportError as exc:  # optional dependency: planner[duckdb]
        raise AuditInputError(DUCKDB_MISSING, hint="pip install 'planner[duckdb]'") from exc
    file = str(path)
    if not Path(path).is_file():
        raise AuditInputError(FILE_NOT_FOUND.format(file=file), file=file)
    suffix = Path(path).suffix.lower()
    if suffix not in PARQUET_SUFFIXES:
        hint = "use the pandas engine, or convert the file to parquet" if suffix in CSV_SUFFIXES else None
        raise AuditInputError(DUCKDB_PARQUET_ONLY.format(file=file), file=file, hint=hint)
    for name in sensitive_features:
        if name in RESERVED_NAMES:
            raise AuditInputError(RESERVED_NAME.format(column=name), file=file, column=name)
    wanted = list(dict.fromkeys([label, *(c for c in (prediction, score) if c), *sensitive_features]))
    schema = parquet_schema(Path(path), file, wanted)
    floats = [c for c in sensitive_features if pa_is_float(schema.field(c).type)]
    con = duckdb.connect()
    try:
        relation = f"read_parquet({quote_literal(file)})"
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
            float_columns=floats,
        )
        raw = con.execute(sql).df()
    except duckdb.Error as exc:
        raise AuditInputError(DUCKDB_FAILED.format(file=file, error=first_line(exc)), file=file) from None
    finally:
        con.close()
    return prepare_counts_missing(
        raw,
        group_columns=sensitive_features,
        label="label",
        prediction="prediction",
        count="count",
        positive_label=positive_label,
        source=file,
        max_groups=max_groups,
        # a prediction derived from the score is 0/1 with 1 positive already
        prediction_positive=positive_label if prediction is not None else None,
    )


def pa_is_float(kind: Any) -> bool:
    """Whether a pyarrow type (or a dictionary of one) is floating point."""
    import pyarrow as pa

    value_type = kind.value_type if pa.types.is_dictionary(kind) else kind
    return bool(pa.types.is_floating(value_type))


def _check_scores(con: Any, relation: str, score: str, file: str) -> None:
    """Score NaN/NULL and range checks in SQL, with the pandas path's messages.

    The cheap aggregate runs first; row numbers (a window over the scan) only when it fails.
    """
    col = quote_identifier(score)
    bad_nan = f"({col} IS NULL OR {_is_nan(col)})"
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
