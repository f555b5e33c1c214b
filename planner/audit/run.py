"""`run_audit`: from predictions (or a counts table) to an `AuditResult`.

One direction of data: read and validate -> one grouped count over all group columns ->
per-grouping values, intervals and disparities -> findings, slices, thresholds, baselines.
The counting is the only step that touches every row (plus score metrics when asked for).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.audit import thresholds as thr
from planner.audit.baselines import baselines
from planner.audit.counts import count_cells, missing_counts, prepare_counts, read_counts
from planner.audit.disparities import NAMED_DISPARITIES, is_disparity
from planner.audit.errors import AuditInputError
from planner.audit.findings import Limit
from planner.audit.grouping import NO_SCORES, build_grouping, rate_intervals, score_table
from planner.audit.inputs import AuditData, prepare_predictions, read_predictions
from planner.audit.judge import judge
from planner.audit.metrics import ALL_METRICS, RATE_METRICS, SCORE_METRICS, confusion_cells, metric_table
from planner.audit.result import AuditResult
from planner.audit.slices import reversals, slice_table
from planner.audit.sql import duckdb_cell_counts

UNKNOWN_METRIC = "unknown metric {metric!r}"
NEEDS_SCORE = "metric {metric!r} needs a score column and row-level predictions"
UNKNOWN_REFERENCE = "reference group {group!r} not found in grouping {grouping!r}"


def group_columns(features: Sequence[str], intersections: Sequence[Sequence[str]], slices: Sequence[str]) -> list[str]:
    """Every column the grouped count is taken over, each once, in a stable order."""
    return list(dict.fromkeys([*features, *(f for i in intersections for f in i), *slices]))


def _check_metrics(metrics: Sequence[str], has_scores: bool) -> None:
    for metric in metrics:
        if metric not in ALL_METRICS:
            close = difflib.get_close_matches(metric, ALL_METRICS, n=1)
            raise AuditInputError(
                UNKNOWN_METRIC.format(metric=metric), hint=f"did you mean {close[0]!r}?" if close else None
            )
        if metric in SCORE_METRICS and not has_scores:
            raise AuditInputError(NEEDS_SCORE.format(metric=metric))


def _load(
    source: Any,
    *,
    label: str,
    prediction: str | None,
    score: str | None,
    groups: list[str],
    positive_label: Any,
    threshold: float,
    count: str | None,
    engine: str,
) -> tuple[AuditData | None, pd.DataFrame]:
    """(AuditData or None, counts table) from a frame, a file, an AuditData or a counts table."""
    if isinstance(source, AuditData):
        return source, count_cells(source, groups)
    is_path = isinstance(source, (str, Path))
    if count is not None:
        kwargs = dict(
            group_columns=groups, label=label, prediction=prediction, count=count, positive_label=positive_label
        )
        return None, read_counts(str(source), **kwargs) if is_path else prepare_counts(source, **kwargs)
    kwargs = dict(label=label, prediction=prediction, score=score, positive_label=positive_label, threshold=threshold)
    if is_path and engine == "duckdb":
        return None, duckdb_cell_counts(source, sensitive_features=groups, **kwargs)
    if is_path:
        data = read_predictions(source, sensitive_features=groups, **kwargs)
    else:
        data = prepare_predictions(source, sensitive_features=groups, **kwargs)
    return data, count_cells(data, groups)


def _reference(grouping: Sequence[str], reference_groups: Mapping[str, Any] | None, index: pd.Index) -> Any:
    if not reference_groups or not all(f in reference_groups for f in grouping):
        return None
    values = tuple(str(reference_groups[f]) for f in grouping)
    ref: str | tuple[str, ...] = values[0] if len(values) == 1 else values
    if ref not in index:
        raise AuditInputError(
            UNKNOWN_REFERENCE.format(group=ref, grouping=" & ".join(grouping)),
            column=grouping[0],
            hint="groups are: " + ", ".join(map(str, index)),
        )
    return ref


def _thresholds(data: AuditData, features: Sequence[str], costs: Mapping[str, float], kind: str) -> dict[str, Any]:
    """Cost curves overall and per sensitive feature's groups, with best and in-use costs."""
    cost_fp, cost_fn = float(costs["fp"]), float(costs["fn"])
    y, s, p = data.y_true, data.score, data.y_pred
    if s is None:
        raise ValueError(NO_SCORES)

    def in_use(mask_code: np.ndarray, n_groups: int) -> np.ndarray:
        fp = np.bincount(mask_code, weights=(p == 1) & (y == 0), minlength=n_groups)
        fn = np.bincount(mask_code, weights=(p == 0) & (y == 1), minlength=n_groups)
        size = np.bincount(mask_code, minlength=n_groups)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (cost_fp * fp + cost_fn * fn) / size

    zero = np.zeros(data.n_rows, dtype=np.int64)
    curve = thr.cost_curves(zero, 1, y, s, cost_fp=cost_fp, cost_fn=cost_fn, kind=kind)
    best_t, best_c = thr.best_threshold(curve["thresholds"], curve["overall"])
    groupings: dict[str, dict[str, dict[str, float]]] = {}
    out = {
        "cost_fp": cost_fp,
        "cost_fn": cost_fn,
        "candidates": kind,
        "thresholds": curve["thresholds"],
        "overall_curve": curve["overall"],
        "overall": {"best_threshold": best_t, "best_cost": best_c, "cost_in_use": float(in_use(zero, 1)[0])},
        "groupings": groupings,
    }
    for name in features:
        factor = data.factors[name]
        n = len(factor.levels)
        curves = thr.cost_curves(factor.codes, n, y, s, cost_fp=cost_fp, cost_fn=cost_fn, kind=kind)
        used = in_use(factor.codes, n)
        groupings[name] = {
            level: dict(
                zip(
                    ("best_threshold", "best_cost"),
                    thr.best_threshold(curves["thresholds"], curves["groups"][i]),
                    strict=True,
                ),
                cost_in_use=float(used[i]),
            )
            for i, level in enumerate(factor.levels)
        }
    return out


