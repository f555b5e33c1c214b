"""Bias audits: group metrics, disparities, intervals and findings from binary predictions.

Concepts
--------
- One grouped count: every confusion-matrix metric follows from the counts of
  (group..., label, prediction) cells, counted once (`count_cells`, or DuckDB over parquet).
- A grouping is a sensitive feature or an intersection of several; `Disaggregated` holds its
  per-group values and derives every disparity (difference, ratio, to a reference group).
- Uncertainty: Wilson intervals for group rates; a seeded bootstrap of the cell counts for
  disparities. Groups smaller than ``min_group_size`` are "insufficient data".
- Limits become findings (pass / fail / insufficient-data); ``confident`` limits judge the
  interval bound instead of the point estimate.

This package does not know the YAML spec; `run_audit` takes keyword arguments only.
"""

from importlib import import_module
from typing import Any

# Names resolve on first use (PEP 562), so `planner.audit.findings` can be imported without pandas:
# the audit cache rebuilds findings in processes (the gate) that must not load the engine.
_WHERE = {
    "count_cells": "counts",
    "prepare_counts": "counts",
    "read_counts": "counts",
    "NAMED_DISPARITIES": "disparities",
    "Disaggregated": "disparities",
    "AuditInputError": "errors",
    "Finding": "findings",
    "Limit": "findings",
    "AuditData": "inputs",
    "prepare_predictions": "inputs",
    "read_predictions": "inputs",
    "bootstrap_disparities": "intervals",
    "wilson_interval": "intervals",
    "ALL_METRICS": "metrics",
    "RATE_METRICS": "metrics",
    "SCORE_METRICS": "metrics",
    "AuditResult": "result",
    "run_audit": "run",
    "duckdb_cell_counts": "sql",
    "emitted_counts": "pushdown",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'planner.audit' has no attribute {name!r}")
    return getattr(import_module(f"planner.audit.{_WHERE[name]}"), name)


__all__ = [
    "ALL_METRICS",
    "NAMED_DISPARITIES",
    "RATE_METRICS",
    "SCORE_METRICS",
    "AuditData",
    "AuditInputError",
    "AuditResult",
    "Disaggregated",
    "Finding",
    "Limit",
    "bootstrap_disparities",
    "count_cells",
    "duckdb_cell_counts",
    "emitted_counts",
    "prepare_counts",
    "prepare_predictions",
    "read_counts",
    "read_predictions",
    "run_audit",
    "wilson_interval",
]
