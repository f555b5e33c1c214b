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
    NO_ROWS,
    AuditData,
    Factor,
    _first_row,
    _where,
    check_columns,
    read_table,
    to_binary,
    to_factor,
)

# np.bincount allocates one slot per possible cell; beyond this we count unique codes instead.
_MAX_DENSE_CELLS = 50_000_000


def combine_codes(factors: Sequence[Factor]) -> tuple[np.ndarray, tuple[int, ...]]:
    """One int64 code per row for the combination of several factors, and the grid shape."""
    shape = tuple(len(f.levels) for f in factors)
    if not factors:
        return np.zeros(0, dtype=np.int64), shape
    codes = np.ravel_multi_index([f.codes for f in factors], shape)
    return codes.astype(np.int64, copy=False), shape


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
    shape = (*(len(f.levels) for f in factors), 2, 2)
    codes = np.ravel_multi_index([*(f.codes for f in factors), data.y_true, data.y_pred], shape)
    size = int(np.prod(shape))
    if size <= _MAX_DENSE_CELLS:
        counts = np.bincount(codes, minlength=size)
        cells = np.flatnonzero(counts)
        counts = counts[cells]
    else:
        cells, counts = np.unique(codes, return_counts=True)
    index = np.unravel_index(cells, shape)
    table = {
        name: np.asarray(f.levels, dtype=object)[idx] for name, f, idx in zip(by, factors, index[:-2], strict=True)
    }
    table["label"] = index[-2].astype(np.int64)
    table["prediction"] = index[-1].astype(np.int64)
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
) -> pd.DataFrame:
    """Validate a precomputed counts table and return it in canonical form.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per (group..., label, prediction) cell with its count; repeated cells are summed.
    group_columns : sequence of str
        The group columns; NaN becomes the group "missing".
    label, prediction, count : str
        Column names in `frame`.
    positive_label : object, optional
        The label value meaning positive when labels are not 0/1.
    source : str, optional
        File name used in error messages.
    """
    check_columns(list(frame.columns), [*group_columns, label, prediction, count], source)
    if len(frame) == 0:
        raise AuditInputError(NO_ROWS.format(where=_where(source)), file=source)
    values = pd.to_numeric(frame[count], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~(np.isfinite(values) & (values >= 0) & (np.floor(values) == values))
    if bad.any():
        raise AuditInputError(
            BAD_COUNT.format(
                column=count, where=source or "the counts table", count=int(bad.sum()), row=_first_row(bad)
            ),
            file=source,
            column=count,
        )
    table = {name: _group_strings(frame[name]) for name in group_columns}
    table["label"] = to_binary(frame[label], role="label", column=label, file=source, positive_label=positive_label)
    table["prediction"] = to_binary(
        frame[prediction], role="prediction", column=prediction, file=source, positive_label=positive_label
    )
    table["count"] = values.astype(np.int64)
    summed = pd.DataFrame(table).groupby([*group_columns, "label", "prediction"], sort=False)["count"].sum()
    return canonical(summed.reset_index(), group_columns)


def _group_strings(series: pd.Series) -> np.ndarray:
    factor, _ = to_factor(series)
    return np.asarray(factor.levels, dtype=object)[factor.codes]


def read_counts(
    path: str,
    *,
    group_columns: Sequence[str],
    label: str,
    prediction: str,
    count: str = "count",
    positive_label: Any = None,
) -> pd.DataFrame:
    """Read a counts table from CSV or parquet; see `prepare_counts`."""
    frame = read_table(path, list(dict.fromkeys([*group_columns, label, prediction, count])))
    return prepare_counts(
        frame,
        group_columns=group_columns,
        label=label,
        prediction=prediction,
        count=count,
        positive_label=positive_label,
        source=str(path),
    )


def missing_counts(counts: pd.DataFrame, group_columns: Sequence[str]) -> dict[str, int]:
    """Rows in the explicit "missing" group of each column of a counts table."""
    out = {}
    for name in group_columns:
        n = int(counts.loc[counts[name] == "missing", "count"].sum())
        if n:
            out[name] = n
    return out
