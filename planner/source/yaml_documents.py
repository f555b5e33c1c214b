"""Safe YAML reading: the only module that imports yaml.

PyYAML's safe loader refuses object tags but not an alias bomb, and its C composer recurses (it
crashed the interpreter on ~25,000-deep nesting). So text is decoded by hand (bad bytes get a line
and column), characters YAML does not allow (NUL, BEL, ESC, C1 controls...) are refused with their
line and column, the event stream is scanned first with bounds on depth and on what aliases
expand to, and only then composed. Nodes are turned into plain values here, which also refuses
duplicate keys and non-standard tags and records the line and column of every value.

The guards and their limits:

- nesting: at most `MAX_DEPTH` (64) levels of mappings and sequences;
- aliases: at most `MAX_ALIASES` (100) in a file;
- alias expansion: the values aliases produce, each alias counting everything its anchor expands
  to (aliases inside the anchor multiplied through), at most `MAX_NODES` (200,000) in a file. Values
  written out are not counted: an honest file's size is bounded by the file-size cap
  (`planner.source.files.DEFAULT_MAX_BYTES`, `--max-file-size`), so a 10,000-risk register is read;
- characters: only those YAML 1.1 allows (tab, line breaks, printable Unicode).
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, field

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

from planner.errors import Diagnostic, PlannerError
from planner.source.hints import colon_hint
from planner.text import LINE_BREAK, split_lines

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_DEPTH = 64
MAX_NODES = 200_000
"""Most values aliases may expand to in one file (values written out are not counted)."""
MAX_ALIASES = 100

TAG = "tag:yaml.org,2002:"
SCALAR_TAGS = {TAG + name for name in ("str", "int", "float", "bool", "null", "timestamp")}
MERGE_TAG = TAG + "merge"

Position = tuple[int, int]

# What YAML 1.1 does not allow in a stream (PyYAML's reader refuses it without a line or column):
# C0 controls but tab and line breaks, DEL, C1 controls but NEL, surrogates, U+FFFE and U+FFFF.
NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
CONTROL_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "BS", 0x0B: "VT", 0x0C: "FF", 0x1B: "ESC", 0x7F: "DEL"}


@dataclass
class Document:
    """One YAML document: its plain data and the 1-based position of every value, by key path."""

    file: str
    index: int
    data: object
    positions: dict[tuple, Position] = field(default_factory=dict)
    key_positions: dict[tuple, Position] = field(default_factory=dict)
    quoted: set[tuple] = field(default_factory=set)
    """Key paths of the scalars written in quotes (so a hint can tell `'4'` from `4%`)."""

    def key_position(self, path: tuple) -> Position:
        """Position of the key itself (for unknown or duplicate keys), else of the value."""
        return self.key_positions.get(path) or self.position(path)

    def position(self, path: tuple) -> Position:
        """Position of the deepest part of `path` that exists (a missing key points at its parent)."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.positions:
                return self.positions[path[:end]]
        return (1, 1)

    def without_items(self, removed: dict[str, set[int]]) -> Document:
        """This document without the given items of its top-level lists (`{"risks": {1}}`), every
        position, key position and quoted mark renumbered to the items that remain, so a document
        kept without its invalid items still places diagnostics at the right lines."""
        assert isinstance(self.data, dict)
        kept = {
            key: [item for i, item in enumerate(value) if i not in removed[key]] if key in removed else value
            for key, value in self.data.items()
        }
        return Document(
            self.file,
            self.index,
            kept,
            _renumbered(self.positions, removed),
            _renumbered(self.key_positions, removed),
            set(_renumbered(dict.fromkeys(self.quoted), removed)),
        )


def _renumbered(marks: dict, removed: dict[str, set[int]]) -> dict:
    """`marks` keyed by path, without paths into removed items and with later indices moved up."""
    result = {}
    for path, mark in marks.items():
        if len(path) >= 2 and path[0] in removed and isinstance(path[1], int):
            if path[1] in removed[path[0]]:
                continue
            path = (path[0], path[1] - sum(i < path[1] for i in removed[path[0]]), *path[2:])
        result[path] = mark
    return result


