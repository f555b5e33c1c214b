"""Hostile and malformed YAML: each refused with a clean, positioned error."""

import codecs
import time
from datetime import date

import pytest

from planner.errors import PlannerError
from planner.source.yaml_documents import MAX_ALIASES, MAX_DEPTH, MAX_NODES, decode, parse_documents, scan


def refused(text: str) -> tuple:
    with pytest.raises(PlannerError) as info:
        parse_documents(text, "f.yaml")
    (diag,) = info.value.diagnostics
    return diag.code, diag.line, diag.column, diag.message


def billion_laughs(levels: int = 9) -> str:
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    previous = "a"
    for name in "bcdefghij"[: levels - 1]:
        text += f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]\n"
        previous = name
    return text


def test_alias_bomb_is_refused_before_expansion():
    # Only alias expansion counts: through line 5 the aliases produce 74,718 values, the first `*e`
    # of line 6 (66,430 more) stays under the cap, the second (column 11) passes it. The column
    # was 8 while every value was counted once per enclosing level.
    started = time.perf_counter()
    assert refused(billion_laughs()) == ("too-large", 6, 11, "expands to more than 200,000 values")
    assert time.perf_counter() - started < 1  # refused from the event stream, nothing composed


def test_nested_aliases_multiply():
    # `b` holds 10 aliases of `a` (1,001 values each): 10,010 values, under the cap; each `*b` of
    # `c` then produces 1 + 10 x 1,001 = 10,011 values, so the 19th passes 200,000
    text = (
        "a: &a ["
        + ",".join(["x"] * 1000)
        + "]\nb: &b ["
        + ",".join(["*a"] * 10)
        + "]\nc: ["
        + ",".join(["*b"] * 20)
        + "]\n"
    )
    code, line, column, _ = refused(text)
    assert (code, line, column) == ("too-large", 3, 5 + 3 * 18)
    (doc,) = parse_documents(text.replace(",".join(["*b"] * 20), ",".join(["*b"] * 18)), "f.yaml")
    assert len(doc.data["c"]) == 18 and len(doc.data["c"][0]) == 10 and len(doc.data["c"][0][0]) == 1000


def test_values_written_out_are_not_counted():
    # more than MAX_NODES values, no alias: the file-size cap bounds an honest file, not the scan
    scan("items:\n" + "".join(f"  - {{id: R{i}, a: [x, y]}}\n" for i in range(MAX_NODES // 6)), "f.yaml")
    (doc,) = parse_documents("base: &b {a: 1}\nitems:\n" + "  - *b\n" * 50 + "  - {a: 2}\n" * 5000, "f.yaml")
    assert len(doc.data["items"]) == 5050


def test_alias_count_is_bounded():
    text = "a: &a x\nb: [" + ", ".join(["*a"] * (MAX_ALIASES + 1)) + "]\n"
    code, line, _, message = refused(text)
    assert (code, line, message) == ("too-many-aliases", 2, f"more than {MAX_ALIASES} aliases")


def test_a_few_aliases_are_fine():
    (doc,) = parse_documents("base: &b {a: 1}\nother:\n  <<: *b\n  c: 2\nlist: [*b, *b]\n", "f.yaml")
    assert doc.data == {"base": {"a": 1}, "other": {"a": 1, "c": 2}, "list": [{"a": 1}, {"a": 1}]}
    assert doc.positions[("other", "c")] == (4, 6)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 10_000, 100_000])
def test_deep_nesting_is_refused_without_crashing(depth):
    code, line, column, message = refused("[" * depth + "]" * depth)
    # our event scan stops at level 65; PyYAML >= 6.0.4's libyaml may stop first, scanning ahead
    assert (code, line, message) == ("too-deep", 1, f"nesting deeper than {MAX_DEPTH} levels")
    assert column in (MAX_DEPTH + 1, 1001)


def test_deep_block_mappings_are_refused():
    text = "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "v: 1\n"
    assert refused(text)[0] == "too-deep"


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system ['echo hi']",
        "!!python/name:os.system",
        "!!binary aGVsbG8=",
        "!custom x",
        "!!set {a, b}",
    ],
)
def test_non_standard_tags_are_refused(tag):
    code, line, column, message = refused(f"kind: risks\nvalue: {tag}\n")
    assert (code, line, column) == ("unsafe-tag", 2, 8)
    assert message.startswith("tag '") and message.endswith("' is not allowed")


