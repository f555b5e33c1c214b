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

from jinja2 import FileSystemLoader, StrictUndefined, TemplateNotFound, select_autoescape
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from planner.errors import Diagnostic, PlannerError
from planner.numbers import report_number
from planner.report.markdown import markdown_filter
from planner.source.resources import resource_dir
from planner.text import CONTROL, escape_inline

PROJECT_TEMPLATES = "templates"


class ConfinedLoader(FileSystemLoader):
    """A loader that refuses a template whose real path leaves its folder.

    A project's `templates/` (or one file in it) may be a symbolic link: followed blindly, it
    would put `/proc/self/environ` or a CI token file into a report.
    """

    def get_source(self, environment, template):
        source, filename, uptodate = super().get_source(environment, template)
        real = Path(filename).resolve()
        if not any(real.is_relative_to(Path(folder).resolve()) for folder in self.searchpath):
            raise TemplateNotFound(f"{template} (it leads outside its templates folder)")
        return source, filename, uptodate


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
