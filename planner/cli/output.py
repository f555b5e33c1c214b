"""What every command prints the same way: diagnostics (compiler style, or JSON for machines).

Diagnostics quote spec text, so they reach the terminal through `planner.errors.render_text`,
which makes every part inert and scrubs credentials; source lines are split as YAML counts lines
(`planner.text.split_lines`), so the quoted line is the one the position names.
"""

from __future__ import annotations

from collections.abc import Iterable

import click

from planner.errors import Diagnostic, render_json, render_text
from planner.text import scrub_credentials, split_lines


def print_diagnostics(diagnostics: Iterable[Diagnostic], texts: dict[str, str], *, err: bool = False) -> None:
    """Each diagnostic with its source line from `texts` (file name -> text), errors red, warnings
    yellow; on standard error with `err` (beside output another program reads)."""
    lines_of: dict[str, list[str]] = {}
    for diag in diagnostics:
        if diag.file not in lines_of:
            lines_of[diag.file] = split_lines(texts.get(diag.file, ""))
        color = "red" if diag.is_error else "yellow"
        head, _, rest = render_text(diag, lines_of[diag.file]).partition("\n")
        click.echo(click.style(head, fg=color, bold=True) + ("\n" + rest if rest else ""), err=err)


def print_errors(errors: list[Diagnostic], texts: dict[str, str], fmt: str, path: str) -> None:
    """The errors that stop a command, in the format its caller reads: JSON, GitHub annotations or text."""
    if fmt == "json":
        click.echo(render_json(errors, valid=False))
    elif fmt == "github":
        from planner.gate.formats.github import command
        from planner.gate.formats.shared import repo_path

        for d in errors:
            click.echo(
                command(
                    "error",
                    scrub_credentials(f"{d.code}: {d.message}"),
                    file=repo_path(d.file) if d.file else "",
                    line=d.line,
                    title="planner: invalid spec",
                )
            )
    else:
        print_diagnostics(errors, texts)
        click.echo(f"{path}: invalid; run `planner validate {path}` for details")
