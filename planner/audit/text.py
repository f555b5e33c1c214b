"""Terminal rendering of audit results (rich tables): groups with intervals, disparities, limits.

Group names come from the predictions file and titles, ids and feature names from the spec: all
of them reach the console as `planner.text.terminal` text, without control characters and never
read as rich markup (a group named `[/]` would raise `MarkupError`, `[link=...]` print a link).
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from planner.audit.findings import INSUFFICIENT, Finding, finding_label, judged_text
from planner.audit.project import ProjectAudit
from planner.numbers import count, estimate, interval, measured, quantity
from planner.spec.bias import MISSING_GROUP
from planner.text import terminal
from planner.vocab import tone_of

SHOWN = {
    "selection_rate": "selection",
    "accuracy": "accuracy",
    "true_positive_rate": "TPR",
    "false_positive_rate": "FPR",
    "precision": "precision",
}


def _value(metric: dict | None) -> Text:
    """A group's metric: the value, and its interval on a line of its own (never split inside)."""
    if not metric or metric["undefined"]:
        return Text("undefined")
    shown = terminal(measured(metric["value"]))
    if metric.get("interval"):
        shown.append("\n").append_text(terminal(interval(metric["interval"])))
    return shown


# the widest cell of a metric column (`[0.335, 0.559]`) and the cell padding and border around it
METRIC_WIDTH = len("[0.000, 0.000]") + 3


def _group_label(group: dict) -> str:
    label = (
        " & ".join(str(v) for v in group["group"].values()) if isinstance(group["group"], dict) else str(group["group"])
    )
    return label + ("" if group["sufficient"] else " (insufficient data)")


def _groups_table(grouping: dict, width: int) -> Table:
    """A grouping's metrics, one column each (the value above its interval) when the console is
    wide enough, else one row per group and metric: numbers never wrap, since an interval split
    as `[0.335,` / `0.559]` reads as two values."""
    labels = [_group_label(group) for group in grouping["groups"]]
    wide = max(map(len, labels), default=5) + len("count") + 7 + METRIC_WIDTH * len(SHOWN) <= width
    table = Table(title=terminal(f"by {grouping['name']}"), title_justify="left")
    table.add_column("group", overflow="fold")
    table.add_column("count", justify="right", no_wrap=True)
    for column in SHOWN.values() if wide else ("metric", "value"):
        table.add_column(column, justify="right" if wide else "left", no_wrap=True)
    for group, label in zip(grouping["groups"], labels, strict=True):
        style = None if group["sufficient"] else "dim"
        if wide:
            cells = [_value(group["metrics"].get(m)) for m in SHOWN]
            table.add_row(terminal(label), terminal(count(group["count"])), *cells, style=style)
            continue
        for index, (metric, name) in enumerate(SHOWN.items()):
            first = index == 0
            value = group["metrics"].get(metric)
            shown = "undefined" if not value or value["undefined"] else estimate(value["value"], value.get("interval"))
            table.add_row(
                terminal(label if first else ""),
                terminal(count(group["count"]) if first else ""),
                terminal(name),
                terminal(shown),
                style=style,
                end_section=index == len(SHOWN) - 1,
            )
    return table


def _finding_line(finding: Finding) -> str:
    """``age_band=40-49: upper 0.112 > 0.1 fail``: the group (or grouping), what was judged, the outcome."""
    judged = judged_text(finding)
    status = "" if finding.status == INSUFFICIENT else f" {finding.status}"
    return f"{finding_label(finding)}: {judged}{status}"


def _limits_table(audit: ProjectAudit) -> Table:
    table = Table(title="limits", title_justify="left")
    for column in ("id", "limit", "observed", "status"):
        table.add_column(column, no_wrap=column in ("id", "status"), overflow="fold")  # never cut to "…"
    for limit in audit.limits:
        observed = "\n".join(_finding_line(f) for f in limit.findings)
        rule = f"{limit.metric} {limit.op} {quantity(limit.value)}" + (" (confident)" if limit.confident else "")
        table.add_row(
            terminal(limit.id),
            terminal(rule),
            terminal(observed or "-"),
            terminal(limit.status, tone_of(limit.status).rich_style),
        )
    return table


def paradox_lines(slices: list[dict]) -> list[str]:
    """One sentence per Simpson's paradox, with the number of slices it was found in."""
    return [
        f"Simpson's paradox: {r['metric']} by {r['feature']} across {r['slice_column']}: "
        f"{r['overall_order']} overall, reversed in all {r['compared_slices']} compared slices"
        for entry in slices
        for r in entry["reversals"]
        if r["simpsons_paradox"]
    ]


def source_lines(data: dict) -> list[str]:
    """Where a warehouse audit counted, what came back, and how exact its score metrics are."""
    lines = []
    source = data.get("source")
    if source:
        what = f"table {source['table']}" if source.get("table") else "a query"
        snapshot = source.get("snapshot")
        version = f", snapshot {snapshot['kind']} {str(snapshot['value'])[:12]}" if snapshot else ", no snapshot id"
        lines.append(
            f"counted in {source['engine']} ({source['connection']}, {what}"
            + (f" where {source['where']}" if source.get("where") else "")
            + f"{version}): {count(source['rows_returned'])} rows brought back"
        )
    method = data["settings"].get("score_metrics")
    if method:
        error = method["roc_auc_error"]
        lines.append(
            f"score metrics from a {error['bins']}-bin score histogram: ROC AUC within "
            f"{quantity(error['largest'])} of the exact value in every group (overall {quantity(error['overall'])}); "
            "Brier score and calibration error exact to 1e-9"
        )
    return lines


def print_audits(audits: list[ProjectAudit], console: Console | None = None) -> None:
    console = console or Console()
    for audit in audits:
        data = audit.to_dict()
        console.rule(terminal(f"{audit.spec.id}: {audit.spec.title or audit.spec.source_label}"))
        missing = sum(data["missing"].values()) if isinstance(data["missing"], dict) else data["missing"]
        console.print(
            terminal(
                f"rows used: {count(data['rows'])} (missing sensitive values kept as group {MISSING_GROUP!r}: {count(missing)})"
            )
        )
        for line in source_lines(data):
            console.print(terminal(line))
        for grouping in data["groupings"]:
            console.print(_groups_table(grouping, console.width))
        for line in paradox_lines(data["slices"]):
            console.print(terminal(line))
        if audit.limits:
            console.print(_limits_table(audit))
        console.print(Text.assemble("status: ", terminal(audit.status, tone_of(audit.status).rich_style)))
