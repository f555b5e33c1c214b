"""Release policy: what must hold before a release, the waivers that excuse an item, and sign-offs.

Defaults are strict: every objective, constraint, checklist item and audit limit must hold, no
open risk may sit above `medium` after treatment, and every high or critical risk needs an owner
and a mitigation.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, create_model

from planner.spec.base import Date, Email, Id, SpecModel, Text

PolicyKind = Literal["policy"]


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
    granted: Date | None = None
    """Day the waiver was approved; `max_waiver_days` counts from it (from today when not given)."""


def policy_model(keys: dict[str, tuple[Any, Any]]) -> type[SpecModel]:
    """The `policy` model, whose `require` mapping has the keys the kinds' gate requirements declare.

    Built from the kind registry (`planner.kinds.policy`), so a gated kind adds its `require` key
    where it defines its requirement, and the key cannot be missing here.
    """
    # As `dict[str, Any]`: mypy checks `**` values against create_model's own keyword options
    # (`__config__`, `__validators__`, ...) too, and the keys here are only ever field names.
    fields: dict[str, Any] = keys
    requirements = create_model("Requirements", __base__=SpecModel, __doc__="What must hold to release.", **fields)
    return create_model(
        "PolicySpec",
        __base__=SpecModel,
        __doc__="The release policy.",
        kind=(PolicyKind, Field(description="Document kind.")),
        require=(requirements, Field(default_factory=requirements, description="What must hold to release.")),
        rules=(list[Rule], Field(default_factory=list, description="Custom rules on metrics of the candidate run.")),
        waivers=(list[Waiver], Field(default_factory=list, description="Approved exceptions.")),
        approvers=(
            list[Email],
            Field(
                default_factory=list,
                description="Who may approve a waiver (emails); each waiver's `approver` must be one of them. "
                "Empty (the default): anyone.",
            ),
        ),
        max_waiver_days=(
            int | None,
            Field(
                default=None,
                ge=1,
                description="Longest a waiver may last, in days from its `granted` date (from today when it "
                "has none) to its `expires` date. Unset (the default): no limit.",
            ),
        ),
    )


class CandidateEvidence(SpecModel):
    """The candidate run a sign-off approved."""

    source: Text
    """Id of the results source the run came from."""
    run: Text
    """Run id."""
    metrics: Text
    """`sha256:` digest of the run's metrics (canonical JSON)."""
    params: Text
    """`sha256:` digest of the run's params (canonical JSON)."""


class SignoffEvidence(SpecModel):
    """The evidence a sign-off approved, beside the specs."""

    candidate: CandidateEvidence | None = None
    """The candidate run; none when the project chose none."""
    predictions: dict[Text, Text] = Field(default_factory=dict)
    """`sha256:` digest of the bytes of each bias audit's predictions file, by its path."""
    audits: dict[Text, Text] = Field(default_factory=dict)
    """`sha256:` digest of each bias audit's computed result (canonical JSON), by audit id."""


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
    evidence: SignoffEvidence | None = None
    """The evidence approved; a sign-off recorded before evidence was bound has none and must be re-signed."""


class SignoffsSpec(SpecModel):
    """Recorded sign-offs."""

    kind: Literal["signoffs"]
    """Document kind."""
    signoffs: list[Signoff] = Field(default_factory=list)
    """The sign-offs, oldest first."""
