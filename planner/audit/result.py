"""`AuditResult`: the computed audit, and its plain-data form for JSON, reports and gates.

Why a separate plain form: downstream code (templates, the release gate, JSON output) must not
depend on pandas objects, and JSON has no NaN. Every undefined value becomes None with
``"undefined": true`` beside it, so "0" always means zero and never "could not compute".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from planner.audit.disparities import FOUR_FIFTHS
from planner.audit.findings import Finding
from planner.audit.grouping import GroupingResult
from planner.audit.judge import group_key
from planner.audit.metrics import CELLS


def plain(value: Any) -> Any:
    """Recursively turn numpy/pandas scalars and containers into JSON-safe Python; NaN -> None."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(v) for v in value]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if value is pd.NA or value is None:
        return None
    return value


def _metric(value: float, interval: tuple[float, float] | None = None, **extra: Any) -> dict:
    out = {
        "value": plain(value),
        "undefined": plain(value) is None,
        "interval": plain(list(interval)) if interval is not None else None,
    }
    out.update({k: plain(v) for k, v in extra.items()})
    if out["interval"] is not None and None in out["interval"]:
        out["interval"] = None
    return out


def _group_dict(g: GroupingResult, group: Any) -> dict:
    d = g.disaggregated
    row = d.by_group.loc[group]
    metrics = {}
    for name in d.by_group.columns.drop(["count", "share"]):
        bounds = g.intervals.get(name)
        interval = tuple(bounds.loc[group, ["low", "high"]]) if bounds is not None else None
        extra = {"reference_ratio": g.reference_ratios[name].loc[group]} if name in g.reference_ratios else {}
        metrics[name] = _metric(row[name], interval, **extra)
    return {
        "group": group_key(g.by, group),
        "count": int(row["count"]),
        "share": plain(row["share"]),
        "sufficient": bool(d.eligible.loc[group]),
        "cells": {c: int(g.cells.loc[group, c]) for c in CELLS},
        "metrics": metrics,
    }


def _grouping_dict(g: GroupingResult) -> dict:
    disparities = {
        name: {method: _metric(value, interval) for method, (value, interval) in by_method.items()}
        for name, by_method in g.disparities.items()
    }
    dp = g.disparities.get("demographic_parity_ratio", {}).get("between_groups", (math.nan, None))[0]
    return {
        "name": g.name,
        "features": list(g.by),
        "reference": group_key(g.by, g.reference),
        "groups": [_group_dict(g, group) for group in g.disaggregated.by_group.index],
        "insufficient_groups": [group_key(g.by, k) for k, ok in g.disaggregated.eligible.items() if not ok],
        "disparities": disparities,
        "four_fifths_rule": {"ratio": plain(dp), "passed": bool(dp >= FOUR_FIFTHS) if math.isfinite(dp) else None},
    }


@dataclass
class AuditResult:
    """Everything `run_audit` computed. Use `to_dict` for plain, JSON-safe data."""

    rows: int
    metrics: list[str]
    overall: pd.Series
    overall_cells: pd.DataFrame
    groupings: list[GroupingResult]
    findings: list[Finding]
    slices: list[dict]
    thresholds: dict | None
    baselines: dict
    missing: dict[str, int]
    counts: pd.DataFrame
    overall_intervals: dict[str, pd.DataFrame] = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    score_histograms: dict | None = None  # `planner.audit.histograms`: the report's curves
    source: dict | None = None
    """A warehouse audit's provenance (`planner.audit.warehouse`): connection without credentials,
    table or query, filter, rows, rows brought back and their digest, the engine's snapshot id."""

    def grouping(self, name: str) -> GroupingResult:
        """The grouping named `name` (``sex`` or ``sex & race``)."""
        return next(g for g in self.groupings if g.name == name)

    @property
    def status(self) -> str:
        """fail if any finding fails, else insufficient-data if any is, else pass."""
        statuses = {f.status for f in self.findings}
        return next((s for s in ("fail", "insufficient-data") if s in statuses), "pass")

    def _overall_interval(self, metric: str) -> tuple[float, float] | None:
        bounds = self.overall_intervals.get(metric)
        return None if bounds is None else tuple(bounds.iloc[0][["low", "high"]])

    def to_dict(self) -> dict:
        """Plain data (dicts, lists, str, int, float, bool, None); no NaN anywhere."""
        cells = self.overall_cells.iloc[0]
        return plain(
            {
                "status": self.status,
                "rows": self.rows,
                "settings": self.settings,
                "missing": self.missing,
                "overall": {
                    "count": self.rows,
                    "cells": {c: int(cells[c]) for c in CELLS},
                    "metrics": {
                        m: _metric(v, self._overall_interval(str(m)))
                        for m, v in self.overall.drop(["count", "share"]).items()
                    },
                },
                "groupings": [_grouping_dict(g) for g in self.groupings],
                "findings": [f.to_dict() for f in self.findings],
                "slices": [
                    {
                        "slice_column": s["slice_column"],
                        "feature": s["feature"],
                        "groups": [
                            {"slice": str(k[0]), "group": str(k[1]), "metrics": {m: plain(v) for m, v in row.items()}}
                            for k, row in s["table"].iterrows()
                        ],
                        "reversals": s["reversals"],
                        "reversals_found": s["reversals_found"],  # more than listed past MAX_REVERSALS
                    }
                    for s in self.slices
                ],
                "thresholds": self.thresholds,
                "baselines": self.baselines,
                "score_histograms": self.score_histograms,
            }
            | ({"source": self.source} if self.source is not None else {})
        )
