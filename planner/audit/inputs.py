"""Validate predictions (or a precomputed counts table) for an audit.

Why this module is strict: a silently dropped row or a label read the wrong way round changes
every fairness figure downstream, so each problem raises `AuditInputError` naming the file, the
column and, where possible, a fix. Missing sensitive values are kept as an explicit group
``(missing)`` and counted, never dropped. (Reading files safely is `planner.audit.readers`.)

Groups are held as integer codes plus level names (a `Factor`), because every later step
(one bincount over combined codes) works on codes, not strings. A factor knows which of its
codes is the missing group by a flag, not by its name; and since the counts table and every
report name groups by text, a column that holds the text ``(missing)`` *and* missing values is
refused rather than merged.

Bounded work: a grouping may have at most `MAX_GROUPS` groups, checked as soon as a column is
factorised (before any per-group work). A sensitive feature with 100,000 distinct values took
35 s and 6.5 GB before this limit; such a feature needs bucketing to be audited at all.

Positive label: the label and the prediction are mapped through the same positive label. A 0/1
(or boolean) column with a positive label of 0, 1, True, False ("0", "1") is compared to it, so
``positive_label: 0`` makes 0 the positive class of both columns; comparing the prediction to 1
instead inverts every cell. A positive label that is not 0/1 (``">50K"``) names a value of the
columns that hold it; a 0/1 prediction column next to such labels reads 1 as positive.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.audit.errors import AuditInputError
from planner.audit.readers import (
    FILE_NOT_FOUND,
    MISSING_COLUMN,
    UNSUPPORTED_FORMAT,
    check_columns,
    check_unique,
    first_row,
    read_table,
    where,
)
from planner.spec.bias import MAX_GROUPS as DEFAULT_MAX_GROUPS
from planner.spec.bias import MISSING_GROUP

MAX_GROUPS = DEFAULT_MAX_GROUPS
"""Most groups one grouping (a feature, a slice column or an intersection) may have, unless the
spec's `max_groups` says otherwise."""
RESERVED_NAMES = ("label", "prediction", "count")

__all__ = [
    "FILE_NOT_FOUND",
    "MAX_GROUPS",
    "MISSING_COLUMN",
    "MISSING_GROUP",
    "UNSUPPORTED_FORMAT",
    "AuditData",
    "Factor",
    "check_columns",
    "check_unique",
    "prepare_predictions",
    "read_predictions",
    "read_table",
    "to_binary",
    "to_factor",
    "to_score",
]

NO_ROWS = "{where} has no rows"
NO_PREDICTION = "neither a prediction column nor a score column was given"
RESERVED_NAME = "group column name {column!r} is reserved for the counts table"
MISSING_VALUES = "{role} column {column!r} in {where} has {count} missing value(s), first at row {row}"
NOT_BINARY = "{role} column {column!r} in {where} is not binary: found {count} distinct values ({values})"
NOT_ZERO_ONE = "{role} column {column!r} in {where} holds {values}, not 0/1"
POSITIVE_NOT_FOUND = "positive label {positive!r} not found in {role} column {column!r} in {where}: values are {values}"
NOT_PLAIN = "column {column!r} in {where} holds values that are not plain (lists, dicts or arrays)"
SCORE_NOT_NUMERIC = "score column {column!r} in {where} is not numeric (dtype {dtype})"
SCORE_OUT_OF_RANGE = (
    "score column {column!r} in {where} has {count} value(s) outside [0, 1], first {value!r} at row {row}"
)
BAD_COUNT = (
    "count column {column!r} in {where} has {count} negative, missing or non-integer value(s), first at row {row}"
)
COUNT_TOO_LARGE = (
    "count column {column!r} in {where} has counts above 2**53 (in total or in a cell), first at row {row}"
)
NO_COUNTS = "{where} has no rows with a count above 0"
BAD_THRESHOLD = "threshold must be within [0, 1], got {value!r}"
TOO_MANY_GROUPS = "{what} {name!r} in {where} has {count:,} groups, more than the {limit:,} an audit allows"
TOO_MANY_GROUPS_HINT = (
    "bucket the feature into fewer groups (e.g. age bands), leave it out of the audit, or raise the audit's max_groups"
)
MISSING_COLLIDES = (
    "group column {column!r} in {where} holds the value {name!r} and also {count} missing value(s), "
    "which planner names {name!r}"
)


@dataclass(frozen=True)
class Factor:
    """A grouping column as integer codes (0..len(levels)-1) and level names.

    `missing_code` is the code of the missing group (rows without a value), or None: the flag,
    not the level name, is what marks missing rows.
    """

    codes: np.ndarray
    levels: tuple[str, ...]
    missing_code: int | None = None


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


