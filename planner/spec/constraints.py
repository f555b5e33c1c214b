"""Constraints: what the solution must respect (schedule, budget, people, privacy, performance...)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from planner.spec.base import Date, Id, Item, SpecModel, Text
from planner.spec.goals import Target

Category = Literal["schedule", "budget", "people", "privacy", "technical", "ethical", "performance"]
Aspect = Literal["latency", "decision-threshold", "trade-off", "interpretability", "confidence"]


class Constraint(Item):
    """One constraint; a measurable one carries a metric limit that evidence can check."""

    category: Category
    """schedule, budget, people (affected or available), privacy, technical (legacy), ethical, performance."""
    aspect: Aspect | None = None
    """For performance constraints: latency, decision-threshold, trade-off (speed vs accuracy), interpretability, confidence (false-negative tolerance)."""
    statement: Text
    """The constraint in one sentence."""
    limit: Target | None = None
    """A measurable limit (e.g. `p95_latency_ms` at most 50), checked against evidence."""
    deadline: Date | None = None
    """For schedule constraints: the date by which it must hold."""
    amount: float | None = Field(default=None, ge=0)
    """For budget constraints: the amount available."""
    currency: Text | None = None
    """Currency of `amount` (e.g. EUR)."""
    rationale: Text | None = None
    """Why the constraint exists (regulation, contract, stakeholder)."""
    links: list[Id] = Field(default_factory=list)
    """Ids of goals, objectives or risks this constraint relates to."""

    @model_validator(mode="after")
    def _aspect_only_for_performance(self):
        if self.aspect is not None and self.category != "performance":
            raise ValueError("`aspect` applies to performance constraints only")
        return self


class ConstraintsSpec(SpecModel):
    """Constraints on the project and its model."""

    kind: Literal["constraints"]
    """Document kind."""
    constraints: list[Constraint] = Field(default_factory=list)
    """The constraints."""
