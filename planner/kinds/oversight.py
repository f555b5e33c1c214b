"""`oversight`: the human-oversight measures of Article 14, each with the capability it gives,
who holds it and, where it names them, the tests that show it works."""

from __future__ import annotations

from planner.kinds.base import Section
from planner.kinds.documented import DocumentedKind, Listing
from planner.spec.oversight import Measure, OversightSpec


class OversightKind(DocumentedKind):
    name = "oversight"
    model = OversightSpec
    singleton = True
    listings = (
        Listing(
            "measures",
            "oversight-measure",
            "Human oversight",
            Measure,
            lambda m: f"{m.capability}: {m.who}",
            links={"tested_by": ()},
            tests="tested_by",
        ),
    )
    sections = (Section("governance", "oversight", "Human oversight", "sections/oversight.governance.html.j2", 44),)


KIND = OversightKind()
