"""`run_audit`: from predictions (or a counts table) to an `AuditResult`.

One direction of data: read and validate -> one grouped count over all group columns ->
per-grouping values, intervals and disparities -> findings, slices, thresholds, baselines.
The counting is the only step that touches every row (plus score metrics when asked for).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.audit import binned
from planner.audit import thresholds as thr
from planner.audit.baselines import baselines
from planner.audit.counts import count_cells, prepare_counts_missing, read_counts_missing
from planner.audit.errors import AuditInputError
from planner.audit.findings import Limit
from planner.audit.grouping import NO_SCORES, build_grouping, rate_intervals, score_table
from planner.audit.histograms import score_histograms
from planner.audit.inputs import MAX_GROUPS, AuditData, check_group_count, prepare_predictions, read_predictions
from planner.audit.judge import judge
from planner.audit.metrics import ALL_METRICS, RATE_METRICS, SCORE_METRICS, confusion_cells, metric_table
from planner.audit.result import AuditResult
from planner.audit.slices import SLICE_CELL_FACTOR, reversals, slice_table
from planner.audit.sql import duckdb_counts_missing, duckdb_score_histograms
from planner.audit.warehouse import Pushed, WarehouseInput, push_down
from planner.metric_names import canonical, names_of, spelling
from planner.spec.bias import NAMED_DISPARITIES, SCORE_BINS, SCORE_METHODS, is_disparity

UNKNOWN_METRIC = "unknown metric {metric!r}"
NEEDS_SCORE = "metric {metric!r} needs a score column and row-level predictions"
UNKNOWN_REFERENCE = "reference group {group!r} not found in grouping {grouping!r}"
BAD_SETTING = "{name} must be {rule}, got {value!r}"


def group_columns(features: Sequence[str], intersections: Sequence[Sequence[str]], slices: Sequence[str]) -> list[str]:
    """Every column the grouped count is taken over, each once, in a stable order."""
    return list(dict.fromkeys([*features, *(f for i in intersections for f in i), *slices]))


def _check_metrics(metrics: Sequence[str], has_scores: bool) -> list[str]:
    """The canonical names of `metrics` (synonyms such as `sensitivity` resolved, each once)."""
    for metric in metrics:
        if canonical(metric) not in ALL_METRICS:
            close = difflib.get_close_matches(spelling(metric), names_of(ALL_METRICS), n=1)
            raise AuditInputError(
                UNKNOWN_METRIC.format(metric=metric), hint=f"did you mean {close[0]!r}?" if close else None
            )
        if canonical(metric) in SCORE_METRICS and not has_scores:
            raise AuditInputError(NEEDS_SCORE.format(metric=metric))
    return list(dict.fromkeys(canonical(metric) for metric in metrics))


@dataclass(frozen=True)
class Loaded:
    """What counting produced: rows (when they were read), the counts, the missing rows per group
    column and, from a warehouse, its score histogram, threshold agreement and provenance."""

    data: AuditData | None
    counts: pd.DataFrame
    missing: dict[str, int]
    pushed: Pushed | None = None


def _load(
    source: Any,
    *,
    label: str,
    prediction: str | None,
    score: str | None,
    groups: list[str],
    features: list[str],
    positive_label: Any,
    threshold: float,
    count: str | None,
    engine: str,
    max_groups: int,
    score_bins: int,
    ece_bins: int,
) -> Loaded:
    """The counts (and rows, or a warehouse's histogram) from a frame, a file, an AuditData, a
    counts table or a warehouse source."""
    if isinstance(source, WarehouseInput):
        pushed = push_down(
            source,
            label=label,
            prediction=prediction,
            score=score,
            groups=groups,
            features=features,
            positive_label=positive_label,
            threshold=threshold,
            bins=score_bins,
            ece_bins=ece_bins,
            max_groups=max_groups,
        )
        return Loaded(None, pushed.counts, pushed.missing, pushed)
    if isinstance(source, AuditData):
        for name in groups:
            check_group_count(len(source.factors[name].levels), name=name, file=source.source, limit=max_groups)
        missing = {name: n for name, n in source.missing.items() if name in groups}
        return Loaded(source, count_cells(source, groups), missing)
    is_path = isinstance(source, (str, Path))
    if count is not None:
        kwargs = dict(
            group_columns=groups,
            label=label,
            prediction=prediction,
            count=count,
            positive_label=positive_label,
            max_groups=max_groups,
        )
        counts, missing = (
            read_counts_missing(str(source), **kwargs) if is_path else prepare_counts_missing(source, **kwargs)
        )
        return Loaded(None, counts, missing)
    kwargs = dict(label=label, prediction=prediction, score=score, positive_label=positive_label, threshold=threshold)
    if is_path and engine == "duckdb":
        counts, missing = duckdb_counts_missing(source, sensitive_features=groups, max_groups=max_groups, **kwargs)
        return Loaded(None, counts, missing)
    if is_path:
        data = read_predictions(source, sensitive_features=groups, max_groups=max_groups, **kwargs)
    else:
        data = prepare_predictions(source, sensitive_features=groups, max_groups=max_groups, **kwargs)
    return Loaded(data, count_cells(data, groups), data.missing)


def threshold_agreement(data: AuditData | None, threshold: float, prediction: str | None) -> float | None:
    """Share of rows whose prediction is `score >= threshold`: 1.0 when the predictions were made at
    the threshold the audit states; None without both columns (or from counts, which have no score).
    A prediction made at 0.3 audited "at 0.1" would make every figure describe another model."""
    if data is None or data.score is None or not prediction:
        return None
    defined = ~np.isnan(data.score)
    if not defined.any():
        return None
    derived = np.greater_equal(data.score[defined], threshold)
    return float(np.mean(data.y_pred[defined] == derived))


def _check_settings(
    *, confidence_level: float, bootstrap_samples: int, min_group_size: int, costs: Mapping[str, float] | None
) -> None:
    """Numbers that would make every interval or cost NaN (or infinite) are refused up front."""
    checks = [
        ("confidence_level", confidence_level, "a number between 0 and 1", 0.0 < confidence_level < 1.0),
        ("bootstrap_samples", bootstrap_samples, "a whole number >= 0", bootstrap_samples >= 0),
        ("min_group_size", min_group_size, "a whole number >= 0", min_group_size >= 0),
    ]
    for key in ("fp", "fn"):
        if costs is not None and key in costs:
            value = costs[key]
            finite = isinstance(value, (int, float)) and math.isfinite(value) and value >= 0
            checks.append((f"costs[{key!r}]", value, "a finite number >= 0", finite))
    for name, value, rule, ok in checks:
        if not ok:
            raise AuditInputError(BAD_SETTING.format(name=name, rule=rule, value=value))


def _check_intersections(
    counts: pd.DataFrame,
    groupings: Sequence[Sequence[str]],
    limit: int,
    file: str | None,
    what: str = "intersection",
) -> None:
    """Refuse a crossed grouping with more than `limit` groups present, before any per-group work."""
    for by in groupings:
        if len(set(by)) > 1:
            n = len(counts[list(dict.fromkeys(by))].drop_duplicates())
            check_group_count(n, name=" & ".join(by), file=file, limit=limit, what=what)


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
    group_curves: dict[str, dict[str, np.ndarray]] = {}  # the report draws them
    out = {
        "cost_fp": cost_fp,
        "cost_fn": cost_fn,
        "candidates": kind,
        "thresholds": curve["thresholds"],
        "overall_curve": curve["overall"],
        "overall": {"best_threshold": best_t, "best_cost": best_c, "cost_in_use": float(in_use(zero, 1)[0])},
        "groupings": groupings,
        "group_curves": group_curves,
    }
    for name in features:
        factor = data.factors[name]
        n = len(factor.levels)
        curves = thr.cost_curves(factor.codes, n, y, s, cost_fp=cost_fp, cost_fn=cost_fn, kind=kind)
        used = in_use(factor.codes, n)
        group_curves[name] = {level: curves["groups"][i] for i, level in enumerate(factor.levels)}
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
    max_groups: int = MAX_GROUPS,
    score_metrics: str = "exact",
    score_bins: int = SCORE_BINS,
) -> AuditResult:
    """Audit binary predictions for group disparities.

    Parameters
    ----------
    frame_or_counts : pandas.DataFrame, str, pathlib.Path, AuditData or WarehouseInput
        Predictions (one row per example), a CSV/parquet path, a counts table when `count`
        names its count column, or a warehouse table or query (`planner.audit.warehouse`), where
        the counts and the score histogram are computed.
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
    max_groups : int
        Most groups a feature, slice column or intersection may have (`MAX_GROUPS`); more raise
        `AuditInputError` before any per-group work.
    score_metrics : {"exact", "histogram"}
        Score metrics and cost curves from every row, or from the score histogram
        (`planner.audit.binned`), as a warehouse source always gives them.
    score_bins : int
        Bins of the score histogram (a multiple of 100).
    """
    features = list(sensitive_features)
    if intersections is None:
        intersections = [features] if len(features) > 1 else []
    groups = group_columns(features, intersections, slices)
    _check_settings(
        confidence_level=confidence_level,
        bootstrap_samples=bootstrap_samples,
        min_group_size=min_group_size,
        costs=costs,
    )
    if score_metrics not in SCORE_METHODS:
        raise AuditInputError(
            BAD_SETTING.format(name="score_metrics", rule=" or ".join(SCORE_METHODS), value=score_metrics)
        )
    if not (isinstance(score_bins, int) and score_bins >= 100 and score_bins % 100 == 0):
        raise AuditInputError(BAD_SETTING.format(name="score_bins", rule="a multiple of 100", value=score_bins))
    loaded = _load(
        frame_or_counts,
        label=label,
        prediction=prediction,
        score=score,
        groups=groups,
        features=features,
        positive_label=positive_label,
        threshold=threshold,
        count=count,
        engine=engine,
        max_groups=max_groups,
        score_bins=score_bins,
        ece_bins=ece_bins,
    )
    data, counts, missing = loaded.data, loaded.counts, loaded.missing
    cells = _score_cells(loaded, score_metrics, features, score_bins, ece_bins)
    if cells is not None and costs and threshold_candidates != thr.GRID:
        raise AuditInputError(
            BAD_SETTING.format(
                name="threshold_candidates", rule=f"{thr.GRID!r} on the histogram path", value=threshold_candidates
            ),
            hint="score quantiles need every row: use the exact path on a file",
        )
    source = str(frame_or_counts) if isinstance(frame_or_counts, (str, Path)) else None
    if isinstance(frame_or_counts, AuditData):
        source = frame_or_counts.source
    if isinstance(frame_or_counts, WarehouseInput):
        source = frame_or_counts.label
    _check_intersections(counts, intersections, max_groups, source)
    crossed = [[s, f] for s in slices for f in features]
    _check_intersections(counts, crossed, max_groups * SLICE_CELL_FACTOR, source, what="slice breakdown")
    scores = data.score if data is not None and cells is None else None
    has_scores = scores is not None or cells is not None
    if metrics is None:
        metrics = [m for m in ALL_METRICS if m in RATE_METRICS or has_scores or m not in SCORE_METRICS]
    metrics = _check_metrics(["count", "share", *metrics], has_scores)
    total = int(counts["count"].sum())
    score_order = np.argsort(scores, kind="stable") if scores is not None else None

    def scores_for(by: Sequence[str]) -> pd.DataFrame | None:
        if not any(m in SCORE_METRICS for m in metrics):
            return None
        if cells is not None:
            return binned.score_table(cells, by, metrics).drop(columns=[binned.AUC_ERROR], errors="ignore")
        if data is None or scores is None:
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
    slice_results = []
    for s in slices:
        for f in features:
            listed, found = reversals(counts, slice_column=s, feature=f, metrics=metrics, min_group_size=min_group_size)
            table = slice_table(counts, slice_column=s, feature=f, metrics=metrics)
            slice_results.append(
                {"slice_column": s, "feature": f, "table": table, "reversals": listed, "reversals_found": found}
            )
    thresholds: dict[str, Any] | None
    if costs and cells is not None:
        thresholds = binned.thresholds(cells, counts, features, costs)
    else:
        thresholds = (
            _thresholds(data, features, costs, threshold_candidates)
            if costs and data is not None and scores is not None
            else None
        )
    histograms = (
        binned.report_histograms(cells)
        if cells is not None
        else score_histograms(
            data.y_true,
            scores,
            {name: (data.factors[name].codes, list(data.factors[name].levels)) for name in features},
            ece_bins,
        )
        if data is not None and scores is not None
        else _duckdb_histograms(frame_or_counts, engine, count, label, score, features, positive_label, ece_bins)
    )
    settings = {
        "label": label,
        "prediction": prediction,
        "score": score,
        "positive_label": positive_label,
        "threshold": threshold,
        "threshold_agreement": loaded.pushed.agreement
        if loaded.pushed
        else threshold_agreement(data, threshold, prediction),
        "min_group_size": min_group_size,
        "confidence_level": confidence_level,
        "bootstrap_samples": bootstrap_samples,
        "seed": seed,
        "ece_binning": f"{ece_bins} equal-width bins on [0, 1]",
        "engine": frame_or_counts.source.scheme if isinstance(frame_or_counts, WarehouseInput) else engine,
        "bootstrap": "percentile, multinomial resampling of each group's cells (group sizes fixed)",
        "rate_intervals": "Wilson score",
    }
    if cells is not None:
        settings["score_metrics"] = {
            "method": "histogram",
            "roc_auc_error": binned.auc_errors(cells, [[f] for f in features] + [list(x) for x in intersections]),
            "sums": "scores and squared scores summed in fixed point, each truncated to a multiple of 2**-32",
        }
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
        missing=missing,
        counts=counts,
        score_histograms=histograms,
        settings=settings,
        source=loaded.pushed.provenance if loaded.pushed else None,
    )


def _score_cells(
    loaded: Loaded, method: str, features: list[str], bins: int, ece_bins: int
) -> binned.ScoreCells | None:
    """The score histogram the score metrics come from: a warehouse's, the rows' when the histogram
    method is asked for, else None (exact from rows, or no scores)."""
    if loaded.pushed is not None:
        return loaded.pushed.cells
    data = loaded.data
    if method != "histogram" or data is None or data.score is None:
        return None
    factors = {name: data.factors[name] for name in features}
    return binned.cells_from_rows(data.y_true, data.score, factors, bins=bins, ece_bins=ece_bins)


def _duckdb_histograms(
    source: Any,
    engine: str,
    count: str | None,
    label: str,
    score: str | None,
    features: list[str],
    positive_label: Any,
    ece_bins: int,
) -> dict | None:
    """The DuckDB engine counts the score histograms in SQL too (rows never reach pandas)."""
    if engine != "duckdb" or count is not None or score is None or not isinstance(source, (str, Path)):
        return None
    return duckdb_score_histograms(
        source, label=label, score=score, sensitive_features=features, positive_label=positive_label, ece_bins=ece_bins
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
