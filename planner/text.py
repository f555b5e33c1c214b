"""The one policy for user text: how text from specs is neutralised for each place it is written.

Spec text is user input. Each output it reaches has its own escaping policy, all kept here so
every writer of one format escapes the same characters:

- `CONTROL`: C0 controls but tab and line breaks, DEL and C1 controls. Dropped from everything a
  report template prints (HTML, `planner.report.environment`), from rendered Markdown
  (`planner.report.markdown`) and from Markdown on one line (below).
- `escape_inline`, Markdown on one line: control characters dropped, whitespace runs become one
  space (a no-break space stays: it holds an interval together), `& < >` as entities, Markdown
  punctuation backslash-escaped. Model cards, the report's `md` filter, `planner diff --format
  markdown` and the gate's job summary.
- `inert` (and `TERMINAL_CONTROL`), a terminal: every C0 and C1 control, line breaks included,
  becomes a space, so no escape sequence (ESC, CSI) reaches the terminal. `inert_columns` does the
  same one character for one, so a caret under a quoted source line still points at its column.
- `terminal`, a rich console: `inert` text as a `rich.text.Text`, which rich never reads as markup
  (in a markup string `[/]` raises `MarkupError` and `[link=...]` prints a live hyperlink). Every
  string from a spec, a predictions file or a run reaches a console this way: `planner status`,
  `planner audit`, the gate's text output. Plain terminal text (`click.echo`) takes `inert`:
  diagnostics (`planner.errors.render_text`), `planner diff`, the Markdown job summary (before
  `escape_inline`).
- `xml_safe`, XML 1.0 text and attribute values: the characters XML 1.0 forbids are dropped (most
  control characters, lone surrogates, U+FFFE and U+FFFF); `ElementTree` escapes the rest. The
  gate's JUnit XML, `planner trace --format graphml` and `dot`, the report's SVG charts.
- `escape_data` and `escape_property`, GitHub Actions workflow commands, as GitHub's toolkit
  escapes them: nothing in a message can end its line; nothing in a property value can end the
  value either (`:` and `,`). The gate's annotations and the CLI's invalid-spec annotations.
- `scrub_credentials`, anything that echoes spec or run text (a diagnostic's message, hint and
  quoted source line, in text and JSON): the user information of a URL (`scheme://user:pass@`)
  and the values of the query parameters `token`, `access_token`, `password`, `key` and `secret`
  (any case) become `***`. `${NAME}` placeholders are not secrets and stay.
- `split_lines`, a file's lines as YAML counts them (LF, CRLF, CR, NEL, U+2028, U+2029), so a
  quoted source line is the line a diagnostic's position names (`str.splitlines` also splits at
  form feeds and separators YAML does not count).

A lone surrogate (an undecodable byte of a file name, read with `surrogateescape`) cannot be
encoded as UTF-8 at all, so writing it raises `UnicodeEncodeError`: `inert`, `inert_columns` and
`escape_inline` make it U+FFFD, `xml_safe` drops it.

JSON (the gate's JSON and SARIF) needs no policy here: `json.dumps` escapes every control
character.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.text import Text

MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")
# whitespace runs on one Markdown line, but the no-break space: it holds an interval together
# (`[0.335,\u00a00.559]`, `planner.numbers`) and ends no line
INLINE_WHITESPACE = re.compile(r"[^\S\u00a0]+")
# C0 controls but tab and line breaks, DEL and C1 controls: invisible in a rendered page, not allowed
# in HTML text, and live in a terminal that prints the file (ESC, CSI)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# every C0 and C1 control, line breaks included: a terminal line holds none of them
TERMINAL_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
TERMINAL_CONTROL_CHAR = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# a lone surrogate (a file name's undecodable byte, read with `surrogateescape`) cannot be written
# to a UTF-8 terminal at all: printing it raises UnicodeEncodeError
SURROGATE = re.compile("[\ud800-\udfff]")
# XML 1.0 allows tab, LF, CR and these ranges only; a lone surrogate is outside them too.
XML_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# YAML's line breaks (PyYAML counts lines at each of them)
LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
# `scheme://userinfo@`: the authority runs to the first `/ ? #`, quote or space; the last `@` ends
# the user information (an unencoded `@` in a password included)
URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^\s/?#\"'<>]*)@")
_PART = r"[^=&;#?\s\"'<>_.-]*"
SECRET_NAME = (
    rf"(?:(?:{_PART}[_.-])*)(?:[a-z0-9]*(?:password|passwd|token|secret)|pwd|pass|key|apikey|credentials?|auth)"
    rf"(?:(?:[_.-]{_PART})*)"
)
"""A query parameter name that carries a credential: one of its parts (split at `_`, `.`, `-`)
is `key`, `pwd`, `pass`, `auth`, `credential(s)`, or ends in `password`, `token` or `secret`
(`sslpassword`, `api_key`, `client_secret`, `access_token`, `x-api-key`, `private_key_file_pwd`);
`monkey` and `keys` are not."""
SECRET_QUERY = re.compile(
    r"(?i)([?&;]" + SECRET_NAME + r"=)(?!\$\{[A-Za-z_][A-Za-z0-9_]*\}(?:[&;#\s\"'<>]|$))[^&;#\s\"'<>]*"
)
PLACEHOLDER_USERINFO = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}(?::\$\{[A-Za-z_][A-Za-z0-9_]*\})?")


def printable(text: object) -> str:
    """`text` for a document (HTML, PDF, Markdown): control characters dropped, a lone surrogate,
    which no UTF-8 file can hold, U+FFFD."""
    return SURROGATE.sub("\ufffd", CONTROL.sub("", str(text)))


def escape_inline(text: object) -> str:
    """`text` as literal Markdown on one line: control characters dropped, whitespace runs become
    one space, `& < >` entities, Markdown punctuation backslash-escaped; `None` becomes ""."""
    if text is None:
        return ""
    text = INLINE_WHITESPACE.sub(" ", printable(text)).strip(" ")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)


def inert(text: object) -> str:
    """`text` for a terminal: each run of control characters, which start escape sequences and
    break lines, becomes one space; a lone surrogate, which no terminal encoding can write, U+FFFD."""
    return SURROGATE.sub("\ufffd", TERMINAL_CONTROL.sub(" ", str(text)))


def inert_columns(text: object) -> str:
    """`text` for a terminal, each control character replaced by one space (a lone surrogate by
    U+FFFD) so columns stay put."""
    return SURROGATE.sub("\ufffd", TERMINAL_CONTROL_CHAR.sub(" ", str(text)))


def terminal(text: object, style: str = "") -> Text:
    """`text` for a rich console: inert (no escape sequences, no line breaks) and, as a `Text`,
    never read as rich markup."""
    from rich.text import Text

    return Text(inert(text), style=style)


def scrub_credentials(text: object) -> str:
    """`text` with the credentials a URL may carry replaced by `***`: its user information and the
    values of its `token`, `access_token`, `password`, `key` and `secret` query parameters."""

    def userinfo(match: re.Match) -> str:
        if PLACEHOLDER_USERINFO.fullmatch(match.group(2)) or match.group(2) == "***":
            return match.group(0)
        return match.group(1) + "***@"

    return SECRET_QUERY.sub(r"\1***", URL_USERINFO.sub(userinfo, str(text)))


def split_lines(text: str) -> list[str]:
    """The lines of `text` as YAML counts them, without their line breaks."""
    lines = LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def xml_safe(text: object) -> str:
    """Text without the characters XML 1.0 forbids (most control characters, lone surrogates, U+FFFE/F)."""
    return XML_FORBIDDEN.sub("", str(text))


def escape_data(text: object) -> str:
    """A workflow command's message, as GitHub's toolkit escapes it: nothing in it can end the line."""
    return xml_safe(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: object) -> str:
    """A workflow command's property value: also no `:` or `,`, which would end the value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
