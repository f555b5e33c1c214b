"""The `security` kind: the AI-specific threats of Article 15(5) and Annex IV 2(h), each with its
controls and the items whose status shows them (NIST MEASURE 2.7)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from planner.spec.base import Id, Item, SpecModel, Text

ThreatKind = Literal[
    "data-poisoning", "model-poisoning", "evasion", "model-extraction", "confidentiality", "model-flaw", "other"
]


class Threat(Item):
    """One threat and what is done about it."""

    threat: ThreatKind
    """data-poisoning, model-poisoning, evasion (adversarial examples), model-extraction,
    confidentiality (membership or attribute inference), model-flaw, other."""
    description: Text
    """How the attack would work against this system."""
    controls: list[Text] = Field(default_factory=list)
    """Controls in place against it."""
    tests: list[Id] = Field(default_factory=list)
    """Items whose status shows the controls work (behavioural tests, objectives, constraints, checklist items)."""


class SecuritySpec(SpecModel):
    """Cybersecurity of the model: threats, controls and the tests that show them."""

    kind: Literal["security"]
    """Document kind."""
    threats: list[Threat] = Field(default_factory=list)
    """The threats considered."""
