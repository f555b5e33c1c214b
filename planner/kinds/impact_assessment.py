"""`impact-assessment`: the affected groups, the rights at stake with their severity and
reversibility, and the consultations held. A right's impact is done once it is rated and at least
one measure limits it."""

from __future__ import annotations

from planner.kinds.base import Section
from planner.kinds.documented import DocumentedKind, Listing, missing
from planner.spec.impact import AffectedGroup, Consultation, ImpactAssessmentSpec, RightImpact


class ImpactAssessmentKind(DocumentedKind):
    name = "impact-assessment"
    model = ImpactAssessmentSpec
    singleton = True
    listings = (
        Listing("groups", "affected-group", "Affected groups", AffectedGroup, lambda g: g.name),
        Listing(
            "rights",
            "right-impact",
            "Rights at stake",
            RightImpact,
            lambda r: r.right,
            lambda r: missing(r, "severity", "reversibility", "measures"),
            links={"groups": ("affected-group",), "risks": ("risk",)},
        ),
        Listing(
            "consultations",
            "consultation",
            "Consultations",
            Consultation,
            lambda c: f"{c.party}, {c.date.isoformat()}",
        ),
    )
    sections = (
        Section("governance", "impact", "Impact assessment", "sections/impact-assessment.governance.html.j2", 47),
    )


KIND = ImpactAssessmentKind()
