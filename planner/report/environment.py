"""The one place report templates are found and rendered.

Templates are looked up by name along a search path: the project's own `templates/` folder first,
so a project overrides a built-in template by giving a file the same name, then the templates
shipped with planner. A project's templates are untrusted input (they come with the specs), so they
run in Jinja's immutable sandbox. HTML templates autoescape; Markdown templates escape through the
`md` filter instead, because HTML entities would show up literally in Markdown viewers that do not
render HTML.
"""

from __future__ import annotations

import os
from pathlib import Path

from jinja2 import BaseLoader, StrictUndefined, TemplateNotFound, select_autoescape
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from planner.errors import Diagnostic, PlannerError
from planner.numbers import report_number
from planner.report.markdown import markdown_filter
from planner.source import guard
from planner.source.resources import resource_dir
from planner.text import CONTROL, escape_inline

PROJECT_TEMPLATES = "templates"


class TemplateRefused(TemplateNotFound):
    """A template the read boundary refused: its diagnostic names the file and why."""

    def __init__(self, name: str, diagnostic: Diagnostic):
        super().__init__(name, diagnostic.message)
        self.diagnostic = diagnostic


class ConfinedLoader(BaseLoader):
    """Templates by name along a search path, each read through the guard (`guard.TEMPLATE`):
    inside its folder once resolved, a regular file of at most 1 MiB, strict UTF-8.

    A project's `templates/` (or one file in it) may be a symbolic link: followed blindly, it
    would put `/proc/self/environ` or a CI token file into a report; a FIFO there would hang the
    render. Such a file stops the render with a diagnostic (`TemplateRefused`) rather than falling
    back to the built-in template silently.
    """

    def __init__(self, searchpath: list[str]):
        self.searchpath = [str(folder) for folder in searchpath]

    def get_source(self, environment, template):
        pieces = split_template_path(template)
        for folder in self.searchpath:
            path = Path(folder, *pieces)
            if not os.path.lexists(path):
                continue
            label = str(path)
            try:
                source = guard.read_text(path, root=folder, kind=guard.TEMPLATE, file_label=label)
            except PlannerError as exc:
                raise TemplateRefused(template, exc.diagnostics[0]) from None
            mtime = _mtime(path)
            return source, label, lambda path=path, mtime=mtime: _mtime(path) == mtime
        raise TemplateNotFound(template)

    def list_templates(self) -> list[str]:
        found = set()
        for folder in self.searchpath:
            for path in guard.walk(folder, folder, kind=guard.TEMPLATE):
                found.add(path.relative_to(folder).as_posix())
        return sorted(found)


def _mtime(path: Path) -> float | None:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


def search_path(project_root: Path | None) -> list[Path]:
    """Folders templates are taken from, first match wins; a project's own folder only when it
    really is inside the project."""
    builtin = resource_dir("templates") / "report"
    if project_root is None or not (project_root / PROJECT_TEMPLATES).is_dir():
        return [builtin]
    own = project_root / PROJECT_TEMPLATES
    if not own.resolve().is_relative_to(project_root.resolve()):
        return [builtin]
    return [own, builtin]


def environment(project_root: Path | None = None) -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        loader=ConfinedLoader([str(path) for path in search_path(project_root)]),
        autoescape=select_autoescape(enabled_extensions=("html.j2", "svg.j2"), default_for_string=True, default=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_printable,
    )
    env.filters.update(markdown=markdown_filter, md=escape_inline, number=report_number, pdf_rows=pdf_rows)
    return env


def render_template(env, name: str, context: dict) -> str:
    """A template rendered, or a diagnostic naming the template (a project's own may be broken)."""
    from jinja2 import TemplateError, TemplateSyntaxError

    try:
        return env.get_template(name).render(context)
    except TemplateRefused as exc:  # a template (or one it includes) the read boundary refused
        refused = exc.diagnostic
        raise PlannerError(
            [
                Diagnostic(
                    "report-template",
                    f"template {exc.name}: {refused.message}",
                    refused.file,
                    refused.line,
                    refused.column,
                    hint=refused.hint or "check the templates in the project's templates/ folder",
                )
            ]
        ) from None
    except TemplateSyntaxError as exc:
        raise PlannerError(
            [Diagnostic("report-template", f"{exc.name or name}: {exc.message}", exc.filename or name, exc.lineno or 0)]
        ) from None
    except TemplateError as exc:
        raise PlannerError(
            [
                Diagnostic(
                    "report-template",
                    f"template {name}: {exc.message or exc}",
                    hint="check the templates in the project's templates/ folder",
                )
            ]
        ) from None


PDF_ROWS = 40
"""Rows of a long table the PDF shows: WeasyPrint lays out about a millisecond per cell, so a
20,000-row table would take minutes; the HTML report keeps every row."""


def pdf_rows(items, pdf: bool) -> tuple[list, int]:
    """(rows to show, rows left out) for the PDF variant; everything for HTML."""
    items = list(items)
    if not pdf or len(items) <= PDF_ROWS:
        return items, 0
    return items[:PDF_ROWS], len(items) - PDF_ROWS


def _printable(value):
    """Every value a template prints, without control characters (an ESC from a spec is not text);
    markup (charts, rendered Markdown) stays markup."""
    if isinstance(value, Markup):
        return Markup(CONTROL.sub("", value))
    return CONTROL.sub("", value) if isinstance(value, str) else value
