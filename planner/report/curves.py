"""Curves from an audit's plain data: expected cost against the threshold, ROC, precision-recall
and reliability, overall and per group.

Why from the plain data: a cached audit (`planner.audit.cache`) has no rows, only what
`AuditResult.to_dict` kept, so the report computes every curve from that: the cost curves from
``thresholds``, the rest from ``score_histograms`` (`planner.audit.histograms`). At each
histogram edge ``t`` the counts of positives and negatives with ``score >= t`` are suffix sums,
so every ROC and precision-recall point is exact there, not interpolated.
"""

from __future__ import annotations

from itertools import accumulate
from typing import Any


def _suffix(counts: list[int]) -> list[int]:
    """``out[i] = sum(counts[i:])``: rows with a score at or above edge ``i``."""
    return list(accumulate(reversed(counts)))[::-1]


def operating_counts(histogram: dict[str, Any]) -> list[dict[str, int]]:
    """Confusion cells at each edge of the histogram (predicted positive when score >= edge)."""
    tp, fp = _suffix(histogram["positives"]), _suffix(histogram["negatives"])
    positives, negatives = tp[0], fp[0]
    return [{"tp": t, "fp": f, "fn": positives - t, "tn": negatives - f} for t, f in zip(tp, fp, strict=True)]


def _ratio(top: int, bottom: int) -> float | None:
    return None if bottom == 0 else top / bottom


def roc_points(histogram: dict[str, Any]) -> list[tuple[float | None, float | None]]:
    """(false positive rate, true positive rate) at each edge; None where a rate is undefined."""
    return [
        (_ratio(c["fp"], c["fp"] + c["tn"]), _ratio(c["tp"], c["tp"] + c["fn"])) for c in operating_counts(histogram)
    ]


def pr_points(histogram: dict[str, Any]) -> list[tuple[float | None, float | None]]:
    """(recall, precision) at each edge; precision is undefined where nothing is predicted positive."""
    return [
        (_ratio(c["tp"], c["tp"] + c["fn"]), _ratio(c["tp"], c["tp"] + c["fp"])) for c in operating_counts(histogram)
    ]


def reliability(histogram: dict[str, Any]) -> list[tuple[float, float, int]]:
    """(mean score, share of positives, rows) per non-empty calibration bin."""
    cal = histogram["calibration"]
    return [(s / n, p / n, n) for n, p, s in zip(cal["rows"], cal["positives"], cal["score_sum"], strict=True) if n > 0]


def ece(histogram: dict[str, Any]) -> float | None:
    """Sum over bins of (bin rows / rows) x |share of positives - mean score|; None without rows."""
    cal = histogram["calibration"]
    rows = sum(cal["rows"])
    if rows == 0:
        return None
    return sum(abs(p - s) for p, s in zip(cal["positives"], cal["score_sum"], strict=True)) / rows


def edge_index(edges: list[float], threshold: float) -> int | None:
    """The position of `threshold` among the edges, or None when it is not one of them."""
    return next((i for i, edge in enumerate(edges) if abs(edge - threshold) < 1e-9), None)


def tolerance_band(thresholds: list[float], costs: list[float | None], tolerance: float) -> tuple[float, float] | None:
    """Lowest and highest threshold whose cost is at most (1 + tolerance) x the lowest cost (the
    band `planner.kinds.evaluation` judges a cost-based threshold against)."""
    defined = [(t, c) for t, c in zip(thresholds, costs, strict=True) if c is not None]
    if not defined:
        return None
    best = min(c for _, c in defined)
    within = [t for t, c in defined if c <= best * (1 + tolerance) + 1e-12]
    return min(within), max(within)
