"""`catalogue`: a project's own catalogue of obligations (an internal AI policy), and the gate's
coverage requirement (`policy.require.coverage`), which holds the project to one catalogue.

Each obligation of the required profile is a gate item of its own, named by its catalogue id
(`eu-ai-act:annex-iv.8`), so every CI format shows each gap separately.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, Literal

from pydantic import Field

from planner.assess.context import AssessContext
from planner.assess.model import Assessment, Status
from planner.coverage.checks import catalogue_problems
from planner.coverage.model import NOT_APPLICABLE
from planner.errors import Diagnostic
from planner.gate.item import FAIL, PASS, GateItem, Requirement
from planner.kinds.base import Record, Section, SpecKind
from planner.project.items import ItemRef, Reference
from planner.project.project import Project, SpecDoc
from planner.spec.base import SpecModel, Text
from planner.spec.catalogue import CatalogueSpec

State = Literal["evidenced", "declared", "n/a"]
PASSING: tuple[State, ...] = ("evidenced", "n/a")


class CoverageRequirement(SpecModel):
    """Hold the release to a catalogue: each of its obligations must be in one of `states`."""

    profile: Text
    """The catalogue (`eu-ai-act-high-risk`, `nist-ai-rmf-1.0`, `iso-42001-annex-a`, `iso-23894`, or the project's own)."""
    states: list[State] = Field(default_factory=lambda: list(PASSING))
    """The states that pass: by default evidenced, or not applicable with a reason."""


class CatalogueKind(SpecKind[CatalogueSpec]):
    name = "catalogue"
    model = CatalogueSpec
    item_titles: ClassVar[dict[str, str]] = {"obligation": "Regulatory coverage"}
    requirements = (
        Requirement(
            "coverage",
            "Every obligation of the required catalogue is evidenced (or not applicable, with a reason).",
            "An obligation of the catalogue the policy holds the release to is missing, or only declared: "
            "no item evidences it with a met, passing or done status.",
            85,
            reads_gate=True,
            keys={
                "coverage": (
                    CoverageRequirement | None,
                    Field(
                        default=None,
                        description="The catalogue the release is held to, and the states that pass; off by default.",
                    ),
                )
            },
        ),
    )
    sections = (Section("governance", "coverage", "Regulatory coverage", "sections/coverage.governance.html.j2", 55),)

    def items(self, doc: SpecDoc) -> Iterator[ItemRef]:
        return iter(())  # entries are named `prefix:id`, apart from the project's item ids

    def references(self, doc: SpecDoc, project: Project) -> Iterator[Reference]:
        return iter(())

    def check(self, doc: SpecDoc, project: Project) -> Iterator[Diagnostic]:
        return catalogue_problems(doc, self.spec(doc))

    def assess(self, doc: SpecDoc, context: AssessContext) -> Iterator[Status]:
        return iter(())  # coverage is judged from every other item, in `Assessment.coverage`

    def records(self, doc: SpecDoc) -> Iterator[Record]:
        spec = self.spec(doc)
        for entry in spec.entries:
            fields = entry.model_dump(mode="json", exclude={"id"})
            yield Record("obligation", f"{spec.prefix}:{entry.id}", entry.title, fields)

    def gate(self, require: Any, assessment: Assessment) -> Iterator[GateItem]:
        required = require.coverage
        if required is None:
            return
        found = assessment.coverage.get(required.profile)
        if found is None:
            return  # an unknown profile is refused when the policy is validated
        terms = assessment.policy
        file, line = (terms.file, terms.require_lines.get("coverage", 0)) if terms else ("", 0)
        for obligation in found.obligations:
            passed = obligation.state in required.states
            why = f"{obligation.state}: {obligation.why}" if obligation.state != NOT_APPLICABLE else obligation.why
            yield GateItem(obligation.ref, "coverage", PASS if passed else FAIL, obligation.title, why, file, line)

    def report(self, assessment: Assessment, pdf: bool) -> dict[str, Any]:
        return {}  # the coverage section shows the gate's Decision (`Decision.coverage`), judged on its day


KIND = CatalogueKind()
