"""Cross-document checks: unique ids, resolved references, no cycles, one document of a singleton
kind; then each kind's own checks (`SpecKind.check`: orphans, risk scales, unanswered questions).

Errors make a project invalid; warnings (orphans, unassessed harms) are shown but do not.
"""

from __future__ import annotations

import difflib
import re

from planner.errors import Cause
from planner.project.graph import TraceGraph, format_cycle
from planner.project.items import ItemRef, Reference, collect_items, collect_references
from planner.project.project import Project

ID_PREFIX = re.compile(r"\D*")


def _prefix(item_id: str) -> str:
    """The part of an id before its first digit (`R` of `R12`, `risk-` of `risk-3`)."""
    match = ID_PREFIX.match(item_id)
    return match.group() if match else ""


def unique_ids(items: list[ItemRef]):
    first: dict[str, ItemRef] = {}
    for item in items:
        if item.id in first:
            other = first[item.id]
            line, _ = other.doc.document.position(other.path)
            yield item.doc.at(
                item.path,
                "duplicate-id",
                f"id {item.id!r} is already used",
                f"first defined at {other.doc.document.file}:{line}; ids are unique across the project",
            )
        else:
            first[item.id] = item


def resolved_references(refs: list[Reference], items: dict[str, ItemRef], project: Project):
    """Each reference names an item of an allowed kind; one to an invalid item (reported where it
    is defined) is not reported again."""
    for ref in refs:
        target = items.get(ref.target)
        if target is None and not project.is_invalid(ref.target):
            hint = suggestion(ref, items) or f"no {' or '.join(ref.kinds) or 'item'} has this id"
            yield ref.doc.at(ref.path, "unresolved-ref", f"{ref.target!r} does not exist", hint)
        elif target is not None and ref.kinds and target.kind not in ref.kinds:
            yield ref.doc.at(
                ref.path, "wrong-kind", f"{ref.target!r} is a {target.kind}, expected a {' or '.join(ref.kinds)}"
            )


def suggestion(ref: Reference, items: dict[str, ItemRef]) -> str:
    """`did you mean 'R9'?` for a close id of a kind the reference takes, or nothing.

    A reference that takes any kind (a risk's `links`) is only offered ids with the same prefix
    (`R8` -> `R9`, never `C8`): an id of another kind is another item, not a typo of this one."""
    prefix = _prefix(ref.target)
    candidates = [i for i, item in items.items() if (item.kind in ref.kinds if ref.kinds else _prefix(i) == prefix)]
    close = difflib.get_close_matches(ref.target, candidates, n=1, cutoff=0.5)
    return f"did you mean {close[0]!r}?" if close else ""


def acyclic(graph: TraceGraph, items: dict[str, ItemRef], relations: set[str]):
    """No cycle among references that order their items (a goal's parent, an objective's dependency)."""
    for cycle in graph.find_cycles(relations):
        item = items[min(cycle)]
        yield item.doc.at(
            item.path, "cycle", f"cycle: {format_cycle(cycle)}", "break the cycle: an item cannot depend on itself"
        )


def singletons(project: Project):
    from planner.kinds import KINDS

    for kind in (name for name, spec_kind in KINDS.items() if spec_kind.singleton):
        for doc in project.docs_of_kind(kind)[1:]:
            yield doc.at(
                ("kind",), "duplicate-kind", f"a project has at most one `{kind}` document", "merge the documents"
            )


def check_project(project: Project) -> TraceGraph:
    """Run every cross-check, adding diagnostics to the project; returns the graph they used.

    The graph is set on the project before the kinds' own checks run, which may ask it questions.
    """
    from planner.coverage.checks import reference_problems
    from planner.kinds import KINDS

    items = collect_items(project)
    refs = collect_references(project)
    by_id: dict[str, ItemRef] = {}
    for item in items:
        by_id.setdefault(item.id, item)
    project.graph = graph = TraceGraph(items, refs)
    ordered = {ref.relation for ref in refs if ref.ordered}
    found = [
        d.caused_by(Cause.CROSS)
        for d in (
            *unique_ids(items),
            *resolved_references(refs, by_id, project),
            *acyclic(graph, by_id, ordered),
            *singletons(project),
            *reference_problems(project, items),
        )
    ]
    for doc in project.docs:
        found.extend(KINDS[doc.kind].check(doc, project))
    project.diagnostics.extend(found)
    return graph
