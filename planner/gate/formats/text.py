"""What a terminal shows: the verdict with its counts, failing items, then waived ones, then how
many pass; expired waivers and stale sign-offs are called out last.

On an interactive terminal (`context.interactive`) the items are tables as wide as the terminal;
anywhere else (a pipe, a file, a CI log) each item is one line, `STATUS  id  requirement
file:line  why`, so an id or a `file:line` is never split and copies whole.

Spec text reaches the terminal inert: no control characters (escape sequences), and never read
as rich markup (it is passed as `Text`, not as a markup string).
"""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from planner.gate.decision import Decision
from planner.gate.formats.base import OutputContext, StrPath
from planner.gate.formats.shared import VERDICTS, counts, counts_line, expired_waivers, stale_signoffs, where
from planner.gate.item import FAIL, PASS, WAIVED, GateItem
from planner.text import inert, terminal


def _items_table(title: str, items: list[GateItem], style: str, root: StrPath) -> Table:
    table = Table(title=title, title_justify="left", title_style=style, expand=False)
    for column in ("id", "requirement", "why", "where"):
        table.add_column(column, no_wrap=column in ("id", "requirement"), overflow="fold")
    for item in items:
        table.add_row(terminal(item.id), item.requirement, terminal(item.why), terminal(where(item, root)))
    return table


def _item_line(item: GateItem, root: StrPath) -> str:
    fields = (item.status.upper(), item.id, item.requirement, where(item, root), item.why)
    return "  ".join(inert(field) for field in fields if field)


def _lines(decision: Decision, context: OutputContext) -> str:
    root = context.root
    verdict, _, _ = VERDICTS[decision.passed]
    lines = [f"{verdict} {inert(context.project_name)}: {counts_line(decision)}"]
    for status in (FAIL, WAIVED):
        lines += [_item_line(item, root) for item in decision.items if item.status == status]
    passing = counts(decision)[PASS]
    lines.append(f"{passing} passing item{'s' * (passing != 1)}.")
    for title, callouts in (
        ("Expired waivers", expired_waivers(decision, root)),
        ("Stale sign-offs", stale_signoffs(decision, root)),
    ):
        if callouts:
            lines += [title, *(f"  {inert(line)}" for line in callouts)]
    return "".join(line.rstrip() + "\n" for line in lines)


def render(decision: Decision, context: OutputContext) -> str:
    """The terminal text, paths relative to `context.root`: tables `context.width` columns wide
    when `context.interactive`, else one line per item."""
    if not context.interactive:
        return _lines(decision, context)
    root = context.root
    console = Console(file=io.StringIO(), record=True, width=context.width, color_system=None)
    verdict, style, _ = VERDICTS[decision.passed]
    console.print(Text.assemble((verdict, style), " ", terminal(context.project_name), f": {counts_line(decision)}"))
    for status, title, table_style in ((FAIL, "Failing", "bold red"), (WAIVED, "Waived", "yellow")):
        items = [item for item in decision.items if item.status == status]
        if items:
            console.print(_items_table(f"{title} ({len(items)})", items, table_style, root))
    passing = counts(decision)[PASS]
    console.print(f"{passing} passing item{'s' * (passing != 1)}.")
    for title, lines in (
        ("Expired waivers", expired_waivers(decision, root)),
        ("Stale sign-offs", stale_signoffs(decision, root)),
    ):
        if lines:
            console.print(Text(title, style="yellow"))
            for line in lines:
                console.print(Text("  ") + terminal(line))
    return "".join(line.rstrip() + "\n" for line in console.export_text().splitlines())
