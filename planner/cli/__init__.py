"""The command line: argument parsing and printing only; the work is done by the library."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from planner import __version__
from planner.errors import PlannerError, render_json, render_text, summary
from planner.source.files import DEFAULT_MAX_BYTES

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_INTERNAL = 0, 1, 2, 3
FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                      show_default=True, help="Output format.")
MAX_BYTES = click.option("--max-file-size", "max_bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
                         show_default=True, help="Largest spec file read, in bytes.")


def print_diagnostics(diagnostics, texts: dict[str, str]) -> None:
    for diag in diagnostics:
        lines = texts.get(diag.file, "").splitlines()
        color = "red" if diag.is_error else "yellow"
        head, _, rest = render_text(diag, lines).partition("\n")
        click.echo(click.style(head, fg=color, bold=True) + ("\n" + rest if rest else ""))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="planner")
def cli() -> None:
    """Plan and govern machine-learning projects from YAML specs."""


@cli.command()
@click.argument("path", type=click.Path(path_type=str))
@FORMAT
@MAX_BYTES
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def validate(path: str, fmt: str, max_bytes: int, strict: bool) -> None:
    """Load and validate the project at PATH (a folder or its planner.yaml)."""
    from planner.api import load_project

    project = load_project(path, max_bytes=max_bytes)
    failed = project.has_errors or (strict and bool(project.diagnostics))
    if fmt == "json":
        click.echo(render_json(project.diagnostics, valid=not failed, documents=len(project.docs)))
    else:
        print_diagnostics(project.diagnostics, project.texts)
        verdict = click.style("invalid", fg="red") if failed else click.style("valid", fg="green")
        click.echo(f"{path}: {verdict} ({len(project.docs)} documents; {summary(project.diagnostics)})")
    sys.exit(EXIT_INVALID if failed else EXIT_OK)


def load_valid(path: str, max_bytes: int = DEFAULT_MAX_BYTES, fmt: str = "text"):
    """A project without errors, or exit 2 after printing them (commands past validation need one),
    as JSON or GitHub annotations when the caller's output goes to a machine."""
    from planner.api import load_project

    project = load_project(path, max_bytes=max_bytes)
    if project.has_errors:
        errors = [d for d in project.diagnostics if d.is_error]
        if fmt == "json":
            click.echo(render_json(errors, valid=False))
        elif fmt == "github":
            from planner.gate.ci_formats import command, repo_path

            for d in errors:
                click.echo(command("error", f"{d.code}: {d.message}", file=repo_path(d.file) if d.file else "",
                                   line=d.line, title="planner: invalid spec"))
        else:
            print_diagnostics(errors, project.texts)
            click.echo(f"{path}: invalid; run `planner validate {path}` for details")
        sys.exit(EXIT_INVALID)
    return project


@cli.command()
@click.argument("path", type=click.Path(path_type=str))
@FORMAT
@click.option("--engine", type=click.Choice(["pandas", "duckdb"]), default="pandas", show_default=True,
              help="Counting engine; duckdb (optional extra) streams parquet files larger than memory.")
@click.option("--emit-sql", "table", metavar="TABLE",
              help="Print the grouped-count query of each audit for TABLE, and exit.")
def audit(path: str, fmt: str, engine: str, table: str | None) -> None:
    """Compute the bias audits of the project at PATH (exit 1 when a limit is breached)."""
    from planner.audit.cache import audits_for
    from planner.audit.project import emit_sql

    project = load_valid(path)
    if table:
        for audit_id, query in emit_sql(project, table).items():
            click.echo(f"-- {audit_id}\n{query}")
        return
    from rich.console import Console

    with Console(stderr=True).status("computing bias audits..."):  # animates on terminals only
        audits, problems = audits_for(project, engine=engine, use_cache=False)  # refreshes the cache
    if problems:
        print_diagnostics(problems, project.texts)
        sys.exit(EXIT_INVALID)
    failed = any(a.status == "fail" for a in audits)
    if fmt == "json":
        click.echo(json.dumps({"status": "fail" if failed else "pass", "audits": [a.to_dict() for a in audits]},
                              indent=2, allow_nan=False))
    else:
        from planner.audit.text import print_audits

        print_audits(audits)
    sys.exit(EXIT_FAILED if failed else EXIT_OK)