def check_group_count(count: int, *, name: str, file: str | None, limit: int, what: str = "column") -> None:
    """Refuse a grouping with more than `limit` groups (`MAX_GROUPS` by default), naming it."""
    if count > limit:
        raise AuditInputError(
            TOO_MANY_GROUPS.format(what=what, name=name, where=where(file), count=count, limit=limit),
            file=file,
            column=name.split(" & ")[0],
            hint=TOO_MANY_GROUPS_HINT,
        )


def _show(values: Iterable[Any]) -> str:
    shown = sorted(repr(v.item() if hasattr(v, "item") else v) for v in values)
    return ", ".join(shown[:5]) + (", ..." if len(shown) > 5 else "")


def _uniques(series: pd.Series, column: str, file: str | None) -> np.ndarray:
    try:
        return np.asarray(pd.unique(series), dtype=object)
    except TypeError:  # unhashable cells: lists, dicts, arrays
        raise AuditInputError(NOT_PLAIN.format(column=column, where=where(file)), file=file, column=column) from None


def to_binary(series: pd.Series, *, role: str, column: str, file: str | None, positive_label: Any = None) -> np.ndarray:
    """Map a label or prediction column to 0/1 int8 (1 = positive), refusing anything not clearly binary.

    A 0/1 (or boolean) column is compared to `positive_label` when that is 0/1-like (0, 1, True,
    False, "0", "1"), and taken as it is (1 = positive) without one. Otherwise `positive_label`
    names the positive value; a 0/1 *prediction* column next to string labels such as ">50K"
    reads 1 as positive.
    """
    place = where(file)
    nulls = series.isna().to_numpy()
    if nulls.any():
        raise AuditInputError(
            MISSING_VALUES.format(role=role, column=column, where=place, count=int(nulls.sum()), row=first_row(nulls)),
            file=file,
            column=column,
        )
    uniques = _uniques(series, column, file)
    if len(uniques) > 2:
        raise AuditInputError(
            NOT_BINARY.format(role=role, column=column, where=place, count=len(uniques), values=_show(uniques)),
            file=file,
            column=column,
        )
    if all(_is_zero_one(v) for v in uniques):
        values = series.to_numpy().astype(np.int8)
        positive = _zero_one_value(positive_label)
        if positive is not None:
            return values if positive == 1 else (1 - values).astype(np.int8)
        if positive_label is None or role == "prediction":
            return values
    if positive_label is None:
        raise AuditInputError(
            NOT_ZERO_ONE.format(role=role, column=column, where=place, values=_show(uniques)),
            file=file,
            column=column,
            hint="set positive_label to the value that means positive",
        )
    matches = [v for v in uniques if _same(v, positive_label)]
    if not matches:
        raise AuditInputError(
            POSITIVE_NOT_FOUND.format(
                positive=positive_label, role=role, column=column, where=place, values=_show(uniques)
            ),
            file=file,
            column=column,
        )
    return (series.to_numpy() == matches[0]).astype(np.int8)


def _same(value: Any, positive_label: Any) -> bool:
    try:
        if bool(value == positive_label):
            return True
    except (TypeError, ValueError):
        pass
    return str(value) == str(positive_label)


def _is_zero_one(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_, int, np.integer, float, np.floating)) and value in (0, 1)


def _zero_one_value(positive_label: Any) -> int | None:
    """0 or 1 for a positive label that names a value of a 0/1 column (0, 1, True, "0", ...), else None."""
    if positive_label is None:
        return None
    if _is_zero_one(positive_label):
        return int(positive_label)
    if isinstance(positive_label, str) and positive_label.strip() in ("0", "1"):
        return int(positive_label.strip())
    return None


def to_score(series: pd.Series, *, column: str, file: str | None) -> np.ndarray:
    """Scores as float64 in [0, 1]; NaN or out-of-range values are errors, not clipped."""
    place = where(file)
    if not pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        raise AuditInputError(
            SCORE_NOT_NUMERIC.format(column=column, where=place, dtype=series.dtype), file=file, column=column
        )
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    nans = np.isnan(values)
    if nans.any():
        raise AuditInputError(
            MISSING_VALUES.format(role="score", column=column, where=place, count=int(nans.sum()), row=first_row(nans)),
            file=file,
            column=column,
        )
    bad = (values < 0.0) | (values > 1.0)
    if bad.any():
        row = first_row(bad)
        raise AuditInputError(
            SCORE_OUT_OF_RANGE.format(
                column=column, where=place, count=int(bad.sum()), value=float(values[row - 1]), row=row
            ),
            file=file,
            column=column,
        )
    return values


