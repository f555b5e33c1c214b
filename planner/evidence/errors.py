"""The diagnostics evidence readers raise: codes and message texts in one place (tests assert them)."""

from __future__ import annotations

from pathlib import Path

from planner.errors import Diagnostic, PlannerError

MISSING = "evidence-missing"
OUTSIDE = "evidence-outside"
UNREADABLE = "evidence-unreadable"
BAD_JSON = "evidence-json"
BAD_CSV = "evidence-csv"
BAD_METRIC_LINE = "evidence-metric-line"
NOT_NUMERIC = "evidence-not-numeric"
BAD_META = "evidence-meta"
NO_EXPERIMENT = "evidence-no-experiment"
NO_RUN_ID = "evidence-no-run-id"
DUPLICATE_RUN = "evidence-duplicate-run"
BAD_WANDB_LOG = "evidence-wandb-log"
NO_CLIENT = "evidence-no-client"
TRACKING = "evidence-tracking"
NO_CANDIDATE = "candidate-none"
AMBIGUOUS_CANDIDATE = "candidate-ambiguous"


def display(path: Path, root: Path | None = None) -> str:
    """A path as diagnostics show it: relative to the project folder when inside it."""
    if root is not None and path.is_relative_to(root):
        return path.relative_to(root).as_posix()
    return path.as_posix()


def error(
    code: str, message: str, file: str = "", line: int = 0, column: int = 0, *, hint: str = "", breadcrumb: str = ""
) -> PlannerError:
    return PlannerError([Diagnostic(code, message, file, line, column, hint=hint, breadcrumb=breadcrumb)])
