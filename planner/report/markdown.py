"""Free text from specs rendered as Markdown, safely.

Spec text is written by many people and read by reviewers, so it gets Markdown's emphasis, lists,
code and links, but never raw HTML: HTML in the text is shown as text. Links may only point at
http(s), mailto or relative targets (no `javascript:`, `data:` or `file:`), and images are not
rendered at all, because an image is a request the self-contained report must not make.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markupsafe import Markup

from planner.text import printable

SAFE_SCHEMES = ("http", "https", "mailto")
SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
# Control characters and whitespace browsers strip before reading a scheme ("java\tscript:").
IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]")


def safe_link(url: str) -> bool:
    """Whether a link target may appear in a report: http(s), mailto, or relative without a scheme."""
    url = IGNORED_IN_SCHEME.sub("", url)
    if url.startswith(("//", "\\", "/\\", "\\/")):  # scheme-relative: another host
        return False
    match = SCHEME.match(url)
    return match is None or match.group(1).lower() in SAFE_SCHEMES


class _SafeMarkdownIt(MarkdownIt):
    """A parser whose link check is `safe_link` (markdown-it's own hook for it is this method)."""

    def validateLink(self, url: str) -> bool:
        return safe_link(url)


def _parser() -> MarkdownIt:
    parser = _SafeMarkdownIt("default", {"html": False, "linkify": False, "typographer": False})
    parser.disable("image")
    return parser


PARSER = _parser()


def markdown_filter(text) -> Markup:
    """Block Markdown -> HTML for templates; `None` renders as nothing. Control characters are
    dropped first (as from all report text, `planner.text.CONTROL`), and a lone surrogate, which
    the page's UTF-8 cannot hold, becomes U+FFFD."""
    if text is None:
        return Markup("")
    return Markup(PARSER.render(printable(text)))
