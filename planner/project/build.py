"""From YAML documents to typed spec models, with every pydantic error mapped to its YAML position.

pydantic reports a location as a tuple of keys, indices and union-member tags; walking that
tuple through the document's data keeps the real keys and drops the tags, which gives both the
position and a breadcrumb that names list items by their id (`risks[R7].likelihood`).
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from pathlib import Path
from typing import TypeVar

import annotated_types
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from planner.errors import Diagnostic
from planner.project.project import Project, SpecDoc, breadcrumb
from planner.source.files import Sources
from planner.source.hints import date_hint, number_hint
from planner.source.yaml_documents import Document
from planner.spec import Manifest
from planner.spec.base import EMAIL_PATTERN, ID_PATTERN
from planner.spec.project import VERSION_PATTERN

T = TypeVar("T", bound=BaseModel)
YAML_BOOL_HINT = "YAML reads unquoted yes/no/on/off/true/false as booleans: quote the value"
PATTERNS = {
    EMAIL_PATTERN: ("is not an email address", "write it as name@domain.tld"),
    ID_PATTERN: ("is not a valid id", "start with a letter; use letters, digits, _ . - (at most 64)"),
    VERSION_PATTERN: ("is not a version", "write it like 1.2.0"),
}
NUMBER_TYPES = ("int_type", "float_type", "int_parsing", "float_parsing")
DATE_TYPES = ("date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact")
MAX_LISTED = 8
"""Most allowed values a message lists; past it, only the closest is named."""


def data_path(data, loc: tuple) -> tuple:
    """The part of a pydantic location that names real keys and indices of the data."""
    path, node = [], data
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and not _is_union_tag(part):
            path.append(part)  # a missing or unknown key: keep it, stop walking
            break
        else:
            continue
        path.append(part)
    return tuple(path)


def _is_union_tag(part: str) -> bool:
    return any(ch in part for ch in "[]()") or part in ("str", "int", "float", "bool")


def model_at(model: type[BaseModel], path: tuple) -> type[BaseModel] | None:
    """The model class that holds the value at `path`, to suggest its field names."""
    for part in path:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part)
        found = _models_in(info.annotation) if info else []
        if not found:
            return None
        model = found[0]
    return model


def _models_in(annotation) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, list, dict, typing.Annotated):
        return [m for arg in args for m in _models_in(arg)]
    return []


def _bounds(annotation, metadata: list) -> tuple[typing.Any, list]:
    """The annotation without Annotated and Optional wrappers, and the metadata they carried."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *extra = typing.get_args(annotation)
            metadata = [*metadata, *extra]
        elif origin in (typing.Union, types.UnionType):
            args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
            if len(args) != 1:
                return annotation, metadata
            annotation = args[0]
        else:
            return annotation, metadata


