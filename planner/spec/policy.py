"""Release policy: what must hold before a release, the waivers that excuse an item, and sign-offs.

Defaults are strict: every objective, constraint, checklist item and audit limit must hold, no
open risk may sit above `medium` after treatment, and every high or critical risk needs an owner
and a mitigation.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from planner.spec.base import Date, Email, Id, SpecModel, Text

Selection = Literal["all", "none"] | list[Id]


class Requirements(SpecModel):
    """What must hold to release."""

    objectives: Selection = "all"
    """Objectives that must be met: all, none, or a list of ids."""
    constraints: Selection = "all"
    """Measurable constraints that must be met: all, none, or a list of ids."""
    checklist: Selection = "all"
    """Checklist items that must be done (or n/a with a reason): all, none, or a list of ids."""
    audits: Selection = "all"
    """Bias audits whose limits must pass: all, none, or a list of ids."""
    tests: Selection = "all"
    """Behavioural tests that must be met: all (those a run measures), none, or a list of test or evaluation ids."""
    thresholds: Selection = "all"
    """Decision thresholds that must be met: all (those an audit's cost curve judges), none, or a list of ids."""
    max_risk_band: Text = "medium"
    """No risk still open may sit above this band (its residual rating when given)."""
    risk_owner_and_mitigation: bool = True
    """Every high or critical risk must have an owner and at least one mitigation."""
    signoffs: list[Text] = Field(default_factory=list)
    """Roles whose valid sign-off is required (e.g. product-owner, risk-officer)."""


class Rule(SpecModel):
    """A custom rule on a metric of the candidate run."""

    id: Id
    """Unique id of the rule."""
    description: Text
    """What the rule protects."""
    metric: Text
    """Metric of the candidate run."""
    op: Literal["<=", ">=", "<", ">", "=="]
    """Comparison the metric must satisfy."""
    value: float
    """Threshold."""


class Waiver(SpecModel):
    """An approved, time-limited exception for one governance item."""

    item: Id
    """Id of the item waived."""
    reason: Text
    """Why the release may go ahead without it."""
    approver: Email
    """Email of who approved the waiver."""
    expires: Date
    """Last day the waiver is valid; after it the item fails the gate again."""


class PolicySpec(SpecModel):
    """The release policy."""

    kind: Literal["policy"]
    """Document kind."""
    require: Requirements = Field(default_factory=Requirements)
    """What must hold to release."""
    rules: list[Rule] = Field(default_factory=list)
    """Custom rules on metrics of the candidate run."""
    waivers: list[Waiver] = Field(default_factory=list)
    """Approved exceptions."""


class Signoff(SpecModel):
    """A sign-off, bound to a digest of the specs it approves (written by `planner signoff`)."""

    role: Text
    """Role of the person signing (e.g. risk-officer)."""
    name: Text
    """Name of the person signing."""
    date: Date
    """Date of the sign-off."""
    digest: Text
    """`sha256:` digest of the canonical specs approved."""
    files: dict[Text, Text] = Field(default_factory=dict)
    """Digest of each approved spec file, to tell which one changed."""


class SignoffsSpec(SpecModel):
    """Recorded sign-offs."""

    kind: Literal["signoffs"]
    """Document kind."""
    signoffs: list[Signoff] = Field(default_factory=list)
    """The sign-offs, oldest first."""
