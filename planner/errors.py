"""Diagnostics and exit codes: one type for every problem planner reports, and its renderers.

Every stage (loading, validation, cross-checks, evidence) reports through `Diagnostic`, so the CLI
prints them all the same way and CI consumers get one JSON shape (a contract: `file`, `line`,
`column`, `path`, `code`, `severity`, `message`, `hint`).

A diagnostic quotes user text (a value, a source line, a file name), so its renderers pass that
text through `planner.text`: credentials scrubbed (`scrub_credentials`) in text and JSON, and
control characters made spaces (`inert`) in text, which goes to a terminal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from enum import IntEnum, StrEnum

from planner.text import inert, inert_columns, scrub_credentials


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class ExitCode(IntEnum):
    """What every command's exit status means (a contract CI pipelines rely on)."""

    OK = 0
    FAILED = 1
    """The command ran and found failures: a limit breached, a release blocked."""
    INVALID = 2
    """The input could not be used; the diagnostics say where."""
    INTERNAL = 3
    """A bug in planner."""


class Cause(IntEnum):
    """Which stage found a problem, in the order a reader should fix them: a file that does not
    load hides everything in it, an invalid item may explain a reference to it elsewhere."""

    LOAD = 0
    """The file or document cannot be read as a spec (syntax, encoding, unknown kind)."""
    ITEM = 1
    """A value of one document (a key, a type, a scale)."""
    CROSS = 2
    """Between documents (references, duplicate ids, cycles)."""


PathPart = str | int


@dataclass(frozen=True)
class Diagnostic:
    """A problem at a place in a spec file; `line` and `column` are 1-based, 0 when unknown."""

    code: str
    message: str
    file: str = ""
    line: int = 0
    column: int = 0
    path: tuple[PathPart, ...] = ()
    severity: Severity = Severity.ERROR
    hint: str = ""
    breadcrumb: str = field(default="", compare=False)
    cause: Cause = field(default=Cause.ITEM, compare=False)
    """Orders the output (`sort_key`); not part of the JSON contract."""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def caused_by(self, cause: Cause) -> Diagnostic:
        return replace(self, cause=cause)

    def to_dict(self) -> dict:
        data = asdict(self)
        del data["cause"]
        data["path"] = list(self.path)
        data["severity"] = self.severity.value
        return data


class PlannerError(Exception):
    """Input planner cannot use: carries the diagnostics that say why (the CLI exits 2)."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = list(diagnostics)
        super().__init__("; ".join(d.message for d in self.diagnostics))


def sort_key(diag: Diagnostic) -> tuple:
    """Causes first (files that do not load, then items, then cross-document), each by file and line."""
    return (diag.cause, diag.file, diag.line, diag.column, diag.code)


def _shown(text: object) -> str:
    """User text on one terminal line: credentials scrubbed, control characters made spaces."""
    return inert(scrub_credentials(text))


def render_text(diag: Diagnostic, source_lines: list[str] | None = None) -> str:
    """Compiler-style text: `file:line:col: error[code] message`, then where, the source line, a hint.

    Every part is terminal-safe: no control characters (escape sequences, line breaks inside a
    part), and no credentials (URL user information, `token=`-like query values) in the message,
    the hint or the quoted source line."""
    where = _shown(diag.file) or "<input>"
    if diag.line:
        where += f":{diag.line}:{diag.column}"
    lines = [f"{where}: {diag.severity.value}[{diag.code}] {_shown(diag.message)}"]
    if diag.breadcrumb:
        lines.append(f"  at {_shown(diag.breadcrumb)}")
    if source_lines and 0 < diag.line <= len(source_lines):
        source = source_lines[diag.line - 1].rstrip("\r\n")
        # one character for one, so the caret stays under its column; a scrubbed credential
        # before the caret moves it by as much as the line shrank there
        text = inert_columns(scrub_credentials(source))
        column = max(diag.column - 1, 0)
        before = inert_columns(scrub_credentials(source[:column]))
        caret = len(before) + max(column - len(source), 0) if text.startswith(before) else column
        gutter = f"{diag.line:>4} | "
        lines.append(gutter + text)
        lines.append(" " * (len(gutter) + caret) + "^")
    if diag.hint:
        lines.append(f"  hint: {_shown(diag.hint)}")
    return "\n".join(lines)


def render_json(diagnostics: Iterable[Diagnostic], **extra) -> str:
    """The diagnostics as JSON, with credentials scrubbed from their messages and hints."""
    payload = {**extra, "diagnostics": [_scrubbed(d.to_dict()) for d in diagnostics]}
    return json.dumps(payload, indent=2, allow_nan=False, ensure_ascii=False)


def _scrubbed(data: dict) -> dict:
    return {**data, "message": scrub_credentials(data["message"]), "hint": scrub_credentials(data["hint"])}


def summary(diagnostics: Iterable[Diagnostic]) -> str:
    diags = list(diagnostics)
    errors = sum(d.is_error for d in diags)
    warnings = len(diags) - errors
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


def by_file(diagnostics: Iterable[Diagnostic]) -> list[str]:
    """`specs/risks.yaml: 2 errors, 0 warnings` for each file with a diagnostic, most errors first."""
    files: dict[str, list[Diagnostic]] = {}
    for diag in diagnostics:
        files.setdefault(diag.file, []).append(diag)
    ranked = sorted(files.items(), key=lambda entry: (-sum(d.is_error for d in entry[1]), entry[0]))
    return [f"{_shown(file) or '(no file)'}: {summary(diags)}" for file, diags in ranked]
