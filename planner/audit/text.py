"""Terminal rendering of audit results (rich tables): groups with intervals, disparities, limits.

Group names come from the predictions file and titles, ids and feature names from the spec: all
of them reach the console as `planner.text.terminal` text, without control characters and never
read as rich markup (a group named `[/]` would raise `MarkupError`, `[link=...]` print a link).
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from planner.audit.project import FAIL, ProjectAudit
from planner.numbers import estimate
from planner.text import terminal
from planner.vocab import tone_of

SHOWN = {
    "selection_rate": "selection",
    "accuracy": "accuracy",
    "true_positive_rate": "TPR",
    "false_positive_rate": "FPR",
    "precision": "precision",
}


def _value(metric: dict | None) -> str:
    if not metric or metric["undefined"]:
        return "undefined"
    return estimate(metric["value"], metric.get("interval"))


def _groups_table(grouping: dict) -> Table:
    table = Table(title=terminal(f"by {grouping['name']}"), title_justify="left")
    for column in ("group", "count", *SHOWN.values()):
        table.add_column(column, justify="left" if column == "group" else "right")
    for group in grouping["groups"]:
        label = (
            " & ".join(str(v) for v in group["group"].values())
            if isinstance(group["group"], dict)
            else str(group["group"])
        )
        if not group["sufficient"]:
            label += " (insufficient data)"
        table.add_row(
            terminal(label),
            terminal(group["count"]),
            *(terminal(_value(group["metrics"].get(m))) for m in SHOWN),
            style=None if group["sufficient"] else "dim",
        )
    return table


def _limits_table(audit: ProjectAudit) -> Table:
    table = Table(title="limits", title_justify="left")
    for column in ("id", "limit", "observed", "status"):
        table.add_column(column, no_wrap=column in ("id", "status"))
    for limit in audit.limits:
        observed = ", ".join(
            f"{f.grouping}={f.observed:.3f}" for f in limit.findings if f.observed is not None and f.status == FAIL
        ) or ", ".join(f"{f.grouping}={f.observed:.3f}" for f in limit.findings[:3] if f.observed is not None)
        rule = f"{limit.metric} {limit.op} {limit.value:g}" + (" (confident)" if limit.confident else "")
        table.add_row(
            terminal(limit.id),
            terminal(rule),
            terminal(observed or "-"),
            terminal(limit.status, tone_of(limit.status).rich_style),
        )
    return table


def print_audits(audits: list[ProjectAudit], console: Console | None = None) -> None:
    console = console or Console()
    for audit in audits:
        data = audit.to_dict()
        console.rule(terminal(f"{audit.spec.id}: {audit.spec.title or audit.spec.predictions}"))
        missing = sum(data["missing"].values()) if isinstance(data["missing"], dict) else data["missing"]
        console.print(
            terminal(f"rows used: {data['rows']:,} (missing sensitive values kept as group 'missing': {missing})")
        )
        for grouping in data["groupings"]:
            console.print(_groups_table(grouping))
        if audit.limits:
            console.print(_limits_table(audit))
        console.print(Text.assemble("status: ", terminal(audit.status, tone_of(audit.status).rich_style)))
