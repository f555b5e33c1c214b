"""Every identifiable item of a project and every reference between items, with their positions.

Validation and the traceability graph need the same two lists; each kind (`planner.kinds`) says
what its documents hold, so no stage walks the specs its own way.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.project.project import Project, SpecDoc


@dataclass(frozen=True)
class ItemRef:
    """An item with an id: where it is defined and what it is."""

    id: str
    kind: str
    doc: SpecDoc
    path: tuple
    model: object


@dataclass(frozen=True)
class Reference:
    """`source` refers to `target`, which must be an item of one of `kinds` (any kind when empty)."""

    source: str | None
    target: str
    kinds: tuple[str, ...]
    relation: str
    doc: SpecDoc
    path: tuple
    ordered: bool = False
    """The reference orders its items (a parent, a dependency), so it may not form a cycle."""


def collect_items(project: Project) -> list[ItemRef]:
    """Every item of every document, in document order, as its kind defines them."""
    from planner.kinds import KINDS

    return [found for doc in project.docs for found in KINDS[doc.kind].items(doc)]


def collect_references(project: Project) -> list[Reference]:
    """Every reference of every document, as its kind defines them."""
    from planner.kinds import KINDS

    return [found for doc in project.docs for found in KINDS[doc.kind].references(doc, project)]
