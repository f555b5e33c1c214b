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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

import annotated_types
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from planner.errors import Cause, Diagnostic
from planner.project.project import Project, SpecDoc, breadcrumb
from planner.source.files import Sources
from planner.source.hints import DATE_FORMAT, comma_hint, date_hint, number_hint, rating_hint
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
        found = models_in(info.annotation) if info else []
        if not found:
            return None
        model = found[0]
    return model


def models_in(annotation) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, list, dict, typing.Annotated):
        return [m for arg in args for m in models_in(arg)]
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


def _value_at(data: object, path: tuple) -> object:
    for part in path:
        data = data[part] if isinstance(data, (dict, list)) else None
    return data


def _is_split_text(data: object, path: tuple) -> bool:
    """Whether an unknown key is the rest of a text that an unquoted comma split (`{…, about 60
    a day.}`): YAML reads it as a key with no value, and a key is never a phrase with spaces."""
    mapping = _value_at(data, path[:-1])
    return isinstance(mapping, dict) and mapping.get(path[-1]) is None and " " in str(path[-1]).strip()


def _previous_entry(data: object, path: tuple) -> tuple[str, object] | None:
    """The key and value written before the one at `path` in its mapping (the text's first part)."""
    mapping = _value_at(data, path[:-1])
    keys = list(mapping) if isinstance(mapping, dict) else []
    index = keys.index(path[-1]) if path[-1] in keys else 0
    return (str(keys[index - 1]), mapping[keys[index - 1]]) if index > 0 and isinstance(mapping, dict) else None


def _of_fraction_metric(data: object, path: tuple) -> bool:
    """Whether the number at `path` sits beside the `name` (or `metric`) of a metric that is a
    fraction, so `target: 90%` for a recall is fixed as 0.9, not 90."""
    from planner.metric_names import is_fraction

    mapping = _value_at(data, path[:-1])
    named = [mapping.get(key) for key in ("name", "metric")] if isinstance(mapping, dict) else []
    return any(isinstance(name, str) and is_fraction(name) for name in named)


def _scale_top(data: object, path: tuple) -> int:
    """The top of the rating scale a value is on: the risk document's `scale` for its key, else 5."""
    scale = data.get("scale") if isinstance(data, dict) else None
    top = scale.get(path[-1]) if isinstance(scale, dict) and path else None
    return top if isinstance(top, int) and not isinstance(top, bool) and 1 < top <= 100 else 5


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
        if not close and _is_split_text(document.data, path):
            hint = comma_hint(_previous_entry(document.data, path), str(key))
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
            fraction = _is_fraction(model, path) or _of_fraction_metric(document.data, path)
            hint = rating_hint(error["input"], _scale_top(document.data, path)) or number_hint(
                error["input"], fraction=fraction, quoted=path in document.quoted
            )
        elif isinstance(error.get("input"), str) and kind in DATE_TYPES:
            code, message = "invalid", f"{describe(error['input'])} is not a date"
            hint = date_hint(error["input"])
            if not hint.startswith(DATE_FORMAT):  # a day past the month's end
                hint = f"give a real calendar date, as YYYY-MM-DD: {hint}"
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
        return None, merged_typos([error_to_diagnostic(e, document, model) for e in exc.errors()])


def merged_typos(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """One diagnostic for a misspelt required key: `likelyhood` is unknown and `likelihood` missing
    are the same mistake, so the missing-key error beside its near-spelt unknown key is dropped."""
    missing = {d.path: d for d in diagnostics if d.code == "missing-key" and d.path}
    kept, dropped = [], set()
    for diag in diagnostics:
        if diag.code == "unknown-key" and diag.path:
            parent = diag.path[:-1]
            names = [str(path[-1]) for path in missing if path[:-1] == parent and path not in dropped]
            close = difflib.get_close_matches(str(diag.path[-1]), names, n=1)
            if close:
                dropped.add((*parent, close[0]))
                diag = replace(diag, hint=f"did you mean {close[0]!r}? it is required")
        kept.append(diag)
    return [d for d in kept if d.path not in dropped or d.code != "missing-key"]


@dataclass
class Validated:
    """A document's validation: the spec kept (without its invalid items), and what was wrong."""

    spec: BaseModel | None
    document: Document
    """The document the spec came from: without its invalid items when some were dropped."""
    diagnostics: list[Diagnostic]
    invalid_ids: set[str] = field(default_factory=set)
    """Ids defined in the file whose items are not in `spec`: they exist, so referring to them is no error."""
    invalid_scopes: set[str] = field(default_factory=set)
    """Ids of documents some of whose items were dropped: ids derived from them (a bias audit's
    `A1.metric.feature` findings) may name a dropped item."""


def validate_spec(document: Document, model: type[BaseModel], root: Path) -> Validated:
    """The document validated as `model`; when only some items of its lists are invalid, the rest
    is kept, so other documents' references to them are checked and not all reported as missing."""
    spec, problems = validate_document(document, model, root)
    if spec is not None:
        return Validated(spec, document, [])
    removed = _invalid_items(document.data, problems)
    if removed:
        pruned = document.without_items(removed)
        kept, _ = validate_document(pruned, model, root)
        if kept is not None:
            assert isinstance(document.data, dict)  # items were found in its lists
            dropped = [document.data[key][i] for key, indices in removed.items() for i in indices]
            scope = {document.data["id"]} if isinstance(document.data.get("id"), str) else set()
            return Validated(kept, pruned, problems, _ids_in(dropped), scope)
    everything = _ids_in(document.data)
    return Validated(None, document, problems, everything, everything)


def _invalid_items(data: object, problems: list[Diagnostic]) -> dict[str, set[int]]:
    """The top-level list items the problems lie in, or nothing when one lies outside every item."""
    removed: dict[str, set[int]] = {}
    for problem in problems:
        key, index = (*problem.path, None, None)[:2]
        if not (isinstance(data, dict) and isinstance(data.get(key), list) and isinstance(index, int)):
            return {}
        removed.setdefault(str(key), set()).add(index)
    return removed


def _ids_in(data: object) -> set[str]:
    """Every `id` string in the data, however deep (items and the items inside them)."""
    if isinstance(data, dict):
        own = {data["id"]} if isinstance(data.get("id"), str) else set()
        return own.union(*(_ids_in(value) for value in data.values()))
    if isinstance(data, list):
        return set().union(*(_ids_in(value) for value in data))
    return set()


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
    project = Project(
        sources.root,
        None,
        sources.manifest,
        texts=sources.texts,
        diagnostics=[d.caused_by(Cause.LOAD) for d in sources.diagnostics],
    )
    if sources.manifest is not None:
        project.manifest, problems = validate_document(sources.manifest, Manifest, sources.root)
        project.diagnostics.extend(problems)
    for document in sources.documents:
        model, problem = kind_of(document)
        if model is None:
            project.diagnostics.extend([problem.caused_by(Cause.LOAD)] if problem else [])
            project.invalid_ids.update(_ids_in(document.data))
            project.invalid_scopes.update(_ids_in(document.data))
            continue
        validated = validate_spec(document, model, sources.root)
        project.diagnostics.extend(validated.diagnostics)
        project.invalid_ids.update(validated.invalid_ids)
        project.invalid_scopes.update(validated.invalid_scopes)
        if validated.spec is not None:
            project.docs.append(SpecDoc(validated.document, validated.spec))
    return project
