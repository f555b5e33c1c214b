"""Renderings of a ProjectDiff: plain text for a terminal, Markdown for a pull-request comment, JSON.

Values come from user YAML, so every renderer neutralises them: control characters (terminal
escape sequences) are dropped from text, and Markdown cells escape what could end a cell, open a
code span, a link or emphasis, or inject HTML.
"""

from __future__ import annotations

import json

from planner.diff.compare import ADDED, CHANGED, REMOVED, ProjectDiff, Version, kind_titles, show
from planner.text import escape_inline, inert

MARKS = {ADDED: "+", REMOVED: "-", CHANGED: "~"}
CELL_WIDTH = 300


def _kinds(diff: ProjectDiff) -> list[str]:
    """Kinds present in the diff, in its order (unknown kinds last)."""
    return list(dict.fromkeys(c.kind for c in diff.changes))


def counts_line(diff: ProjectDiff) -> str:
    counts = diff.counts()
    text = f"{counts[ADDED]} added, {counts[REMOVED]} removed, {counts[CHANGED]} changed"
    return text + (f" ({counts['fields']} fields)" if counts["fields"] else "")


def _side(version: Version) -> str:
    where = version.source + (f" @ {version.revision[:12]}" if version.revision else "")
    return f"{version.id} {version.version} ({where})"


def render_text(diff: ProjectDiff) -> str:
    """What a terminal shows: the two sides, the counts, then one line per change under each kind."""
    lines = [inert(f"{_side(diff.old)} -> {_side(diff.new)}")]
    if diff.empty:
        return "\n".join([*lines, "no changes"]) + "\n"
    lines.append(counts_line(diff))
    for kind in _kinds(diff):
        lines += ["", kind_titles().get(kind, kind)]
        lines += [f"  {MARKS[c.change]} {inert(c.summary)}" for c in diff.of_kind(kind)]
    return "\n".join(lines) + "\n"


def escape_markdown(value) -> str:
    """A value as the text of one table cell: one line, no HTML, nothing that ends the cell."""
    return escape_inline(show(value, CELL_WIDTH))


def _markdown_side(version: Version) -> str:
    where = escape_markdown(version.source)
    return where + (f" (`{version.revision[:12]}`)" if version.revision else "")


def render_markdown(diff: ProjectDiff) -> str:
    """A pull-request comment: heading with project and versions, counts, one table per kind."""
    old, new = diff.old, diff.new
    project = escape_markdown(new.id) if old.id == new.id else f"{escape_markdown(old.id)} → {escape_markdown(new.id)}"
    lines = [
        f"### planner diff: {project} {escape_markdown(old.version)} → {escape_markdown(new.version)}",
        "",
        f"Old: {_markdown_side(old)} · New: {_markdown_side(new)}",
        "",
    ]
    if diff.empty:
        return "\n".join([*lines, "No changes."]) + "\n"
    lines += [f"**{counts_line(diff)}**" + (" (statuses compared)" if diff.with_status else ""), ""]
    for kind in _kinds(diff):
        lines += [
            f"#### {escape_markdown(kind_titles().get(kind, kind))}",
            "",
            "| id | change | field | old | new |",
            "| --- | --- | --- | --- | --- |",
        ]
        for c in diff.of_kind(kind):
            old_cell, new_cell = ("" if c.field is None and v is None else escape_markdown(v) for v in (c.old, c.new))
            lines.append(
                f"| {escape_markdown(c.id)} | {c.change} | {escape_markdown(c.field or '')} | {old_cell} | {new_cell} |"
            )
        lines.append("")
    return "\n".join(lines)


def render_json(diff: ProjectDiff) -> str:
    return json.dumps(diff.to_dict(), indent=2, allow_nan=False, ensure_ascii=False)
