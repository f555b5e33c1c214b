"""The one place report templates are found and rendered.

Templates are looked up by name along a search path: the project's own `templates/` folder first,
so a project overrides a built-in template by giving a file the same name, then the templates
shipped with planner. A project's templates are untrusted input (they come with the specs), so they
run in Jinja's immutable sandbox. HTML templates autoescape; Markdown templates escape through the
`md` filter instead, because HTML entities would show up literally in Markdown viewers that do not
render HTML.

Bounds: the sandbox keeps a template from reaching planner's objects, not from spending its time
and memory, and a project's template is as hostile as any other input (`{{ "x" * 4000000000 }}`
is a 4 GB string; `{% for i in range(10**5) %}{% for j in range(10**5) %}` ten billion steps).
`BoundedEnvironment` therefore caps, per rendered document:

- every value a step can make: `*` (a text or list repeated), `**`, `%` formatting (its widths),
  `+` and `~` (joined texts or lists), a method call (`ljust(n)`, `replace`), and the filters
  that widen text (`center`, `indent`, `wordwrap`, `truncate`, `format`, `replace`) may not make a
  text or list of more than `MAX_SIZE` items, nor an integer of more than `MAX_INT_BITS` bits; the
  operations that can jump past the cap in one step are checked before they run, those that add
  (`+`, `~`, a call's result) after, which is enough because a value can only double per step;
- `MAX_STEPS` loop iterations and calls (Jinja has no other way to repeat work; `range` itself is
  the sandbox's, at most 100,000 items);
- `MAX_OUTPUT` characters of output (the template is rendered streamed, through `generate()`).

A wall-clock limit would need a thread or a signal per render; counting steps bounds the same
work portably (a step costs about a microsecond, so `MAX_STEPS` is seconds). What slips past
these counts (memory a library call needs) still ends as a diagnostic naming the template, never
as a crash: `MemoryError`, `RecursionError` and the arithmetic errors of a render are caught.
"""

from __future__ import annotations

import os
import re
import traceback
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, StrictUndefined, TemplateNotFound, nodes, pass_context, select_autoescape
from jinja2.exceptions import SecurityError
from jinja2.loaders import split_template_path
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer
from markupsafe import Markup

from planner import numbers
from planner.errors import Diagnostic, PlannerError
from planner.report.markdown import markdown_filter
from planner.source import guard
from planner.source.resources import resource_dir
from planner.text import escape_inline, printable

PROJECT_TEMPLATES = "templates"
MAX_SIZE = 1 << 24
"""Most characters of a text, or items of a list, a template may make (16 Mi; a report is a few MB)."""
MAX_INT_BITS = 1 << 13
"""Most bits of an integer a template may make (about 2,500 digits: Python prints at most 4,300)."""
MAX_STEPS = 2_000_000
"""Most loop iterations and calls while rendering one document (the built-in reports of a
10,000-risk register take a few hundred thousand)."""
MAX_OUTPUT = 1 << 26
"""Most characters one rendered document may have (64 Mi)."""
WIDENING_FILTERS = ("center", "indent", "wordwrap", "truncate", "format", "replace")
"""Built-in filters whose arguments say how wide a text to make: checked before they run."""
_STEPS_FILTER, _SIZED_FILTER = "planner_steps", "planner_sized"
_PRINTF_WIDTH = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\d+|\*)?(?:\.(\d+|\*))?")


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


def _too_large(what: str, size: int, limit: int, unit: str = "items") -> SecurityError:
    return SecurityError(f"{what} of {size:,} {unit} would be larger than the {limit:,} a template may make")


def _check_size(value: object) -> object:
    """`value`, unless it is a text or list (tuple, dict) longer than `MAX_SIZE`."""
    if isinstance(value, (str, bytes, list, tuple, dict)) and len(value) > MAX_SIZE:
        raise _too_large("a value", len(value), MAX_SIZE)
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise _too_large("an integer", value.bit_length(), MAX_INT_BITS, "bits")
    return value


def _check_counts(args: Iterable[object]) -> None:
    """Integer arguments (a width, a count) of a call that makes text: none above `MAX_SIZE`."""
    for value in args:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SIZE:
            raise _too_large("a width or count", abs(value), MAX_SIZE, "characters")


