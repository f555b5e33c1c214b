"""Coverage of one catalogue from a project and its assessed statuses.

Mapping is automatic: each entry's evidence rules select items by kind and property, so a project
need not tag its items; an item's `satisfies` adds entries beyond those. Every item counts with
its own assessed status, so an obligation is evidenced only by what was shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import BaseModel

from planner.coverage.model import Coverage, Obligation, Support
from planner.project.items import ItemRef, collect_items
from planner.project.project import Project, SpecDoc
from planner.spec.catalogue import CatalogueSpec, Entry, EvidenceRule
from planner.vocab import Outcome

PROJECT = "project"
"""The rule kind naming `planner.yaml`'s `project` section."""
OPEN = "open"
UNJUDGED = Outcome.INFO
"""The status of an item its kind states but does not judge (a dataset, a result source)."""


def value_at(model: Any, dotted: str) -> Any:
    """The field at a dotted path of a model (`datasheet.collection`), None where a part is unset."""
    value = model
    for part in dotted.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def written(model: Any, dotted: str) -> bool:
    """The field at a dotted path is written in the spec, not left at its default, and says
    something (`says_something`)."""
    value = model
    for part in dotted.split("."):
        if not isinstance(value, BaseModel) or part not in value.model_fields_set:
            return False
        value = getattr(value, part)
    return says_something(value)


def says_something(value: Any) -> bool:
    """Not empty; for a nested model, one of its written fields says something, and an assessment
    still `open` says nothing (an audit's harm not yet looked at)."""
    if isinstance(value, BaseModel):
        if getattr(value, "status", None) == OPEN:
            return False
        return any(says_something(getattr(value, name)) for name in value.model_fields_set)
    return value not in (None, "", [], {}, False)


def matches(model: Any, rule: EvidenceRule) -> bool:
    """Whether `model` (an item or a document) passes the rule: its property written, or equal to
    `value` (a default counts there: it is the value the field has)."""
    if rule.property is None:
        return True
    if rule.value is None:
        return written(model, rule.property)
    value = value_at(model, rule.property)
    values = value if isinstance(value, list) else [value]
    return any(str(getattr(v, "value", v)) == rule.value for v in values)


def item_model(ref: ItemRef) -> Any | None:
    """The model of the item itself (a checklist's unanswered standard question has none)."""
    model: Any = ref.model
    if ref.path and ref.path[-1] == "id":
        model = ref.doc.model
        for part in ref.path[:-1]:
            model = model[part] if isinstance(part, int) else getattr(model, part)
    own = getattr(model, "id", None)
    if isinstance(own, str) and own != ref.id and not ref.id.endswith("." + own):
        return None
    return model


