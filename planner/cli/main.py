"""The `planner` command group and its commands: each parses, calls `planner.api`, prints, and
returns an exit code (`ExitCode`)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import click

from planner import __version__, api
from planner.assess.model import Assessment
from planner.cli.output import print_diagnostics, print_errors
from planner.errors import ExitCode, PlannerError, by_file, render_json, summary
from planner.project.project import Project
from planner.source.files import DEFAULT_MAX_BYTES
from planner.spec.warehouse import DIALECTS

FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format."
)
MAX_BYTES = click.option(
    "--max-file-size",
    "max_bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    help="Largest spec file read, in bytes.",
)
PATH = click.argument("path", type=click.Path(path_type=str))


class Stop(Exception):
    """A command cannot go on: its problems are printed, and it exits with `code`."""

    def __init__(self, code: ExitCode):
        super().__init__(code.name)
        self.code = code


def progress(line: str) -> None:
    click.echo(line, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="planner")
def cli() -> None:
    """Plan and govern machine-learning projects from YAML specs."""


def load_valid(path: str, max_bytes: int = DEFAULT_MAX_BYTES, fmt: str = "text") -> Project:
    """A project without errors, or `Stop` after printing them (commands past validation need one),
    as JSON or GitHub annotations when the caller's output goes to a machine."""
    project = api.load(path, max_bytes=max_bytes)
    if project.has_errors:
        print_errors([d for d in project.diagnostics if d.is_error], project.texts, fmt, path)
        raise Stop(ExitCode.INVALID)
    return project


def assessed(path: str, *, evidence_problems_stop: bool = True, fmt: str = "text") -> tuple[Project, Assessment]:
    """Project and Assessment. Predictions an audit cannot read stop the command (exit 2); so does
    other unreadable evidence, unless the caller (the gate) turns it into failing items instead."""
    project = load_valid(path, fmt=fmt)
    assessment = api.assess(project, report=progress)
    stopping = [d for d in assessment.diagnostics if d.is_error] if evidence_problems_stop else []
    problems = assessment.audit_problems + stopping
    if problems:  # as JSON or annotations when the output goes to a machine, as spec errors are
        print_errors(problems, project.texts, fmt, path)
        raise Stop(ExitCode.INVALID)
    warnings = [d for d in assessment.diagnostics if not d.is_error]
    if warnings:  # e.g. predictions made at another threshold than the stated one; stdout may be JSON
        print_diagnostics(warnings, project.texts, err=True)
    return project, assessment


@cli.command()
@PATH
@FORMAT
@MAX_BYTES
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def validate(path: str, fmt: str, max_bytes: int, strict: bool) -> ExitCode:
    """Load and validate the project at PATH (a folder or its planner.yaml)."""
    project = api.load(path, max_bytes=max_bytes)
    failed = project.has_errors or (strict and bool(project.diagnostics))
    if fmt == "json":
        click.echo(render_json(project.diagnostics, valid=not failed, documents=len(project.docs)))
    else:
        print_diagnostics(project.diagnostics, project.texts)
        if project.diagnostics:
            click.echo("\n".join(["", *by_file(project.diagnostics)]))
        verdict = click.style("invalid", fg="red") if failed else click.style("valid", fg="green")
        click.echo(f"{path}: {verdict} ({len(project.docs)} documents; {summary(project.diagnostics)})")
    return ExitCode.INVALID if failed else ExitCode.OK


@cli.command()
@PATH
@FORMAT
@click.option(
    "--engine",
    type=click.Choice(["pandas", "duckdb"]),
    default="pandas",
    show_default=True,
    help="Counting engine; duckdb (optional extra) streams parquet files larger than memory.",
)
@click.option(
    "--emit-sql", "table", metavar="TABLE", help="Print the grouped-count query of each audit for TABLE, and exit."
)
@click.option(
    "--dialect",
    type=click.Choice(DIALECTS),
    default="duckdb",
    show_default=True,
    help="SQL dialect of --emit-sql (needs planner[warehouse]).",
)
@click.option(
    "--export-counts",
    "export",
    metavar="FILE",
    help="Also write each audit's grouped count with its provenance (.parquet, or .csv with FILE.provenance.json); "
    "with several audits FILE must hold {id}.",
)
def audit(path: str, fmt: str, engine: str, table: str | None, dialect: str, export: str | None) -> ExitCode:
    """Compute the bias audits of the project at PATH (exit 1 when a limit is breached)."""
    from planner.audit.cache import audits_for
    from planner.audit.project import emit_sql

    project = load_valid(path)
    if table:
        for audit_id, query in emit_sql(project, table, dialect).items():
            click.echo(f"-- {audit_id}\n{query}")
        return ExitCode.OK
    if export and "{id}" not in export and len(project.of_kind("bias-audit")) > 1:
        raise click.UsageError("the project has several audits: put {id} in the --export-counts file name")
    from rich.console import Console

    with Console(stderr=True).status("computing bias audits..."):  # animates on terminals only
        audits, problems = audits_for(project, engine=engine, use_cache=False)  # refreshes the cache
    if problems:
        print_diagnostics(problems, project.texts)
        return ExitCode.INVALID
    if export:
        from planner.audit.export import export_counts

        for name in export_counts(audits, export):
            click.echo(f"wrote {name}", err=True)
    failed = any(a.status == "fail" for a in audits)
    if fmt == "json":
        click.echo(
            json.dumps(
                {"status": "fail" if failed else "pass", "audits": [a.to_dict() for a in audits]},
                indent=2,
                allow_nan=False,
            )
        )
    else:
        from planner.audit.text import print_audits

        print_audits(audits)
    return ExitCode.FAILED if failed else ExitCode.OK


