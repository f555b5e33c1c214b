"""`security`: the AI-specific threats of Article 15(5). A threat is done only when its controls are
shown by the tests it names, so a control nobody tested is never reported as evidence."""

from __future__ import annotations

from planner.kinds.base import Section
from planner.kinds.documented import DocumentedKind, Listing, missing
from planner.spec.security import SecuritySpec, Threat


class SecurityKind(DocumentedKind):
    name = "security"
    model = SecuritySpec
    singleton = True
    listings = (
        Listing(
            "threats",
            "threat",
            "Security threats",
            Threat,
            lambda t: t.threat,
            lambda t: missing(t, "controls"),
            links={"tests": ()},
            tests="tests",
            tests_required=True,
        ),
    )
    sections = (Section("governance", "security", "Cybersecurity", "sections/security.governance.html.j2", 45),)


KIND = SecurityKind()
