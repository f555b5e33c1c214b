"""The `oversight` kind: the human-oversight measures of Article 14 (and Annex IV 2(e)).

Each measure names the capability of Article 14(4) it gives, who holds it, whether the provider
builds it into the system or the deployer must put it in place, and the aids given to them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from planner.spec.base import Id, Item, SpecModel, Text

Capability = Literal["understand", "monitor", "automation-bias", "interpret", "override", "stop", "two-person"]
"""Article 14(4)(a)-(e) and the two-person check of 14(5)."""


class Measure(Item):
    """One oversight measure."""

    capability: Capability
    """understand (capacities and limits), monitor (anomalies), automation-bias (awareness of it),
    interpret (the output), override (disregard, override or reverse), stop (a stop button or
    procedure), two-person (verification by two persons before acting)."""
    description: Text
    """What the measure is and how it works."""
    who: Text
    """Who holds it (a role, e.g. `loan officer`, `credit-risk analyst`)."""
    built: Literal["provider", "deployer"] = "provider"
    """provider (built into the system) or deployer (to be put in place by the deployer)."""
    aids: list[Text] = Field(default_factory=list)
    """Aids given to interpret or act (reason codes, a confidence band, training)."""
    tested_by: list[Id] = Field(default_factory=list)
    """Items whose status shows the measure works (behavioural tests, objectives, checklist items)."""


class OversightSpec(SpecModel):
    """Human oversight: who can understand, interpret, override and stop the system."""

    kind: Literal["oversight"]
    """Document kind."""
    measures: list[Measure] = Field(default_factory=list)
    """The oversight measures."""
