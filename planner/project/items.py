"""Every identifiable item of a project and every reference between items, with their positions.

Validation, the traceability graph and the gate all need the same two lists; they are derived
here once from the validated documents so no stage walks the specs its own way.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.spec.data import STANDARD_IDS
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


def _items_of(doc: SpecDoc):
    spec = doc.model
    lists = {"objectives": (("goals", "goal"), ("objectives", "objective"), ("baselines", "baseline")),
             "constraints": (("constraints", "constraint"),),
             "risks": (("risks", "risk"),),
             "results": (("sources", "source"),),
             "policy": (("rules", "rule"),)}
    for attribute, kind in lists.get(doc.kind, ()):
        for index, item in enumerate(getattr(spec, attribute)):
            yield ItemRef(item.id, kind, doc, (attribute, index, "id"), item)
    if doc.kind == "data-checklist":
        yield ItemRef(spec.id, "checklist", doc, ("id",), spec)
        for item_id in checklist_item_ids(spec):
            index = next((i for i, it in enumerate(spec.items) if it.id == item_id), None)
            path = ("items", index, "id") if index is not None else ("id",)
            yield ItemRef(f"{spec.id}.{item_id}", "checklist-item", doc, path, spec)
    if doc.kind == "bias-audit":
        yield ItemRef(spec.id, "audit", doc, ("id",), spec)
        for index, limit in enumerate(spec.limits):
            yield ItemRef(spec.limit_id(index), "limit", doc, ("limits", index), limit)
    if doc.kind == "evaluation":
        yield from _evaluation_items(doc)


def _evaluation_items(doc: SpecDoc):
    spec = doc.model
    yield ItemRef(spec.id, "evaluation", doc, ("id",), spec)
    for attribute, kind in (("datasets", "dataset"), ("tests", "test")):
        for index, item in enumerate(getattr(spec, attribute)):
            yield ItemRef(item.id, kind, doc, (attribute, index, "id"), item)
    if spec.threshold is not None:
        yield ItemRef(spec.threshold_id, "threshold", doc, ("threshold",), spec.threshold)


def checklist_item_ids(checklist) -> list[str]:
    """Standard questions (unless the template is `none`) followed by the project's own items."""
    own = [item.id for item in checklist.items]
    standard = list(STANDARD_IDS) if checklist.template == "standard" else []
    return standard + [item_id for item_id in own if item_id not in standard]


def collect_items(project: Project) -> list[ItemRef]:
    return [item for doc in project.docs for item in _items_of(doc)]


def _refs_of(doc: SpecDoc):
    spec = doc.model

    def ref(source, target, kinds, relation, *path):
        return Reference(source, target, kinds, relation, doc, path)

    if doc.kind == "objectives":
        for i, goal in enumerate(spec.goals):
            if goal.parent:
                yield ref(goal.id, goal.parent, ("goal",), "parent", "goals", i, "parent")
        for i, objective in enumerate(spec.objectives):
            if objective.goal:
                yield ref(objective.id, objective.goal, ("goal",), "serves", "objectives", i, "goal")
            for j, baseline in enumerate(objective.baselines):
                yield ref(objective.id, baseline, ("baseline",), "compared-with", "objectives", i, "baselines", j)
            for j, other in enumerate(objective.depends_on):
                yield ref(objective.id, other, ("objective",), "depends-on", "objectives", i, "depends_on", j)
    for attribute in ("constraints", "risks"):
        for i, item in enumerate(getattr(spec, attribute, []) if doc.kind == attribute else []):
            for j, target in enumerate(item.links):
                yield ref(item.id, target, (), "links", attribute, i, "links", j)
    if doc.kind == "bias-audit":
        for j, target in enumerate(spec.links):
            yield ref(spec.id, target, (), "links", "links", j)
    if doc.kind == "evaluation":
        yield from _evaluation_refs(spec, ref)
    if doc.kind == "results" and spec.candidate.best and spec.candidate.best.source:
        yield ref(None, spec.candidate.best.source, ("source",), "candidate-from", "candidate", "best", "source")
    if doc.kind == "policy":
        yield from _policy_refs(spec, ref)


TEST_LINK_KINDS = ("risk", "objective", "constraint")


def _evaluation_refs(spec, ref):
    for i, test in enumerate(spec.tests):
        for j, target in enumerate(test.links):
            yield ref(test.id, target, TEST_LINK_KINDS, "guards", "tests", i, "links", j)
        if test.dataset:
            yield ref(test.id, test.dataset, ("dataset",), "evaluated-on", "tests", i, "dataset")
    if spec.threshold is not None and spec.threshold.audit:
        yield ref(spec.threshold_id, spec.threshold.audit, ("audit",), "checked-by", "threshold", "audit")


def _objective_datasets(project: Project):
    """An objective's `metric.dataset` is free text; when it names an evaluation dataset, trace links them."""
    datasets = {dataset.id for spec in project.of_kind("evaluation") for dataset in spec.datasets}
    for doc in project.docs_of_kind("objectives"):
        for i, objective in enumerate(doc.model.objectives):
            if objective.metric.dataset in datasets:
                yield Reference(objective.id, objective.metric.dataset, ("dataset",), "evaluated-on", doc,
                                ("objectives", i, "metric", "dataset"))


REQUIREMENT_KINDS = {"objectives": ("objective",), "constraints": ("constraint",),
                     "checklist": ("checklist", "checklist-item"), "audits": ("audit",)}


def _policy_refs(spec, ref):
    for field, kinds in REQUIREMENT_KINDS.items():
        selection = getattr(spec.require, field)
        for j, target in enumerate(selection if isinstance(selection, list) else []):
            yield ref(None, target, kinds, f"requires-{field}", "require", field, j)
    for i, waiver in enumerate(spec.waivers):
        yield ref(None, waiver.item, (), "waives", "waivers", i, "item")


def collect_references(project: Project) -> list[Reference]:
    return [*(r for doc in project.docs for r in _refs_of(doc)), *_objective_datasets(project)]
