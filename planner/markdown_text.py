"""User text placed into Markdown (model cards, pull-request comments, CI job summaries).

One function, shared by every Markdown writer, so each escapes the same characters: text from
specs must stay literal text on one line, unable to end a table cell, open a link, code span,
emphasis or heading, or inject HTML where a Markdown renderer allows it.
"""

from __future__ import annotations

import re

MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")


def escape_inline(text) -> str:
    """`text` as literal Markdown on one line: whitespace runs become one space, `& < >` entities,
    Markdown punctuation backslash-escaped; `None` becomes the empty string."""
    if text is None:
        return ""
    text = " ".join(str(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)
