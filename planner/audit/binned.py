"""Score metrics from a score histogram: what a warehouse sends back instead of its rows.

Why a histogram: ROC AUC, the Brier score, the calibration error, the reliability curve and the
expected-cost curve all need scores, and a billion scores cannot travel. Per cell of (sensitive
features..., label, score bin, calibration bin) the warehouse returns the row count, the sum of
the scores and the sum of their squares; from those:

- **Brier score** is exact: sum((s - y)^2) = sum(s^2) - 2 sum over positives of s + positives.
- **Expected calibration error** and the reliability curve are exact: the calibration bins are
  the audit's own (`planner.audit.scores`), so rows, positives and score sums per bin are what
  the row path sums too.
- **Cost curves** are exact at the thresholds 0, 0.01, ..., 1: with `bins` a multiple of 100, each
  threshold j/100 is the bin edge j * bins/100 (both are the correctly rounded value of the same
  fraction), and a row is predicted positive at t when its score is >= t.
- **ROC AUC** is not exact: a positive and a negative in the same bin are counted as a tie
  (half a pair). The true value lies within `0.5 * sum(pos_b * neg_b) / (P * N)` over the bins
  below 1 (the last bin holds scores of exactly 1, real ties): that bound is reported with it.

Sums in fixed point: each score (and its square) is summed as ``floor(value * 2**32)``, an integer.
The scaling by a power of two and the floor are exact in every engine, and integer sums do not
depend on the order a parallel engine adds in, so every engine (and the local histogram path)
returns the same sums, bit for bit, on every run: a sign-off bound to the result stays valid.
The truncation costs at most 2**-32 per row (Brier score and calibration error within 1e-9).

Bins: bin k (of 0..bins) holds the scores with ``k / bins <= score < (k + 1) / bins``, the last
one the scores equal to 1 (``bin_of``). An engine computes ``floor(score * bins)`` and corrects it
by one against ``k / bins`` in double precision, so every engine bins a score as numpy does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from planner.audit import thresholds as thr
from planner.audit.histograms import EDGE_COUNT, EDGES
from planner.audit.inputs import Factor
from planner.audit.metrics import SCORE_METRICS

CELL_VALUES = ("count", "score_sum", "score_sq")
FIXED_POINT = 2**32
"""Scores are summed as integers ``floor(score * FIXED_POINT)`` (see the module docstring)."""
AUC_ERROR = "roc_auc_error"
"""Column of `score_table` with the bound on each group's ROC AUC binning error."""


@dataclass(frozen=True)
class ScoreCells:
    """A score histogram: one row per present (features..., label, tbin, cbin) with `CELL_VALUES`.

    Group columns hold the group names (the missing group as `MISSING_GROUP`), `label` is 0/1,
    `tbin` the score bin (0..bins) and `cbin` the calibration bin (0..ece_bins-1).
    """

    table: pd.DataFrame
    features: tuple[str, ...]
    bins: int
    ece_bins: int

    @property
    def rows(self) -> int:
        """The rows of predictions the histogram counts."""
        return int(self.table["count"].sum())


def bin_edges(bins: int) -> np.ndarray:
    """The `bins + 1` edges k / bins, each the correctly rounded fraction (as an engine divides)."""
    return np.arange(bins + 1, dtype=np.float64) / bins


def bin_of(score: np.ndarray, bins: int) -> np.ndarray:
    """Score bin of each score in [0, 1]: the number of edges k / bins (k >= 1) at or below it."""
    edges = bin_edges(bins)
    k = np.minimum(np.floor(score * bins).astype(np.int64), bins)
    k = k - (score < edges[k])
    upper = np.minimum(k + 1, bins)
    return k + ((k < bins) & (score >= edges[upper]))


def calibration_bin(score: np.ndarray, ece_bins: int) -> np.ndarray:
    """Calibration bin of each score, as `planner.audit.scores` bins them (right-closed but the first)."""
    return np.searchsorted(np.linspace(0.0, 1.0, ece_bins + 1)[1:-1], score)


def cells_from_rows(
    y: np.ndarray, score: np.ndarray, factors: Mapping[str, Factor], *, bins: int, ece_bins: int
) -> ScoreCells:
    """The score histogram of validated rows: the local engines' way onto the histogram path."""
    table = pd.DataFrame(
        {
            **{name: np.asarray(f.levels, dtype=object)[f.codes] for name, f in factors.items()},
            "label": y.astype(np.int64),
            "tbin": bin_of(score, bins),
            "cbin": calibration_bin(score, ece_bins),
            "score_sum": np.floor(score * FIXED_POINT).astype(np.int64),
            "score_sq": np.floor(score * score * FIXED_POINT).astype(np.int64),
        }
    )
    keys = [*factors, "label", "tbin", "cbin"]
    grouped = table.groupby(keys, sort=True, observed=True)
    summed = grouped[["score_sum", "score_sq"]].sum().join(grouped.size().rename("count")).reset_index()
    return ScoreCells(from_fixed(summed[[*keys, *CELL_VALUES]]), tuple(factors), bins, ece_bins)