def assessed(path: str, *, evidence_problems_exit: bool = True, fmt: str = "text"):
    """Project (with its graph), Assessment and audits.

    Predictions an audit cannot read exit 2; so does other unreadable evidence, unless the caller
    (the gate) turns it into failing items instead.
    """
    from planner.api import assess_project

    project = load_valid(path, fmt=fmt)
    assessment, audits, problems = assess_project(project, report=lambda line: click.echo(line, err=True))
    if evidence_problems_exit:
        problems += assessment.diagnostics
    if problems:
        print_diagnostics(problems, project.texts)
        sys.exit(EXIT_INVALID)
    return project, assessment, audits


@cli.command()
@click.argument("path", type=click.Path(path_type=str))
@FORMAT
def status(path: str, fmt: str) -> None:
    """Every item of the project at PATH with its status and evidence."""
    _, assessment, _ = assessed(path)
    if fmt == "json":
        click.echo(json.dumps(assessment.to_dict(), indent=2, allow_nan=False, default=str))
    else:
        from planner.assess.text import print_assessment

        print_assessment(assessment)


@cli.command()
@click.argument("path", type=click.Path(path_type=str))
@click.argument("item", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "dot", "graphml"]), default="text",
              show_default=True, help="Output format; without ITEM, the whole graph.")
def trace(path: str, item: str | None, fmt: str) -> None:
    """What ITEM depends on and what depends on it (goal, objective, metric, run, risk...)."""
    from planner.project import trace as tracing

    project, assessment, _ = assessed(path)
    graph = tracing.with_evidence(project.graph, assessment)
    if item is not None and item not in graph:
        import difflib

        close = difflib.get_close_matches(item, list(graph.nodes), n=1)
        click.echo(f"error[unknown-item] no item {item!r} in {path}" + (f"; did you mean {close[0]!r}?" if close else ""))
        sys.exit(EXIT_INVALID)
    if fmt == "dot":
        click.echo(tracing.to_dot(graph, item), nl=False)
    elif fmt == "graphml":
        click.echo(tracing.to_graphml(graph, item), nl=False)
    elif fmt == "json" or item is None:
        data = tracing.trace(graph, item) if item else tracing.to_json(graph)
        click.echo(json.dumps(data, indent=2, default=str))
    else:
        found = tracing.trace(graph, item)
        click.echo(f"{item} ({found['kind']})")
        for direction in ("upstream", "downstream"):
            click.echo(f"  {direction}: " + (", ".join(f"{n['id']} ({n['kind']})" for n in found[direction]) or "none"))


def comma_list(choices):
    """A click callback for `a,b` options whose parts must each be one of `choices`."""
    def parse(ctx, param, value: str) -> tuple[str, ...]:
        parts = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
        wrong = [part for part in parts if part not in choices]
        if wrong or not parts:
            raise click.BadParameter(f"{', '.join(wrong) or 'nothing'} is not one of {', '.join(choices)}")
        return parts
    return parse


@cli.command()
@click.argument("path", type=click.Path(path_type=str))
@click.option("--format", "formats", default="html,pdf", show_default=True,
              callback=comma_list(("html", "pdf", "modelcard")), help="Comma-separated: html, pdf, modelcard.")
@click.option("--kind", "kinds", default="design,governance", show_default=True,
              callback=comma_list(("design", "governance")), help="Comma-separated: design, governance.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write to  [default: PATH/reports]")
@click.option("--previous", metavar="OLD", help="An earlier version (folder or REV:PATH) for the change log.")
def report(path: str, formats: tuple[str, ...], kinds: tuple[str, ...], out_dir: Path | None,
           previous: str | None) -> None:
    """Write the design and governance reports (HTML, PDF) and a model card for the project at PATH."""
    from planner.gate import evaluate
    from planner.report import render_reports, report_date, write_reports

    project, assessment, audits = assessed(path)
    as_of = report_date()
    changes = None
    if previous is not None:
        from planner.diff.compare import diff_since

        changes = diff_since(previous, project, assessment, source=path)
    outputs = render_reports(project, assessment, audits, kinds=kinds, formats=formats, as_of=as_of,
                             decision=evaluate(project, assessment, today=as_of), changes=changes)
    for written in write_reports(outputs, out_dir or project.root / "reports"):
        click.echo(str(written))


GATE_FORMATS = ("text", "json", "junit", "sarif", "github")


