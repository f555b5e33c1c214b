"""Metrics per slice x sensitive group, and Simpson's-paradox reversals.

Why: an aggregate ordering between two groups (A's selection rate above B's) can reverse inside
every slice when the groups are distributed differently over slices. Such a reversal means the
aggregate disparity is partly a composition effect, and a reviewer must see it. Only slices in
which both groups have at least ``min_group_size`` rows and a defined value are compared.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from planner.audit.metrics import RATE_METRICS, confusion_cells, metric_table


def slice_table(counts: pd.DataFrame, *, slice_column: str, feature: str, metrics: Sequence[str]) -> pd.DataFrame:
    """Metric values indexed by (slice value, group), with their cells, from a counts table."""
    cells = confusion_cells(counts, [slice_column, feature])
    values = metric_table(cells, ["count", *[m for m in metrics if m in RATE_METRICS]], int(counts["count"].sum()))
    return values.drop(columns="share", errors="ignore")


SLICE_CELL_FACTOR = 10
"""A slice breakdown of one feature may have this many times `MAX_GROUPS` (slice, group) cells."""
MAX_REVERSALS = 1000
"""Most reversals listed per (slice column, feature); Simpson's paradoxes first, the rest counted."""
MIN_SLICES = 2
"""A Simpson's paradox needs the reversal in every compared slice, and at least this many of them:
one reversed slice is a disagreement, not a paradox."""
_PAIR_BUDGET = 2_000_000  # (slice, pair) gaps compared at once


def reversals(
    counts: pd.DataFrame,
    *,
    slice_column: str,
    feature: str,
    metrics: Sequence[str],
    min_group_size: int = 0,
    limit: int = MAX_REVERSALS,
) -> tuple[list[dict], int]:
    """Pairs of groups whose ordering on a metric reverses inside slices, and how many there are.

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
    limit : int
        Most entries returned: every pair reversed in all compared slices (a Simpson's paradox)
        comes before pairs reversed in some.

    Returns
    -------
    list of dict
        One entry per (metric, pair) with at least one reversal, in metric then pair order: the
        overall order, the slices where it reverses, how many slices were compared, and
        ``simpsons_paradox`` True when it reverses in every compared slice and at least
        `MIN_SLICES` were compared; at most `limit` of them.
    int
        The number of such entries in all (more than listed when over `limit`).
    """
    return _reversals(counts, slice_column, feature, metrics, min_group_size, limit)


def _reversals(
    counts: pd.DataFrame, slice_column: str, feature: str, metrics: Sequence[str], min_group_size: int, limit: int
) -> tuple[list[dict], int]:
    """Vectorised over all pairs of groups (a Python loop over 500,000 pairs took minutes)."""
    rates = [m for m in metrics if m in RATE_METRICS]
    per_slice = slice_table(counts, slice_column=slice_column, feature=feature, metrics=rates)
    overall = metric_table(confusion_cells(counts, [feature]), rates, int(counts["count"].sum()))
    small = per_slice["count"] < min_group_size
    groups = overall.index
    first, second = np.triu_indices(len(groups), 1)  # the order of itertools.combinations
    wides, hits = [], []  # per metric: (slices x groups) values; (pair, simpson) of each reversal
    for metric in rates:
        wide = per_slice[metric].mask(small).unstack(feature).reindex(columns=groups)
        values = wide.to_numpy(dtype=np.float64)
        totals = overall[metric].to_numpy(dtype=np.float64)
        direction = _sign(totals[first] - totals[second])
        chunk = max(1, _PAIR_BUDGET // max(values.shape[0], 1))
        pairs, simpson = [], []
        for start in range(0, first.size, chunk):
            flipped, compared = _flips(
                values, first[start : start + chunk], second[start : start + chunk], direction[start : start + chunk]
            )
            n_flipped, n_compared = flipped.sum(axis=0), compared.sum(axis=0)
            found = np.flatnonzero(n_flipped)
            pairs.append(start + found)
            simpson.append((n_flipped[found] == n_compared[found]) & (n_compared[found] >= MIN_SLICES))
        wides.append((wide, direction))
        hits.append(
            (
                np.concatenate(pairs) if pairs else np.zeros(0, np.int64),
                np.concatenate(simpson) if simpson else np.zeros(0, bool),
            )
        )
    # Entries to list: Simpson's paradoxes first, then the others, each in (metric, pair) order.
    metric_of = np.concatenate([np.full(found.size, m) for m, (found, _) in enumerate(hits)] or [np.zeros(0, int)])
    pair_of = np.concatenate([found for found, _ in hits] or [np.zeros(0, int)])
    simpson_of = np.concatenate([flags for _, flags in hits] or [np.zeros(0, bool)])
    chosen = np.lexsort((pair_of, metric_of, ~simpson_of))[: max(limit, 0)]
    chosen = chosen[np.lexsort((pair_of[chosen], metric_of[chosen]))]
    out = []
    for m, pair in zip(metric_of[chosen].tolist(), pair_of[chosen].tolist(), strict=True):
        wide, direction = wides[m]
        i, j = first[pair : pair + 1], second[pair : pair + 1]
        flipped, compared = _flips(wide.to_numpy(dtype=np.float64), i, j, direction[pair : pair + 1])
        a, b = groups[i[0]], groups[j[0]]
        out.append(
            {
                "metric": rates[m],
                "groups": [str(a), str(b)],
                "overall_order": f"{a} {'>' if direction[pair] > 0 else '<'} {b}",
                "reversed_in": [str(x) for x in wide.index[flipped[:, 0]]],
                "compared_slices": int(compared[:, 0].sum()),
                "simpsons_paradox": bool(
                    flipped[:, 0].sum() == compared[:, 0].sum() and compared[:, 0].sum() >= MIN_SLICES
                ),
                "slice_column": slice_column,
                "feature": feature,
            }
        )
    return out, int(pair_of.size)


def _flips(values: np.ndarray, a: np.ndarray, b: np.ndarray, direction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(slices x pairs) masks: where the gap of groups a and b is defined, and where it has the
    opposite sign of the overall gap (a zero overall gap reverses nowhere)."""
    gaps = values[:, a] - values[:, b]
    compared = ~np.isnan(gaps)
    flipped = compared & (direction != 0) & (np.sign(np.where(compared, gaps, 0.0)) == -direction)
    return flipped, compared


def _sign(x: np.ndarray) -> np.ndarray:
    return np.sign(np.where(np.isnan(x), 0.0, x))
