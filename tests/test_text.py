"""Each escaping policy of `planner.text`, on hostile user text."""

import io
import xml.etree.ElementTree as ET

import pytest
from rich.console import Console
from rich.text import Text

from planner.text import CONTROL, TERMINAL_CONTROL, escape_data, escape_inline, escape_property, inert, xml_safe

ESC = "\x1b[31mred\x1b[0m \x1b]8;;https://evil.example\x07link\x1b]8;;\x07"  # colour and an OSC 8 hyperlink
C1 = "\x9b31mcsi\x9b0m \x85nel \x9dosc"  # 8-bit CSI, NEXT LINE, 8-bit OSC
XML_FORBIDDEN = "".join(map(chr, [*range(9), 11, 12, *range(14, 32), 0xD800, 0xDFFF, 0xFFFE, 0xFFFF]))


# The patterns


def test_control_keeps_tab_and_line_breaks_and_terminal_control_keeps_nothing():
    assert CONTROL.sub("", "a\tb\nc\rd\x00\x1b\x7f\x9f") == "a\tb\nc\rd"
    assert TERMINAL_CONTROL.sub("", "a\tb\nc\rd\x00\x1b\x7f\x9f") == "abcd"
    assert CONTROL.sub("", "\xa0é€") == TERMINAL_CONTROL.sub("", "\xa0é€") == "\xa0é€"  # printable stays


# Markdown


def test_escape_inline_drops_controls_and_escapes_markdown_and_html():
    assert escape_inline(ESC) == "\\[31mred\\[0m \\]8;;https://evil.examplelink\\]8;;"
    assert escape_inline(C1) == "31mcsi0m nel osc"
    assert escape_inline("a\r\nb\t c") == "a b c"
    assert escape_inline("<b>&amp;</b> | `x` *y* _z_ ~w~ # [l](u) \\") == (
        "&lt;b&gt;&amp;amp;&lt;/b&gt; \\| \\`x\\` \\*y\\* \\_z\\_ \\~w\\~ \\# \\[l\\](u) \\\\")
    assert escape_inline(None) == "" and escape_inline(0.5) == "0.5"


# Terminal


def test_inert_replaces_each_run_of_controls_by_one_space():
    assert inert(ESC) == " [31mred [0m  ]8;;https://evil.example link ]8;; "
    assert inert(C1) == " 31mcsi 0m  nel  osc"
    assert inert("one\r\ntwo\nthree\x00\x07four") == "one two three four"
    assert inert(42) == "42"


def test_inert_text_keeps_rich_markup_literal_when_printed_as_text():
    hostile = "[bold red]loud[/] [/] [link=https://evil.example]x[/link]\x1b[2J"
    assert inert(hostile) == "[bold red]loud[/] [/] [link=https://evil.example]x[/link] [2J"
    console = Console(file=io.StringIO(), record=True, width=200, color_system=None)
    console.print(Text(inert(hostile)))
    assert console.export_text() == "[bold red]loud[/] [/] [link=https://evil.example]x[/link] [2J\n"


# XML 1.0


def test_xml_safe_keeps_what_xml_allows():
    allowed = "tab\t lf\n cr\r é € 𝄞 \ue000 \ufffd"
    assert xml_safe(allowed) == allowed
    assert xml_safe(XML_FORBIDDEN) == ""


def test_xml_safe_text_survives_an_xml_round_trip():
    hostile = f"{ESC} {C1} <![CDATA[ ]]> & \" ' \ud800 lone \udfff surrogates \ufffe"
    safe = xml_safe(hostile)
    assert safe == ("[31mred[0m ]8;;https://evil.example" "link]8;; \x9b31mcsi\x9b0m \x85nel \x9dosc "
                    "<![CDATA[ ]]> & \" '  lone  surrogates ")  # C1 controls are allowed in XML 1.0
    element = ET.Element("case", {"name": safe})
    element.text = safe
    parsed = ET.fromstring(ET.tostring(element, encoding="unicode"))
    assert (parsed.get("name"), parsed.text) == (safe, safe)
    assert xml_safe(None) == "None" and xml_safe(3) == "3"


# GitHub workflow commands


def test_escape_data_keeps_a_message_on_its_line():
    assert escape_data("100% done\r\n::error::injected") == "100%25 done%0D%0A::error::injected"
    assert escape_data("a:b,c") == "a:b,c"  # a message may hold what ends a property
    assert escape_data("%0A stays literal") == "%250A stays literal"
    assert escape_data(f"x{XML_FORBIDDEN}y") == "xy"


@pytest.mark.parametrize("value, escaped", [
    ("a,b:c.yaml", "a%2Cb%3Ac.yaml"),
    ("50%\r\nline=9,title=x::", "50%25%0D%0Aline=9%2Ctitle=x%3A%3A"),
    ("%3A", "%253A"),
    ("\x1b[31m\ud800", "[31m"),
])
def test_escape_property_also_ends_no_value(value, escaped):
    assert escape_property(value) == escaped
    decoded = escaped.replace("%3A", ":").replace("%2C", ",").replace("%0A", "\n").replace("%0D", "\r")
    assert decoded.replace("%25", "%") == xml_safe(value)
