"""`data-checklist`: the standard data-source and pipeline questions, answered or marked n/a with a
reason, plus a project's own questions. Item ids are `CHECKLIST.ITEM` across the project.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from planner.assess.context import AssessContext
from planner.assess.model import Assessment, Detail, Status
from planner.errors import Diagnostic, Severity
from planner.gate.item import GateItem
from planner.kinds.base import Record, Section, SpecKind, item
from planner.kinds.common import gate_item, selected, selection
from planner.project.items import ItemRef, Reference
from planner.project.project import Project, SpecDoc
from planner.spec.base import SpecModel
from planner.spec.data import STANDARD_IDS, STANDARD_TEMPLATE, ChecklistItem, DataChecklist

QUESTIONS = {item_id: question for item_id, _, question in STANDARD_TEMPLATE}
DONE = ("done", "n/a")


@dataclass(frozen=True)
class ChecklistItemDetail(Detail):
    evidence: str | None
    checklist: str


def item_ids(checklist: DataChecklist) -> list[str]:
    """Standard questions (unless the template is `none`) followed by the project's own items."""
    own = [entry.id for entry in checklist.items]
    standard = list(STANDARD_IDS) if checklist.template == "standard" else []
    return standard + [item_id for item_id in own if item_id not in standard]


class DataChecklistKind(SpecKind[DataChecklist]):
    name = "data-checklist"
    model = DataChecklist
    item_titles: ClassVar[dict[str, str]] = {"checklist": "Data checklists", "checklist-item": "Data checklist"}
    item_models: ClassVar[dict[str, type[SpecModel]]] = {"checklist": DataChecklist, "checklist-item": ChecklistItem}
    requirements = (
        selection(
            "checklist",
            "Every data-checklist item is done or n/a.",
            "A data-checklist item is still open: answer it, or mark it n/a with a reason.",
            30,
            selects=("checklist", "checklist-item"),
            key_help="Checklist items that must be done (or n/a with a reason): all, none, or a list of ids.",
        ),
    )
    sections = (
        Section("design", "data", "Data checklist", "sections/data-checklist.design.html.j2", 40),
        Section("governance", "data", "Data checklist", "sections/data-checklist.governance.html.j2", 40),
    )

    def items(self, doc: SpecDoc) -> Iterator[ItemRef]:
        spec = self.spec(doc)
        yield item(doc, spec.id, "checklist", ("id",), spec)
        for item_id in item_ids(spec):
            index = next((i for i, entry in enumerate(spec.items) if entry.id == item_id), None)
            path = ("items", index, "id") if index is not None else ("id",)
            yield item(doc, f"{spec.id}.{item_id}", "checklist-item", path, spec)

    def references(self, doc: SpecDoc, project: Project) -> Iterator[Reference]:
        return iter(())  # a checklist refers to nothing by id

    def check(self, doc: SpecDoc, project: Project) -> Iterator[Diagnostic]:
        spec = self.spec(doc)
        standard = STANDARD_IDS if spec.template == "standard" else ()
        for i, entry in enumerate(spec.items):
            if entry.id not in standard and not entry.question:
                close = difflib.get_close_matches(entry.id, standard, n=1)
                hint = f"did you mean the standard item {close[0]!r}?" if close else "add a `question`"
                yield doc.at(
                    ("items", i, "id"),
                    "missing-question",
                    f"item {entry.id!r} is not a standard question and has no `question`",
                    hint,
                )
        answered = {entry.id for entry in spec.items}
        unanswered = [item_id for item_id in standard if item_id not in answered]
        if unanswered:
            yield doc.at(
                ("id",),
                "unanswered",
                f"{len(unanswered)} standard questions not answered: {', '.join(unanswered)}",
                "answer them, or mark them n/a with a reason",
                Severity.WARNING,
            )

    def assess(self, doc: SpecDoc, context: AssessContext) -> Iterator[Status]:
        checklist = self.spec(doc)
        answers = {entry.id: entry for entry in checklist.items}
        for item_id in item_ids(checklist):
            entry = answers.get(item_id)
            yield Status(
                f"{checklist.id}.{item_id}",
                "checklist-item",
                entry.status if entry else "open",
                _question(entry, item_id),
                _answer(entry),
                detail=ChecklistItemDetail(entry.evidence if entry else None, checklist.id),
            )

    def records(self, doc: SpecDoc) -> Iterator[Record]:
        spec = self.spec(doc)
        answers = {entry.id: entry for entry in spec.items}
        for item_id in item_ids(spec):
            entry = answers.get(item_id)
            yield Record(
                "checklist-item",
                f"{spec.id}.{item_id}",
                _question(entry, item_id),
                {
                    "status": entry.status if entry else "open",
                    "owner": entry and entry.owner,
                    "evidence": entry and entry.evidence,
                    "reason": entry and entry.reason,
                },
            )

    def gate(self, require: Any, assessment: Assessment) -> Iterator[GateItem]:
        for status in assessment.of_kind("checklist-item"):
            group = status.detail_as(ChecklistItemDetail).checklist
            if selected(require.checklist, status.id, group):
                why = {"done": "done", "n/a": f"n/a: {status.why}"}.get(status.status, "open: neither done nor n/a")
                yield gate_item(status, "checklist", status.status in DONE, why, group)

    def report(self, assessment: Assessment, pdf: bool) -> dict[str, Any]:
        items = assessment.of_kind("checklist-item")
        return {
            "checklists": [
                {
                    "id": spec.id,
                    "dataset": spec.dataset,
                    "items": [i for i in items if i.detail_as(ChecklistItemDetail).checklist == spec.id],
                }
                for spec in assessment.of_spec("data-checklist")
            ]
        }


def _question(entry: Any, item_id: str) -> str:
    return (entry.question if entry and entry.question else None) or QUESTIONS.get(item_id, item_id)


def _answer(entry: Any) -> str:
    return (entry.answer or entry.reason or "not answered yet") if entry else "not answered yet"


KIND = DataChecklistKind()
