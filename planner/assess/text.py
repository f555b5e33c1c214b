"""Terminal rendering of the Assessment (rich): one table per item kind, status coloured by its tone.

Every string from a spec or a run (names, ids, run ids, reasons) reaches the console as
`planner.text.terminal` text: no control characters, never read as rich markup.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from planner.assess.model import Assessment, Status
from planner.numbers import cell
from planner.text import terminal
from planner.vocab import tone_of


def _why(item: Status) -> str:
    why = item.why
    if item.baselines:
        why += "; baselines: " + ", ".join(
            f"{b.id} {cell(b.value)}" + ("" if b.beaten is None else (" beaten" if b.beaten else " NOT beaten"))
            for b in item.baselines
        )
    return why


def print_assessment(assessment: Assessment, console: Console | None = None) -> None:
    from planner.kinds import item_titles

    console = console or Console()
    info = assessment.info
    console.print(Text.assemble(terminal(info.name, "bold"), terminal(f" ({info.id} {info.version})")))
    candidate = assessment.candidate
    if candidate:
        missing = ", ".join(candidate.missing_reproducibility) or "none"
        console.print(
            terminal(
                f"candidate run: {candidate.run_id} ({candidate.source}); reproducibility facts missing: {missing}"
            )
        )
    else:
        console.print(Text.assemble("candidate run: ", ("none", "yellow")))
    for kind, title in item_titles().items():
        items = assessment.of_kind(kind)
        if not items:
            continue
        table = Table(title=terminal(title), title_justify="left", expand=False)
        for column in ("id", "status", "value", "target", "why"):
            table.add_column(column, no_wrap=column in ("id", "status", "value", "target"))
        for item in items:
            table.add_row(
                terminal(item.id),
                terminal(item.status, tone_of(item.status).rich_style),
                terminal(cell(item.value)),
                terminal(cell(item.target)),
                terminal(_why(item)),
            )
        console.print(table)
