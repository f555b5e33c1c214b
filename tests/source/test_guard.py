"""The read boundary (`planner.source.guard`): every check, in-process, on files made in tmp_path.

A refusal must name the file, carry the check's code, and come before anything is read: a FIFO
must not block, a 2 GB sparse file must be refused from its size, a link out must never be opened.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from planner.errors import Diagnostic, PlannerError
from planner.source import guard

SECRET = "s3cr3t-value"


def refused(call: Callable[[], Any]) -> Diagnostic:
    """The one diagnostic `call` is refused with."""
    with pytest.raises(PlannerError) as info:
        call()
    (diag,) = info.value.diagnostics
    return diag


def within(seconds: float, call: Callable[[], Any]) -> Diagnostic:
    """`refused(call)`, run in a daemon thread so a read that blocks fails the test instead of hanging it."""
    found: list[Diagnostic | BaseException] = []

    def target() -> None:
        try:
            found.append(refused(call))
        except BaseException as exc:  # pytest's own failure, re-raised below
            found.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still blocked after {seconds} s"
    (result,) = found
    if isinstance(result, BaseException):
        raise result
    return result


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A project folder with one ordinary file, `ok.txt`; tmp_path around it is "outside"."""
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "ok.txt").write_text("fine\n")
    return folder


READERS: dict[str, Callable[[Path, Path], Any]] = {
    "read_bytes": lambda path, root: guard.read_bytes(path, root=root),
    "read_text": lambda path, root: guard.read_text(path, root=root),
    "read_json": lambda path, root: guard.read_json(path, root=root),
    "checked_file": lambda path, root: guard.checked_file(path, root),
    "open_file": lambda path, root: guard.open_file(path, root=root).close(),
}
"""Every entry point of the guard that takes a path; each must apply every check."""


def test_a_regular_file_inside_is_read(root):
    path = root / "ok.txt"
    assert guard.read_bytes(path, root=root) == b"fine\n"
    assert guard.read_text(path, root=root) == "fine\n"
    assert guard.checked_file(path, root) == path.resolve()
    with guard.open_file(path, root=root) as handle:
        assert handle.read() == b"fine\n"
    (root / "data.json").write_text('{"a": [1, 2]}')
    assert guard.read_json(root / "data.json", root=root) == {"a": [1, 2]}


def test_links_and_dot_dot_that_stay_inside_are_followed(root):
    (root / "sub").mkdir()
    (root / "sub" / "link.txt").symlink_to("../ok.txt")
    assert guard.read_text(root / "sub" / "link.txt", root=root) == "fine\n"
    assert guard.read_text(root / "sub" / ".." / "ok.txt", root=root) == "fine\n"


