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

from planner.audit.counts import count_cells, prepare_counts, read_counts
from planner.audit.disparities import NAMED_DISPARITIES, Disaggregated
from planner.audit.errors import AuditInputError
from planner.audit.findings import Finding, Limit
from planner.audit.inputs import AuditData, prepare_predictions, read_predictions
from planner.audit.intervals import bootstrap_disparities, wilson_interval
from planner.audit.metrics import ALL_METRICS, RATE_METRICS, SCORE_METRICS
from planner.audit.result import AuditResult
from planner.audit.run import run_audit
from planner.audit.sql import duckdb_cell_counts, grouped_count_sql

__all__ = [
    "ALL_METRICS", "NAMED_DISPARITIES", "RATE_METRICS", "SCORE_METRICS",
    "AuditData", "AuditInputError", "AuditResult", "Disaggregated", "Finding", "Limit",
    "bootstrap_disparities", "count_cells", "duckdb_cell_counts", "grouped_count_sql",
    "prepare_counts", "prepare_predictions", "read_counts", "read_predictions", "run_audit",
    "wilson_interval",
]
