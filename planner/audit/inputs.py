"""Read and validate predictions (or a precomputed counts table) for an audit.

Why this module is strict: a silently dropped row or a label read the wrong way round changes
every fairness figure downstream, so each problem raises `AuditInputError` naming the file, the
column and, where possible, a fix. Missing sensitive values are kept as an explicit group
"missing" and counted, never dropped.

Groups are held as integer codes plus level names (a `Factor`), because every later step
(one bincount over combined codes) works on codes, not strings.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.audit.errors import AuditInputError

MISSING_GROUP = "missing"
RESERVED_NAMES = ("label", "prediction", "count")

FILE_NOT_FOUND = "predictions file {file} not found"
UNSUPPORTED_FORMAT = "cannot read {file}: unsupported file type {suffix!r}"
MISSING_COLUMN = "column {column!r} not found in {where}"
NO_ROWS = "{where} has no rows"
NO_PREDICTION = "neither a prediction column nor a score column was given"
RESERVED_NAME = "group column name {column!r} is reserved for the counts table"
MISSING_VALUES = "{role} column {column!r} in {where} has {count} missing value(s), first at row {row}"
NOT_BINARY = "{role} column {column!r} in {where} is not binary: found {count} distinct values ({values})"
NOT_ZERO_ONE = "{role} column {column!r} in {where} holds {values}, not 0/1"
POSITIVE_NOT_FOUND = "positive label {positive!r} not found in {role} column {column!r} in {where}: values are {values}"
SCORE_NOT_NUMERIC = "score column {column!r} in {where} is not numeric (dtype {dtype})"
SCORE_OUT_OF_RANGE = (
    "score column {column!r} in {where} has {count} value(s) outside [0, 1], first {value!r} at row {row}"
)
BAD_COUNT = (
    "count column {column!r} in {where} has {count} negative, missing or non-integer value(s), first at row {row}"
)
BAD_THRESHOLD = "threshold must be within [0, 1], got {value!r}"


@dataclass(frozen=True)
class Factor:
    """A grouping column as integer codes (0..len(levels)-1) and level names."""

    codes: np.ndarray
    levels: tuple[str, ...]


@dataclass
class AuditData:
    """Validated, normalised rows: binary label and prediction, optional score, factors."""

    factors: dict[str, Factor]
    y_true: np.ndarray
    y_pred: np.ndarray
    score: np.ndarray | None
    missing: dict[str, int] = field(default_factory=dict)
    source: str | None = None

    @property
    def n_rows(self) -> int:
        return int(self.y_true.shape[0])


def _where(file: str | None) -> str:
    return file if file is not None else "the predictions frame"


def check_columns(available: Sequence[str], wanted: Sequence[str], file: str | None) -> None:
    """Raise for the first wanted column that is absent, suggesting close names (difflib)."""
    for column in wanted:
        if column in available:
            continue
        close = difflib.get_close_matches(column, list(map(str, available)), n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else "columns are: " + ", ".join(map(str, available))
        raise AuditInputError(
            MISSING_COLUMN.format(column=column, where=_where(file)), file=file, column=column, hint=hint
        )


def read_table(path: str | Path, columns: Sequence[str]) -> pd.DataFrame:
    """Read only `columns` from a CSV or parquet file, after checking they exist.

    Parquet goes through pyarrow so dictionary-encoded columns arrive as categoricals, which
    are already the codes we need.
    """
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise AuditInputError(FILE_NOT_FOUND.format(file=file), file=file)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        check_columns(list(pd.read_csv(path, nrows=0).columns), columns, file)
        return pd.read_csv(path, usecols=list(columns))
    if suffix in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        check_columns(pq.read_schema(path).names, columns, file)
        return pq.read_table(path, columns=list(columns)).to_pandas()
    raise AuditInputError(
        UNSUPPORTED_FORMAT.format(file=file, suffix=suffix), file=file, hint="use a .csv or .parquet file"
    )


def _show(values: Iterable[Any]) -> str:
    shown = sorted(repr(v.item() if hasattr(v, "item") else v) for v in values)
    return ", ".join(shown[:5]) + (", ..." if len(shown) > 5 else "")


def _first_row(mask: np.ndarray) -> int:
    """1-based data row of the first True (row 1 is the first row after a CSV header)."""
    return int(np.flatnonzero(mask)[0]) + 1


def to_binary(series: pd.Series, *, role: str, column: str, file: str | None, positive_label: Any = None) -> np.ndarray:
    """Map a label or prediction column to 0/1 int8, refusing anything not clearly binary.

    0/1 (or booleans) are taken as they are; otherwise `positive_label` names the positive
    value. Predictions may be 0/1 even when labels use strings such as ">50K".
    """
    where = _where(file)
    nulls = series.isna().to_numpy()
    if nulls.any():
        raise AuditInputError(
            MISSING_VALUES.format(role=role, column=column, where=where, count=int(nulls.sum()), row=_first_row(nulls)),
            file=file,
            column=column,
        )
    uniques = pd.unique(series)
    if len(uniques) > 2:
        raise AuditInputError(
            NOT_BINARY.format(role=role, column=column, where=where, count=len(uniques), values=_show(uniques)),
            file=file,
            column=column,
        )
    if all(_is_zero_one(v) for v in uniques) and (role == "prediction" or positive_label in (None, 1, True)):
        return series.to_numpy().astype(np.int8)
    if positive_label is None:
        raise AuditInputError(
            NOT_ZERO_ONE.format(role=role, column=column, where=where, values=_show(uniques)),
            file=file,
            column=column,
            hint="set positive_label to the value that means positive",
        )
    matches = [v for v in uniques if v == positive_label or str(v) == str(positive_label)]
    if not matches:
        raise AuditInputError(
            POSITIVE_NOT_FOUND.format(
                positive=positive_label, role=role, column=column, where=where, values=_show(uniques)
            ),
            file=file,
            column=column,
        )
    return (series.to_numpy() == matches[0]).astype(np.int8)


def _is_zero_one(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_, int, np.integer, float, np.floating)) and value in (0, 1)


def to_score(series: pd.Series, *, column: str, file: str | None) -> np.ndarray:
    """Scores as float64 in [0, 1]; NaN or out-of-range values are errors, not clipped."""
    where = _where(file)
    if not pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        raise AuditInputError(
            SCORE_NOT_NUMERIC.format(column=column, where=where, dtype=series.dtype), file=file, column=column
        )
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    nans = np.isnan(values)
    if nans.any():
        raise AuditInputError(
            MISSING_VALUES.format(
                role="score", column=column, where=where, count=int(nans.sum()), row=_first_row(nans)
            ),
            file=file,
            column=column,
        )
    bad = (values < 0.0) | (values > 1.0)
    if bad.any():
        row = _first_row(bad)
        raise AuditInputError(
            SCORE_OUT_OF_RANGE.format(
                column=column, where=where, count=int(bad.sum()), value=float(values[row - 1]), row=row
            ),
            file=file,
            column=column,
        )
    return values


def to_factor(series: pd.Series) -> tuple[Factor, int]:
    """Codes and string levels for a group column; NaN becomes the level "missing".

    Returns the factor and how many rows were missing (reported, never dropped).
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy().astype(np.int32)
        levels = [str(c) for c in series.cat.categories]
    else:
        raw_codes, uniques = pd.factorize(series, sort=True)
        codes = raw_codes.astype(np.int32)
        levels = [str(u) for u in uniques]
    absent = codes < 0
    n_missing = int(absent.sum())
    if n_missing:
        codes[absent] = len(levels)
        levels.append(MISSING_GROUP)
    return Factor(codes, tuple(levels)), n_missing