def run_audit(
    frame_or_counts: Any,
    *,
    label: str,
    prediction: str | None = None,
    score: str | None = None,
    sensitive_features: Sequence[str],
    intersections: Sequence[Sequence[str]] | None = None,
    slices: Sequence[str] = (),
    positive_label: Any = None,
    threshold: float = 0.5,
    metrics: Sequence[str] | None = None,
    limits: Sequence[Limit] = (),
    min_group_size: int = 30,
    confidence_level: float = 0.95,
    bootstrap_samples: int = 1000,
    seed: int = 0,
    reference_groups: Mapping[str, Any] | None = None,
    costs: Mapping[str, float] | None = None,
    count: str | None = None,
    engine: str = "pandas",
    ece_bins: int = 10,
    threshold_candidates: str = thr.GRID,
) -> AuditResult:
    """Audit binary predictions for group disparities.

    Parameters
    ----------
    frame_or_counts : pandas.DataFrame, str, pathlib.Path or AuditData
        Predictions (one row per example), a CSV/parquet path, or a counts table when `count`
        names its count column.
    label, prediction, score : str
        Column names; without `prediction` it is ``score >= threshold``.
    sensitive_features : sequence of str
        Each is a grouping of its own.
    intersections : sequence of sequence of str, optional
        Crossed groupings; by default all sensitive features crossed when there are several.
    slices : sequence of str
        Columns to break results down by (with Simpson's-paradox checks).
    positive_label : object, optional
        Label value meaning positive when labels are not 0/1.
    threshold : float
        Score threshold used to derive predictions.
    metrics : sequence of str, optional
        Names from `planner.audit.metrics.ALL_METRICS`; default: all that the input supports.
    limits : sequence of Limit
        Bounds turned into findings.
    min_group_size : int
        Smaller groups are "insufficient data": reported, but outside disparities and limits.
    confidence_level : float
        For Wilson and bootstrap intervals.
    bootstrap_samples : int
        Replicates for disparity intervals (0 disables them).
    seed : int
        Bootstrap seed; results are reproducible.
    reference_groups : mapping, optional
        Feature -> reference group for group/reference ratios; default: the largest group.
    costs : mapping, optional
        ``{"fp": cost, "fn": cost}`` to compute expected-cost threshold curves (needs scores).
    count : str, optional
        Name of the count column when the input is a counts table.
    engine : {"pandas", "duckdb"}
        Counting engine for a parquet path; DuckDB gives counts only (no score metrics).
    ece_bins : int
        Equal-width bins for the expected calibration error.
    threshold_candidates : {"grid", "quantiles"}
        101 evenly spaced thresholds, or the unique score quantiles at 101 levels.
    """
    features = list(sensitive_features)
    if intersections is None:
        intersections = [features] if len(features) > 1 else []
    groups = group_columns(features, intersections, slices)
    data, counts = _load(
        frame_or_counts,
        label=label,
        prediction=prediction,
        score=score,
        groups=groups,
        positive_label=positive_label,
        threshold=threshold,
        count=count,
        engine=engine,
    )
    scores = data.score if data is not None else None
    has_scores = scores is not None
    if metrics is None:
        metrics = [m for m in ALL_METRICS if m in RATE_METRICS or has_scores or m not in SCORE_METRICS]
    metrics = list(dict.fromkeys(["count", "share", *metrics]))
    _check_metrics(metrics, has_scores)
    total = int(counts["count"].sum())
    score_order = np.argsort(scores, kind="stable") if scores is not None else None

    def scores_for(by: Sequence[str]) -> pd.DataFrame | None:
        if data is None or scores is None or not any(m in SCORE_METRICS for m in metrics):
            return None
        return score_table(data, by, metrics, ece_bins=ece_bins, score_order=score_order)

    overall_table = metric_table(confusion_cells(counts, []), metrics, total)
    overall_scores = scores_for([])
    if overall_scores is not None:
        overall_table = overall_table.join(overall_scores)
    overall = overall_table.iloc[0]
    names = list(dict.fromkeys([*NAMED_DISPARITIES, *(limit.metric for limit in limits if is_disparity(limit.metric))]))
    groupings = []
    for i, by in enumerate([[f] for f in features] + [list(x) for x in intersections]):
        index = confusion_cells(counts, by).index
        groupings.append(
            build_grouping(
                counts,
                by,
                total=total,
                metrics=metrics,
                overall=overall,
                scores=scores_for(by),
                min_group_size=min_group_size,
                confidence_level=confidence_level,
                disparity_names=names,
                bootstrap_samples=bootstrap_samples,
                seed=[seed, i],
                reference=_reference(by, reference_groups, index),
            )
        )
    slice_results = [
        {
            "slice_column": s,
            "feature": f,
            "table": slice_table(counts, slice_column=s, feature=f, metrics=metrics),
            "reversals": reversals(counts, slice_column=s, feature=f, metrics=metrics, min_group_size=min_group_size),
        }
        for s in slices
        for f in features
    ]
    thresholds = (
        _thresholds(data, features, costs, threshold_candidates) if costs and data is not None and has_scores else None
    )
    return AuditResult(
        rows=total,
        metrics=metrics,
        overall=overall,
        overall_cells=confusion_cells(counts, []),
        groupings=groupings,
        overall_intervals=rate_intervals(confusion_cells(counts, []), metrics, confidence_level),
        findings=[f for limit in limits for f in judge(limit, groupings)],
        slices=slice_results,
        thresholds=thresholds,
        baselines=baselines(_base_rate(counts), _group_base_rates(counts, features)),
        missing=data.missing if data is not None else missing_counts(counts, groups),
        counts=counts,
        settings={
            "label": label,
            "prediction": prediction,
            "score": score,
            "positive_label": positive_label,
            "threshold": threshold,
            "min_group_size": min_group_size,
            "confidence_level": confidence_level,
            "bootstrap_samples": bootstrap_samples,
            "seed": seed,
            "ece_binning": f"{ece_bins} equal-width bins on [0, 1]",
            "engine": engine,
            "bootstrap": "percentile, multinomial resampling of each group's cells (group sizes fixed)",
            "rate_intervals": "Wilson score",
        },
    )


def _base_rate(counts: pd.DataFrame) -> float:
    return float(counts.loc[counts["label"] == 1, "count"].sum() / counts["count"].sum())


def _group_base_rates(counts: pd.DataFrame, features: Sequence[str]) -> dict[str, float]:
    """``"feature=group" -> base rate`` for every group of every sensitive feature."""
    out = {}
    for name in features:
        positives = counts[counts["label"] == 1].groupby(name)["count"].sum()
        sizes = counts.groupby(name)["count"].sum()
        for group, size in sizes.items():
            out[f"{name}={group}"] = float(positives.get(group, 0) / size)
    return out