def to_factor(
    series: pd.Series, *, column: str | None = None, file: str | None = None, max_groups: int = MAX_GROUPS
) -> tuple[Factor, int]:
    """Codes and string levels for a group column; missing values become the flagged `MISSING_GROUP`.

    Returns the factor and how many rows were missing (reported, never dropped). Raises
    `AuditInputError` for more than `max_groups` groups, for cells that are not plain values, and
    for a column holding both the text `MISSING_GROUP` and missing values. Values whose texts are
    equal (1 and "1" in an object column) are one group, as every report shows them alike.
    """
    name = str(series.name) if column is None else column
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.cat.remove_unused_categories()
        codes = series.cat.codes.to_numpy().astype(np.int32)
        levels = [str(c) for c in series.cat.categories]
    else:
        try:
            raw_codes, uniques = pd.factorize(series, sort=True)
        except TypeError:  # unhashable cells: lists, dicts, arrays
            raise AuditInputError(NOT_PLAIN.format(column=name, where=where(file)), file=file, column=name) from None
        codes = raw_codes.astype(np.int32)
        levels = [str(u) for u in uniques]
    absent = codes < 0
    n_missing = int(absent.sum())
    check_group_count(len(levels) + (n_missing > 0), name=name, file=file, limit=max_groups)
    if len(set(levels)) < len(levels):  # equal texts: one group
        text, inverse = np.unique(np.asarray(levels, dtype=object), return_inverse=True)
        codes = np.where(absent, -1, inverse[np.maximum(codes, 0)]).astype(np.int32)
        levels = [str(t) for t in text]
    missing_code = None
    if n_missing:
        if MISSING_GROUP in levels:
            raise AuditInputError(
                MISSING_COLLIDES.format(column=name, where=where(file), name=MISSING_GROUP, count=n_missing),
                file=file,
                column=name,
                hint=f"rename the value {MISSING_GROUP!r}, or fill the missing cells with it",
            )
        missing_code = len(levels)
        codes[absent] = missing_code
        levels.append(MISSING_GROUP)
    return Factor(codes, tuple(levels), missing_code), n_missing


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
    max_groups: int = MAX_GROUPS,
) -> AuditData:
    """Validate a frame of predictions and normalise it into an `AuditData`.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per scored example.
    label, prediction, score : str
        Column names; the prediction is derived as ``score >= threshold`` when absent.
    sensitive_features, slices : sequence of str
        Grouping columns; NaN in them becomes the group `MISSING_GROUP`.
    positive_label : object, optional
        The label (and prediction) value meaning positive (e.g. ">50K", or 0); 0/1 columns need none.
    threshold : float
        Score threshold used only when there is no prediction column.
    source : str, optional
        File name used in error messages.
    max_groups : int
        Most groups a grouping column may have (`MAX_GROUPS`).
    """
    if prediction is None and score is None:
        raise AuditInputError(NO_PREDICTION, file=source, hint="give prediction or score")
    if not 0.0 <= threshold <= 1.0:
        raise AuditInputError(BAD_THRESHOLD.format(value=threshold), file=source)
    groups = list(dict.fromkeys([*sensitive_features, *slices]))
    for name in groups:
        if name in RESERVED_NAMES:
            raise AuditInputError(RESERVED_NAME.format(column=name), file=source, column=name)
    check_unique(list(frame.columns), source)
    check_columns(list(frame.columns), [label, *(c for c in (prediction, score) if c), *groups], source)
    if len(frame) == 0:
        raise AuditInputError(NO_ROWS.format(where=where(source)), file=source)
    factors, missing = {}, {}
    for name in groups:  # first: the group limit comes before any other per-row work
        factors[name], n_missing = to_factor(frame[name], column=name, file=source, max_groups=max_groups)
        if n_missing:
            missing[name] = n_missing
    y_true = to_binary(frame[label], role="label", column=label, file=source, positive_label=positive_label)
    scores = to_score(frame[score], column=score, file=source) if score else None
    if prediction:
        y_pred = to_binary(
            frame[prediction], role="prediction", column=prediction, file=source, positive_label=positive_label
        )
    elif scores is not None:  # the score is the probability of the positive label: no mapping
        y_pred = np.greater_equal(scores, threshold).astype(np.int8)
    else:  # an empty prediction column name, and no score
        raise AuditInputError(NO_PREDICTION, file=source, hint="give prediction or score")
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
    max_groups: int = MAX_GROUPS,
) -> AuditData:
    """Read only the needed columns of a CSV or parquet file and validate them.

    See `prepare_predictions` for the parameters.
    """
    groups = list(dict.fromkeys([*sensitive_features, *slices]))
    columns = list(dict.fromkeys([label, *(c for c in (prediction, score) if c), *groups]))
    frame = read_table(path, columns, groups)
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
        max_groups=max_groups,
    )
