"""A GitHub job summary (`$GITHUB_STEP_SUMMARY`) in Markdown: the verdict, failing items, waived
items, then required sign-offs and what needs attention.

Spec text is made inert (`planner.text.inert`), then literal Markdown on one line
(`escape_inline`): nothing in it can end a table cell or inject HTML.
"""

from __future__ import annotations

from planner.gate.decision import Decision
from planner.gate.formats.base import OutputContext
from planner.gate.formats.shared import VERDICTS, counts_line, expired_waivers, stale_signoffs, waiver_of, where
from planner.gate.item import FAIL, PASS, WAIVED
from planner.text import escape_inline, inert


def _md(value: object) -> str:
    return escape_inline(inert(value))


def _table(header: tuple[str, ...], rows: list[tuple[object, ...]]) -> list[str]:
    lines = [f"| {' | '.join(header)} |", f"|{'---|' * len(header)}"]
    return lines + [f"| {' | '.join(_md(cell) for cell in row)} |" for row in rows] + [""]


def _signoff_rows(decision: Decision) -> list[tuple[object, ...]]:
    return [
        (item.id.removeprefix("signoff:"), "valid" if item.status == PASS else item.status, item.why)
        for item in decision.items
        if item.requirement == "signoffs"
    ]


def render(decision: Decision, context: OutputContext) -> str:
    """The job summary, paths relative to `context.root` as in the annotations."""
    root = context.root
    verdict, _, icon = VERDICTS[decision.passed]
    lines = [f"## {icon} planner gate: {verdict}: {_md(context.project_name)}", "", f"{counts_line(decision)}.", ""]
    failing = [item for item in decision.items if item.status == FAIL]
    if failing:
        lines += [
            "### Failing",
            "",
            *_table(
                ("Item", "Requirement", "Why", "Where"), [(i.id, i.requirement, i.why, where(i, root)) for i in failing]
            ),
        ]
    waived = [item for item in decision.items if item.status == WAIVED]
    if waived:
        lines += [
            "### Waived",
            "",
            *_table(
                ("Item", "Requirement", "Why", "Reason"),
                [(i.id, i.requirement, i.why, waiver_of(i)["reason"]) for i in waived],
            ),
        ]
    signoffs = _signoff_rows(decision)
    if signoffs:
        lines += ["### Sign-offs", "", *_table(("Role", "Status", "Why"), signoffs)]
    notes = expired_waivers(decision, root) + stale_signoffs(decision, root)
    if notes:
        lines += ["### Attention", ""] + [f"- Note: {_md(note)}" for note in notes] + [""]
    return "\n".join(lines)
