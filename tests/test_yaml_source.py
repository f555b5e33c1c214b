"""Hostile and malformed YAML: each refused with a clean, positioned error."""

import codecs

import pytest

from planner.errors import PlannerError
from planner.source.yaml_documents import MAX_ALIASES, MAX_DEPTH, decode, parse_documents


def refused(text: str) -> tuple:
    with pytest.raises(PlannerError) as info:
        parse_documents(text, "f.yaml")
    (diag,) = info.value.diagnostics
    return diag.code, diag.line, diag.column, diag.message


def billion_laughs(levels: int = 9) -> str:
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    previous = "a"
    for name in "bcdefghij"[:levels - 1]:
        text += f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]\n"
        previous = name
    return text


def test_alias_bomb_is_refused_before_expansion():
    assert refused(billion_laughs()) == ("too-large", 6, 8, "expands to more than 200,000 values")


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


@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system ['echo hi']",
                                 "!!python/name:os.system", "!!binary aGVsbG8=", "!custom x",
                                 "!!set {a, b}"])
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


def test_invalid_date_is_positioned():
    code, line, column, message = refused("when: 2026-02-30\n")
    assert (code, line, column) == ("bad-scalar", 1, 7)
    assert message == "'2026-02-30' is not a valid timestamp: day is out of range for month"


def test_bom_is_accepted_and_bad_bytes_are_positioned():
    assert decode(codecs.BOM_UTF8 + "a: é\n".encode(), "f.yaml") == "a: é\n"
    with pytest.raises(PlannerError) as info:
        decode(b"a: 1\nname: caf\xe9\n", "f.yaml")
    (diag,) = info.value.diagnostics
    assert (diag.code, diag.line, diag.column, diag.message) == ("encoding", 2, 10, "byte 0xe9 is not valid UTF-8")


def test_yaml_11_booleans_and_multiple_documents():
    docs = parse_documents("country: NO\n---\n---\nkind: risks\n", "f.yaml")
    assert [(d.index, d.data) for d in docs] == [(0, {"country": False}), (2, {"kind": "risks"})]
