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
        "&lt;b&gt;&amp;amp;&lt;/b&gt; \\| \\`x\\` \\*y\\* \\_z\\_ \\~w\\~ \\# \\[l\\](u) \\\\"
    )
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
    assert safe == (
        "[31mred[0m ]8;;https://evil.example"
        "link]8;; \x9b31mcsi\x9b0m \x85nel \x9dosc "
        "<![CDATA[ ]]> & \" '  lone  surrogates "
    )  # C1 controls are allowed in XML 1.0
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


@pytest.mark.parametrize(
    "value, escaped",
    [
        ("a,b:c.yaml", "a%2Cb%3Ac.yaml"),
        ("50%\r\nline=9,title=x::", "50%25%0D%0Aline=9%2Ctitle=x%3A%3A"),
        ("%3A", "%253A"),
        ("\x1b[31m\ud800", "[31m"),
    ],
)
def test_escape_property_also_ends_no_value(value, escaped):
    assert escape_property(value) == escaped
    decoded = escaped.replace("%3A", ":").replace("%2C", ",").replace("%0A", "\n").replace("%0D", "\r")
    assert decoded.replace("%25", "%") == xml_safe(value)


# Terminal text for a rich console, and source lines


def test_terminal_text_is_inert_and_never_markup():
    from planner.text import terminal

    hostile = "[/] [link=https://evil.example]x[/link] [bold]b\x1b[2J\x9b31m"
    text = terminal(hostile, "bold")
    assert isinstance(text, Text) and text.plain == inert(hostile) and str(text.style) == "bold"
    console = Console(file=io.StringIO(), record=True, width=200, color_system="truecolor", force_terminal=True)
    console.print(text)
    shown = console.export_text()
    assert "[link=https://evil.example]x[/link]" in shown and "\x1b" not in shown and "\x9b" not in shown
    raw = console.file.getvalue()  # what a terminal receives: rich's own styling, no link (OSC 8)
    assert "\x1b]8;" not in raw and "\x1b[2J" not in raw and "\x9b" not in raw


def test_lone_surrogates_become_replacement_characters_for_terminals_and_markdown():
    from planner.text import inert_columns

    name = b"run-\xff".decode("utf-8", "surrogateescape")  # a file name's undecodable byte
    assert inert(name) == inert_columns(name) == "run-\ufffd"
    assert escape_inline(name) == "run-\ufffd" and xml_safe(name) == "run-"
    inert(name).encode("utf-8")  # writable at all


def test_inert_columns_keeps_every_column():
    from planner.text import inert_columns

    line = "a\tb\x1b[31mc\x00\x07d\x9be"
    assert inert_columns(line) == "a b [31mc  d e" and len(inert_columns(line)) == len(line)


def test_split_lines_counts_lines_as_yaml_does():
    from planner.source.yaml_documents import position_of
    from planner.text import split_lines

    text = "a\r\nb\rc\x85d\u2028e\u2029f\x0cg\x1ch\n"
    assert split_lines(text) == ["a", "b", "c", "d", "e", "f\x0cg\x1ch"]
    assert position_of(text, text.index("h")) == (6, 5)
    assert split_lines("") == [] and split_lines("x") == ["x"] and split_lines("x\n\n") == ["x", ""]


# Credentials


@pytest.mark.parametrize(
    "text, scrubbed",
    [
        ("uri: https://alice:s3cr3t@mlflow.example.com/x", "uri: https://***@mlflow.example.com/x"),
        ("https://token-only@h.example", "https://***@h.example"),
        ('uri: "https://u:p@ss@h.example/?a=1"', 'uri: "https://***@h.example/?a=1"'),  # an unencoded @ too
        ("postgresql+psycopg2://u:pw@db:5432/m?sslmode=require", "postgresql+psycopg2://***@db:5432/m?sslmode=require"),
        (
            "https://h/?token=abc&Access_Token=d;PASSWORD=e&key=f&SeCrEt=g#frag",
            "https://h/?token=***&Access_Token=***;PASSWORD=***&key=***&SeCrEt=***#frag",
        ),
        ("at https://h/?monkey=1&keys=2&key=3 'x'", "at https://h/?monkey=1&keys=2&key=*** 'x'"),
        (
            "postgresql://h/db?sslmode=require&sslpassword=a1&api_key=b2&client_secret=c3&private_key_file_pwd=d4",
            "postgresql://h/db?sslmode=require&sslpassword=***&api_key=***&client_secret=***&private_key_file_pwd=***",
        ),
        ("sc://h:15002/;token=abc;x-api-key=zz;user_id=u", "sc://h:15002/;token=***;x-api-key=***;user_id=u"),
        ("sc://h:15002/;token=${SPARK_TOKEN}", "sc://h:15002/;token=${SPARK_TOKEN}"),  # a placeholder is no secret
        ("https://${USER}:${PASS}@h.example", "https://${USER}:${PASS}@h.example"),  # placeholders are no secret
        ("http://user:${PASS}@h.example", "http://***@h.example"),
        ("mailto:a@b.example, x@y, https://h.example/a@b", "mailto:a@b.example, x@y, https://h.example/a@b"),
        ("already https://***@h/?token=***", "already https://***@h/?token=***"),
    ],
)
def test_scrub_credentials(text, scrubbed):
    from planner.text import scrub_credentials

    assert scrub_credentials(text) == scrubbed
    assert scrub_credentials(scrubbed) == scrubbed


