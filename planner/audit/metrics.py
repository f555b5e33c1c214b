"""Group metrics derived from confusion cells, defined once in a table.

Why a table: each rate is a numerator and a denominator made of the four cells (tp, fp, fn,
tn). The same definition serves the point estimate, the Wilson interval (successes / trials)
and the bootstrap (cells resampled as an array with any leading axes), so they cannot drift.
A zero denominator gives NaN, reported as *undefined*, never 0 (fairlearn returns 0 for some).
Names follow fairlearn.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

CELLS = ("tp", "fp", "fn", "tn")
_ALL = CELLS

# metric -> (numerator cells, denominator cells)
RATE_METRICS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "base_rate": (("tp", "fn"), _ALL),
    "selection_rate": (("tp", "fp"), _ALL),
    "accuracy": (("tp", "tn"), _ALL),
    "precision": (("tp",), ("tp", "fp")),
    "true_positive_rate": (("tp",), ("tp", "fn")),
    "false_positive_rate": (("fp",), ("fp", "tn")),
    "false_negative_rate": (("fn",), ("tp", "fn")),
    "true_negative_rate": (("tn",), ("fp", "tn")),
}
SIZE_METRICS = ("count", "share")
SCORE_METRICS = ("roc_auc", "brier_score", "expected_calibration_error")
ALL_METRICS = (*SIZE_METRICS, *RATE_METRICS, *SCORE_METRICS)
_INDEX = {name: i for i, name in enumerate(CELLS)}


def rate_fraction(cells: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Numerator and denominator of a rate metric from cells shaped (..., 4) in `CELLS` order."""
    num_cells, den_cells = RATE_METRICS[metric]
    num = sum(cells[..., _INDEX[c]] for c in num_cells)
    den = sum(cells[..., _INDEX[c]] for c in den_cells)
    return np.asarray(num), np.asarray(den)


def rate_values(cells: np.ndarray, metric: str) -> np.ndarray:
    """A rate metric from cells shaped (..., 4); NaN where its denominator is zero."""
    num, den = rate_fraction(cells, metric)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def confusion_cells(counts: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """tp, fp, fn, tn per group of `by` from a canonical counts table.

    The index holds the groups present (one level per column of `by`); with `by` empty it is
    the single row ``"overall"``.
    """
    cell = counts["label"].to_numpy() * 2 + counts["prediction"].to_numpy()
    names = np.array(["tn", "fp", "fn", "tp"])[cell]
    frame = counts.assign(_cell=names)
    if not by:
        sums = frame.groupby("_cell")["count"].sum()
        return sums.reindex(list(CELLS), fill_value=0).to_frame("overall").T.astype(np.int64)
    table = frame.pivot_table(
        index=list(by), columns="_cell", values="count", aggfunc="sum", fill_value=0, observed=True
    )
    return table.reindex(columns=list(CELLS), fill_value=0).astype(np.int64).rename_axis(columns=None)


def metric_table(cells: pd.DataFrame, metrics: Sequence[str], total: int) -> pd.DataFrame:
    """Values of the count and rate `metrics` for every row of a cells frame.

    Parameters
    ----------
    cells : pandas.DataFrame
        Columns tp, fp, fn, tn (from `confusion_cells`).
    metrics : sequence of str
        Names from `ALL_METRICS`; score metrics are skipped here (see `planner.audit.scores`).
    total : int
        Rows in the whole data set, the denominator of ``share``.
    """
    array = cells[list(CELLS)].to_numpy()
    n = array.sum(axis=1)
    out = {}
    for name in metrics:
        if name == "count":
            out[name] = n.astype(np.float64)
        elif name == "share":
            out[name] = n / total
        elif name in RATE_METRICS:
            out[name] = rate_values(array, name)
    return pd.DataFrame(out, index=cells.index)
