"""The one read boundary: every file planner reads from a project passes through here.

Specs, result files (MLflow run folders, W&B, DVC, run tables), audit caches, sign-offs, report
templates and the assets a PDF embeds all come with the project, and a pull request can make any of
them a symbolic link, a FIFO or a huge file. Each read is therefore checked, in this order, and
each failure raises `PlannerError` with a diagnostic that names the file:

| check | code | why |
|---|---|---|
| the *resolved* path (symlinks and `..` followed) lies inside `root` | `input-outside` | a param file linked to `/proc/self/environ` put CI tokens into outputs |
| the file exists | `input-missing` | |
| it is a regular file: `os.stat` before opening, `fstat` after opening with `O_NONBLOCK` and `O_NOFOLLOW` | `input-not-file` | `open()` on a FIFO blocks forever, `/dev/zero` never ends |
| at most the limit of its kind, and never more than `limit + 1` bytes read | `input-too-large` | a 2 GB sparse file is refused from its size, a growing one after `limit + 1` bytes |
| strict UTF-8 (a BOM allowed), a bad byte named by line and column | `input-encoding` | |
| JSON nested at most `MAX_JSON_DEPTH` levels | `input-too-deep` | deeper JSON exhausted the parser's recursion (a crash, exit 3) |

The limits per kind of file are the `FileKind` constants below (`SPEC`, `EVIDENCE`, `CACHE`,
`TEMPLATE`, `ASSET`, `PREDICTIONS`); each but the spec's (`--max-file-size`) can be changed by an
environment variable, `PLANNER_MAX_<KIND>_BYTES`, as CI settings are. A caller that must keep its own diagnostic codes (the spec
loader's `file-too-large`, the evidence readers' `evidence-missing`) passes a kind `renamed` to them;
the checks stay the same.

Files too large to read whole (predictions, read by the audit engine in chunks or by pandas) are
checked with `checked_file`, which returns the resolved path, or opened with `open_file`, which
repeats the checks on the open descriptor.
"""

from __future__ import annotations

import codecs
import errno
import json
import math
import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from planner.errors import Diagnostic, PlannerError

MiB = 1 << 20

OUTSIDE = "input-outside"
MISSING = "input-missing"
NOT_FILE = "input-not-file"
TOO_LARGE = "input-too-large"
UNREADABLE = "input-unreadable"
ENCODING = "input-encoding"
TOO_DEEP = "input-too-deep"
BAD_JSON = "input-json"
BAD_SETTING = "bad-setting"

MAX_JSON_DEPTH = 64
"""Deepest nesting of JSON arrays and objects read (the YAML loader's `MAX_DEPTH` is the same)."""

_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


@dataclass(frozen=True)
class FileKind:
    """A kind of file planner reads: what it is called, its size limit, and the diagnostic codes
    its refusals carry (the guard's `input-*` codes unless renamed)."""

    name: str
    limit: int | None
    """Largest size read by default, in bytes; None: no limit (the file is streamed, never read whole)."""
    codes: Mapping[str, str] = field(default_factory=dict)
    too_large_hint: str = ""
    setting: str = ""
    """The environment variable that sets another limit (a whole number of bytes), if any."""

    def code(self, code: str) -> str:
        return self.codes.get(code, code)

    def size_limit(self) -> int | None:
        """The limit in force: the `setting` variable's when it is set, else the default. A value
        that is not a positive whole number is refused (a typo must not lift every limit)."""
        text = os.environ.get(self.setting, "").strip() if self.setting and self.limit is not None else ""
        if not text:
            return self.limit
        if not text.isdigit() or int(text) == 0:
            raise PlannerError(
                [
                    Diagnostic(
                        BAD_SETTING,
                        f"{self.setting} must be a whole number of bytes greater than 0, got {text[:40]!r}",
                        self.setting,
                        hint=f"unset it for the default of {self.limit:,} bytes",
                    )
                ]
            )
        return int(text)

    def renamed(self, codes: Mapping[str, str], **changes: Any) -> FileKind:
        return replace(self, codes={**self.codes, **codes}, **changes)


SPEC = FileKind("spec file", 4 * MiB, too_large_hint="split the specs into smaller files or raise --max-file-size")
"""planner.yaml, spec files, signoffs.yaml: 4 MiB (`--max-file-size` changes it)."""
EVIDENCE = FileKind(
    "result file",
    64 * MiB,
    too_large_hint="result files larger than this are not read",
    setting="PLANNER_MAX_RESULT_FILE_BYTES",
)
"""One file of a result source (an MLflow param, metric, tag or meta.yaml; a W&B summary, config,
history or `.wandb` log; a DVC metrics.json or params.yaml; a run table): 64 MiB."""
CACHE = FileKind("audit cache file", 256 * MiB, setting="PLANNER_MAX_CACHE_FILE_BYTES")
"""`.planner/audits/<id>.json`: 256 MiB (a larger one is stale, and recomputed)."""
TEMPLATE = FileKind("report template", 1 * MiB, setting="PLANNER_MAX_TEMPLATE_BYTES")
"""A template of the project's `templates/` folder: 1 MiB."""
ASSET = FileKind("report asset", 16 * MiB, setting="PLANNER_MAX_ASSET_BYTES")
"""An image, font or stylesheet of `templates/` a PDF embeds: 16 MiB."""
PREDICTIONS = FileKind("predictions file", None)
"""A bias audit's predictions (CSV or parquet): confined and a regular file, no size limit (streamed)."""


