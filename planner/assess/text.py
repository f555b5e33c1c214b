"""Terminal rendering of the Assessment (rich): one table per kind, status coloured."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from planner.assess.model import Assessment

STYLES = {"met": "green", "pass": "green", "done": "green", "closed": "green", "n/a": "dim",
          "not-met": "bold red", "fail": "bold red", "no-evidence": "yellow", "open": "yellow",
          "insufficient-data": "yellow", "info": "dim"}
TITLES = {"goal": "Goals and KPIs", "objective": "Objectives", "constraint": "Constraints",
          "risk": "Risks", "checklist-item": "Data checklist", "limit": "Bias-audit limits",
          "evaluation": "Evaluation plans", "test": "Behavioural tests", "threshold": "Decision thresholds"}


def _value(number) -> str:
    return "-" if number is None else f"{number:.4g}"


def print_assessment(assessment: Assessment, console: Console | None = None) -> None:
    console = console or Console()
    project = assessment.project
    console.print(f"[bold]{project['name']}[/] ({project['id']} {project['version']})")
    candidate = assessment.candidate
    if candidate:
        missing = ", ".join(candidate["missing_reproducibility"]) or "none"
        console.print(f"candidate run: {candidate['run_id']} ({candidate['source']}); "
                      f"reproducibility facts missing: {missing}")
    else:
        console.print("candidate run: [yellow]none[/]")
    for kind, title in TITLES.items():
        items = assessment.of_kind(kind)
        if not items:
            continue
        table = Table(title=title, title_justify="left", expand=False)
        for column in ("id", "status", "value", "target", "why"):
            table.add_column(column, no_wrap=column in ("id", "status"))
        for item in items:
            why = item.why
            if item.baselines:
                why += "; baselines: " + ", ".join(
                    f"{b['id']} {_value(b['value'])}" + ("" if b["beaten"] is None else (" beaten" if b["beaten"] else " NOT beaten"))
                    for b in item.baselines)
            table.add_row(item.id, f"[{STYLES.get(item.status, '')}]{item.status}", _value(item.value),
                          _value(item.target), why)
        console.print(table)