def _is_fraction(model: type[BaseModel], path: tuple) -> bool:
    """Whether the value at `path` is a number bounded to 0..1 (a probability or a fraction)."""
    annotation: typing.Any = model
    metadata: list = []
    for part in path:
        annotation, metadata = _bounds(annotation, [])
        origin, args = typing.get_origin(annotation), typing.get_args(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(part, str):
            info = annotation.model_fields.get(part)
            if info is None:
                return False
            annotation, metadata = info.annotation, list(info.metadata)
        elif origin is list and isinstance(part, int) and args:
            annotation = args[0]
        elif origin is dict and len(args) == 2:
            annotation = args[1]
        else:
            return False
    annotation, metadata = _bounds(annotation, metadata)
    flat = [m for item in metadata for m in (item.metadata if isinstance(item, FieldInfo) else [item])]
    low = [
        getattr(m, "ge", getattr(m, "gt", None))
        for m in flat
        if isinstance(m, (annotated_types.Ge, annotated_types.Gt))
    ]
    high = [
        getattr(m, "le", getattr(m, "lt", None))
        for m in flat
        if isinstance(m, (annotated_types.Le, annotated_types.Lt))
    ]
    lows = [float(b) for b in low if isinstance(b, (int, float))]
    highs = [float(b) for b in high if isinstance(b, (int, float))]
    return annotation is float and bool(lows and highs) and min(lows) >= 0 and max(highs) <= 1


def describe(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def error_to_diagnostic(error: ErrorDetails, document: Document, model: type[BaseModel]) -> Diagnostic:
    path = data_path(document.data, error["loc"])
    kind, message, hint = error["type"], error["msg"], ""
    line, column = document.key_position(path) if kind == "extra_forbidden" else document.position(path)
    if kind == "extra_forbidden":
        key = path[-1] if path else "?"
        owner = model_at(model, path[:-1])
        allowed = sorted(owner.model_fields) if owner else []
        close = difflib.get_close_matches(str(key), allowed, n=1)
        code, message = "unknown-key", f"unknown key {key!r}"
        hint = f"did you mean {close[0]!r}?" if close else f"allowed keys: {', '.join(allowed)}"
    elif kind == "missing":
        code, message = "missing-key", f"missing required key {path[-1]!r}"
        hint = "add it; see `planner schema` for every key"
    elif kind in ("value_error", "assertion_error"):
        code, message = "invalid", message.removeprefix("Value error, ")
    elif kind == "string_pattern_mismatch" and error["ctx"]["pattern"] in PATTERNS:
        what, hint = PATTERNS[error["ctx"]["pattern"]]
        code, message = "invalid", f"{describe(error.get('input'))} {what}"
    else:
        code = "type" if kind.endswith("_type") or kind.endswith("_parsing") else "invalid"
        message = f"{message}; found {describe(error.get('input'))}"
        if isinstance(error.get("input"), bool) and kind == "string_type":
            hint = YAML_BOOL_HINT
        elif isinstance(error.get("input"), str) and kind in NUMBER_TYPES:
            fraction = _is_fraction(model, path)
            hint = number_hint(error["input"], fraction=fraction, quoted=path in document.quoted)
        elif isinstance(error.get("input"), str) and kind in DATE_TYPES:
            code, message = "invalid", f"{describe(error['input'])} is not a date"
            hint = date_hint(error["input"])
        elif kind in ("literal_error", "enum") and isinstance(error.get("input"), str):
            allowed = re.findall(r"'([^']*)'", str(error.get("ctx", {}).get("expected", "")))
            close = difflib.get_close_matches(error["input"], allowed, n=1, cutoff=0.6)
            if len(allowed) > MAX_LISTED:
                message = f"{describe(error['input'])} is not one of the {len(allowed)} allowed values"
            hint = f"did you mean {close[0]!r}?" if close else ""
            if not close and len(allowed) > MAX_LISTED:
                hint = "see `planner schema` for every value"
    return Diagnostic(
        code, message, document.file, line, column, path, hint=hint, breadcrumb=breadcrumb(document.data, path)
    )


def validate_document(document: Document, model: type[T], root: Path) -> tuple[T | None, list[Diagnostic]]:
    """The document validated as `model`, or None and every problem as a diagnostic at its position."""
    try:
        return model.model_validate(document.data, context={"root": root}), []
    except ValidationError as exc:
        return None, [error_to_diagnostic(e, document, model) for e in exc.errors()]


def kind_of(document: Document) -> tuple[type[BaseModel] | None, Diagnostic | None]:
    """The model of the document's `kind`, or the diagnostic saying why there is none."""
    from planner.kinds import KINDS

    data = document.data
    kind = data.get("kind") if isinstance(data, dict) else None
    if kind in KINDS:
        return KINDS[kind].model, None
    line, column = document.position(("kind",))
    if not isinstance(data, dict):
        return None, Diagnostic(
            "not-a-mapping",
            "a spec document must be a mapping with a `kind`",
            document.file,
            line,
            column,
            hint="start the document with `kind: ...`",
        )
    if kind is None:
        return None, Diagnostic(
            "missing-key",
            "missing required key 'kind'",
            document.file,
            line,
            column,
            ("kind",),
            hint=f"one of: {', '.join(KINDS)}",
        )
    close = difflib.get_close_matches(str(kind), list(KINDS), n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"one of: {', '.join(KINDS)}"
    return None, Diagnostic("unknown-kind", f"unknown kind {kind!r}", document.file, line, column, ("kind",), hint=hint)


def build_project(sources: Sources) -> Project:
    """Validate the manifest and every document; all problems are collected, none raised."""
    project = Project(sources.root, None, sources.manifest, texts=sources.texts, diagnostics=list(sources.diagnostics))
    if sources.manifest is not None:
        project.manifest, problems = validate_document(sources.manifest, Manifest, sources.root)
        project.diagnostics.extend(problems)
    for document in sources.documents:
        model, problem = kind_of(document)
        if model is None:
            project.diagnostics.extend([problem] if problem else [])
            continue
        spec, problems = validate_document(document, model, sources.root)
        project.diagnostics.extend(problems)
        if spec is not None:
            project.docs.append(SpecDoc(document, spec))
    return project