def _refuse(
    kind: FileKind, code: str, message: str, label: str, line: int = 0, column: int = 0, hint: str = ""
) -> PlannerError:
    return PlannerError([Diagnostic(kind.code(code), message, label, line, column, hint=hint)])


def _what(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def _loop(kind: FileKind, label: str) -> PlannerError:
    return _refuse(kind, NOT_FILE, f"{label} is a symbolic link loop", label, hint="replace the link by a file")


def _resolve(path: Path, kind: FileKind, label: str) -> Path:
    try:
        return path.resolve()
    except (RuntimeError, OSError):  # RuntimeError: a symlink loop (Python 3.11, 3.12)
        raise _loop(kind, label) from None


def confined(path: str | Path, root: str | Path, *, kind: FileKind = EVIDENCE, file_label: str | None = None) -> Path:
    """The resolved `path`, or `input-outside` when it (a symlink or `..` on the way) leads out of `root`.

    For folders too: call it for every folder a reader walks, and for every file in it."""
    label = file_label or str(path)
    real = _resolve(Path(path), kind, label)
    real_root = _resolve(Path(root), kind, str(root))
    if not real.is_relative_to(real_root):
        raise _refuse(
            kind,
            OUTSIDE,
            f"{label} leads outside the project folder",
            label,
            hint="do not link to files outside the project; copy them in",
        )
    return real


def _too_large(kind: FileKind, label: str, size: int | None, limit: int) -> PlannerError:
    shown = f"file is {size:,} bytes" if size is not None else "file is larger than that"
    return _refuse(
        kind,
        TOO_LARGE,
        f"{shown}, more than the limit of {limit:,}",
        label,
        hint=(kind.too_large_hint or f"a {kind.name} may hold at most {limit:,} bytes")
        + (f"; {kind.setting} sets another limit" if kind.setting else ""),
    )


def _check_mode(mode: int, kind: FileKind, label: str) -> None:
    if not stat.S_ISREG(mode):
        raise _refuse(
            kind,
            NOT_FILE,
            f"{label} is {_what(mode)}, not a regular file",
            label,
            hint=f"a {kind.name} must be a regular file",
        )


def _os_error(exc: OSError, kind: FileKind, label: str) -> PlannerError:
    if isinstance(exc, FileNotFoundError):
        return _refuse(kind, MISSING, f"file not found: {label}", label)
    if exc.errno == errno.ELOOP:  # Python 3.13's `resolve()` returns a loop as it is, for `stat` to find
        return _loop(kind, label)
    return _refuse(kind, UNREADABLE, f"cannot read {label}: {exc.strerror or exc}", label)


def checked_file(
    path: str | Path,
    root: str | Path,
    limit: int | None = None,
    *,
    kind: FileKind = PREDICTIONS,
    file_label: str | None = None,
) -> Path:
    """The resolved path of a regular file inside `root` of at most `limit` bytes (the kind's
    limit when None), for readers that open the file themselves (pandas, pyarrow, DuckDB)."""
    label = file_label or str(path)
    real = confined(path, root, kind=kind, file_label=label)
    try:
        info = os.stat(real)
    except OSError as exc:
        raise _os_error(exc, kind, label) from None
    _check_mode(info.st_mode, kind, label)
    limit = kind.size_limit() if limit is None else limit
    if limit is not None and info.st_size > limit:
        raise _too_large(kind, label, info.st_size, limit)
    return real


def open_file(
    path: str | Path,
    *,
    root: str | Path,
    kind: FileKind = PREDICTIONS,
    limit: int | None = None,
    file_label: str | None = None,
) -> IO[bytes]:
    """`checked_file`, then opened without following a symlink or blocking on a FIFO swapped in
    since, and checked again on the open descriptor. The caller closes it (`with`)."""
    label = file_label or str(path)
    real = checked_file(path, root, limit, kind=kind, file_label=label)
    try:
        fd = os.open(real, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # the file became a symbolic link after it was checked
            raise _refuse(kind, NOT_FILE, f"{label} is a symbolic link, not a regular file", label) from None
        raise _os_error(exc, kind, label) from None
    try:
        info = os.fstat(fd)
        _check_mode(info.st_mode, kind, label)
        limit = kind.size_limit() if limit is None else limit
        if limit is not None and info.st_size > limit:
            raise _too_large(kind, label, info.st_size, limit)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bytes(
    path: str | Path,
    *,
    root: str | Path,
    kind: FileKind = EVIDENCE,
    limit: int | None = None,
    file_label: str | None = None,
) -> bytes:
    """The bytes of a regular file inside `root`, at most the limit (never more than limit + 1 read)."""
    label = file_label or str(path)
    limit = kind.size_limit() if limit is None else limit
    with open_file(path, root=root, kind=kind, limit=limit, file_label=label) as handle:
        try:
            data = handle.read() if limit is None else _read_at_most(handle, limit + 1)
        except OSError as exc:
            raise _os_error(exc, kind, label) from None
    if limit is not None and len(data) > limit:  # it grew after it was checked
        raise _too_large(kind, label, None, limit)
    return data


def _read_at_most(handle: IO[bytes], count: int) -> bytes:
    """Up to `count` bytes, in chunks: one `read(count)` with a huge limit (`--max-file-size 10**30`)
    overflows or allocates the whole count up front."""
    chunks = []
    while count > 0 and (chunk := handle.read(min(count, MiB))):
        chunks.append(chunk)
        count -= len(chunk)
    return b"".join(chunks)


def decode(raw: bytes, file_label: str, *, kind: FileKind = EVIDENCE) -> str:
    """UTF-8 with an optional BOM; a bad byte is reported with its line and column."""
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        # in characters, as editors count: the bytes of the line before the bad one are valid UTF-8
        column = len(raw[raw.rfind(b"\n", 0, exc.start) + 1 : exc.start].decode("utf-8")) + 1
        raise _refuse(
            kind,
            ENCODING,
            f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
            file_label,
            line,
            column,
            hint="save the file as UTF-8",
        ) from None


def read_text(
    path: str | Path,
    *,
    root: str | Path,
    kind: FileKind = EVIDENCE,
    limit: int | None = None,
    file_label: str | None = None,
) -> str:
    """`read_bytes`, decoded strictly as UTF-8."""
    label = file_label or str(path)
    return decode(read_bytes(path, root=root, kind=kind, limit=limit, file_label=label), label, kind=kind)


def json_depth(value: Any) -> int:
    """Deepest nesting of lists and dicts in `value` (0 for a scalar), without recursion."""
    if not isinstance(value, (dict, list)):
        return 0
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:40]} is too large a number")
    return value