def decode(raw: bytes, file: str) -> str:
    """UTF-8 with an optional BOM; a bad byte is reported with its line and column."""
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start].decode("utf-8")
        line, column = position_of(before, len(before))
        raise PlannerError(
            [
                Diagnostic(
                    "encoding",
                    f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
                    file,
                    line,
                    column,
                    hint="save the file as UTF-8",
                )
            ]
        ) from None


def position_of(text: str, index: int) -> Position:
    """1-based line and column (in characters) of `text[index]`, lines counted as YAML counts them."""
    line, start = 1, 0
    for match in LINE_BREAK.finditer(text, 0, index):
        line, start = line + 1, match.end()
    return line, index - start + 1


def _character_name(char: str) -> str:
    code = ord(char)
    name = CONTROL_NAMES.get(code) or unicodedata.name(char, "")
    if not name:
        name = "a C1 control character" if 0x80 <= code <= 0x9F else "a control character"
    return f"U+{code:04X} ({name})"


def check_characters(text: str, file: str) -> None:
    """Refuse characters YAML does not allow, at their line and column (the first one found)."""
    found = NOT_PRINTABLE.search(text)
    if found is None:
        return
    line, column = position_of(text, found.start())
    raise PlannerError(
        [
            Diagnostic(
                "bad-character",
                f"character {_character_name(found.group())} is not allowed in YAML",
                file,
                line,
                column,
                hint='remove it; to keep it in a value, write it as an escape in double quotes, e.g. "\\x07"',
            )
        ]
    )


def _mark(mark) -> Position:
    return (mark.line + 1, mark.column + 1)


def _error(code: str, message: str, file: str, mark, hint: str = "") -> PlannerError:
    line, column = _mark(mark) if mark is not None else (0, 0)
    return PlannerError([Diagnostic(code, message, file, line, column, hint=hint)])


def scan(text: str, file: str) -> None:
    """Refuse deep nesting and alias expansion before anything is composed.

    Only what aliases produce is counted: an alias adds the expanded size of its anchor (its own
    values plus what the aliases inside it expand to, so nested aliases multiply), and the total
    is bounded by `MAX_NODES`. Values written out cost nothing here; the file-size cap bounds them.
    """
    anchors: dict[str, int] = {}  # anchor -> expanded size of its node
    stack: list[list] = []  # [anchor, expanded size] per open collection
    expanded = aliases = 0
    try:
        for event in yaml.parse(text, Loader=Loader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                stack.append([event.anchor, 1])
                if len(stack) > MAX_DEPTH:
                    raise _error(
                        "too-deep",
                        f"nesting deeper than {MAX_DEPTH} levels",
                        file,
                        event.start_mark,
                        "flatten the structure",
                    )
                continue
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                anchor, size = stack.pop()
            elif isinstance(event, yaml.ScalarEvent):
                anchor, size = event.anchor, 1
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise _error(
                        "too-many-aliases",
                        f"more than {MAX_ALIASES} aliases",
                        file,
                        event.start_mark,
                        "write the values out instead of aliasing them",
                    )
                assert event.anchor is not None  # an alias always names its anchor ("*name")
                anchor, size = None, anchors.get(event.anchor, 1)
                expanded += size
                if expanded > MAX_NODES:
                    raise _error(
                        "too-large",
                        f"expands to more than {MAX_NODES:,} values",
                        file,
                        event.start_mark,
                        "aliases multiply what they point at; remove them",
                    )
            else:
                continue
            if anchor:
                anchors[anchor] = size
            if stack:
                stack[-1][1] += size
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, text, file) from None
    except yaml.YAMLError as exc:
        raise _unmarked_error(exc, text, file) from None


def _syntax_error(exc: yaml.MarkedYAMLError, text: str, file: str) -> PlannerError:
    mark = exc.problem_mark or exc.context_mark
    message = exc.problem or exc.context or "invalid YAML"
    if "nesting depth" in message:  # libyaml >= 0.2.5 stops at 1,000 levels while scanning ahead
        return _error("too-deep", f"nesting deeper than {MAX_DEPTH} levels", file, mark, "flatten the structure")
    if mark is not None and text[mark.index : mark.index + 1] == "\t":
        message, hint = "a tab character where YAML expects spaces", "indent with spaces, not tabs"
    elif mark is not None and message.startswith("mapping values are not allowed"):
        lines = split_lines(text)
        hint = colon_hint(lines[mark.line] if mark.line < len(lines) else "")
    else:
        hint = "check the indentation and quoting around this position"
    return _error("yaml-syntax", message, file, mark, hint)


