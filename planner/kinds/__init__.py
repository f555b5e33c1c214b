"""The registry of spec kinds: every stage loops over `KINDS`, in this order.

To add a kind: write its module (a `SpecKind` subclass and `KIND = ...`), add it to `_KINDS`
below, and give each of its `sections` a template in `templates/report/sections/`.
`tests/test_kinds.py` fails until every stage is there. The order is the order of listings: status
tables, diffs, gate items and their CI outputs.
"""

from __future__ import annotations

from planner.kinds import (
    bias_audit,
    catalogue,
    constraints,
    data_checklist,
    evaluation,
    impact_assessment,
    monitoring,
    objectives,
    oversight,
    results,
    risks,
    security,
    signoffs,
    system,
)
from planner.kinds.base import Record, Section, SpecKind
from planner.kinds.policy import PolicyKind

_KINDS: tuple[SpecKind, ...] = (
    objectives.KIND,
    constraints.KIND,
    risks.KIND,
    data_checklist.KIND,
    bias_audit.KIND,
    evaluation.KIND,
    results.KIND,
    # after evaluation and the audits: their items judge themselves by the tests they name
    system.KIND,
    oversight.KIND,
    security.KIND,
    monitoring.KIND,
    impact_assessment.KIND,
    catalogue.KIND,
)
_AFTER_POLICY: tuple[SpecKind, ...] = (signoffs.KIND,)
POLICY = PolicyKind((*_KINDS, *_AFTER_POLICY))
"""The release policy, whose `require` keys are those the other kinds' requirements declare."""

KINDS: dict[str, SpecKind] = {kind.name: kind for kind in (*_KINDS, POLICY, *_AFTER_POLICY)}


def item_titles() -> dict[str, str]:
    """Every item kind with its heading, in listing order."""
    return {kind: title for spec_kind in KINDS.values() for kind, title in spec_kind.item_titles.items()}


__all__ = ["KINDS", "POLICY", "Record", "Section", "SpecKind", "item_titles"]