@pytest.mark.parametrize("reader", READERS)
def test_a_link_out_is_refused_before_it_is_opened(reader, root, tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text(SECRET)
    (root / "link.txt").symlink_to(outside)
    (root / "environ").symlink_to("/proc/self/environ")
    for name in ("link.txt", "environ"):
        diag = refused(lambda name=name: READERS[reader](root / name, root))
        assert (diag.code, diag.file) == (guard.OUTSIDE, str(root / name))
        assert diag.message == f"{root / name} leads outside the project folder"
        assert SECRET not in diag.message + diag.hint


@pytest.mark.parametrize("reader", READERS)
def test_dot_dot_out_is_refused(reader, root, tmp_path):
    (tmp_path / "secret.txt").write_text(SECRET)
    (root / "sub").mkdir()
    path = root / "sub" / ".." / ".." / "secret.txt"
    assert refused(lambda: READERS[reader](path, root)).code == guard.OUTSIDE


def test_a_link_to_dev_zero_is_outside_and_refused_at_once(root):
    (root / "zero.csv").symlink_to("/dev/zero")
    started = time.perf_counter()
    diag = refused(lambda: guard.read_bytes(root / "zero.csv", root=root, kind=guard.CACHE))
    assert diag.code == guard.OUTSIDE and time.perf_counter() - started < 1


def test_the_label_names_the_file_and_a_renamed_kind_keeps_its_codes(root):
    kind = guard.EVIDENCE.renamed({guard.MISSING: "evidence-missing"})
    diag = refused(lambda: guard.read_text(root / "gone.txt", root=root, kind=kind, file_label="runs/gone.txt"))
    assert (diag.code, diag.file, diag.message) == (
        "evidence-missing",
        "runs/gone.txt",
        "file not found: runs/gone.txt",
    )


@pytest.mark.parametrize("reader", READERS)
def test_a_missing_file(reader, root):
    diag = refused(lambda: READERS[reader](root / "gone.txt", root))
    assert (diag.code, diag.message) == (guard.MISSING, f"file not found: {root / 'gone.txt'}")


@pytest.mark.parametrize("reader", READERS)
def test_a_symbolic_link_loop_is_named_a_loop(reader, root):
    """Python 3.11 and 3.12 raise RuntimeError from `resolve()` on a loop; 3.13 returns the path and
    leaves the loop to `stat` (ELOOP): both must read as a loop, not as an unreadable file."""
    (root / "a").symlink_to("b")
    (root / "b").symlink_to("a")
    (root / "self").symlink_to("self")
    for name in ("a", "self"):
        diag = refused(lambda name=name: READERS[reader](root / name, root))
        assert (diag.code, diag.message) == (guard.NOT_FILE, f"{root / name} is a symbolic link loop")


def test_a_loop_left_to_stat_reads_as_a_loop_too(root, monkeypatch):
    """Python 3.13's `resolve()`, which returns a loop as it is, on any Python."""
    resolve = Path.resolve

    def as_in_3_13(self: Path, strict: bool = False) -> Path:
        try:
            return resolve(self, strict)
        except RuntimeError:
            return self.absolute()

    monkeypatch.setattr(Path, "resolve", as_in_3_13)
    (root / "a").symlink_to("b")
    (root / "b").symlink_to("a")
    for reader in READERS.values():
        diag = refused(lambda reader=reader: reader(root / "a", root))
        assert (diag.code, diag.message) == (guard.NOT_FILE, f"{root / 'a'} is a symbolic link loop")
    (root / "runs").mkdir()
    (root / "runs" / "loop").symlink_to("loop")
    assert refused(lambda: guard.walk(root / "runs" / "loop", root)).code == guard.NOT_FILE


@pytest.mark.parametrize("reader", READERS)
def test_a_fifo_is_refused_without_blocking(reader, root):
    os.mkfifo(root / "pipe.csv")  # no writer: open() without O_NONBLOCK would wait forever
    diag = within(5, lambda: READERS[reader](root / "pipe.csv", root))
    assert (diag.code, diag.message) == (
        guard.NOT_FILE,
        f"{root / 'pipe.csv'} is a FIFO (named pipe), not a regular file",
    )


@pytest.mark.parametrize("reader", READERS)
def test_a_folder_is_refused(reader, root):
    diag = refused(lambda: READERS[reader](root, root))
    assert (diag.code, diag.message) == (guard.NOT_FILE, f"{root} is a folder, not a regular file")


def test_a_fifo_swapped_in_after_the_check_is_refused_on_the_descriptor(root, monkeypatch):
    """The race `open_file` closes: the path passed `checked_file`, then became a FIFO. The open
    must not block (O_NONBLOCK) and `fstat` must refuse it."""
    os.mkfifo(root / "pipe.csv")
    monkeypatch.setattr(guard, "checked_file", lambda path, *args, **kwargs: Path(path))
    diag = within(5, lambda: guard.open_file(root / "pipe.csv", root=root))
    assert diag.code == guard.NOT_FILE and "FIFO" in diag.message


def test_a_link_swapped_in_after_the_check_is_not_followed(root, tmp_path, monkeypatch):
    (tmp_path / "secret.txt").write_text(SECRET)
    (root / "link.txt").symlink_to(tmp_path / "secret.txt")
    monkeypatch.setattr(guard, "checked_file", lambda path, *args, **kwargs: Path(path))
    diag = refused(lambda: guard.read_bytes(root / "link.txt", root=root))
    assert (diag.code, diag.message) == (guard.NOT_FILE, f"{root / 'link.txt'} is a symbolic link, not a regular file")


@pytest.mark.parametrize("reader", ["read_bytes", "read_text", "checked_file", "open_file"])
def test_a_sparse_file_over_the_limit_is_refused_from_its_size(reader, root):
    path = root / "huge.json"
    with path.open("wb") as out:
        out.truncate(2 << 30)  # 2 GB of holes: nothing on disk, all of it to read
    started = time.perf_counter()
    calls = {
        "read_bytes": lambda: guard.read_bytes(path, root=root),
        "read_text": lambda: guard.read_text(path, root=root),
        "checked_file": lambda: guard.checked_file(path, root, kind=guard.EVIDENCE),
        "open_file": lambda: guard.open_file(path, root=root, kind=guard.EVIDENCE),
    }
    diag = refused(calls[reader])
    assert time.perf_counter() - started < 1
    assert diag.code == guard.TOO_LARGE
    assert diag.message == "file is 2,147,483,648 bytes, more than the limit of 67,108,864"
    assert diag.hint == "result files larger than this are not read; PLANNER_MAX_RESULT_FILE_BYTES sets another limit"


def test_the_limit_is_the_kinds_unless_given(root):
    (root / "five.txt").write_bytes(b"12345")
    assert guard.read_bytes(root / "five.txt", root=root, limit=5) == b"12345"
    diag = refused(lambda: guard.read_bytes(root / "five.txt", root=root, limit=4))
    assert (diag.code, diag.hint) == (
        guard.TOO_LARGE,
        "result files larger than this are not read; PLANNER_MAX_RESULT_FILE_BYTES sets another limit",
    )
    small = guard.FileKind("note", 4)
    assert refused(lambda: guard.read_text(root / "five.txt", root=root, kind=small)).hint == (
        "a note may hold at most 4 bytes"
    )
    assert guard.checked_file(root / "five.txt", root) == (root / "five.txt").resolve()  # predictions: no limit


def test_a_file_larger_than_its_size_says_is_read_to_limit_plus_one_only():
    """A /proc file reports size 0 and holds more: like a file growing after it was checked, it
    is refused after limit + 1 bytes, not read to its end."""
    assert os.stat("/proc/self/status").st_size == 0
    diag = refused(lambda: guard.read_bytes("/proc/self/status", root="/proc", limit=100))
    assert (diag.code, diag.message) == (guard.TOO_LARGE, "file is larger than that, more than the limit of 100")


def test_bad_utf8_is_named_by_line_and_column(root):
    (root / "r.yaml").write_bytes(b"a: 1\nb: caf\xe9\n")
    diag = refused(lambda: guard.read_text(root / "r.yaml", root=root, file_label="r.yaml"))
    assert (diag.code, diag.file, diag.line, diag.column) == (guard.ENCODING, "r.yaml", 2, 7)
    assert (diag.message, diag.hint) == ("byte 0xe9 is not valid UTF-8", "save the file as UTF-8")


def test_the_column_of_a_bad_byte_counts_characters_not_bytes():
    """Editors and annotations count characters: `ééé` before the bad byte is three columns, not six."""
    diag = refused(lambda: guard.decode("x\nééé".encode() + b"\xff", "f"))
    assert (diag.line, diag.column) == (2, 4)


def test_a_truncated_sequence_at_the_end_is_named():
    diag = refused(lambda: guard.decode("é".encode()[:1], "f"))
    assert (diag.line, diag.column, diag.message) == (1, 1, "byte 0xc3 is not valid UTF-8")


def test_a_bom_is_allowed_and_not_a_column():
    assert guard.decode(b"\xef\xbb\xbfkind: risks\n", "f") == "kind: risks\n"
    diag = refused(lambda: guard.decode(b"\xef\xbb\xbfab\xff", "f"))
    assert (diag.line, diag.column) == (1, 3)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_json_as_deep_as_the_limit_is_read():
    value = guard.parse_json(nested(guard.MAX_JSON_DEPTH), "f")
    assert guard.json_depth(value) == guard.MAX_JSON_DEPTH
    assert guard.json_depth(0) == 0 and guard.json_depth({"a": [{}]}) == 3


def test_json_deeper_than_the_limit_is_refused():
    diag = refused(lambda: guard.parse_json(nested(guard.MAX_JSON_DEPTH + 1), "f.json", line_offset=4))
    assert (diag.code, diag.line, diag.column) == (guard.TOO_DEEP, 5, 1)
    assert diag.message == "JSON nested 65 levels deep; at most 64 levels are read"


def test_json_deeper_than_the_parsers_recursion_is_refused(root):
    (root / "deep.json").write_text(nested(100_000))
    diag = refused(lambda: guard.read_json(root / "deep.json", root=root))
    assert (diag.code, diag.file) == (guard.TOO_DEEP, str(root / "deep.json"))
    assert diag.message == "JSON nested deeper than the parser can follow; at most 64 levels are read"


def test_json_depth_does_not_recurse():
    value: list = []
    for _ in range(100_000):
        value = [value]
    assert guard.json_depth(value) == 100_001


@pytest.mark.parametrize("text", ["NaN", "[1, Infinity]", '{"a": -Infinity}', "1e999", "[-1e400]"])
def test_json_non_finite_numbers_refused_unless_allowed(text):
    diag = refused(lambda: guard.parse_json(text, "m.json", allow_nan=False))
    assert (diag.code, diag.file, diag.line) == (guard.BAD_JSON, "m.json", 1)
    assert diag.message.startswith("invalid JSON: ")
    if text.strip("[]") == "NaN":
        assert math.isnan(guard.parse_json(text, "m.json"))


def test_json_errors_are_positioned():
    diag = refused(lambda: guard.parse_json('{"a": 1,\n "b": }', "m.json", line_offset=2))
    assert (diag.code, diag.line, diag.column) == (guard.BAD_JSON, 4, 7)
    assert diag.message == "invalid JSON: Expecting value"


def test_json_integers_too_long_to_convert_are_refused_not_raised():
    diag = refused(lambda: guard.parse_json("1" * 10_000, "m.json"))
    assert diag.code == guard.BAD_JSON


def test_read_json_refuses_nan_when_asked(root):
    (root / "m.json").write_text(json.dumps({"auc": float("nan")}))
    assert math.isnan(guard.read_json(root / "m.json", root=root)["auc"])
    assert refused(lambda: guard.read_json(root / "m.json", root=root, allow_nan=False)).code == guard.BAD_JSON


def test_walk_lists_files_in_name_order_and_leaves_odd_entries_to_the_reader(root):
    (root / "runs" / "b").mkdir(parents=True)
    (root / "runs" / "b" / "x").write_text("1")
    (root / "runs" / "a.txt").write_text("2")
    os.mkfifo(root / "runs" / "pipe")
    (root / "runs" / "loop").symlink_to("loop")
    found = guard.walk(root / "runs", root)
    assert [path.relative_to(root / "runs").as_posix() for path in found] == ["a.txt", "b/x", "loop", "pipe"]
    assert refused(lambda: guard.read_text(root / "runs" / "pipe", root=root)).code == guard.NOT_FILE


def test_walk_over_a_link_loop_ends_and_enters_each_folder_once(root):
    (root / "runs" / "a").mkdir(parents=True)
    (root / "runs" / "a" / "f.txt").write_text("1")
    (root / "runs" / "a" / "up").symlink_to("..")  # runs/a/up/a/up/a/... for ever, to glob
    (root / "runs" / "again").symlink_to("a")
    started = time.perf_counter()
    found = guard.walk(root / "runs", root)
    assert time.perf_counter() - started < 1
    assert len(found) == 1 and found[0].name == "f.txt"


def test_walk_refuses_a_link_out_of_the_project(root, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "secret.txt").write_text(SECRET)
    (root / "runs").mkdir()
    (root / "runs" / "out").symlink_to(tmp_path / "elsewhere")
    diag = refused(lambda: guard.walk(root / "runs", root, label=lambda path: path.name))
    assert (diag.code, diag.file, diag.message) == (guard.OUTSIDE, "out", "out leads outside the project folder")
    (root / "runs" / "out").unlink()
    (root / "link-out").symlink_to(tmp_path / "elsewhere")
    assert refused(lambda: guard.walk(root / "link-out", root)).code == guard.OUTSIDE


def test_confined_checks_folders_too(root, tmp_path):
    (root / "sub").mkdir()
    assert guard.confined(root / "sub", root) == (root / "sub").resolve()
    assert refused(lambda: guard.confined(root / "sub" / ".." / "..", root)).code == guard.OUTSIDE


@pytest.mark.parametrize("kind", [guard.EVIDENCE, guard.CACHE, guard.TEMPLATE, guard.ASSET], ids=lambda k: k.setting)
def test_each_limit_is_set_by_its_environment_variable(tmp_path, monkeypatch, kind):
    path = tmp_path / "f.json"
    path.write_bytes(b"[1, 2, 3]")
    monkeypatch.setenv(kind.setting, "8")
    with pytest.raises(PlannerError) as refused:
        guard.read_bytes(path, root=tmp_path, kind=kind)
    assert refused.value.diagnostics[0].code == guard.TOO_LARGE
    assert "more than the limit of 8" in refused.value.diagnostics[0].message
    monkeypatch.setenv(kind.setting, "9")
    assert guard.read_bytes(path, root=tmp_path, kind=kind) == b"[1, 2, 3]"


@pytest.mark.parametrize("value", ["0", "-5", "1e9", "64MiB", "lots"])
def test_a_bad_limit_setting_is_refused_not_ignored(tmp_path, monkeypatch, value):
    path = tmp_path / "f.json"
    path.write_bytes(b"{}")
    monkeypatch.setenv(guard.EVIDENCE.setting, value)
    with pytest.raises(PlannerError) as refused:
        guard.read_bytes(path, root=tmp_path, kind=guard.EVIDENCE)
    diagnostic = refused.value.diagnostics[0]
    assert (diagnostic.code, diagnostic.file) == (guard.BAD_SETTING, "PLANNER_MAX_RESULT_FILE_BYTES")
