"""Score histograms per group: the counts ROC, precision-recall and reliability curves follow from.

Why histograms and not the curves: they are small (a few hundred numbers a group), both engines
can count them, the audit cache keeps them, and every curve is exact at their edges: a row is
predicted positive at threshold ``t`` when ``score >= t``, so with left-closed bins on the edges
``0, 0.01, ..., 1`` the positives and negatives at or above an edge are a suffix sum.

Two binnings, because the two uses need different ones:

- ``positives`` / ``negatives``: ``EDGES`` (101 edges), bin ``i`` holds ``edges[i] <= score <
  edges[i + 1]``, the last bin ``score >= 1``. Counted with ``np.searchsorted(side="right")``,
  exactly as `planner.audit.thresholds` counts the cost curve.
- ``calibration``: the expected calibration error's ``ece_bins`` equal-width bins, right-closed but
  the first (as `planner.audit.scores` and scikit-learn's ``calibration_curve``), each with its
  row count, positives and sum of scores, so the reliability diagram and its ECE equal the audit's.
"""

from __future__ import annotations

import numpy as np

EDGE_COUNT = 101
EDGES = np.arange(EDGE_COUNT, dtype=np.float64) / (EDGE_COUNT - 1)
"""Each edge the correctly rounded k / 100, as a warehouse divides (``np.linspace`` is off by one
unit in the last place at 10 of them: 0.35 would fall below its own threshold)."""


def threshold_bins(code: np.ndarray, n_groups: int, y: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Counts (group, label, bin) on `EDGES`: shape (G, 2, 101)."""
    position = np.searchsorted(EDGES, score, side="right") - 1  # scores are in [0, 1]: 0..100
    key = (code.astype(np.int64) * 2 + y.astype(np.int64)) * EDGE_COUNT + position
    return np.bincount(key, minlength=n_groups * 2 * EDGE_COUNT).reshape(n_groups, 2, EDGE_COUNT)


def calibration_bins(
    code: np.ndarray, n_groups: int, y: np.ndarray, score: np.ndarray, n_bins: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, positives and the sum of scores per (group, calibration bin): each of shape (G, n_bins)."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    key = code.astype(np.int64) * n_bins + np.searchsorted(edges[1:-1], score)
    size = n_groups * n_bins
    rows = np.bincount(key, minlength=size).reshape(n_groups, n_bins)
    positives = np.bincount(key, weights=y.astype(np.float64), minlength=size).reshape(n_groups, n_bins)
    score_sum = np.bincount(key, weights=score, minlength=size).reshape(n_groups, n_bins)
    return rows, positives, score_sum


def _one(bins: np.ndarray, rows: np.ndarray, positives: np.ndarray, score_sum: np.ndarray, g: int) -> dict:
    return {
        "negatives": bins[g, 0].tolist(),
        "positives": bins[g, 1].tolist(),
        "calibration": {
            "rows": rows[g].tolist(),
            "positives": positives[g].astype(np.int64).tolist(),
            "score_sum": score_sum[g].tolist(),
        },
    }


def histograms(code: np.ndarray, n_groups: int, y: np.ndarray, score: np.ndarray, n_bins: int) -> list[dict]:
    """One histogram dict per group code (see the module docstring for its keys)."""
    bins = threshold_bins(code, n_groups, y, score)
    rows, positives, score_sum = calibration_bins(code, n_groups, y, score, n_bins)
    return [_one(bins, rows, positives, score_sum, g) for g in range(n_groups)]


def score_histograms(
    y: np.ndarray, score: np.ndarray, factors: dict[str, tuple[np.ndarray, list[str]]], n_bins: int
) -> dict:
    """Overall and per sensitive feature's groups; `factors` maps a feature to (codes, levels)."""
    zero = np.zeros(score.size, dtype=np.int64)
    return {
        "edges": EDGES.tolist(),
        "calibration_bins": n_bins,
        "overall": histograms(zero, 1, y, score, n_bins)[0],
        "groupings": {
            name: dict(zip(levels, histograms(codes, len(levels), y, score, n_bins), strict=True))
            for name, (codes, levels) in factors.items()
        },
    }