def test_duplicate_keys_name_both_lines():
    with pytest.raises(PlannerError) as info:
        parse_documents("a: 1\nb: 2\na: 3\n", "f.yaml")
    (diag,) = info.value.diagnostics
    assert (diag.code, diag.line, diag.column, diag.message) == ("duplicate-key", 3, 1, "duplicate key 'a'")
    assert diag.hint == "first defined at line 1; keep one of them"


def test_tab_indentation_is_explained():
    assert refused("a:\n  b: 1\n\tc: 2\n") == ("yaml-syntax", 3, 1, "a tab character where YAML expects spaces")


def test_syntax_error_has_position():
    assert refused("a: [1, 2\nb: 3\n")[:3] == ("yaml-syntax", 2, 2)


def test_impossible_date_stays_text_for_validation_to_report():
    # A parse error would stop the file at its first bad date; as text, every one is reported.
    (document,) = parse_documents("when: 2026-02-30\nthen: 2026-01-05\n", "f.yaml")
    assert document.data == {"when": "2026-02-30", "then": date(2026, 1, 5)}
    assert document.position(("when",)) == (1, 7)


def test_bom_is_accepted_and_bad_bytes_are_positioned():
    assert decode(codecs.BOM_UTF8 + "a: é\n".encode(), "f.yaml") == "a: é\n"
    with pytest.raises(PlannerError) as info:
        decode(b"a: 1\nname: caf\xe9\n", "f.yaml")
    (diag,) = info.value.diagnostics
    assert (diag.code, diag.line, diag.column, diag.message) == ("encoding", 2, 10, "byte 0xe9 is not valid UTF-8")


@pytest.mark.parametrize(
    "char, name",
    [
        ("\x00", "U+0000 (NUL)"),
        ("\x07", "U+0007 (BEL)"),
        ("\x1b", "U+001B (ESC)"),
        ("\x7f", "U+007F (DEL)"),
        ("\x9b", "U+009B (a C1 control character)"),
        ("\x80", "U+0080 (a C1 control character)"),
        ("\ufffe", "U+FFFE (a control character)"),
    ],
)
def test_control_characters_are_positioned(char, name):
    # a NEL (U+0085) is a line break to YAML, so the line count is YAML's
    code, line, column, message = refused(f"a: 1\r\nb: é\x85c: x{char}y\n")
    assert (code, line, column, message) == ("bad-character", 3, 5, f"character {name} is not allowed in YAML")


def test_control_characters_in_bytes_are_positioned_too():
    raw = "kind: risks\ntitle: caf\u00e9 \x07 bell\n".encode()
    code, line, column, _ = refused(decode(raw, "f.yaml"))
    assert (code, line, column) == ("bad-character", 2, 13)


def test_escaped_control_characters_in_double_quotes_are_values():
    (doc,) = parse_documents('a: "bell \\a esc \\e nul \\0"\n', "f.yaml")
    assert doc.data == {"a": "bell \x07 esc \x1b nul \x00"}


def test_bad_byte_column_counts_characters():
    with pytest.raises(PlannerError) as info:
        decode("name: éé\n".encode() + b"x\xff\n", "f.yaml")
    (diag,) = info.value.diagnostics
    assert (diag.line, diag.column) == (2, 2)
    with pytest.raises(PlannerError) as info:
        decode("name: éé ".encode() + b"\xff", "f.yaml")
    (diag,) = info.value.diagnostics
    assert (diag.line, diag.column) == (1, 10)


def test_yaml_11_booleans_and_multiple_documents():
    docs = parse_documents("country: NO\n---\n---\nkind: risks\n", "f.yaml")
    assert [(d.index, d.data) for d in docs] == [(0, {"country": False}), (2, {"kind": "risks"})]
