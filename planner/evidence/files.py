"""Reading the files result sources are made of: text, JSON, YAML and numbers, each failing with a
diagnostic that names the file (and line and column when known).

Every read goes through the guard (`planner.source.guard`) with `root`, the project folder (or the
folder of the source when a reader is called without one): a file or folder leading out of it
through a symbolic link, a FIFO or device, a file over 64 MiB (`guard.EVIDENCE`), bad UTF-8 and JSON
nested deeper than `guard.MAX_JSON_DEPTH` are refused before anything is parsed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from planner.evidence.errors import BAD_JSON, MISSING, UNREADABLE, display
from planner.source import guard
from planner.source.files import is_dir
from planner.source.yaml_documents import parse_documents

RESULT_FILE = guard.EVIDENCE.renamed(
    {guard.MISSING: MISSING, guard.UNREADABLE: UNREADABLE, guard.ENCODING: UNREADABLE, guard.BAD_JSON: BAD_JSON}
)
"""Result files through the read boundary, with the evidence readers' codes for what they always reported."""


def read_bytes(path: Path, file: str, root: Path) -> bytes:
    return guard.read_bytes(path, root=root, kind=RESULT_FILE, file_label=file)


def read_text(path: Path, file: str, root: Path) -> str:
    """A UTF-8 text file inside `root`, or a diagnostic naming it (missing, a folder, a link out, bad bytes...)."""
    return guard.read_text(path, root=root, kind=RESULT_FILE, file_label=file)


def parse_number(text: str) -> float | None:
    """A metric value as text -> float, or None when it is not a number ('nan' and 'inf' are)."""
    if "_" in text:  # float() accepts "1_000"; no tracker writes that
        return None
    try:
        return float(text)
    except ValueError:
        return None


def read_json(path: Path, file: str, root: Path) -> Any:
    return parse_json(read_text(path, file, root), file)


def parse_json(text: str, file: str, line_offset: int = 0) -> Any:
    """JSON text -> value; a syntax error gets the line and column json reports, nesting is bounded."""
    return guard.parse_json(text, file, kind=RESULT_FILE, line_offset=line_offset)


def read_yaml(path: Path, file: str, root: Path) -> Any:
    """The first document of a YAML file through planner's safe loader (None when empty)."""
    documents = parse_documents(read_text(path, file, root), file)
    return documents[0].data if documents else None


def present(path: Path) -> bool:
    """Something is there that is not a folder: a file, or a link, FIFO or device the guard refuses
    when it is read (`is_file()` would skip those silently)."""
    return os.path.lexists(path) and not is_dir(path)


def walk(folder: Path, root: Path, shown: Path | None) -> list[Path]:
    """Every entry below `folder` that is not a folder (see `guard.walk`), named relative to `shown`."""
    label: Callable[[Path], str] = lambda path: display(path, shown)  # noqa: E731
    return guard.walk(folder, root, kind=RESULT_FILE, label=label)
