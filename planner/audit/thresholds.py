"""Expected misclassification cost over decision thresholds, overall and per group.

Why: one threshold for everyone may be far from each group's cheapest one, and the cost at the
threshold actually in use is the figure a reviewer should see next to the best. Rows predict
positive when ``score >= t``. Vectorised: each row's count of thresholds at or below its score
is found with `np.searchsorted`, one `np.bincount` gives (group, label, position) counts, and
cumulative sums give false positives and false negatives at every threshold at once.
Cost per row = (cost_fp * FP + cost_fn * FN) / n.
"""

from __future__ import annotations

import numpy as np

GRID = "grid"
QUANTILES = "quantiles"


def candidate_thresholds(score: np.ndarray, kind: str = GRID, points: int = 101) -> np.ndarray:
    """A grid of `points` thresholds on [0, 1], or the unique score quantiles at that many levels."""
    if kind == GRID:  # k / (points - 1) correctly rounded: a score of 0.35 is at threshold 0.35
        return np.arange(points, dtype=np.float64) / (points - 1)
    if kind == QUANTILES:
        return np.unique(np.quantile(score, np.linspace(0.0, 1.0, points)))
    raise ValueError(f"unknown threshold kind {kind!r}; expected {GRID!r} or {QUANTILES!r}")


def error_counts(
    code: np.ndarray, n_groups: int, y: np.ndarray, score: np.ndarray, thresholds: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """False positives and false negatives per (group, threshold), and group sizes."""
    t = thresholds.size
    position = np.searchsorted(thresholds, score, side="right")  # thresholds <= score
    key = (code.astype(np.int64) * 2 + y) * (t + 1) + position
    counts = np.bincount(key, minlength=n_groups * 2 * (t + 1)).reshape(n_groups, 2, t + 1)
    neg, pos = counts[:, 0, :], counts[:, 1, :]
    # Positive at threshold j iff position > j.
    fp = np.cumsum(neg[:, ::-1], axis=1)[:, ::-1][:, 1:]
    fn = np.cumsum(pos, axis=1)[:, :-1]
    return fp, fn, counts.sum(axis=(1, 2))


def cost_curves(
    code: np.ndarray,
    n_groups: int,
    y: np.ndarray,
    score: np.ndarray,
    *,
    cost_fp: float,
    cost_fn: float,
    kind: str = GRID,
    points: int = 101,
) -> dict[str, np.ndarray]:
    """Cost per row at each candidate threshold, overall and per group code.

    Returns
    -------
    dict
        ``thresholds`` (T,), ``overall`` (T,), ``groups`` (G, T) with NaN rows for empty groups.
    """
    thresholds = candidate_thresholds(score, kind, points)
    fp, fn, sizes = error_counts(code, n_groups, y, score, thresholds)
    cost = cost_fp * fp + cost_fn * fn
    with np.errstate(divide="ignore", invalid="ignore"):
        groups = np.where(sizes[:, None] > 0, cost / sizes[:, None], np.nan)
    overall = cost.sum(axis=0) / max(int(sizes.sum()), 1)
    return {"thresholds": thresholds, "overall": overall, "groups": groups}


def best_threshold(thresholds: np.ndarray, costs: np.ndarray) -> tuple[float, float]:
    """The lowest-cost threshold (the smallest one on ties) and its cost; NaN if undefined."""
    if np.all(np.isnan(costs)):
        return float("nan"), float("nan")
    i = int(np.nanargmin(costs))
    return float(thresholds[i]), float(costs[i])