@cli.command()
@PATH
@FORMAT
def status(path: str, fmt: str) -> ExitCode:
    """Every item of the project at PATH with its status and evidence."""
    _, assessment = assessed(path)
    if fmt == "json":
        click.echo(json.dumps(assessment.to_dict(), indent=2, allow_nan=False, default=str))
    else:
        from planner.assess.text import print_assessment

        print_assessment(assessment)
    return ExitCode.OK


@cli.command()
@PATH
@click.argument("item", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "dot", "graphml"]),
    default="text",
    show_default=True,
    help="Output format; without ITEM, the whole graph.",
)
def trace(path: str, item: str | None, fmt: str) -> ExitCode:
    """What ITEM depends on and what depends on it (goal, objective, metric, run, risk...)."""
    from planner.project import trace as tracing

    project, assessment = assessed(path)
    assert project.graph is not None  # `api.load` runs the cross-checks, which set the graph
    graph = tracing.with_evidence(project.graph, assessment)
    if item is not None and item not in graph:
        import difflib

        close = difflib.get_close_matches(item, list(graph.nodes), n=1)
        click.echo(
            f"error[unknown-item] no item {item!r} in {path}" + (f"; did you mean {close[0]!r}?" if close else "")
        )
        return ExitCode.INVALID
    if fmt == "dot":
        click.echo(tracing.to_dot(graph, item), nl=False)
    elif fmt == "graphml":
        click.echo(tracing.to_graphml(graph, item), nl=False)
    elif fmt == "json":
        data = tracing.trace(graph, item) if item else tracing.to_json(graph)
        click.echo(json.dumps(data, indent=2, default=str))
    else:
        from planner.project import trace_text

        place = trace_text.places(project, assessment)
        text = trace_text.item_text(graph, item, place) if item else trace_text.forest_text(graph, place)
        click.echo(text, nl=False)
    return ExitCode.OK


def comma_list(choices: tuple[str, ...]) -> Callable[[click.Context, click.Parameter, str], tuple[str, ...]]:
    """A click callback for `a,b` options whose parts must each be one of `choices`."""

    def parse(ctx: click.Context, param: click.Parameter, value: str) -> tuple[str, ...]:
        parts = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
        wrong = [part for part in parts if part not in choices]
        if wrong or not parts:
            raise click.BadParameter(f"{', '.join(wrong) or 'nothing'} is not one of {', '.join(choices)}")
        return parts

    return parse


# `planner.report.writer.PDF_VARIANTS` (tests/report/test_pdf_variant.py holds them equal): importing
# the writer here would slow the start of every command
PDF_VARIANTS = ("pdf/a-3b", "pdf/a-2b", "pdf/ua-1")


@cli.command()
@PATH
@click.option(
    "--format",
    "formats",
    default="html,pdf",
    show_default=True,
    callback=comma_list(("html", "pdf", "modelcard")),
    help="Comma-separated: html, pdf, modelcard.",
)
@click.option(
    "--kind",
    "kinds",
    default="design,governance",
    show_default=True,
    callback=comma_list(("design", "governance", "summary", "annex-iv", "instructions")),
    help="Comma-separated: design, governance, summary (one page for a sign-off meeting), annex-iv "
    "(EU AI Act technical documentation), instructions (draft Article 13 instructions for use).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write to  [default: PATH/reports]",
)
@click.option("--previous", metavar="OLD", help="An earlier version (folder or REV:PATH) for the change log.")
@click.option(
    "--pdf-variant",
    type=click.Choice(PDF_VARIANTS),
    help="Write archival (PDF/A) or accessible (PDF/UA) PDFs, e.g. pdf/a-3b.",
)
def report(
    path: str,
    formats: tuple[str, ...],
    kinds: tuple[str, ...],
    out_dir: Path | None,
    previous: str | None,
    pdf_variant: str | None,
) -> ExitCode:
    """Write the design and governance reports (HTML, PDF) and a model card for the project at PATH."""
    from planner.report import report_date

    project, assessment = assessed(path)
    as_of = report_date()
    changes = None
    if previous is not None:
        changes = api.diff(previous, project, with_status=True, new_assessment=assessment, report=progress)
    out = out_dir or project.root / "reports"
    outputs = api.render(
        assessment, formats=formats, kinds=kinds, out=out, as_of=as_of, changes=changes, pdf_variant=pdf_variant
    )
    for name in outputs:
        click.echo(str(out / name))
    return ExitCode.OK


