"""The `monitoring` kind: the post-market monitoring plan (Article 72, Annex IV 9) and the incident
process (Article 73). It states the plan; executing it is later work."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from planner.spec.base import Direction, Email, Item, SpecModel, Text


class MonitoredMetric(Item):
    """A metric watched in production, over a window, against a limit."""

    metric: Text
    """The metric (e.g. `default_rate_accepted`, `selection_rate_ratio_age`, `psi_duration`)."""
    window: Text
    """The window it is computed over (e.g. `30 days`, `each 500 decisions`)."""
    limit: float | None = None
    """The value that triggers the action."""
    direction: Direction = "lower"
    """lower: alarm above the limit; higher: alarm below it."""
    owner: Email | None = None
    """Email of the person who acts on an alarm."""
    action: Text | None = None
    """What happens when the limit is crossed."""


class Review(SpecModel):
    """The periodic review of the monitoring results."""

    cadence: Literal["weekly", "monthly", "quarterly", "yearly"]
    """How often the results are reviewed."""
    owner: Email
    """Email of the person who chairs the review."""
    inputs: list[Text] = Field(default_factory=list)
    """What the review reads (monitoring reports, complaints, appeals, incident log)."""


class Incidents(SpecModel):
    """How incidents, serious ones included (Article 73), are handled and reported."""

    contact: Email
    """Where incidents are reported."""
    report_within_days: int = Field(ge=1, le=15)
    """Days within which a serious incident is reported to the authority (Article 73: at most 15)."""
    authority: Text | None = None
    """The market-surveillance authority notified."""
    steps: list[Text] = Field(default_factory=list)
    """The steps of the process (triage, containment, notification, root cause, correction)."""


class MonitoringSpec(SpecModel):
    """The post-market monitoring plan."""

    kind: Literal["monitoring"]
    """Document kind."""
    metrics: list[MonitoredMetric] = Field(default_factory=list)
    """Metrics watched in production."""
    review: Review | None = None
    """The periodic review."""
    incidents: Incidents | None = None
    """The incident process."""
    feedback: Text | None = None
    """How feedback, complaints and appeals from deployers and affected persons are collected."""
