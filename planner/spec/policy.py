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
    )


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
