"""Markdown text escaping and link checks shared by the model card, diff comments and CI summaries."""

import pytest
from markdown_it import MarkdownIt

from planner.report.markdown import markdown_filter, safe_link
from planner.text import escape_inline


@pytest.mark.parametrize(
    "text",
    [
        "| a | b |",
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        "# heading",
        "**bold** _em_ `code` ~~gone~~",
        "a\nb\r\n\tc",
        "&amp; &lt;",
    ],
)
def test_escaped_text_renders_back_to_itself_as_one_plain_paragraph(text):
    tokens = MarkdownIt("commonmark").enable("table").enable("strikethrough").parseInline(escape_inline(text))[0]
    assert [child.type for child in tokens.children] == ["text"]
    assert tokens.children[0].content == " ".join(text.split())


@pytest.mark.parametrize(
    "url, safe",
    [
        ("https://example.com/a", True),
        ("http://x", True),
        ("mailto:a@b.example", True),
        ("docs/a.md", True),
        ("../a.md", True),
        ("#section", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("java\tscript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("data:text/html,x", False),
        ("file:///etc/passwd", False),
        ("vbscript:x", False),
        ("//evil.example/x", False),
        ("\\\\evil\\x", False),
    ],
)
def test_only_http_mailto_and_relative_links_are_safe(url, safe):
    assert safe_link(url) is safe


def test_markdown_in_specs_renders_without_html_images_or_unsafe_links():
    html = str(
        markdown_filter("**ok** <b>raw</b> ![i](https://x/i.png) [j](javascript:alert(1)) [k](https://k.example)")
    )
    # an image is never loaded: it degrades to a link the reader may follow
    assert html == (
        '<p><strong>ok</strong> &lt;b&gt;raw&lt;/b&gt; !<a href="https://x/i.png">i</a> '
        '[j](javascript:alert(1)) <a href="https://k.example">k</a></p>\n'
    )
    assert markdown_filter(None) == ""


def test_markdown_drops_control_characters_and_replaces_lone_surrogates():
    html = str(markdown_filter("**a**\x1b[31m b\x07\x9b c \udcff"))
    assert html == "<p><strong>a</strong>[31m b c \ufffd</p>\n"
    html.encode("utf-8")
