"""`constraints`: schedule, budget, people, privacy, technical, ethical and performance constraints.

A constraint with a `limit` is measurable: the candidate run's metric must stay within it. The
others are stated for the reports and the gate does not judge them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from planner import numbers
from planner.assess.context import AssessContext, compare, metric_of, no_value_why
from planner.assess.model import Assessment, Detail, Status
from planner.errors import Diagnostic
from planner.gate.item import GateItem
from planner.kinds.base import Record, Section, SpecKind, item, reference
from planner.kinds.common import measured, selection, target_fields
from planner.numbers import quantity
from planner.project.items import ItemRef, Reference
from planner.project.project import Project, SpecDoc
from planner.spec.base import SpecModel
from planner.spec.constraints import Constraint, ConstraintsSpec
from planner.vocab import Outcome


@dataclass(frozen=True)
class ConstraintDetail(Detail):
    category: str
    aspect: str | None


@dataclass(frozen=True)
class MeasuredConstraintDetail(ConstraintDetail):
    metric: str

    @property
    def measured_metric(self) -> str | None:
        return self.metric


class ConstraintsKind(SpecKind[ConstraintsSpec]):
    name = "constraints"
    model = ConstraintsSpec
    item_titles: ClassVar[dict[str, str]] = {"constraint": "Constraints"}
    item_models: ClassVar[dict[str, type[SpecModel]]] = {"constraint": Constraint}
    requirements = (
        selection(
            "constraints",
            "Every measurable constraint holds on the candidate run.",
            "A constraint's limit is not met, or the candidate run does not measure it.",
            20,
            selects=("constraint",),
            key_help="Measurable constraints that must be met: all, none, or a list of ids.",
        ),
    )
    sections = (Section("design", "constraints", "Constraints", "sections/constraints.design.html.j2", 30),)

    def items(self, doc: SpecDoc) -> Iterator[ItemRef]:
        for index, entry in enumerate(self.spec(doc).constraints):
            yield item(doc, entry.id, "constraint", ("constraints", index, "id"), entry)

    def references(self, doc: SpecDoc, project: Project) -> Iterator[Reference]:
        for i, entry in enumerate(self.spec(doc).constraints):
            for j, target in enumerate(entry.links):
                yield reference(doc, entry.id, target, (), "links", "constraints", i, "links", j)

    def check(self, doc: SpecDoc, project: Project) -> Iterator[Diagnostic]:
        return iter(())  # the model checks each constraint; nothing spans documents

    def assess(self, doc: SpecDoc, context: AssessContext) -> Iterator[Status]:
        for constraint in self.spec(doc).constraints:
            if constraint.limit is None:
                yield Status(
                    constraint.id,
                    "constraint",
                    Outcome.INFO,
                    constraint.statement,
                    f"{constraint.category} constraint, not measurable from runs",
                    detail=ConstraintDetail(constraint.category, constraint.aspect),
                )
                continue
            limit = constraint.limit
            value = metric_of(context.candidate, limit.name)
            status, margin = compare(value, limit.target, limit.direction)
            word = "at most" if limit.direction == "lower" else "at least"
            why = (
                no_value_why(context.candidate, limit.name)
                if status == Outcome.NO_EVIDENCE
                else f"{limit.name} = {numbers.beside(value, limit.target)}, limit {word} {quantity(limit.target)}"
            )
            yield Status(
                constraint.id,
                "constraint",
                status,
                constraint.statement,
                why,
                value,
                limit.target,
                limit.direction,
                margin,
                detail=MeasuredConstraintDetail(constraint.category, constraint.aspect, limit.name),
            )

    def records(self, doc: SpecDoc) -> Iterator[Record]:
        for entry in self.spec(doc).constraints:
            yield Record(
                "constraint",
                entry.id,
                entry.statement,
                {
                    "category": entry.category,
                    "aspect": entry.aspect,
                    "statement": entry.statement,
                    **target_fields("limit", entry.limit, ("name", "target", "direction", "unit")),
                    "deadline": entry.deadline,
                    "amount": entry.amount,
                    "currency": entry.currency,
                    "links": entry.links,
                },
            )

    def gate(self, require: Any, assessment: Assessment) -> Iterator[GateItem]:
        return measured(require.constraints, assessment.of_kind("constraint"), "constraints")

    def report(self, assessment: Assessment, pdf: bool) -> dict[str, Any]:
        return {"constraints": assessment.of_kind("constraint")}


KIND = ConstraintsKind()
