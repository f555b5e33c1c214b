"""The one place report templates are found and rendered.

Templates are looked up by name along a search path: the project's own `templates/` folder first,
so a project overrides a built-in template by giving a file the same name, then the templates
shipped with planner. A project's templates are untrusted input (they come with the specs), so they
run in Jinja's immutable sandbox. HTML templates autoescape; Markdown templates escape through the
`md` filter instead, because HTML entities would show up literally in Markdown viewers that do not
render HTML.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..markdown_text import escape_inline
from ..resources import resource_dir
from .markdown import markdown_filter

PROJECT_TEMPLATES = "templates"


def search_path(project_root: Path | None) -> list[Path]:
    """Folders templates are taken from, first match wins."""
    builtin = resource_dir("templates") / "report"
    if project_root is None or not (project_root / PROJECT_TEMPLATES).is_dir():
        return [builtin]
    return [project_root / PROJECT_TEMPLATES, builtin]


def environment(project_root: Path | None = None) -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        loader=FileSystemLoader([str(path) for path in search_path(project_root)]),
        autoescape=select_autoescape(enabled_extensions=("html.j2", "svg.j2"), default_for_string=True,
                                     default=False),
        undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(markdown=markdown_filter, md=escape_inline, number=format_number,
                       pdf_rows=pdf_rows)
    return env


def format_number(value, digits: int = 3) -> str:
    """Numbers as reports show them: significant digits, `n/a` for missing."""
    if value is None:
        return "n/a"
    if isinstance(value, bool) or isinstance(value, int):
        return f"{value:,}" if not isinstance(value, bool) else str(value).lower()
    return f"{value:.{digits}g}"


PDF_ROWS = 40
"""Rows of a long table the PDF shows: WeasyPrint lays out about a millisecond per cell, so a
20,000-row table would take minutes; the HTML report keeps every row."""


def pdf_rows(items, pdf: bool) -> tuple[list, int]:
    """(rows to show, rows left out) for the PDF variant; everything for HTML."""
    items = list(items)
    if not pdf or len(items) <= PDF_ROWS:
        return items, 0
    return items[:PDF_ROWS], len(items) - PDF_ROWS
