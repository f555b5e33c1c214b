"""Score-based group metrics (ROC AUC, Brier score, ECE), vectorised over groups.

Why not loop over groups: one sort by score and one stable sort by group code give every
group's ranks at once, so AUC comes from the rank-sum (Mann-Whitney) formula with ties given
average ranks, as in scikit-learn. Brier and ECE are `np.bincount` sums.

ECE binning: ``n_bins`` equal-width bins on [0, 1] (10 by default), right-closed except the
first, matching ``sklearn.calibration.calibration_curve(strategy="uniform")``;
ECE = sum over bins of (bin size / n) * |mean label - mean score|.
"""

from __future__ import annotations

import numpy as np


def roc_auc_by_group(
    code: np.ndarray, n_groups: int, y: np.ndarray, score: np.ndarray, score_order: np.ndarray | None = None
) -> np.ndarray:
    """ROC AUC per group code; NaN for a group lacking positives or negatives.

    `score_order` (``np.argsort(score, kind="stable")``) may be passed to reuse one sort
    across several groupings.
    """
    if score_order is None:
        score_order = np.argsort(score, kind="stable")
    order = score_order[np.argsort(code[score_order], kind="stable")]
    g, s, yy = code[order], score[order], y[order].astype(np.float64)
    sizes = np.bincount(g, minlength=n_groups)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    pos = np.arange(g.size) - starts[g] + 1.0
    new_run = np.ones(g.size, dtype=bool)
    new_run[1:] = (g[1:] != g[:-1]) | (s[1:] != s[:-1])
    run = np.cumsum(new_run) - 1
    first = pos[new_run]
    ends = np.flatnonzero(np.append(new_run[1:], True))
    last = pos[ends]
    avg_rank = ((first + last) / 2.0)[run]
    rank_sum = np.bincount(g, weights=avg_rank * yy, minlength=n_groups)
    n_pos = np.bincount(g, weights=yy, minlength=n_groups)
    n_neg = sizes - n_pos
    with np.errstate(divide="ignore", invalid="ignore"):
        auc = (rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)
    return np.where((n_pos > 0) & (n_neg > 0), auc, np.nan)


def brier_by_group(code: np.ndarray, n_groups: int, y: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Mean squared difference between score and label per group code; NaN for empty groups."""
    sizes = np.bincount(code, minlength=n_groups)
    sq = np.bincount(code, weights=(score - y) ** 2, minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sizes > 0, sq / sizes, np.nan)


def ece_by_group(code: np.ndarray, n_groups: int, y: np.ndarray, score: np.ndarray, n_bins: int = 10) -> np.ndarray:
    """Expected calibration error per group code with `n_bins` equal-width bins."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.searchsorted(edges[1:-1], score)
    key = code.astype(np.int64) * n_bins + bins
    size = n_groups * n_bins
    sum_y = np.bincount(key, weights=y.astype(np.float64), minlength=size).reshape(n_groups, n_bins)
    sum_s = np.bincount(key, weights=score, minlength=size).reshape(n_groups, n_bins)
    sizes = np.bincount(code, minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sizes > 0, np.abs(sum_y - sum_s).sum(axis=1) / sizes, np.nan)
