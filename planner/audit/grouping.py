"""Everything computed for one grouping: values, intervals, disparities, reference ratios.

A grouping is one sensitive feature, or several crossed (an intersection), or none (overall).
Its group values come from the shared counts table; score metrics, which need rows, come from
one vectorised pass over the grouping's combined codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from planner.audit.counts import group_index
from planner.audit.disparities import METHODS, Disaggregated
from planner.audit.inputs import AuditData
from planner.audit.intervals import bootstrap_disparities, bootstrap_to_reference, wilson_interval
from planner.audit.metrics import CELLS, RATE_METRICS, SCORE_METRICS, confusion_cells, metric_table, rate_fraction
from planner.audit.scores import brier_by_group, ece_by_group, roc_auc_by_group
from planner.spec.bias import NAMED_DISPARITIES, disparity_definition

NO_SCORES = "score metrics need rows with scores"
# Per-group score arrays are indexed by grid position up to this many slots, else by present group.
_MAX_DENSE_GROUPS = 1 << 16


@dataclass
class GroupingResult:
    """One grouping's results; `disaggregated` is the object every disparity comes from."""

    name: str
    by: tuple[str, ...]
    cells: pd.DataFrame
    disaggregated: Disaggregated
    intervals: dict[str, pd.DataFrame]
    disparities: dict[str, dict[str, tuple[float, tuple[float, float] | None]]]
    reference: Any = None
    reference_ratios: dict[str, pd.Series] = field(default_factory=dict)
    reference_given: bool = False
    """Whether `reference` was configured (`reference_groups`) rather than the largest group."""
    reference_disparities: dict[str, pd.DataFrame] = field(default_factory=dict)
    """``<rate>_difference`` / ``_ratio`` name -> per group (value, low, high) against the
    configured reference: group - reference, group / reference (Aequitas' disparity)."""


def grouping_name(by: Sequence[str]) -> str:
    """Display name of a grouping: ``sex`` or ``sex & race``; ``overall`` for none."""
    return " & ".join(by) if by else "overall"


def score_table(
    data: AuditData, by: Sequence[str], metrics: Sequence[str], *, ece_bins: int, score_order: np.ndarray | None
) -> pd.DataFrame:
    """Score metrics per group of `by` (index like `confusion_cells`), from rows."""
    factors = [data.factors[name] for name in by]
    code, n_groups, parts = group_index(factors, data.n_rows, _MAX_DENSE_GROUPS)
    y, s = data.y_true, data.score
    if s is None:
        raise ValueError(NO_SCORES)
    funcs = {
        "roc_auc": lambda: roc_auc_by_group(code, n_groups, y, s, score_order),
        "brier_score": lambda: brier_by_group(code, n_groups, y, s),
        "expected_calibration_error": lambda: ece_by_group(code, n_groups, y, s, ece_bins),
    }
    present = np.flatnonzero(np.bincount(code, minlength=n_groups))
    table = pd.DataFrame({m: funcs[m]()[present] for m in metrics if m in SCORE_METRICS})
    if not by:
        return table.set_axis(["overall"])
    keys = {name: np.asarray(f.levels, dtype=object)[idx] for name, f, idx in zip(by, factors, parts, strict=True)}
    return table.set_index(
        pd.MultiIndex.from_arrays(list(keys.values()), names=list(by))
        if len(by) > 1
        else pd.Index(keys[by[0]], name=by[0])
    )


def rate_intervals(cells: pd.DataFrame, metrics: Sequence[str], confidence_level: float) -> dict[str, pd.DataFrame]:
    """Wilson interval (low, high) of each rate metric for each row of a cells frame."""
    array = cells[list(CELLS)].to_numpy()
    out = {}
    for metric in metrics:
        if metric in RATE_METRICS:
            low, high = wilson_interval(*rate_fraction(array, metric), confidence_level)
            out[metric] = pd.DataFrame({"low": low, "high": high}, index=cells.index)
    return out


def build_grouping(
    counts: pd.DataFrame,
    by: Sequence[str],
    *,
    total: int,
    metrics: Sequence[str],
    overall: pd.Series,
    scores: pd.DataFrame | None,
    min_group_size: int,
    confidence_level: float,
    disparity_names: Sequence[str],
    bootstrap_samples: int,
    seed: Sequence[int],
    reference: Any,
) -> GroupingResult:
    """Compute one grouping's values, Wilson intervals, disparities (with bootstrap) and ratios."""
    cells = confusion_cells(counts, by)
    values = metric_table(cells, ["count", "share", *metrics], total)
    if scores is not None:
        values = values.join(scores)
    values = values.loc[:, ~values.columns.duplicated()]
    eligible = values["count"] >= min_group_size
    disagg = Disaggregated(tuple(by), values, overall, eligible)
    names = [n for n in disparity_names if all(m in values for m in disparity_definition(n)[0])]
    bounds = {}
    if bootstrap_samples > 0 and names:
        bounds = bootstrap_disparities(
            cells[list(CELLS)].to_numpy(),
            eligible.to_numpy(),
            names,
            methods=METHODS,
            samples=bootstrap_samples,
            confidence_level=confidence_level,
            seed=seed,
        )
    disparities = {n: {m: (disagg.disparity(n, m), bounds.get((n, m))) for m in METHODS} for n in names}
    given = reference is not None
    reference = disagg.largest_group() if reference is None else reference
    ratios = {m: disagg.to_reference(m, reference)["ratio"] for m in metrics if m in RATE_METRICS}
    to_reference = {}
    if given:
        position = list(values.index).index(reference)
        for name in (n for n in names if n not in NAMED_DISPARITIES):
            (metric,), kind = disparity_definition(name)
            table = disagg.to_reference(metric, reference)[[kind]].rename(columns={kind: "value"})
            low, high = bootstrap_to_reference(
                cells[list(CELLS)].to_numpy(),
                metric,
                kind,
                position,
                samples=bootstrap_samples,
                confidence_level=confidence_level,
                seed=seed,
            )
            to_reference[name] = table.assign(low=low, high=high)
    return GroupingResult(
        grouping_name(by),
        tuple(by),
        cells,
        disagg,
        rate_intervals(cells, metrics, confidence_level),
        disparities,
        reference,
        ratios,
        given,
        to_reference,
    )
