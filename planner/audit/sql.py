"""The grouped count as SQL for DuckDB over parquet (`--engine duckdb`).

Why DuckDB: it scans only the needed parquet columns in parallel and in bounded memory, so the
count of 100M rows never materialises them in pandas. The query groups by the *raw* label and
prediction values; validating and mapping them happens afterwards on the tiny result, with the
same code (and the same messages) as the pandas path.

Missing group values stay NULL (one group in GROUP BY), so that a value spelled like the missing
group's name can never merge with it; `prepare_counts` turns NULL into the flagged missing group.
A parquet float NaN counts as missing too, as pandas reads it.

The query text for other warehouses (`--emit-sql --dialect`) and warehouse audits are compiled
by Ibis instead (`planner.audit.pushdown`).
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


def raw_count_sql(
    relation: str,
    *,
    label: str,
    sensitive_features: Sequence[str],
    prediction: str | None = None,
    score: str | None = None,
    threshold: float = 0.5,
    float_columns: Sequence[str] = (),
) -> str:
    """DuckDB's grouped count over `relation` with label and prediction raw (validated and mapped
    afterwards, on the small result); the prediction is ``score >= threshold`` without a column."""
    if prediction is not None:
        pred_sql = quote_identifier(prediction)
    elif score is not None:
        pred_sql = f"CAST({quote_identifier(score)} >= {float(threshold)!r} AS INTEGER)"
    else:
        raise AuditInputError(NO_PREDICTION, hint="give prediction or score")
    groups = _group_sql(sensitive_features, float_columns)
    select = ",\n  ".join(
        [*groups, f"{quote_identifier(label)} AS label", f"{pred_sql} AS prediction", "COUNT(*) AS count"]
    )
    return f"SELECT\n  {select}\nFROM {relation}\nGROUP BY ALL\nORDER BY ALL"


def _is_nan(column: str) -> str:
    """NaN test that DuckDB cannot fold away: with parquet statistics (which leave NaN out of
    min/max) DuckDB 1.x evaluated ``isnan(x)`` as false for every row of a column holding NaN."""
    return f"CAST({column} AS VARCHAR) IN ('nan', '-nan', 'NaN')"


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
        sql = raw_count_sql(
            relation,
            label=label,
            sensitive_features=sensitive_features,
            prediction=prediction,
            score=score,
            threshold=threshold,
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


def _double(value: float) -> str:
    """A DOUBLE literal that parses to exactly `value` (its shortest round-trip text)."""
    return f"CAST('{float(value)!r}' AS DOUBLE)"


def histogram_sql(
    relation: str,
    *,
    label: str,
    score: str,
    sensitive_features: Sequence[str],
    positive_label: Any = None,
    float_columns: Sequence[str] = (),
    ece_bins: int = 10,
) -> str:
    """Rows and score sums per (group columns, label, threshold bin, calibration bin).

    The bins are counted as `planner.audit.histograms` counts them: the threshold bin is the
    number of edges 0.01..1 at or below the score (``searchsorted(side="right") - 1``), the
    calibration bin the number of inner calibration edges below it (``searchsorted`` left).
    """
    from planner.audit.histograms import EDGES

    col = quote_identifier(score)
    groups = _group_sql(sensitive_features, float_columns)
    positive = quote_literal(1 if positive_label is None else positive_label)
    tbin = " + ".join(f"CAST({col} >= {_double(e)} AS INTEGER)" for e in EDGES[1:])
    inner = np.linspace(0.0, 1.0, ece_bins + 1)[1:-1]
    cbin = " + ".join(f"CAST({col} > {_double(e)} AS INTEGER)" for e in inner) or "0"
    select = ",\n  ".join(
        [
            *groups,
            f"CAST({quote_identifier(label)} = {positive} AS INTEGER) AS label",
            f"{tbin} AS tbin",
            f"{cbin} AS cbin",
            "COUNT(*) AS count",
            f"SUM(CAST({col} AS DOUBLE)) AS score_sum",
        ]
    )
    return f"SELECT\n  {select}\nFROM {relation}\nGROUP BY ALL\nORDER BY ALL"


def _group_sql(sensitive_features: Sequence[str], float_columns: Sequence[str]) -> list[str]:
    out = []
    for c in sensitive_features:
        column = quote_identifier(c)
        text = f"CAST({column} AS VARCHAR)"
        if c in float_columns:
            text = f"CASE WHEN {_is_nan(column)} THEN NULL ELSE {text} END"
        out.append(f"{text} AS {quote_identifier(c)}")
    return out


def _histogram(frame: pd.DataFrame, ece_bins: int) -> dict:
    from planner.audit.histograms import EDGE_COUNT

    key = frame["label"].to_numpy().astype(np.int64) * EDGE_COUNT + frame["tbin"].to_numpy().astype(np.int64)
    weights = frame["count"].to_numpy().astype(np.float64)
    bins = np.bincount(key, weights=weights, minlength=2 * EDGE_COUNT).astype(np.int64).reshape(2, EDGE_COUNT)
    cb = frame["cbin"].to_numpy()
    rows = np.bincount(cb, weights=frame["count"], minlength=ece_bins)
    positives = np.bincount(cb, weights=frame["count"] * frame["label"], minlength=ece_bins)
    score_sum = np.bincount(cb, weights=frame["score_sum"], minlength=ece_bins)
    return {
        "negatives": bins[0].tolist(),
        "positives": bins[1].tolist(),
        "calibration": {
            "rows": rows.astype(np.int64).tolist(),
            "positives": positives.astype(np.int64).tolist(),
            "score_sum": score_sum.tolist(),
        },
    }


def duckdb_score_histograms(
    path: str | Path,
    *,
    label: str,
    score: str,
    sensitive_features: Sequence[str],
    positive_label: Any = None,
    ece_bins: int = 10,
) -> dict:
    """`planner.audit.histograms.score_histograms` counted by DuckDB over a parquet file that the
    grouped count (`duckdb_counts_missing`) has already checked; NULL groups are `MISSING_GROUP`."""
    import duckdb

    from planner.audit.histograms import EDGES
    from planner.spec.bias import MISSING_GROUP

    file = str(path)
    schema = parquet_schema(Path(path), file, list(dict.fromkeys([label, score, *sensitive_features])))
    floats = [c for c in sensitive_features if pa_is_float(schema.field(c).type)]
    relation = f"read_parquet({quote_literal(file)})"
    sql = histogram_sql(
        relation,
        label=label,
        score=score,
        sensitive_features=sensitive_features,
        positive_label=positive_label,
        float_columns=floats,
        ece_bins=ece_bins,
    )
    con = duckdb.connect()
    try:
        frame = con.execute(sql).df()
    except duckdb.Error as exc:
        raise AuditInputError(DUCKDB_FAILED.format(file=file, error=first_line(exc)), file=file) from None
    finally:
        con.close()
    for name in sensitive_features:
        frame[name] = frame[name].astype(object).where(frame[name].notna(), MISSING_GROUP)
    groupings = {}
    for name in sensitive_features:
        levels = sorted(set(frame[name]) - {MISSING_GROUP}) + (
            [MISSING_GROUP] if MISSING_GROUP in set(frame[name]) else []
        )
        groupings[name] = {str(level): _histogram(frame[frame[name] == level], ece_bins) for level in levels}
    return {
        "edges": EDGES.tolist(),
        "calibration_bins": ece_bins,
        "overall": _histogram(frame, ece_bins),
        "groupings": groupings,
    }
