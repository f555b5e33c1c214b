"""The one grouped count every confusion metric is derived from.

Why: fairlearn evaluates each metric per group in Python loops. Every confusion-matrix metric
instead follows from the counts of (group..., label, prediction) cells, so we count once, with a
single `np.bincount` over combined integer codes, and aggregate that small table for every
grouping (each sensitive feature, each intersection, overall, each slice).

The canonical counts table has the group columns (strings), ``label`` and ``prediction`` (0/1)
and ``count``, one row per non-empty cell, sorted by all columns but ``count``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from planner.audit.errors import AuditInputError
from planner.audit.inputs import (
    BAD_COUNT,
    COUNT_TOO_LARGE,
    MAX_GROUPS,
    NO_COUNTS,
    NO_ROWS,
    AuditData,
    Factor,
    check_columns,
    check_unique,
    read_table,
    to_binary,
    to_factor,
)
from planner.audit.readers import first_row, where

# np.bincount allocates one slot per possible cell; beyond this we count unique codes instead.
_MAX_DENSE_CELLS = 50_000_000
# Mixed-radix codes stay below this (with room for label and prediction), else they are compressed.
_MAX_KEY = 1 << 60
# Counts above 2**53 are not exact as float64 (and sums of them overflow int64).
MAX_COUNT = 1 << 53


def combine_codes(factors: Sequence[Factor], n_rows: int) -> tuple[np.ndarray, int, bool]:
    """One int64 code per row for the combination of several factors.

    Returns the codes, an upper bound on them (the grid size) and whether the codes are still the
    plain mixed-radix position in the grid of all level combinations (`np.unravel_index` by the
    levels' lengths decodes them). When the grid would exceed `_MAX_KEY` (several features with
    many levels), the codes so far are replaced by their rank among the present combinations,
    which keeps their order and bounds the grid by the number of rows.
    """
    key = np.zeros(n_rows, dtype=np.int64)
    size, plain = 1, True
    for factor in factors:
        n = max(len(factor.levels), 1)
        if size * n > _MAX_KEY:
            present, key = np.unique(key, return_inverse=True)
            key, size, plain = key.astype(np.int64).reshape(-1), len(present), False
        key = key * n + factor.codes
        size *= n
    return key, size, plain


def group_index(factors: Sequence[Factor], n_rows: int, max_dense: int) -> tuple[np.ndarray, int, list[np.ndarray]]:
    """Per-row group code, the number of code slots, and per present group its factor codes.

    Dense (code = grid position) when the grid has at most `max_dense` slots; otherwise codes are
    renumbered 0..G-1 over the G present combinations, in the same order.
    """
    key, size, plain = combine_codes(factors, n_rows)
    if plain and size <= max_dense:
        present = np.flatnonzero(np.bincount(key, minlength=size))
        parts = np.unravel_index(present, tuple(len(f.levels) for f in factors)) if factors else ()
        return key, size, [np.asarray(p) for p in parts]
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return inverse.astype(np.int64).reshape(-1), len(first), [f.codes[first] for f in factors]


def count_cells(data: AuditData, by: Sequence[str]) -> pd.DataFrame:
    """Canonical counts table of `data` over the group columns `by`.

    Parameters
    ----------
    data : AuditData
        Validated rows.
    by : sequence of str
        Group columns (names of ``data.factors``); may be empty for overall counts.
    """
    factors = [data.factors[name] for name in by]
    key, size, plain = combine_codes(factors, data.n_rows)
    codes = key * 4 + data.y_true.astype(np.int64) * 2 + data.y_pred
    if plain and size * 4 <= _MAX_DENSE_CELLS:
        counts = np.bincount(codes, minlength=size * 4)
        cells = np.flatnonzero(counts)
        counts = counts[cells]
        index = np.unravel_index(cells, (*(len(f.levels) for f in factors), 2, 2))
        parts, label, prediction = list(index[:-2]), index[-2], index[-1]
    else:
        cells, first, counts = np.unique(codes, return_index=True, return_counts=True)
        parts = [f.codes[first] for f in factors]
        label, prediction = data.y_true[first], data.y_pred[first]
    table = {name: np.asarray(f.levels, dtype=object)[idx] for name, f, idx in zip(by, factors, parts, strict=True)}
    table["label"] = np.asarray(label).astype(np.int64)
    table["prediction"] = np.asarray(prediction).astype(np.int64)
    table["count"] = counts.astype(np.int64)
    return canonical(pd.DataFrame(table), by)


def canonical(table: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Sort and type a counts table so two engines' results compare equal."""
    table = table[[*by, "label", "prediction", "count"]].copy()
    for name in by:
        table[name] = table[name].astype(str).astype(object)
    for name in ("label", "prediction", "count"):
        table[name] = table[name].astype(np.int64)
    table = table[table["count"] > 0]
    return table.sort_values([*by, "label", "prediction"], kind="stable").reset_index(drop=True)