class Supports:
    """What a project offers as support: its items with their models and statuses, its documents."""

    def __init__(self, project: Project, statuses: Iterable[Any]):
        self.project = project
        self.status = {status.id: status for status in statuses}
        self.items: dict[str, list[tuple[ItemRef, Any]]] = {}
        self.claims: dict[str, list[ItemRef]] = {}
        for ref in collect_items(project):
            model = item_model(ref)
            self.items.setdefault(ref.kind, []).append((ref, model))
            for name in getattr(model, "satisfies", ()) if model is not None else ():
                self.claims.setdefault(name, []).append(ref)
        self.selected: dict[EvidenceRule, list[Support]] = {}
        """Each rule's supports, once: catalogues repeat rules across entries (`{kind: risk}`)."""

    def support(self, ref: ItemRef, via: str, documents: bool = False) -> Support:
        """The item as support; `documents`: the rule asks for an optional property written, so an
        item its kind does not judge (an audit with its harms assessed) is done once that is written."""
        status = self.status.get(ref.id)
        word = status.status if status else UNJUDGED
        if documents and word == UNJUDGED:
            word = Outcome.DONE
        line = ref.doc.document.position(ref.path)[0]
        title = status.title if status else ref.id
        return Support(ref.id, ref.kind, word, title, via, ref.doc.document.file, line)

    def by_rule(self, rule: EvidenceRule) -> list[Support]:
        if rule not in self.selected:
            self.selected[rule] = list(self._select(rule))
        return self.selected[rule]

    def _select(self, rule: EvidenceRule) -> Iterator[Support]:
        via = (
            f"{rule.kind}" + (f".{rule.property}" if rule.property else "") + (f" = {rule.value}" if rule.value else "")
        )
        if rule.kind == PROJECT:
            yield from self._project(rule, via)
            return
        if rule.kind in item_kinds():
            documents = rule.property is not None and rule.value is None
            for ref, model in self.items.get(rule.kind, []):
                if model is not None and matches(model, rule):
                    yield self.support(ref, via, documents)
        else:
            for doc in self.project.docs_of_kind(rule.kind):
                yield from self._document(doc, rule, via)

    def _document(self, doc: SpecDoc, rule: EvidenceRule, via: str) -> Iterator[Support]:
        model = doc.model
        fields = model.model_fields_set - {"kind"}
        said = matches(model, rule) if rule.property else any(says_something(getattr(model, n)) for n in fields)
        if said:
            path = tuple(rule.property.split(".")) if rule.property else ("kind",)
            line = doc.document.position(path)[0]
            title = f"{rule.kind}: {rule.property}" if rule.property else rule.kind
            name = via.split(" = ")[0]
            yield Support(name, rule.kind, Outcome.DONE, title, via, doc.document.file, line, item=False)

    def _project(self, rule: EvidenceRule, via: str) -> Iterator[Support]:
        manifest, document = self.project.manifest, self.project.manifest_document
        if manifest is None or document is None or not matches(manifest.project, rule):
            return
        path = ("project", *(rule.property.split(".") if rule.property else ()))
        title = f"planner.yaml: project.{rule.property}" if rule.property else "planner.yaml: project"
        line = document.position(path)[0]
        yield Support(via, PROJECT, Outcome.DONE, title, via, document.file, line, item=False)

    def claimed(self, ref_name: str) -> Iterator[Support]:
        for ref in self.claims.get(ref_name, []):
            yield self.support(ref, "satisfies")


def item_kinds() -> set[str]:
    """The item kinds a rule selects items of (those with a model); any other kind names documents."""
    from planner.kinds import KINDS

    return {name for kind in KINDS.values() for name in kind.item_models}


def fill_key(rule: EvidenceRule) -> str:
    """Where a product owner would write what the rule selects, naming the spec key."""
    condition = (f" = {rule.value}" if rule.value else "") if rule.property else ""
    if rule.kind == PROJECT:
        return f"`project.{rule.property}` in planner.yaml" if rule.property else "`project` in planner.yaml"
    if rule.kind not in item_kinds():
        return f"`{rule.kind}: {rule.property}{condition}`" if rule.property else f"a `{rule.kind}` document"
    article = "an" if rule.kind[0] in "aeiou" else "a"
    return f"{article} {rule.kind} with `{rule.property}{condition}`" if rule.property else f"{article} {rule.kind}"


def _entry(supports: Supports, catalogue: CatalogueSpec, entry: Entry, reason: str | None) -> Obligation:
    ref = f"{catalogue.prefix}:{entry.id}"
    found: dict[tuple[str, str], Support] = {}
    for rule in entry.evidence:
        for support in supports.by_rule(rule):
            found.setdefault((support.kind, support.id), support)
    for support in supports.claimed(ref):
        found.setdefault((support.kind, support.id), support)
    fill = list(dict.fromkeys(fill_key(rule) for rule in entry.evidence)) or [f"an item with `satisfies: [{ref}]`"]
    return Obligation(ref, entry.id, entry.title, entry.summary, entry.source, list(found.values()), reason, fill)


def coverage(
    supports: Supports, catalogue: CatalogueSpec, not_applicable: dict[str, str], signoffs: list[dict[str, Any]]
) -> Coverage:
    """The coverage of `catalogue` by the project's items (`supports`)."""
    obligations = [_entry(supports, catalogue, entry, not_applicable.get(entry.id)) for entry in catalogue.entries]
    return Coverage(
        catalogue.id, catalogue.prefix, catalogue.title, catalogue.version, catalogue.source, obligations, signoffs
    )
