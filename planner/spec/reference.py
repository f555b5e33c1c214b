"""The spec reference in Markdown (`planner schema --format markdown`, committed as docs/reference.md).

Generated from the same pydantic models as the JSON Schema (`planner.spec.schema`): the manifest and
every registered kind, each key with its type in words, whether it is required or its default, its
allowed values and bounds, and its description (the field docstrings). Then the tables a reader
looks up while writing specs: the standard checklist questions, the metrics an audit computes and
their synonyms, the reproducibility facts read from runs and their tags, and the diagnostic codes. Light on purpose: no pandas, numpy or scikit-learn (the audit engine's metric table is
mirrored in `planner.spec.bias`, and a test holds the two equal).
"""

from __future__ import annotations

import json
import re
import types
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel, WithJsonSchema
from pydantic.fields import FieldInfo

from planner.spec import base, bias
from planner.spec.data import STANDARD_TEMPLATE
from planner.spec.results import TrackingUri

TITLE = "# Spec reference"
INTRO = """\
Every key planner reads, generated from the models that validate the specs (the same ones as the
JSON Schema that `planner schema` writes). A project is a folder with `planner.yaml` at its root;
each spec file holds one or more YAML documents, each with a `kind`. Unknown keys are refused.

Types in words: *text* is a non-empty string (at most 20,000 characters); an *id* starts with a
letter and holds letters, digits, `_`, `.` and `-` (at most 64 characters), unique across the
project; an *email* is `name@domain.tld`; a *path* is relative to the project folder and stays
inside it; a *date* is `YYYY-MM-DD`. Numbers are not read from quoted text: write `0.8`, not `"0.8"`.
"""
REPRODUCIBILITY = {
    "code_version": "the commit of the code that trained the model",
    "data_version": "a version or hash of the training data",
    "python_version": "the Python version of the run",
    "environment": "the requirements or conda file the run recorded",
    "entry_point": "the script or entry point that ran",
}
"""What each of `planner.evidence.model.REPRODUCIBILITY_KEYS` means (a key missing here fails the build)."""
NAMED_STRINGS = ((base.Id, "id"), (base.Email, "email"), (base.ProjectPath, "path"), (TrackingUri, "tracking URI"))
"""String types the reference names by what they hold (the intro says what each allows)."""
SIZE_METRICS = ("count", "share")
"""What an audit reports of each group beside its metrics: `planner.audit.metrics.SIZE_METRICS`
(not imported: it needs numpy; tests/test_reference.py holds the two equal)."""