def prepare_counts(
    frame: pd.DataFrame,
    *,
    group_columns: Sequence[str],
    label: str,
    prediction: str,
    count: str,
    positive_label: Any = None,
    source: str | None = None,
    max_groups: int = MAX_GROUPS,
) -> pd.DataFrame:
    """Validate a precomputed counts table and return it in canonical form.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per (group..., label, prediction) cell with its count; repeated cells are summed.
    group_columns : sequence of str
        The group columns; NaN becomes the group `MISSING_GROUP`.
    label, prediction, count : str
        Column names in `frame`.
    positive_label : object, optional
        The label and prediction value meaning positive when they are not 0/1 with 1 positive.
    source : str, optional
        File name used in error messages.
    max_groups : int
        Most groups a group column may have.
    """
    return prepare_counts_missing(
        frame,
        group_columns=group_columns,
        label=label,
        prediction=prediction,
        count=count,
        positive_label=positive_label,
        source=source,
        max_groups=max_groups,
    )[0]


_SAME = object()


def prepare_counts_missing(
    frame: pd.DataFrame,
    *,
    group_columns: Sequence[str],
    label: str,
    prediction: str,
    count: str,
    positive_label: Any = None,
    source: str | None = None,
    max_groups: int = MAX_GROUPS,
    prediction_positive: Any = _SAME,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """`prepare_counts`, and the rows of each group column's missing group (known by flag, not name).

    `prediction_positive` maps the prediction column with another positive label than the label
    column (None when the prediction is already 0/1 with 1 positive, e.g. derived from a score).
    """
    check_unique(list(frame.columns), source)
    check_columns(list(frame.columns), [*group_columns, label, prediction, count], source)
    if len(frame) == 0:
        raise AuditInputError(NO_ROWS.format(where=where(source)), file=source)
    values = pd.to_numeric(frame[count], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        bad = ~(np.isfinite(values) & (values >= 0) & (np.floor(values) == values))
    place = source or "the counts table"
    if bad.any():
        raise AuditInputError(
            BAD_COUNT.format(column=count, where=place, count=int(bad.sum()), row=first_row(bad)),
            file=source,
            column=count,
        )
    running = np.cumsum(values)
    if running[-1] > MAX_COUNT:
        raise AuditInputError(
            COUNT_TOO_LARGE.format(column=count, where=place, row=first_row(running > MAX_COUNT)),
            file=source,
            column=count,
        )
    if running[-1] == 0:
        raise AuditInputError(NO_COUNTS.format(where=place), file=source, column=count)
    table: dict[str, Any] = {}
    missing: dict[str, int] = {}
    weights = values.astype(np.int64)
    for name in group_columns:
        factor, _ = to_factor(frame[name], column=name, file=source, max_groups=max_groups)
        table[name] = np.asarray(factor.levels, dtype=object)[factor.codes]
        if factor.missing_code is not None:
            n = int(weights[factor.codes == factor.missing_code].sum())
            if n:
                missing[name] = n
    pred_positive = positive_label if prediction_positive is _SAME else prediction_positive
    table["label"] = to_binary(frame[label], role="label", column=label, file=source, positive_label=positive_label)
    table["prediction"] = to_binary(
        frame[prediction], role="prediction", column=prediction, file=source, positive_label=pred_positive
    )
    table["count"] = weights
    summed = pd.DataFrame(table).groupby([*group_columns, "label", "prediction"], sort=False)["count"].sum()
    return canonical(summed.reset_index(), group_columns), missing


def read_counts(
    path: str,
    *,
    group_columns: Sequence[str],
    label: str,
    prediction: str,
    count: str = "count",
    positive_label: Any = None,
    max_groups: int = MAX_GROUPS,
) -> pd.DataFrame:
    """Read a counts table from CSV or parquet; see `prepare_counts`."""
    return read_counts_missing(
        path,
        group_columns=group_columns,
        label=label,
        prediction=prediction,
        count=count,
        positive_label=positive_label,
        max_groups=max_groups,
    )[0]


def read_counts_missing(
    path: str,
    *,
    group_columns: Sequence[str],
    label: str,
    prediction: str,
    count: str = "count",
    positive_label: Any = None,
    max_groups: int = MAX_GROUPS,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """`read_counts`, and the missing rows per group column (see `prepare_counts_missing`)."""
    groups = list(dict.fromkeys(group_columns))
    frame = read_table(path, list(dict.fromkeys([*groups, label, prediction, count])), groups)
    return prepare_counts_missing(
        frame,
        group_columns=group_columns,
        label=label,
        prediction=prediction,
        count=count,
        positive_label=positive_label,
        source=str(path),
        max_groups=max_groups,
    )