# Diagnostics, as printed


def test_diagnostic_text_is_inert_and_scrubbed_with_its_caret_in_place():
    from planner.errors import Diagnostic, render_json, render_text

    diag = Diagnostic(
        "invalid",
        "bad \x1b[2J value https://u:s3cr3t@h",
        "specs/\x1b[31mr.yaml",
        2,
        30,
        hint="not ?token=s3cr3t\x07",
        breadcrumb="sources[\x1b]0;x\x07].uri",
    )
    source = ["kind: results", "uri: https://alice:s3cr3t@h/?x\x1b[1m&token=s3cr3t&b=1\tend", "other"]
    text = render_text(diag, source)
    assert "s3cr3t" not in text and not TERMINAL_CONTROL.search(text.replace("\n", ""))
    head, at, quoted, caret, hint = text.split("\n")
    assert head == "specs/ [31mr.yaml:2:30: error[invalid] bad  [2J value https://***@h"
    assert at == "  at sources[ ]0;x ].uri" and hint == "  hint: not ?token=***"
    assert quoted == "   2 | uri: https://***@h/?x [1m&token=***&b=1 end"
    assert quoted[caret.index("^")] == source[1][29] == "x"  # the caret still points at column 30
    payload = render_json([diag])
    assert "s3cr3t" not in payload and "\\u001b" in payload  # JSON escapes the controls itself


def test_diagnostic_caret_past_the_end_of_its_line_stays_past_it():
    from planner.errors import Diagnostic, render_text

    text = render_text(Diagnostic("x", "m", "f.yaml", 1, 9), ["abc"])
    assert text.split("\n")[2] == " " * (len("   1 | ") + 8) + "^"


# Where the policies apply: trace exports with hostile node ids


def test_trace_exports_survive_hostile_ids():
    import networkx as nx

    from planner.project.graph import TraceGraph
    from planner.project.trace import exported_names, to_dot, to_graphml

    graph = TraceGraph([], [])
    graph.nodes = {"O1": {"kind": "objective", "file": "o.yaml"}}
    hostile = "run:a[/]\x1b[31m\x01b\\"
    graph.add_edge("O1", "metric:m\x0c", "measured-by", "metric")
    graph.add_edge("metric:m\x0c", hostile, "evidenced-by", "run")
    graph.add_edge("metric:m\x0c", "run:a[/] [31m b\\", "evidenced-by", "run")  # what `hostile` would become
    graph.add_edge("metric:m\x0c", "run:\udcff", "evidenced-by", "run")  # a surrogate-escaped byte
    names = exported_names(graph.nodes)
    assert names[hostile] == "run:a[/] [31m b\\~2" and names["run:a[/] [31m b\\"] == "run:a[/] [31m b\\"
    parsed = nx.read_graphml(io.StringIO(to_graphml(graph)))
    assert set(parsed.nodes) == {"O1", "metric:m ", "run:a[/] [31m b\\", "run:a[/] [31m b\\~2", "run:\ufffd"}
    assert parsed.nodes["O1"]["kind"] == "objective" and parsed.number_of_edges() == 4
    dot = to_dot(graph, "O1")
    assert not TERMINAL_CONTROL.search(dot.replace("\n", ""))
    assert '"metric:m " -> "run:a[/] [31m b\\\\~2" [label="evidenced-by"];' in dot
    assert '"O1" -> "metric:m " [label="measured-by"];' in dot


def test_report_templates_print_a_lone_surrogate_as_a_replacement_character():
    from planner.report.environment import environment

    name = b"run-\xff\x1b[2J".decode("utf-8", "surrogateescape")  # a run id from an undecodable file name
    html = environment().from_string("<p>{{ name }}</p>").render(name=name)
    assert html == "<p>run-\ufffd[2J</p>"
    html.encode("utf-8")  # a report file can hold it
