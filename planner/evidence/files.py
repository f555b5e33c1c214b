"""Reading the files result sources are made of: text, JSON, YAML and numbers, each failing with a
diagnostic that names the file (and line and column when known)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from planner.evidence.errors import BAD_JSON, MISSING, UNREADABLE, error
from planner.source.yaml_documents import parse_documents


def read_text(path: Path, file: str) -> str:
    """A UTF-8 text file, or a diagnostic naming it (missing, a folder, unreadable, bad bytes)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error(MISSING, f"file not found: {file}", file) from None
    except OSError as exc:
        raise error(UNREADABLE, f"cannot read {file}: {exc.strerror}", file) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise error(
            UNREADABLE,
            f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
            file,
            line,
            column,
            hint="save the file as UTF-8",
        ) from None


def parse_number(text: str) -> float | None:
    """A metric value as text -> float, or None when it is not a number ('nan' and 'inf' are)."""
    if "_" in text:  # float() accepts "1_000"; no tracker writes that
        return None
    try:
        return float(text)
    except ValueError:
        return None


def read_json(path: Path, file: str) -> Any:
    return parse_json(read_text(path, file), file)


def parse_json(text: str, file: str, line_offset: int = 0) -> Any:
    """JSON text -> value; a syntax error gets the line and column json reports."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(BAD_JSON, f"invalid JSON: {exc.msg}", file, exc.lineno + line_offset, exc.colno) from None


def read_yaml(path: Path, file: str) -> Any:
    """The first document of a YAML file through planner's safe loader (None when empty)."""
    documents = parse_documents(read_text(path, file), file)
    return documents[0].data if documents else None