def parse_json(
    text: str,
    file_label: str,
    *,
    kind: FileKind = EVIDENCE,
    line_offset: int = 0,
    max_depth: int = MAX_JSON_DEPTH,
    allow_nan: bool = True,
) -> Any:
    """JSON text -> value, nested at most `max_depth` levels; `allow_nan=False` refuses NaN, Infinity
    and numbers too large for a float.

    `line_offset` is the line the text starts after (for JSON lines, one document a line)."""
    try:
        value = json.loads(text) if allow_nan else json.loads(text, parse_constant=_no_constant, parse_float=_finite)
        depth = json_depth(value)
    except json.JSONDecodeError as exc:
        raise _refuse(
            kind, BAD_JSON, f"invalid JSON: {exc.msg}", file_label, exc.lineno + line_offset, exc.colno
        ) from None
    except RecursionError:  # deeper than the parser's recursion limit
        depth = None
    except ValueError as exc:  # a constant refused by `_no_constant`
        raise _refuse(kind, BAD_JSON, f"invalid JSON: {exc}", file_label, line_offset + 1, 1) from None
    if depth is not None and depth <= max_depth:
        return value
    shown = f"{depth} levels deep" if depth is not None else "deeper than the parser can follow"
    raise _refuse(
        kind,
        TOO_DEEP,
        f"JSON nested {shown}; at most {max_depth} levels are read",
        file_label,
        line_offset + 1,
        1,
        hint="flatten the data",
    )


def read_json(
    path: str | Path,
    *,
    root: str | Path,
    kind: FileKind = EVIDENCE,
    limit: int | None = None,
    file_label: str | None = None,
    allow_nan: bool = True,
) -> Any:
    label = file_label or str(path)
    return parse_json(
        read_text(path, root=root, kind=kind, limit=limit, file_label=label), label, kind=kind, allow_nan=allow_nan
    )


def walk(
    folder: str | Path,
    root: str | Path,
    *,
    kind: FileKind = EVIDENCE,
    label: Callable[[Path], str] = str,
) -> list[Path]:
    """Every entry below `folder` that is not a folder (files, and links, FIFOs or devices for the
    reader to refuse), in name order. Symbolic links to folders are followed only inside `root`
    (one leading out is refused) and each real folder is entered once, so a link loop ends."""
    seen: set[Path] = set()
    found: list[Path] = []
    stack = [Path(folder)]
    while stack:
        current = stack.pop()
        real = confined(current, root, kind=kind, file_label=label(current))
        if real in seen:
            continue
        seen.add(real)
        try:
            entries = sorted(os.scandir(current), key=lambda entry: entry.name)
        except OSError as exc:
            raise _os_error(exc, kind, label(current)) from None
        for entry in entries:
            path = current / entry.name
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            (stack if is_dir else found).append(path)
    return sorted(found)