@cli.command()
@PATH
@click.option(
    "--profile",
    required=True,
    help="The catalogue: eu-ai-act-high-risk, nist-ai-rmf-1.0, iso-42001-annex-a, iso-23894, or the project's own.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("--strict", is_flag=True, help="Exit 1 when any obligation is missing.")
def coverage(path: str, profile: str, fmt: str, strict: bool) -> ExitCode:
    """Which obligations of a catalogue the project at PATH evidences, declares or misses."""
    from planner.coverage.model import MISSING
    from planner.coverage.render import RENDERERS

    _, assessment = assessed(path, fmt=fmt)
    found = api.coverage(assessment, profile)
    click.echo(RENDERERS[fmt](found), nl=False)
    return ExitCode.FAILED if strict and found.of_state(MISSING) else ExitCode.OK


# the keys of `planner.gate.formats.FORMATS` (tests/gate/test_outputs.py holds them equal): importing
# the formats here would slow the start of every command
GATE_FORMATS = ("text", "json", "junit", "sarif", "github")


@cli.command()
@PATH
@click.option(
    "--format", "fmt", type=click.Choice(GATE_FORMATS), default="text", show_default=True, help="Output format."
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the output to this file (atomically; a FIFO or device is written to, not replaced) "
    "instead of standard output; - or /dev/stdout mean standard output.",
)
@click.option(
    "--today", type=click.DateTime(["%Y-%m-%d"]), help="The date waivers are checked against  [default: today]"
)
def gate(path: str, fmt: str, output: Path | None, today: datetime | None) -> ExitCode:
    """The release decision for the project at PATH: exit 0 pass, 1 blocked, 2 invalid input."""
    import os
    import shutil

    from planner.gate.formats import FORMATS, OutputContext, render_summary

    _, assessment = assessed(path, evidence_problems_stop=False, fmt=fmt)
    on = today.date() if today else date.today()
    decision = api.gate(assessment, today=on)
    info = assessment.info
    from planner.source.atomic import is_stdout, write_atomic

    to_stdout = output is None or is_stdout(output)
    # tables only on an interactive terminal, as wide as it; a pipe, a file or a CI log gets a line per item
    interactive = to_stdout and sys.stdout.isatty() and not os.environ.get("CI")
    context = OutputContext(
        project_id=info.id,
        project_name=info.name,
        project_version=info.version,
        today=on,
        width=shutil.get_terminal_size().columns if interactive else 100,
        interactive=interactive,
    )
    text = FORMATS[fmt](decision, context)
    if output is not None and not to_stdout:
        write_atomic(output, text, into_special=True)
    else:
        click.echo(text, nl=False)
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        with open(summary_file, "a", encoding="utf-8") as summary_out:  # GitHub documents appending
            summary_out.write(render_summary(decision, context))
    return ExitCode.OK if decision.passed else ExitCode.FAILED


@cli.command()
@PATH
@click.option("--role", required=True, help="The role signing off, as the policy names it (e.g. risk-officer).")
@click.option("--name", required=True, help="The person signing off.")
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]), help="Date of the sign-off  [default: today]")
def signoff(path: str, role: str, name: str, on: datetime | None) -> ExitCode:
    """Record a sign-off bound to the current specs and evidence (in PATH/signoffs.yaml): the
    candidate run, the predictions files and the audit results. Evidence that cannot be read is
    not signed (exit 2)."""
    from planner.kinds.signoffs import check_role, overall_digest, record_signoff, spec_digests

    check_role(load_valid(path), role)  # before the audits are computed: a typo fails fast
    project, assessment = assessed(path)
    assert assessment.evidence is not None  # every Assessment built by `assess` binds its evidence
    day = on.date() if on else date.today()
    written = record_signoff(project, role=role, name=name, on=day, evidence=assessment.evidence)
    click.echo(f"{written}: {role} signed off by {name} ({overall_digest(spec_digests(project))})")
    return ExitCode.OK


