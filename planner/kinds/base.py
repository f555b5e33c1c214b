"""The protocol every spec kind implements, in the manner of pre-commit's `Language`.

A kind is one module holding everything one `kind:` of spec document means to each stage: its
model, its items and references, its cross-document checks, how its items are assessed, what a
diff compares, what it asks of the release gate, and its sections of the reports. Stages loop over
the registry in `planner.kinds`; none keeps a table keyed by kind name, so a kind cannot be
forgotten by one stage and silently skipped (`tests/test_kinds.py` checks every kind provides
every stage).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

from planner.errors import Diagnostic
from planner.gate.item import Requirement
from planner.project.items import ItemRef, Reference
from planner.project.project import Project, SpecDoc
from planner.spec.base import SpecModel

if TYPE_CHECKING:
    from planner.assess.context import AssessContext
    from planner.assess.model import Assessment, Status
    from planner.gate.item import GateItem

__all__ = ["Record", "Requirement", "Section", "SpecKind", "item", "reference"]


@dataclass(frozen=True)
class Record:
    """What a diff compares of one item: its kind, id, title and the fields that matter."""

    kind: str
    id: str
    title: str
    fields: dict[str, Any]


@dataclass(frozen=True)
class Section:
    """A kind's section of a report: the template that lays it out and its place in the contents.

    `position` orders the sections of one report (lower first); the title is the contents entry.
    """

    report: str
    anchor: str
    title: str
    template: str
    position: int


M = TypeVar("M", bound=SpecModel)


class SpecKind(Generic[M]):
    """One kind of spec document, whose documents validate as `M`. Subclasses set the class
    attributes and override every stage."""

    name: ClassVar[str]
    """The document's `kind:` value."""
    model: ClassVar[type[SpecModel]]
    """The pydantic model a document of this kind validates against."""
    item_titles: ClassVar[dict[str, str]]
    """Every item kind its documents define, with the heading listings give it, in listing order."""
    item_models: ClassVar[dict[str, type[SpecModel]]] = {}
    """The model of each item kind whose items a catalogue's evidence rules may select by property."""
    singleton: ClassVar[bool] = False
    """At most one document of this kind in a project."""
    requirements: ClassVar[tuple[Requirement, ...]] = ()
    """What it asks of the gate; a kind with requirements implements `gate`."""
    sections: ClassVar[tuple[Section, ...]] = ()
    """Its sections of the design and governance reports."""

    def spec(self, doc: SpecDoc) -> M:
        """The validated model of a document of this kind."""
        if not isinstance(doc.model, self.model):
            raise TypeError(f"a {type(doc.model).__name__} is not a {self.name!r} document")
        return cast(M, doc.model)

    def items(self, doc: SpecDoc) -> Iterator[ItemRef]:
        """Every item of `doc` that has an id, with its position."""
        raise NotImplementedError

    def references(self, doc: SpecDoc, project: Project) -> Iterator[Reference]:
        """Every reference from `doc` to an item by id (`project` for references that depend on other documents)."""
        raise NotImplementedError

    def check(self, doc: SpecDoc, project: Project) -> Iterator[Diagnostic]:
        """Checks beyond the model's: consistency within the document and with the project."""
        raise NotImplementedError

    def assess(self, doc: SpecDoc, context: AssessContext) -> Iterator[Status]:
        """The status of each of its items, with the reason, from the evidence in `context`."""
        raise NotImplementedError

    def records(self, doc: SpecDoc) -> Iterator[Record]:
        """What `planner diff` compares of each of its items."""
        raise NotImplementedError

    def gate(self, require: Any, assessment: Assessment) -> Iterator[GateItem]:
        """The gate items of its requirements, read from the Assessment alone."""
        raise NotImplementedError

    def report(self, assessment: Assessment, pdf: bool) -> dict[str, Any]:
        """What its report sections see (`pdf` asks for the variant a PDF can lay out quickly)."""
        raise NotImplementedError

    def shown(self, assessment: Assessment) -> bool:
        """Whether the reports give its sections: always, unless the kind says a project without
        its documents has nothing to show there."""
        return True


STAGES = ("items", "references", "check", "assess", "records")
"""The stages every kind implements; `gate` too when it has requirements, `report` when it has sections."""


def item(doc: SpecDoc, item_id: str, kind: str, path: tuple, model: object) -> ItemRef:
    return ItemRef(item_id, kind, doc, path, model)


def reference(
    doc: SpecDoc,
    source: str | None,
    target: str,
    kinds: tuple[str, ...],
    relation: str,
    *path: str | int,
    ordered: bool = False,
) -> Reference:
    return Reference(source, target, kinds, relation, doc, path, ordered)
