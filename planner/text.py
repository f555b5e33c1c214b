"""The one policy for user text: how text from specs is neutralised for each place it is written.

Spec text is user input. Each output it reaches has its own escaping policy, all kept here so
every writer of one format escapes the same characters:

- `CONTROL`: C0 controls but tab and line breaks, DEL and C1 controls. Dropped from everything a
  report template prints (HTML, `planner.report.environment`) and from Markdown (below).
- `escape_inline`, Markdown on one line: control characters dropped, whitespace runs become one
  space, `& < >` as entities, Markdown punctuation backslash-escaped. Model cards, the report's
  `md` filter, `planner diff --format markdown` and the gate's job summary.
- `inert` (and `TERMINAL_CONTROL`), a terminal: every C0 and C1 control, line breaks included,
  becomes a space, so no escape sequence (ESC, CSI) reaches the terminal. Rich markup is kept
  inert by the caller, which wraps the text in `rich.text.Text` instead of printing it as markup.
  The gate's text output, the Markdown job summary (before `escape_inline`) and `planner diff`.
- `xml_safe`, XML 1.0 text and attribute values: the characters XML 1.0 forbids are dropped (most
  control characters, lone surrogates, U+FFFE and U+FFFF); `ElementTree` escapes the rest. The
  gate's JUnit XML.
- `escape_data` and `escape_property`, GitHub Actions workflow commands, as GitHub's toolkit
  escapes them: nothing in a message can end its line; nothing in a property value can end the
  value either (`:` and `,`). The gate's annotations and the CLI's invalid-spec annotations.

JSON (the gate's JSON and SARIF) needs no policy here: `json.dumps` escapes every control
character.
"""

from __future__ import annotations

import re

MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")
# C0 controls but tab and line breaks, DEL and C1 controls: invisible in a rendered page, not allowed
# in HTML text, and live in a terminal that prints the file (ESC, CSI)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# every C0 and C1 control, line breaks included: a terminal line holds none of them
TERMINAL_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
# XML 1.0 allows tab, LF, CR and these ranges only; a lone surrogate is outside them too.
XML_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def escape_inline(text: object) -> str:
    """`text` as literal Markdown on one line: control characters dropped, whitespace runs become
    one space, `& < >` entities, Markdown punctuation backslash-escaped; `None` becomes ""."""
    if text is None:
        return ""
    text = " ".join(CONTROL.sub("", str(text)).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)


def inert(text: object) -> str:
    """`text` for a terminal: each run of control characters, which start escape sequences and
    break lines, becomes one space."""
    return TERMINAL_CONTROL.sub(" ", str(text))


def xml_safe(text: object) -> str:
    """Text without the characters XML 1.0 forbids (most control characters, lone surrogates, U+FFFE/F)."""
    return XML_FORBIDDEN.sub("", str(text))


def escape_data(text: object) -> str:
    """A workflow command's message, as GitHub's toolkit escapes it: nothing in it can end the line."""
    return xml_safe(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: object) -> str:
    """A workflow command's property value: also no `:` or `,`, which would end the value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
