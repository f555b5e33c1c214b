"""GitHub Actions annotations (workflow commands), one line each: an `error` per failing item, a
`notice` per waived item, a `warning` per expired waiver and, when the context has `today`, per
waiver expiring within 14 days of it (the Decision does not carry its date).

Spec text is escaped as GitHub's toolkit does (`planner.text.escape_data`, `escape_property`):
it can neither end a property nor start a new command.
"""

from __future__ import annotations

import datetime

from planner.gate.decision import Decision
from planner.gate.formats.base import OutputContext, StrPath
from planner.gate.formats.shared import repo_path
from planner.gate.item import FAIL, WAIVED
from planner.text import escape_data, escape_property

EXPIRY_WARNING_DAYS = 14


def command(kind: str, message: str, *, file: str = "", line: int = 0, title: str = "") -> str:
    """One workflow command (`error`, `warning`, `notice`) with its non-empty properties."""
    properties = [
        (name, value)
        for name, value in (("file", file), ("line", str(line) if line else ""), ("title", title))
        if value
    ]
    listed = ",".join(f"{name}={escape_property(value)}" for name, value in properties)
    return f"::{kind}{' ' + listed if listed else ''}::{escape_data(message)}"


def _waiver_warnings(decision: Decision, today: datetime.date | None, root: StrPath) -> list[str]:
    lines = []
    for waiver in decision.waivers:
        days = (waiver.expires - today).days if today else None
        if waiver.expired:
            message = f"the waiver of {waiver.item} expired on {waiver.expires.isoformat()}: it waives nothing"
        elif days is not None and days <= EXPIRY_WARNING_DAYS:
            message = f"the waiver of {waiver.item} expires on {waiver.expires.isoformat()}, in {days} days"
        else:
            continue
        lines.append(
            command(
                "warning",
                message,
                file=repo_path(waiver.file, root),
                line=waiver.line,
                title=f"planner gate: waiver of {waiver.item}",
            )
        )
    return lines


def render(decision: Decision, context: OutputContext) -> str:
    """The annotations, paths relative to `context.root`."""
    kinds: dict[str, str] = {FAIL: "error", WAIVED: "notice"}
    lines = [
        command(
            kinds[item.status],
            item.why,
            file=repo_path(item.file, context.root),
            line=item.line,
            title=f"{item.id}: {item.title}",
        )
        for item in decision.items
        if item.status in kinds
    ]
    lines += _waiver_warnings(decision, context.today, context.root)
    return "".join(line + "\n" for line in lines)