def slug(text: str) -> str:
    """The anchor Python-Markdown's `toc` (mkdocs) gives a heading of `text` (its default slugify)."""
    text = re.sub(r"`([^`]*)`", r"\1", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


@dataclass
class Page:
    """Markdown lines with unique heading anchors, numbered as `toc` numbers repeated ones."""

    lines: list[str] = field(default_factory=list)
    anchors: set[str] = field(default_factory=set)

    def heading(self, level: int, text: str) -> str:
        anchor = base_anchor = slug(text)
        number = 0
        while anchor in self.anchors:
            number += 1
            anchor = f"{base_anchor}_{number}"
        self.anchors.add(anchor)
        self.lines += [f"{'#' * level} {text}", ""]
        return anchor

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        self.lines.append("| " + " | ".join(header) + " |")
        self.lines.append("|" + "---|" * len(header))
        self.lines.extend("| " + " | ".join(cell(c) for c in row) + " |" for row in rows)
        self.lines.append("")


def cell(text: str) -> str:
    """Text for one table cell: on one line, its pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def code(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return f"`{text}`"


# --- types in words ---------------------------------------------------------------------------


def _constraints(metadata: list[Any]) -> list[Any]:
    """Constraint objects, with those nested in a `Field(...)` inside `Annotated` flattened."""
    found = []
    for item in metadata:
        found.extend(_constraints(item.metadata) if isinstance(item, FieldInfo) else [item])
    return found


def bounds(metadata: list[Any]) -> list[str]:
    """Numeric and length bounds in words (string lengths are left to the type's word)."""
    words = []
    for item in _constraints(metadata):
        for attr, word in (("ge", "at least"), ("gt", "more than"), ("le", "at most"), ("lt", "less than")):
            if isinstance(item, getattr(annotated_types, attr.capitalize())):
                words.append(f"{word} {_number(getattr(item, attr))}")
        if isinstance(item, annotated_types.MinLen) and item.min_length > 0:
            words.append(f"at least {item.min_length} {'entry' if item.min_length == 1 else 'entries'}")
    return words


def _number(value: float) -> str:
    """`0`, `0.5`, `10,000`: integral bounds without a decimal point."""
    return f"{int(value):,}" if float(value).is_integer() else str(value)


def _string_word(metadata: list[Any]) -> str:
    from planner.metric_names import resolve

    enums = [item.json_schema.get("enum") for item in metadata if isinstance(item, WithJsonSchema) and item.json_schema]
    if enums and enums[0]:
        if all(resolve(str(value)) for value in enums[0]):
            return f"metric name (one of {len(enums[0])} names, see [Metrics](#metrics))"
        return "one of " + ", ".join(code(value) for value in enums[0])
    for alias, word in NAMED_STRINGS:
        if all(any(part == item for item in metadata) for part in get_args(alias)[1:]):
            return word
    pattern = next((p for p in (getattr(item, "pattern", None) for item in _constraints(metadata)) if p), None)
    return f"text matching {code(pattern)}" if pattern else "text"


@dataclass
class Links:
    """Where the kind being written documents each nested model: its key path and heading anchor."""

    sections: dict[type[BaseModel], tuple[str, str]] = field(default_factory=dict)


def type_words(annotation: Any, metadata: list[Any], links: Links) -> str:
    """`annotation` in plain words, with its bounds: `list of id`, `one of `open`, `closed``,
    `number (at least 0, at most 1)`, `mapping of text to number`."""
    if get_origin(annotation) is Annotated:
        inner, *extra = get_args(annotation)
        return type_words(inner, [*metadata, *extra], links)
    if get_origin(annotation) in (Union, types.UnionType):
        options = [a for a in get_args(annotation) if a is not type(None)]
        inherited = metadata if len(options) == 1 else []
        return " or ".join(dict.fromkeys(type_words(a, inherited, links) for a in options))
    words, limits = _words(annotation, metadata, links), bounds(metadata)
    return f"{words} ({', '.join(limits)})" if limits else words


def _words(annotation: Any, metadata: list[Any], links: Links) -> str:
    origin = get_origin(annotation)
    if origin is Literal:
        values = get_args(annotation)
        return code(values[0]) if len(values) == 1 else "one of " + ", ".join(code(v) for v in values)
    if origin is list:
        (item,) = get_args(annotation)
        return f"list of {type_words(item, [], links)}"
    if origin is dict:
        key, value = get_args(annotation)
        return f"mapping of {type_words(key, [], links)} to {type_words(value, [], links)}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation not in links.sections:
            return "mapping"
        path, anchor = links.sections[annotation]
        return f"mapping ([`{path}`](#{anchor}))"
    if annotation is str:
        return _string_word(metadata)
    words = {bool: "true or false", int: "whole number", float: "number", date: "date"}
    return words.get(annotation, getattr(annotation, "__name__", str(annotation)))


def default_words(info: FieldInfo) -> str:
    if info.is_required():
        return "**required**"
    value = info.get_default(call_default_factory=True)
    if value is None:
        return "optional"
    if isinstance(value, BaseModel):
        return "its keys' defaults"
    return code(value)


# --- models to sections ---------------------------------------------------------------------


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for arg in get_args(annotation):
        yield from _models_in(arg)


def _suffix(annotation: Any) -> str:
    """How a nested model's key path continues: `[]` for list items, `.KEY` for mapping values."""
    origin = get_origin(annotation)
    if origin is list:
        return "[]"
    if origin is dict:
        return ".KEY"
    if origin in (Union, types.UnionType, Annotated):
        return next((_suffix(a) for a in get_args(annotation) if _suffix(a)), "")
    return ""


def nested_models(model: type[BaseModel]) -> dict[type[BaseModel], list[str]]:
    """Every model reachable from `model`'s fields, in reading order, with the key paths it sits at."""
    found: dict[type[BaseModel], list[str]] = {}
    queue: list[tuple[type[BaseModel], str]] = [(model, "")]
    while queue:
        current, prefix = queue.pop(0)
        for name, info in current.model_fields.items():
            for inner in _models_in(info.annotation):
                path = f"{prefix}{name}{_suffix(info.annotation)}"
                if inner in found:
                    found[inner].append(path)
                    continue
                found[inner] = [path]
                queue.append((inner, path + "."))
    return found


def field_rows(model: type[BaseModel], links: Links) -> list[tuple[str, ...]]:
    return [
        (
            code(name),
            type_words(info.annotation, list(info.metadata), links),
            default_words(info),
            doc_text(info.description),
        )
        for name, info in model.model_fields.items()
    ]


def doc_text(text: str | None) -> str:
    return " ".join((text or "").split())


def model_section(page: Page, title: str, model: type[BaseModel], intro: str = "") -> None:
    """A kind (or the manifest): its table of keys, then a section per nested model."""
    page.heading(2, title)
    page.add(doc_text(intro or model.__doc__), "")
    nested = nested_models(model)
    links = Links()
    headings = {}
    for inner, paths in nested.items():
        heading = f"{title}: `{paths[0]}`"
        links.sections[inner] = (paths[0], slug(heading))  # the anchor `page.heading` gives it (checked below)
        headings[inner] = heading
    page.table(("Key", "Type", "Default", "Description"), field_rows(model, links))
    for inner, paths in nested.items():
        anchor = page.heading(3, headings[inner])
        assert anchor == links.sections[inner][1], f"heading anchor {anchor} is not unique"
        also = f" Also at {', '.join(code(p) for p in paths[1:])}." if len(paths) > 1 else ""
        page.add(f"{doc_text(inner.__doc__)}{also}", "")
        page.table(("Key", "Type", "Default", "Description"), field_rows(inner, links))


# --- the other tables -----------------------------------------------------------------------


def checklist_section(page: Page) -> None:
    page.heading(2, "Standard data checklist questions")
    page.add(
        "A `data-checklist` with `template: standard` (the default) asks these questions; answer each by",
        "its id in `items`, or mark it `n/a` with a `reason`. Across the project an item is",
        "`CHECKLIST.ITEM`.",
        "",
    )
    page.table(("Id", "Section", "Question"), [(code(i), s, q) for i, s, q in STANDARD_TEMPLATE])


def metrics_section(page: Page) -> None:
    from planner.metric_names import SYNONYMS

    page.heading(2, "Metrics")
    page.add(
        "A bias audit computes these metrics per group (and overall) from its predictions file; a `limit`",
        "may name any of them. Objectives, tests, constraints and policy rules name the metrics their result",
        "sources record; a run's metric is found under any name of the same metric. Names are read in any",
        "case, with spaces or hyphens for `_`; each synonym means the metric it is listed with.",
        "",
    )

    def rows(names: Iterable[str], what: str) -> list[tuple[str, str, str]]:
        return [(code(m), what, ", ".join(code(s) for s in SYNONYMS.get(m, ()))) for m in names]

    rates = [m for m in bias.GROUP_METRICS if m in bias.RATE_METRICS]
    scores = [m for m in bias.GROUP_METRICS if m not in bias.RATE_METRICS]
    sizes = SIZE_METRICS
    listed = {*bias.LIMIT_METRICS, *sizes}
    page.heading(3, "Group metrics")
    page.table(
        ("Metric", "What", "Synonyms"),
        rows(rates, "rate of confusion cells")
        + rows(scores, "score metric (needs a `score` column)")
        + rows(sizes, "group size (reported, no limit metric)"),
    )
    page.heading(3, "Disparities")
    page.add(
        "Between groups (max - min, min / max), or against the feature's `reference_groups` entry.",
        "`<rate>_difference` and `<rate>_ratio` exist for every rate, and take its synonyms too",
        "(`miss_rate_difference`).",
        "",
    )
    derived = [(code(m), "`{}` {} between groups".format(*m.rsplit("_", 1)), "") for m in bias.RATE_DISPARITY_METRICS]
    page.table(("Metric", "What", "Synonyms"), rows(bias.DISPARITY_METRICS, "fairlearn's disparity") + derived)
    others = [m for m in SYNONYMS if m not in listed]
    if others:
        page.heading(3, "Other metric names")
        page.add("Runs may log these; the audit does not compute them.", "")
        page.table(("Metric", "What", "Synonyms"), rows(others, "recorded by runs"))


def reproducibility_section(page: Page) -> None:
    from planner.evidence.model import REPRODUCIBILITY_KEYS, REPRODUCIBILITY_TAGS

    page.heading(2, "Reproducibility facts")
    page.add(
        "What the candidate run records about how it was made: what its source states, else its tags (the",
        "first tag present wins). Status, the reports and the model card list the facts a run lacks.",
        "",
    )
    rows = [
        (code(key), REPRODUCIBILITY[key], ", ".join(code(tag) for tag in REPRODUCIBILITY_TAGS[key]))
        for key in REPRODUCIBILITY_KEYS
    ]
    page.table(("Fact", "What", "Tags read, in order"), rows)


def diagnostics_section(page: Page) -> None:
    from planner.explain import CATALOGUE

    page.heading(2, "Diagnostic codes")
    page.add(
        "Each problem planner reports carries a code; `planner explain CODE` says what it means, how to",
        "fix it and shows an example ([Diagnostics](diagnostics.md)).",
        "",
    )
    page.table(("Code", "Meaning"), [(f"[`{c}`](diagnostics.md#{slug(c)})", e.summary) for c, e in CATALOGUE.items()])


def reference_markdown() -> str:
    """The whole reference, as docs/reference.md holds it."""
    from planner.kinds import KINDS
    from planner.spec.project import Manifest

    page = Page()
    page.add(TITLE, "", INTRO)
    page.heading(2, "Contents")
    names = ["planner.yaml", *(f"kind: {name}" for name in KINDS)]
    others = ["Standard data checklist questions", "Metrics", "Reproducibility facts", "Diagnostic codes"]
    page.add(*(f"- [{n}](#{slug(n)})" for n in [*names, *others]), "")
    model_section(
        page,
        "planner.yaml",
        Manifest,
        "The manifest at the project's root: what the project is, and where its specs are.",
    )
    for name, kind in KINDS.items():
        model_section(page, f"kind: {name}", kind.model)
    checklist_section(page)
    metrics_section(page)
    reproducibility_section(page)
    diagnostics_section(page)
    return "\n".join(page.lines).rstrip("\n") + "\n"