def prepare_predictions(
    frame: pd.DataFrame,
    *,
    label: str,
    prediction: str | None = None,
    score: str | None = None,
    sensitive_features: Sequence[str],
    slices: Sequence[str] = (),
    positive_label: Any = None,
    threshold: float = 0.5,
    source: str | None = None,
) -> AuditData:
    """Validate a frame of predictions and normalise it into an `AuditData`.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per scored example.
    label, prediction, score : str
        Column names; the prediction is derived as ``score >= threshold`` when absent.
    sensitive_features, slices : sequence of str
        Grouping columns; NaN in them becomes the group "missing".
    positive_label : object, optional
        The label value meaning positive (e.g. ">50K"); 0/1 columns need none.
    threshold : float
        Score threshold used only when there is no prediction column.
    source : str, optional
        File name used in error messages.
    """
    if prediction is None and score is None:
        raise AuditInputError(NO_PREDICTION, file=source, hint="give prediction or score")
    if not 0.0 <= threshold <= 1.0:
        raise AuditInputError(BAD_THRESHOLD.format(value=threshold), file=source)
    groups = list(dict.fromkeys([*sensitive_features, *slices]))
    for name in groups:
        if name in RESERVED_NAMES:
            raise AuditInputError(RESERVED_NAME.format(column=name), file=source, column=name)
    check_columns(list(frame.columns), [label, *(c for c in (prediction, score) if c), *groups], source)
    if len(frame) == 0:
        raise AuditInputError(NO_ROWS.format(where=_where(source)), file=source)
    y_true = to_binary(frame[label], role="label", column=label, file=source, positive_label=positive_label)
    scores = to_score(frame[score], column=score, file=source) if score else None
    if prediction:
        y_pred = to_binary(
            frame[prediction], role="prediction", column=prediction, file=source, positive_label=positive_label
        )
    elif scores is not None:
        y_pred = np.greater_equal(scores, threshold).astype(np.int8)
    else:  # an empty prediction column name, and no score
        raise AuditInputError(NO_PREDICTION, file=source, hint="give prediction or score")
    factors, missing = {}, {}
    for name in groups:
        factors[name], n_missing = to_factor(frame[name])
        if n_missing:
            missing[name] = n_missing
    return AuditData(factors, y_true, y_pred, scores, missing, source)


def read_predictions(
    path: str | Path,
    *,
    label: str,
    prediction: str | None = None,
    score: str | None = None,
    sensitive_features: Sequence[str],
    slices: Sequence[str] = (),
    positive_label: Any = None,
    threshold: float = 0.5,
) -> AuditData:
    """Read only the needed columns of a CSV or parquet file and validate them.

    See `prepare_predictions` for the parameters.
    """
    columns = list(dict.fromkeys([label, *(c for c in (prediction, score) if c), *sensitive_features, *slices]))
    frame = read_table(path, columns)
    return prepare_predictions(
        frame,
        label=label,
        prediction=prediction,
        score=score,
        sensitive_features=sensitive_features,
        slices=slices,
        positive_label=positive_label,
        threshold=threshold,
        source=str(path),
    )
