"""Every output of `planner gate`: a pure function from a `Decision` to text.

- `render_text`: what a terminal shows.
- `render_json`: the Decision as versioned JSON, for scripts.
- `render_markdown_summary`: a job summary for `$GITHUB_STEP_SUMMARY`.
- `render_junit`, `render_sarif`, `render_github` (in `ci_formats`): JUnit XML, SARIF 2.1.0 and
  GitHub Actions annotations.

Spec text is user input: the terminal gets no control characters (escape sequences) nor rich
markup, and Markdown gets one line per cell with nothing that could end the cell or inject HTML.
"""

from __future__ import annotations

import io
import json

from rich.console import Console
from rich.table import Table
from rich.text import Text

from planner.text import TERMINAL_CONTROL
from planner.text import escape_inline
from planner.gate.ci_formats import counts, render_github, render_junit, render_sarif, repo_path
from planner.gate.decision import Decision
from planner.gate.item import FAIL, PASS, WAIVED, GateItem

__all__ = ["render_text", "render_json", "render_markdown_summary", "render_junit", "render_sarif",
           "render_github", "SCHEMA_VERSION"]

SCHEMA_VERSION = 1
VERDICTS = {True: ("PASS", "bold green", "✅"), False: ("BLOCKED", "bold red", "❌")}


def _counts_line(decision: Decision) -> str:
    total = counts(decision)
    return f"{total[FAIL]} failing, {total[WAIVED]} waived, {total[PASS]} passing"


def _where(located, root) -> str:
    """`file:line` of an item, waiver or sign-off, the file relative to `root`."""
    file = repo_path(located.file, root)
    return f"{file}:{located.line}" if file and located.line else file


def _expired_waivers(decision: Decision, root) -> list[str]:
    return [f"the waiver of {w.item} ({w.approver}) expired on {w.expires.isoformat()}, at {_where(w, root)}"
            for w in decision.waivers if w.expired]


def _stale_signoffs(decision: Decision, root) -> list[str]:
    return [f"the sign-off by the {s.role}: {s.why}, at {_where(s, root)}" for s in decision.signoffs if not s.valid]


# Terminal


def _inert(value) -> str:
    """User text without control characters, which start terminal escape sequences."""
    return TERMINAL_CONTROL.sub(" ", str(value))


def _plain(value) -> Text:
    """User text as inert terminal text: no escape sequences, no rich markup."""
    return Text(_inert(value))


def _items_table(title: str, items: list[GateItem], style: str, root) -> Table:
    table = Table(title=title, title_justify="left", title_style=style, expand=False)
    for column in ("id", "requirement", "why", "where"):
        table.add_column(column, no_wrap=column in ("id", "requirement"), overflow="fold")
    for item in items:
        table.add_row(_plain(item.id), item.requirement, _plain(item.why), _plain(_where(item, root)))
    return table


def render_text(decision: Decision, project_name: str, *, width: int = 100, root=None) -> str:
    """The verdict with its counts, failing items, then waived ones, then how many pass; expired
    waivers and stale sign-offs are called out last. Paths are relative to `root` (default: the
    current directory)."""
    console = Console(file=io.StringIO(), record=True, width=width, color_system=None)
    verdict, style, _ = VERDICTS[decision.passed]
    console.print(Text.assemble((verdict, style), " ", _plain(project_name), f": {_counts_line(decision)}"))
    for status, title, table_style in ((FAIL, "Failing", "bold red"), (WAIVED, "Waived", "yellow")):
        items = [item for item in decision.items if item.status == status]
        if items:
            console.print(_items_table(f"{title} ({len(items)})", items, table_style, root))
    passing = counts(decision)[PASS]
    console.print(f"{passing} passing item{'s' * (passing != 1)}.")
    for title, lines in (("Expired waivers", _expired_waivers(decision, root)),
                         ("Stale sign-offs", _stale_signoffs(decision, root))):
        if lines:
            console.print(Text(title, style="yellow"))
            for line in lines:
                console.print(Text("  ") + _plain(line))
    return "".join(line.rstrip() + "\n" for line in console.export_text().splitlines())


# JSON


def render_json(decision: Decision) -> str:
    """The Decision as JSON: `schema_version` (1; raised on any incompatible change), `passed`,
    `counts`, `items`, `waivers` and `signoffs` as in `Decision.to_dict`.

    `planner gate` exits 0 when `passed` is true, 1 when the release is blocked, and 2 when it
    could not decide (an invalid project). A NaN cannot be written: it raises ValueError.
    """
    data = {"schema_version": SCHEMA_VERSION, **decision.to_dict()}
    return json.dumps(data, indent=2, allow_nan=False, sort_keys=False) + "\n"


# Markdown job summary


def _md(value) -> str:
    return escape_inline(_inert(value))


def _table(header: tuple[str, ...], rows: list[tuple]) -> list[str]:
    lines = [f"| {' | '.join(header)} |", f"|{'---|' * len(header)}"]
    return lines + [f"| {' | '.join(_md(cell) for cell in row)} |" for row in rows] + [""]


def _signoff_rows(decision: Decision) -> list[tuple]:
    return [(item.id.removeprefix("signoff:"), "valid" if item.status == PASS else item.status, item.why)
            for item in decision.items if item.requirement == "signoffs"]


def render_markdown_summary(decision: Decision, project_name: str, *, root=None) -> str:
    """A GitHub job summary: the verdict, failing items, waived items, then required sign-offs.
    Paths are relative to `root` (default: the current directory), as in the annotations."""
    verdict, _, icon = VERDICTS[decision.passed]
    lines = [f"## {icon} planner gate: {verdict}: {_md(project_name)}", "",
             f"{_counts_line(decision)}.", ""]
    failing = [item for item in decision.items if item.status == FAIL]
    if failing:
        lines += ["### Failing", ""] + _table(("Item", "Requirement", "Why", "Where"), [
            (i.id, i.requirement, i.why, _where(i, root)) for i in failing])
    waived = [item for item in decision.items if item.status == WAIVED]
    if waived:
        lines += ["### Waived", ""] + _table(("Item", "Requirement", "Why", "Reason"), [
            (i.id, i.requirement, i.why, i.waiver["reason"]) for i in waived])
    signoffs = _signoff_rows(decision)
    if signoffs:
        lines += ["### Sign-offs", ""] + _table(("Role", "Status", "Why"), signoffs)
    notes = _expired_waivers(decision, root) + _stale_signoffs(decision, root)
    if notes:
        lines += ["### Attention", ""] + [f"- Note: {_md(note)}" for note in notes] + [""]
    return "\n".join(lines)