def from_fixed(table: pd.DataFrame) -> pd.DataFrame:
    """The fixed-point sums as floats (each converted from its exact integer, so alike everywhere)."""
    out = table.copy()
    for name in ("score_sum", "score_sq"):
        out[name] = np.array([int(v) / FIXED_POINT for v in table[name]], dtype=np.float64)
    return out


def _groups(cells: ScoreCells, by: Sequence[str]) -> tuple[pd.Index, np.ndarray]:
    """The groups of `by` present in the histogram (index like `confusion_cells`) and each cell's group code."""
    if not by:
        return pd.Index(["overall"]), np.zeros(len(cells.table), dtype=np.int64)
    keys = cells.table[list(by)]
    index = pd.MultiIndex.from_frame(keys) if len(by) > 1 else pd.Index(keys[by[0]], name=by[0])
    uniques = index.unique().sort_values()
    return uniques, uniques.get_indexer(index)


def _sums(code: np.ndarray, key: np.ndarray, size: int, n: int, weights: np.ndarray) -> np.ndarray:
    return np.bincount(code * size + key, weights=weights, minlength=n * size).reshape(n, size)


def _label_bins(cells: ScoreCells, code: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Negatives and positives per (group, score bin): each of shape (n, bins + 1)."""
    t = cells.table
    label = t["label"].to_numpy(dtype=np.int64)
    counts = t["count"].to_numpy(dtype=np.float64)
    key = label * (cells.bins + 1) + t["tbin"].to_numpy(dtype=np.int64)
    both = _sums(code, key, 2 * (cells.bins + 1), n, counts).reshape(n, 2, cells.bins + 1)
    return both[:, 0], both[:, 1]


def roc_auc(negatives: np.ndarray, positives: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ROC AUC per row of (groups, bins) counts, and the bound on its binning error; NaN without
    positives or negatives."""
    below = np.cumsum(negatives, axis=1) - negatives
    pairs = positives.sum(axis=1) * negatives.sum(axis=1)
    concordant = (positives * below).sum(axis=1) + 0.5 * (positives * negatives).sum(axis=1)
    same_bin = (positives[:, :-1] * negatives[:, :-1]).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        auc = np.where(pairs > 0, concordant / pairs, np.nan)
        error = np.where(pairs > 0, 0.5 * same_bin / pairs, np.nan)
    return auc, error


def score_table(cells: ScoreCells, by: Sequence[str], metrics: Sequence[str]) -> pd.DataFrame:
    """Score metrics per group of `by` (index like `confusion_cells`), and `AUC_ERROR`, from the histogram."""
    index, code = _groups(cells, by)
    n, t = len(index), cells.table
    label = t["label"].to_numpy(dtype=np.int64)
    counts = t["count"].to_numpy(dtype=np.float64)
    out: dict[str, Any] = {}
    rows = np.bincount(code, weights=counts, minlength=n)
    if "roc_auc" in metrics:
        out["roc_auc"], out[AUC_ERROR] = roc_auc(*_label_bins(cells, code, n))
    with np.errstate(divide="ignore", invalid="ignore"):
        if "brier_score" in metrics:
            square = np.bincount(code, weights=t["score_sq"].to_numpy(dtype=np.float64), minlength=n)
            positive_sum = np.bincount(code, weights=t["score_sum"].to_numpy() * label, minlength=n)
            positives = np.bincount(code, weights=counts * label, minlength=n)
            out["brier_score"] = (square - 2.0 * positive_sum + positives) / rows
        if "expected_calibration_error" in metrics:
            cbin = t["cbin"].to_numpy(dtype=np.int64)
            bin_positives = _sums(code, cbin, cells.ece_bins, n, counts * label)
            bin_scores = _sums(code, cbin, cells.ece_bins, n, t["score_sum"].to_numpy(dtype=np.float64))
            out["expected_calibration_error"] = np.abs(bin_positives - bin_scores).sum(axis=1) / rows
    columns = [m for m in metrics if m in SCORE_METRICS] + ([AUC_ERROR] if AUC_ERROR in out else [])
    return pd.DataFrame({c: out[c] for c in columns}, index=index)


def auc_errors(cells: ScoreCells, groupings: Sequence[Sequence[str]]) -> dict[str, Any]:
    """The ROC AUC binning error bound overall and per group of each grouping, for the result."""
    overall = score_table(cells, [], ["roc_auc"])[AUC_ERROR].iloc[0]
    per: dict[str, dict[str, float]] = {}
    for by in groupings:
        table = score_table(cells, by, ["roc_auc"])[AUC_ERROR]
        per[" & ".join(by)] = {
            (" & ".join(map(str, k)) if isinstance(k, tuple) else str(k)): v for k, v in table.items()
        }
    finite = [v for groups in per.values() for v in groups.values() if np.isfinite(v)] + [overall]
    return {"bins": cells.bins, "overall": overall, "largest": float(np.nanmax(finite)), "groupings": per}


def _coarse(cells: ScoreCells, code: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Negatives and positives per (group, `EDGES` bin): the fine bins summed 100 edges apart."""
    negatives, positives = _label_bins(cells, code, n)
    step = cells.bins // (EDGE_COUNT - 1)
    coarse = np.minimum(np.arange(cells.bins + 1) // step, EDGE_COUNT - 1)

    def fold(a: np.ndarray) -> np.ndarray:
        return np.stack([np.bincount(coarse, weights=row, minlength=EDGE_COUNT) for row in a]).astype(np.int64)

    return fold(negatives), fold(positives)


def report_histograms(cells: ScoreCells) -> dict:
    """`planner.audit.histograms.score_histograms` of the features, from the histogram."""

    def of(by: Sequence[str]) -> dict[str, dict]:
        index, code = _groups(cells, by)
        n, t = len(index), cells.table
        negatives, positives = _coarse(cells, code, n)
        cbin = t["cbin"].to_numpy(dtype=np.int64)
        counts = t["count"].to_numpy(dtype=np.float64)
        label = t["label"].to_numpy(dtype=np.int64)
        rows = _sums(code, cbin, cells.ece_bins, n, counts).astype(np.int64)
        bin_positives = _sums(code, cbin, cells.ece_bins, n, counts * label).astype(np.int64)
        score_sum = _sums(code, cbin, cells.ece_bins, n, t["score_sum"].to_numpy(dtype=np.float64))
        return {
            str(group): {
                "negatives": negatives[g].tolist(),
                "positives": positives[g].tolist(),
                "calibration": {
                    "rows": rows[g].tolist(),
                    "positives": bin_positives[g].tolist(),
                    "score_sum": score_sum[g].tolist(),
                },
            }
            for g, group in enumerate(index)
        }

    return {
        "edges": EDGES.tolist(),
        "calibration_bins": cells.ece_bins,
        "overall": of([])["overall"],
        "groupings": {name: of([name]) for name in cells.features},
    }


def cost_curves(
    cells: ScoreCells, by: Sequence[str], cost_fp: float, cost_fn: float
) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """Groups, the thresholds 0, 0.01, ..., 1 and the cost per row at each, per group of `by`."""
    index, code = _groups(cells, by)
    negatives, positives = _coarse(cells, code, len(index))
    fp = np.cumsum(negatives[:, ::-1], axis=1)[:, ::-1]  # negatives at or above each edge
    fn = np.cumsum(positives, axis=1) - positives  # positives below it
    sizes = negatives.sum(axis=1) + positives.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        cost = (cost_fp * fp + cost_fn * fn) / sizes[:, None]
    return index, EDGES.copy(), cost


def thresholds(
    cells: ScoreCells, counts: pd.DataFrame, features: Sequence[str], costs: Mapping[str, float]
) -> dict[str, Any]:
    """The threshold analysis of `planner.audit.run` (grid candidates), from the histogram; the
    cost at the threshold in use comes from the counts (the predictions as made)."""
    cost_fp, cost_fn = float(costs["fp"]), float(costs["fn"])

    def in_use(by: Sequence[str]) -> pd.Series:
        errors = counts.assign(
            fp=counts["count"] * ((counts["label"] == 0) & (counts["prediction"] == 1)),
            fn=counts["count"] * ((counts["label"] == 1) & (counts["prediction"] == 0)),
        )
        sums = (
            errors.groupby(list(by))[["fp", "fn", "count"]].sum()
            if by
            else errors[["fp", "fn", "count"]].sum().to_frame().T
        )
        return (cost_fp * sums["fp"] + cost_fn * sums["fn"]) / sums["count"]

    _, grid, overall = cost_curves(cells, [], cost_fp, cost_fn)
    best_t, best_c = thr.best_threshold(grid, overall[0])
    groupings: dict[str, dict[str, dict[str, float]]] = {}
    group_curves: dict[str, dict[str, np.ndarray]] = {}
    for name in features:
        index, _, curves = cost_curves(cells, [name], cost_fp, cost_fn)
        used = in_use([name])
        group_curves[name] = {str(level): curves[i] for i, level in enumerate(index)}
        groupings[name] = {
            str(level): dict(
                zip(("best_threshold", "best_cost"), thr.best_threshold(grid, curves[i]), strict=True),
                cost_in_use=float(used.get(level, np.nan)),
            )
            for i, level in enumerate(index)
        }
    return {
        "cost_fp": cost_fp,
        "cost_fn": cost_fn,
        "candidates": thr.GRID,
        "thresholds": grid,
        "overall_curve": overall[0],
        "overall": {"best_threshold": best_t, "best_cost": best_c, "cost_in_use": float(in_use([]).iloc[0])},
        "groupings": groupings,
        "group_curves": group_curves,
    }
