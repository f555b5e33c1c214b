"""The `impact-assessment` kind: who is affected, which rights are at stake, how severe and how
reversible the impact is, and who was consulted (ISO/IEC 42001 A.5, NIST MAP 5, Article 9(9))."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from planner.spec.base import Date, Id, Item, SpecModel, Text


class AffectedGroup(Item):
    """A group of persons the system's outputs affect."""

    name: Text
    """Who they are (e.g. `applicants under 25`)."""
    vulnerable: bool = False
    """Minors or otherwise vulnerable persons (Article 9(9))."""
    description: Text | None = None
    """How the system affects them."""


class RightImpact(Item):
    """A right or interest at stake, for some groups."""

    right: Text
    """The right (e.g. `non-discrimination`, `access to credit`, `privacy`, `an effective remedy`)."""
    groups: list[Id] = Field(default_factory=list)
    """Ids of the affected groups."""
    severity: Literal["low", "medium", "high", "critical"] | None = None
    """How severe the impact is on a person it reaches."""
    reversibility: Literal["reversible", "hard-to-reverse", "irreversible"] | None = None
    """Whether the harm can be undone."""
    measures: list[Text] = Field(default_factory=list)
    """What limits the impact."""
    risks: list[Id] = Field(default_factory=list)
    """Ids of the risks in the register that track it."""


class Consultation(Item):
    """A consultation of affected persons, their representatives or experts."""

    party: Text
    """Who was consulted."""
    date: Date
    """When."""
    summary: Text
    """What they said and what changed as a result."""


class ImpactAssessmentSpec(SpecModel):
    """The impact assessment on persons, groups and society."""

    kind: Literal["impact-assessment"]
    """Document kind."""
    groups: list[AffectedGroup] = Field(default_factory=list)
    """The affected groups."""
    rights: list[RightImpact] = Field(default_factory=list)
    """The rights at stake."""
    consultations: list[Consultation] = Field(default_factory=list)
    """Consultations held."""