def _unmarked_error(exc: yaml.YAMLError, text: str, file: str) -> PlannerError:
    """A YAML error without a mark (PyYAML's reader gives a character index at most)."""
    index = getattr(exc, "position", None)
    line, column = position_of(text, index) if isinstance(index, int) and 0 <= index <= len(text) else (0, 0)
    message = str(exc).splitlines()[0] if str(exc) else "invalid YAML"
    return PlannerError(
        [Diagnostic("yaml-syntax", message, file, line, column, hint="check the file around this position")]
    )


class _Builder:
    """Turns composed nodes into plain values, recording positions and refusing what is unsafe."""

    def __init__(self, file: str):
        self.file = file
        self.positions: dict[tuple, Position] = {}
        self.key_positions: dict[tuple, Position] = {}
        self.quoted: set[tuple] = set()
        self.constructor = SafeConstructor()

    def build(self, node, path: tuple):
        self.positions[path] = _mark(node.start_mark)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            self._check_tag(node, TAG + "seq")
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        if node.style in ("'", '"'):
            self.quoted.add(path)
        return self._scalar(node)

    def _check_tag(self, node, *allowed: str) -> None:
        if node.tag not in allowed:
            raise _error(
                "unsafe-tag",
                f"tag {node.tag!r} is not allowed",
                self.file,
                node.start_mark,
                "planner reads plain YAML only: remove the tag",
            )

    def _scalar(self, node):
        """The scalar's value; a timestamp that is no real date (2026-02-30) stays its text, so the
        field's validation reports it with a hint and the rest of the file is still validated."""
        self._check_tag(node, *SCALAR_TAGS)
        try:
            return self.constructor.yaml_constructors[node.tag](self.constructor, node)
        except (ValueError, ConstructorError) as exc:
            if node.tag == TAG + "timestamp":
                return node.value
            raise _error(
                "bad-scalar",
                f"{node.value!r} is not a valid {node.tag[len(TAG) :]}: {exc}",
                self.file,
                node.start_mark,
                "quote it to make it a string",
            ) from None

    def _mapping(self, node, path: tuple) -> dict:
        self._check_tag(node, TAG + "map")
        result: dict = {}
        key_lines: dict = {}
        merged: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                merged.update(self._merge_source(value_node, path))
                continue
            key = self._key(key_node)
            if key in result:
                raise _error(
                    "duplicate-key",
                    f"duplicate key {key!r}",
                    self.file,
                    key_node.start_mark,
                    f"first defined at line {key_lines[key]}; keep one of them",
                )
            key_lines[key] = key_node.start_mark.line + 1
            self.key_positions[(*path, key)] = _mark(key_node.start_mark)
            result[key] = self.build(value_node, (*path, key))
        return {**merged, **result}

    def _key(self, node):
        if not isinstance(node, yaml.ScalarNode):
            raise _error("bad-key", "mapping keys must be plain scalars", self.file, node.start_mark)
        key = self._scalar(node)
        return key if isinstance(key, (str, int)) else str(node.value)

    def _merge_source(self, node, path: tuple) -> dict:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        merged: dict = {}
        for source in reversed(sources):
            if not isinstance(source, yaml.MappingNode):
                raise _error("bad-merge", "'<<' takes a mapping or a list of mappings", self.file, source.start_mark)
            merged.update(self._mapping(source, path))
        return merged


def parse_documents(text: str, file: str) -> list[Document]:
    """All non-empty documents of a YAML stream, scanned for bombs before composing."""
    check_characters(text, file)
    scan(text, file)
    documents = []
    try:
        for index, root in enumerate(yaml.compose_all(text, Loader=Loader)):
            builder = _Builder(file)
            data = builder.build(root, ()) if root is not None else None
            if data is not None:
                documents.append(Document(file, index, data, builder.positions, builder.key_positions, builder.quoted))
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, text, file) from None
    except yaml.YAMLError as exc:
        raise _unmarked_error(exc, text, file) from None
    return documents


def dump(data) -> str:
    """Plain block-style YAML, for files planner writes itself (sign-offs)."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
