"""The risk register: risks on a likelihood x impact matrix (default 5x5) with bands and treatment.

Score = likelihood x impact. Bands are configurable because organisations draw them differently
(ISO 31000 sets the process, not the matrix); the default follows common practice.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from planner.spec.base import Date, Email, Id, Item, SpecModel, Text

DEFAULT_BANDS = {"low": "1-4", "medium": "5-9", "high": "10-16", "critical": "17-25"}
RANGE = re.compile(r"^\s*(\d+)\s*-\s*(\d+)\s*$")


def _bounds(text: str) -> tuple[int, int]:
    """Low and high of a band range the model has already validated (``"5-9"`` -> ``(5, 9)``)."""
    match = RANGE.match(text)
    assert match is not None  # `RisksSpec._ranges_parse` refuses any band that does not match
    return int(match[1]), int(match[2])


Level = Field(ge=1, le=10)


class Scale(SpecModel):
    """Size of the risk matrix."""

    likelihood: int = Field(default=5, ge=2, le=10)
    """Number of likelihood levels (1 = rare ... 5 = almost certain on the default scale)."""
    impact: int = Field(default=5, ge=2, le=10)
    """Number of impact levels (1 = insignificant ... 5 = catastrophic on the default scale)."""


class Rating(SpecModel):
    """A likelihood and an impact on the matrix."""

    likelihood: int = Level
    """How likely the risk is to occur, from 1 (rare) to the scale's maximum."""
    impact: int = Level
    """How bad it is if it occurs, from 1 (insignificant) to the scale's maximum."""

    @property
    def score(self) -> int:
        return self.likelihood * self.impact


class Risk(Item, Rating):
    """One risk: its rating before treatment, who owns it, how it is treated, and what remains."""

    title: Text
    """Short name of the risk."""
    description: Text | None = None
    """What could happen, to whom, and why."""
    category: Text | None = None
    """Free category (e.g. data, model, fairness, security, operational, legal)."""
    owner: Email | None = None
    """Email of the person accountable for the risk."""
    treatment: Literal["avoid", "reduce", "share", "accept"] | None = None
    """Treatment chosen (ISO 31000: avoid, change likelihood or consequence, share, retain)."""
    mitigations: list[Text] = Field(default_factory=list)
    """Actions that reduce likelihood or impact."""
    residual: Rating | None = None
    """Rating after the mitigations are in place."""
    status: Literal["open", "mitigating", "accepted", "closed"] = "open"
    """open, mitigating, accepted (retained by informed decision) or closed."""
    review_date: Date | None = None
    """When the risk is next reviewed."""
    links: list[Id] = Field(default_factory=list)
    """Ids of objectives, constraints, checklist items or audits the risk concerns."""
    misuse: list[Text] = Field(default_factory=list)
    """Reasonably foreseeable misuse that leads to this risk (Article 9(2)(b))."""
    affected: list[Text] = Field(default_factory=list)
    """The persons or groups it would harm."""
    rights: list[Text] = Field(default_factory=list)
    """The fundamental rights at stake (e.g. non-discrimination, privacy)."""


class RisksSpec(SpecModel):
    """A risk register."""

    kind: Literal["risks"]
    """Document kind."""
    scale: Scale = Field(default_factory=Scale)
    """Size of the likelihood x impact matrix."""
    bands: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_BANDS))
    """Band name to score range `low-high`, ordered from least to most severe; together they cover every score."""
    risks: list[Risk] = Field(default_factory=list)
    """The risks."""

    @field_validator("bands")
    @classmethod
    def _ranges_parse(cls, bands: dict[str, str]) -> dict[str, str]:
        for name, text in bands.items():
            match = RANGE.match(text)
            if not match or int(match[1]) > int(match[2]):
                raise ValueError(f"band {name!r}: {text!r} is not a range like '5-9'")
        return bands

    def band_ranges(self) -> dict[str, tuple[int, int]]:
        return {name: _bounds(text) for name, text in self.bands.items()}

    def scores(self) -> set[int]:
        """Every score a cell of the matrix can have."""
        return {lik * imp for lik in range(1, self.scale.likelihood + 1) for imp in range(1, self.scale.impact + 1)}

    def band_of(self, score: int) -> str | None:
        for name, (lo, hi) in self.band_ranges().items():
            if lo <= score <= hi:
                return name
        return None

    def band_rank(self, name: str) -> int:
        """Severity rank of a band: 0 for the least severe."""
        order = sorted(self.band_ranges().items(), key=lambda item: item[1])
        return [band for band, _ in order].index(name)