@cli.command()
@click.argument("path", type=click.Path(path_type=str))
@click.option("--format", "fmt", type=click.Choice(GATE_FORMATS), default="text", show_default=True,
              help="Output format.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the output to this file (atomically) instead of standard output.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]),
              help="The date waivers are checked against  [default: today]")
def gate(path: str, fmt: str, output: Path | None, today) -> None:
    """The release decision for the project at PATH: exit 0 pass, 1 blocked, 2 invalid input."""
    import os
    from datetime import date

    from planner.gate import evaluate, outputs

    project, assessment, _ = assessed(path, evidence_problems_exit=False, fmt=fmt)
    on = today.date() if today else date.today()
    decision = evaluate(project, assessment, today=on)
    info = project.manifest.project
    text = {"text": lambda: outputs.render_text(decision, info.name), "json": lambda: outputs.render_json(decision),
            "junit": lambda: outputs.render_junit(decision, info.id),
            "sarif": lambda: outputs.render_sarif(decision, info.id, info.version),
            "github": lambda: outputs.render_github(decision, today=on)}[fmt]()
    if output is not None:
        from planner.source.atomic import write_atomic

        write_atomic(output, text)
    else:
        click.echo(text, nl=False)
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        with open(summary_file, "a", encoding="utf-8") as summary_out:  # GitHub documents appending
            summary_out.write(outputs.render_markdown_summary(decision, info.name))
    sys.exit(EXIT_OK if decision.passed else EXIT_FAILED)


@cli.command()
@click.argument("path", type=click.Path(path_type=str))
@click.option("--role", required=True, help="The role signing off, as the policy names it (e.g. risk-officer).")
@click.option("--name", required=True, help="The person signing off.")
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]), help="Date of the sign-off  [default: today]")
def signoff(path: str, role: str, name: str, on) -> None:
    """Record a sign-off bound to the current content of the specs (in PATH/signoffs.yaml)."""
    from datetime import date

    from planner.gate import overall_digest, record_signoff, spec_digests

    project = load_valid(path)
    written = record_signoff(project, role=role, name=name, on=on.date() if on else date.today())
    click.echo(f"{written}: {role} signed off by {name} ({overall_digest(spec_digests(project))})")


@cli.command()
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text",
              show_default=True, help="Output format (markdown suits a pull-request comment).")
@click.option("--status", "with_status", is_flag=True,
              help="Also compare statuses and measured values (reads evidence and computes audits).")
def diff(old: str, new: str, fmt: str, with_status: bool) -> None:
    """What changed between two versions of a project: each a folder, or REV:PATH for a git revision."""
    from planner.diff import render as diff_text
    from planner.diff.compare import diff_sides

    changes = diff_sides(old, new, with_status=with_status)
    render = {"text": diff_text.render_text, "markdown": diff_text.render_markdown, "json": diff_text.render_json}
    click.echo(render[fmt](changes), nl=False)


@cli.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="schemas", show_default=True,
              help="Folder to write the JSON Schema files to.")
def schema(out_dir: str) -> None:
    """Write the JSON Schema of every spec kind."""
    from planner.spec.schema import write_schemas

    for path in write_schemas(out_dir):
        click.echo(str(path))


@cli.command()
@click.argument("directory", type=click.Path(path_type=str))
def init(directory: str) -> None:
    """Write a complete starter project into DIRECTORY (new or empty)."""
    from planner.project.starter import init_project

    for path in init_project(directory):
        click.echo(str(path))
    click.echo(f"next: planner validate {directory}")


def main(argv: list[str] | None = None) -> None:
    """Entry point: expected problems exit 2 with diagnostics, anything else exits 3, never a traceback."""
    try:
        cli.main(args=argv, prog_name="planner", standalone_mode=False)
    except PlannerError as exc:
        print_diagnostics(exc.diagnostics, {})
        sys.exit(EXIT_INVALID)
    except click.exceptions.Abort:
        sys.exit(EXIT_INVALID)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_INVALID)
    except OSError as exc:  # an output folder that is a file, a full disk, no permission: the user's to fix
        where = f": {exc.filename}" if exc.filename else ""
        click.echo(f"error[os] {exc.strerror or exc}{where}", err=True)
        sys.exit(EXIT_INVALID)
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - the one place every unexpected error is turned into exit 3
        click.echo(f"planner: internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo("hint: this is a bug in planner; please report it with the command you ran", err=True)
        sys.exit(EXIT_INTERNAL)