@cli.command()
@click.argument("old")
@click.argument("new")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
    help="Output format (markdown suits a pull-request comment).",
)
@click.option(
    "--status",
    "with_status",
    is_flag=True,
    help="Also compare statuses and measured values (reads evidence and computes audits).",
)
def diff(old: str, new: str, fmt: str, with_status: bool) -> ExitCode:
    """What changed between two versions of a project: each a folder, or REV:PATH for a git revision."""
    from planner.diff import render as diff_text

    changes = api.diff(old, new, with_status=with_status, report=progress)
    render = {"text": diff_text.render_text, "markdown": diff_text.render_markdown, "json": diff_text.render_json}
    click.echo(render[fmt](changes), nl=False)
    return ExitCode.OK


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "markdown"]),
    default="json",
    show_default=True,
    help="json: a JSON Schema file per kind (for editors); markdown: the spec reference, for people.",
)
@click.option(
    "--out",
    type=click.Path(path_type=str),
    help="json: the folder to write the files to  [default: schemas]; "
    "markdown: the file to write  [default: standard output].",
)
def schema(fmt: str, out: str | None) -> ExitCode:
    """Write the JSON Schema of every spec kind, or the spec reference in Markdown: every key of the
    manifest and of each kind, the checklist questions, metrics, reproducibility tags and diagnostic codes.

    \b
    planner schema                                        JSON Schema files into schemas/
    planner schema --format markdown                      the reference, to standard output
    planner schema --format markdown --out docs/reference.md
    """
    from planner.source.atomic import write_atomic

    if fmt == "markdown":
        from planner.spec.reference import reference_markdown

        text = reference_markdown()
        if out is None or out == "-":
            click.echo(text, nl=False)
        else:
            write_atomic(out, text)
            click.echo(out)
        return ExitCode.OK
    from planner.spec.schema import write_schemas

    if out is not None and Path(out).is_file():
        raise click.BadParameter(f"{out} is a file; JSON Schema files go into a folder", param_hint="'--out'")
    for path in write_schemas(out or "schemas"):
        click.echo(str(path))
    return ExitCode.OK


@cli.command()
@click.argument("code", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown"]),
    default="text",
    show_default=True,
    help="markdown: as docs/diagnostics.md holds it (without CODE, the whole catalogue).",
)
def explain(code: str | None, fmt: str) -> ExitCode:
    """What diagnostic CODE (e.g. unknown-key) means, how to fix it, and an example; without CODE,
    every code planner reports (exit 2 for a code it does not know)."""
    from planner import explain as catalogue

    if code is None:
        click.echo(catalogue.catalogue_markdown() if fmt == "markdown" else catalogue.listing(), nl=False)
        return ExitCode.OK
    text = catalogue.entry_markdown(code) if fmt == "markdown" else catalogue.explain(code)
    if text is None:
        close = catalogue.close_codes(code)
        hint = f"; did you mean {close[0]!r}?" if close else "; `planner explain` lists every code"
        click.echo(f"error[unknown-code] no diagnostic code {code!r}{hint}", err=True)
        return ExitCode.INVALID
    click.echo(text, nl=False)
    return ExitCode.OK


@cli.command()
@click.argument("directory", type=click.Path(path_type=str))
@click.option(
    "--id", "project_id", help="Project id (default: the folder's name when it is a valid id, else my-project)."
)
@click.option("--name", help="Project name shown in reports (default: My ML project).")
def init(directory: str, project_id: str | None, name: str | None) -> ExitCode:
    """Write a complete starter project into DIRECTORY (new or empty): every spec kind, example
    predictions and runs, and comments that teach each key."""
    from planner.project.starter import init_project

    for path in init_project(directory, project_id=project_id, name=name):
        click.echo(str(path))
    click.echo(f"next: planner validate {directory}")
    return ExitCode.OK


def main(argv: list[str] | None = None) -> None:
    """Entry point: expected problems exit 2 with diagnostics, anything else exits 3, never a traceback."""
    sys.exit(run(argv))


def run(argv: list[str] | None = None) -> ExitCode:
    """The exit code of `planner ARGV`."""
    try:
        code = cli.main(args=argv, prog_name="planner", standalone_mode=False)
    except Stop as stop:
        return stop.code
    except PlannerError as exc:
        print_diagnostics(exc.diagnostics, {})
        return ExitCode.INVALID
    except click.exceptions.Abort:
        return ExitCode.INVALID
    except click.exceptions.Exit as exit_:  # --help, --version
        return ExitCode(exit_.exit_code)
    except click.ClickException as exc:
        exc.show()
        return ExitCode.INVALID
    except OSError as exc:  # an output folder that is a file, a full disk, no permission: the user's to fix
        where = f": {exc.filename}" if exc.filename else ""
        click.echo(f"error[os] {exc.strerror or exc}{where}", err=True)
        return ExitCode.INVALID
    except Exception as exc:
        click.echo(f"planner: internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo("hint: this is a bug in planner; please report it with the command you ran", err=True)
        return ExitCode.INTERNAL
    return ExitCode(code) if isinstance(code, int) else ExitCode.OK
