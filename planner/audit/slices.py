"""Metrics per slice x sensitive group, and Simpson's-paradox reversals.

Why: an aggregate ordering between two groups (A's selection rate above B's) can reverse inside
every slice when the groups are distributed differently over slices. Such a reversal means the
aggregate disparity is partly a composition effect, and a reviewer must see it. Only slices in
which both groups have at least ``min_group_size`` rows and a defined value are compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np
import pandas as pd

from planner.audit.metrics import RATE_METRICS, confusion_cells, metric_table


def slice_table(counts: pd.DataFrame, *, slice_column: str, feature: str, metrics: Sequence[str]) -> pd.DataFrame:
    """Metric values indexed by (slice value, group), with their cells, from a counts table."""
    cells = confusion_cells(counts, [slice_column, feature])
    values = metric_table(cells, ["count", *[m for m in metrics if m in RATE_METRICS]], int(counts["count"].sum()))
    return values.drop(columns="share", errors="ignore")


def _sign(x: np.ndarray) -> np.ndarray:
    return np.sign(np.where(np.isnan(x), 0.0, x))


def reversals(
    counts: pd.DataFrame, *, slice_column: str, feature: str, metrics: Sequence[str], min_group_size: int = 0
) -> list[dict]:
    """Pairs of groups whose ordering on a metric reverses inside slices.

    Parameters
    ----------
    counts : pandas.DataFrame
        Canonical counts table holding `slice_column` and `feature`.
    slice_column, feature : str
        The slice column and the sensitive feature.
    metrics : sequence of str
        Rate metrics to compare.
    min_group_size : int
        Smaller (slice, group) cells are not compared.

    Returns
    -------
    list of dict
        One entry per (metric, pair) with at least one reversal: the overall order, the slices
        where it reverses, and ``simpsons_paradox`` True when it reverses in every compared slice.
    """
    rates = [m for m in metrics if m in RATE_METRICS]
    per_slice = slice_table(counts, slice_column=slice_column, feature=feature, metrics=rates)
    overall = metric_table(confusion_cells(counts, [feature]), rates, int(counts["count"].sum()))
    small = per_slice["count"] < min_group_size
    out = []
    for metric in rates:
        wide = per_slice[metric].mask(small).unstack(feature)
        for a, b in combinations(overall.index, 2):
            if a not in wide or b not in wide:
                continue
            entry = _reversal(metric, a, b, overall.loc[a, metric] - overall.loc[b, metric], wide[a] - wide[b])
            if entry:
                entry.update(slice_column=slice_column, feature=feature)
                out.append(entry)
    return out


def _reversal(metric: str, a: str, b: str, total_gap: float, slice_gaps: pd.Series) -> dict | None:
    direction = _sign(np.array([total_gap]))[0]
    compared = slice_gaps.dropna()
    if direction == 0 or compared.empty:
        return None
    reversed_in = compared[_sign(compared.to_numpy()) == -direction].index
    if reversed_in.empty:
        return None
    return {
        "metric": metric,
        "groups": [str(a), str(b)],
        "overall_order": f"{a} {'>' if direction > 0 else '<'} {b}",
        "reversed_in": [str(s) for s in reversed_in],
        "compared_slices": len(compared),
        "simpsons_paradox": len(reversed_in) == len(compared),
    }
