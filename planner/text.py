"""User text placed into Markdown (model cards, pull-request comments, CI job summaries).

One function, shared by every Markdown writer, so each escapes the same characters: text from
specs must stay literal text on one line, unable to end a table cell, open a link, code span,
emphasis or heading, or inject HTML where a Markdown renderer allows it.
"""

from __future__ import annotations

import re

MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")
# C0 controls but tab and line breaks, DEL and C1 controls: invisible in a rendered page, not allowed
# in HTML text, and live in a terminal that prints the file (ESC, CSI)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# every C0 and C1 control, line breaks included: a terminal line holds none of them
TERMINAL_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def escape_inline(text) -> str:
    """`text` as literal Markdown on one line: control characters dropped, whitespace runs become
    one space, `& < >` entities, Markdown punctuation backslash-escaped; `None` becomes ""."""
    if text is None:
        return ""
    text = " ".join(CONTROL.sub("", str(text)).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)