def _check_replace(text: object, old: object, new: object, count: object = -1) -> None:
    """`text.replace(old, new)` may not make more than `MAX_SIZE` characters (one step, no doubling needed)."""
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str) and len(new) > len(old):
        found = (len(text) + 1) if not old else text.count(old)
        if isinstance(count, int) and count >= 0:
            found = min(found, count)
        size = len(text) + found * (len(new) - len(old))
        if size > MAX_SIZE:
            raise _too_large("a text", size, MAX_SIZE)


def _check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse, before computing it, a `*`, `**` or `%` whose result would pass the caps."""
    if operator == "*":
        for items, times in ((left, right), (right, left)):
            if (
                isinstance(items, (str, bytes, list, tuple))
                and isinstance(times, int)
                and len(items) * times > MAX_SIZE
            ):
                raise _too_large("a repeated value", len(items) * times, MAX_SIZE)
        if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise _too_large("an integer", left.bit_length() + right.bit_length(), MAX_INT_BITS, "bits")
    elif operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0:
        bits = max(left.bit_length() - 1, 1) * right
        if abs(left) > 1 and bits > MAX_INT_BITS:
            raise _too_large("an integer", bits, MAX_INT_BITS, "bits")
    elif operator == "%" and isinstance(left, str):
        for match in _PRINTF_WIDTH.finditer(left):
            _check_counts(int(part) for part in match.groups() if part and part != "*")
        _check_counts(right if isinstance(right, tuple) else (right,) if "*" in left else ())


class _Bounds(NodeTransformer):
    """Every loop's iterable counted, every `~` checked: added to a template as it is parsed."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = nodes.Filter(node.iter, _STEPS_FILTER, [], [], None, None, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return nodes.Filter(node, _SIZED_FILTER, [], [], None, None, lineno=node.lineno)


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with the module's caps on values, steps and output."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.steps = 0
        self.filters[_STEPS_FILTER] = _counted
        self.filters[_SIZED_FILTER] = _sized
        for name in WIDENING_FILTERS:
            self.filters[name] = _widening(self.filters[name], name)

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise SecurityError(f"the template took more than {MAX_STEPS:,} loop iterations and calls")

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _check_binop(operator, left, right)
        return _check_size(super().call_binop(context, operator, left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        __self.step()
        if getattr(__obj, "__self__", None).__class__ in (str, bytes, Markup):  # a text's method
            _check_counts([*args, *kwargs.values()])
            if getattr(__obj, "__name__", "") == "replace":
                _check_replace(__obj.__self__, *args, **kwargs)
        return _check_size(super().call(__context, __obj, *args, **kwargs))

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        template = _Bounds().visit(super()._parse(source, name, filename))
        assert isinstance(template, nodes.Template)
        return template


@pass_context  # a context filter is never folded at compile time, so it runs at every render
def _counted(context: Context, items: Iterable[Any]) -> Iterator[Any]:
    env = context.environment
    assert isinstance(env, BoundedEnvironment)
    for item in items:
        env.step()
        yield item


@pass_context
def _sized(context: Context, value: Any) -> Any:
    return _check_size(value)


def _widening(filter_: Callable[..., Any], name: str) -> Callable[..., Any]:
    """A built-in filter that widens text, its widths and counts checked first (and never folded)."""

    @pass_context
    def checked(context: Context, value: Any, *args: Any, **kwargs: Any) -> Any:
        if name == "replace":
            _check_replace(str(value), *[str(a) if isinstance(a, str) else a for a in args])
        elif name == "format" and isinstance(value, str):
            _check_binop("%", value, tuple(args) or tuple(kwargs.values()))
        else:
            _check_counts([*args, *kwargs.values()])
        result = _call_filter(context, filter_, value, *args, **kwargs)
        return _check_size(result)

    return checked


def _call_filter(context: Context, filter_: Callable[..., Any], value: Any, *args: Any, **kwargs: Any) -> Any:
    """A filter called with what its `pass_*` decorator asks for."""
    from jinja2.utils import _PassArg

    passed = _PassArg.from_obj(filter_)
    if passed is _PassArg.context:
        return filter_(context, value, *args, **kwargs)
    if passed is _PassArg.eval_context:
        return filter_(context.eval_ctx, value, *args, **kwargs)
    if passed is _PassArg.environment:
        return filter_(context.environment, value, *args, **kwargs)
    return filter_(value, *args, **kwargs)


NUMBER_FILTERS = {
    "number": numbers.report_number,
    "count": numbers.count,
    "rate": numbers.rate,
    "measured": numbers.measured,
    "cost": numbers.cost,
    "interval": numbers.interval,
    "estimate": numbers.estimate,
}
"""The number filters, all from `planner.numbers` (one style for every report: issue 15)."""


def environment(project_root: Path | None = None) -> BoundedEnvironment:
    env = BoundedEnvironment(
        loader=ConfinedLoader([str(path) for path in search_path(project_root)]),
        autoescape=select_autoescape(enabled_extensions=("html.j2", "svg.j2"), default_for_string=True, default=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_printable,
    )
    env.filters.update(markdown=markdown_filter, md=escape_inline, pdf_rows=pdf_rows, **NUMBER_FILTERS)
    return env


def render_template(env: BoundedEnvironment, name: str, context: dict) -> str:
    """A template rendered, or a diagnostic naming the template (a project's own may be broken, or
    hostile: see the module's bounds)."""
    from jinja2 import TemplateError, TemplateSyntaxError

    env.steps = 0
    try:
        return _render(env, name, context)
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
        raise _refused(env, name, exc.message or str(exc), exc) from None
    except (MemoryError, RecursionError, ArithmeticError) as exc:
        # what slipped past the counted bounds: a library call's memory, a macro calling itself,
        # a float overflow or a division by zero
        raise _refused(env, name, f"{type(exc).__name__}: {str(exc)[:200] or 'out of memory'}", exc) from None
    except (TypeError, ValueError, LookupError) as exc:
        if not _raised_in_project(env, exc):  # a built-in template's error is planner's bug
            raise
        raise _refused(env, name, f"{type(exc).__name__}: {str(exc)[:200]}", exc) from None


def _raised_in_project(env: BoundedEnvironment, exc: BaseException) -> bool:
    """Whether a frame of `exc` is a template of the project's own folder (Jinja's tracebacks name
    the template file): `{{ 1 + "a" }}` there is the project's mistake, not planner's."""
    loader = env.loader
    own = loader.searchpath[:-1] if isinstance(loader, ConfinedLoader) else []  # the last is built in
    frames = traceback.extract_tb(exc.__traceback__)
    return any(frame.filename.startswith(folder + os.sep) for folder in own for frame in frames)


def _render(env: BoundedEnvironment, name: str, context: dict) -> str:
    """The document streamed chunk by chunk, stopped once past `MAX_OUTPUT` characters."""
    chunks: list[str] = []
    size = 0
    for chunk in env.get_template(name).generate(context):
        size += len(chunk)
        if size > MAX_OUTPUT:
            raise SecurityError(f"the template wrote more than {MAX_OUTPUT:,} characters")
        chunks.append(chunk)
    return "".join(chunks)


def _refused(env: BoundedEnvironment, name: str, why: str, exc: BaseException) -> PlannerError:
    file, line = _template_place(env, name, exc)
    return PlannerError(
        [
            Diagnostic(
                "report-template",
                f"template {name}: {why}",
                file,
                line,
                1 if line else 0,
                hint="check the templates in the project's templates/ folder",
            )
        ]
    )


def _template_place(env: BoundedEnvironment, name: str, exc: BaseException) -> tuple[str, int]:
    """The template file (and line) a render stopped in: the innermost frame of a template on the
    search path (Jinja's tracebacks name the template file and line), else the file of `name`."""
    loader = env.loader
    folders = loader.searchpath if isinstance(loader, ConfinedLoader) else []
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if any(frame.filename.startswith(folder + os.sep) for folder in folders):
            return frame.filename, frame.lineno or 0
    try:  # loaded already (the render began), so this is the cached template, not a second read
        return env.get_template(name).filename or name, 0
    except Exception:  # a template that cannot be named again is still named by `name`
        return name, 0


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
        return Markup(printable(value))
    return printable(value) if isinstance(value, str) else value
