"""What the one-page summary shows (`planner report --kind summary`): for a sign-off meeting, the
decision and what it rests on, nothing else.

The release decision (the gate's), every item that blocks it, every waiver with its expiry, each
fairness limit with its deciding finding and interval, and each sign-off role: the roles the
policy requires and those recorded, each with who signed, when, and whether the sign-off still
holds. Everything comes from the Decision and the Assessment; the page recomputes nothing.
"""

from __future__ import annotations

from typing import Any

from planner import numbers
from planner.assess.model import Assessment
from planner.audit.findings import finding_label
from planner.gate.decision import Decision
from planner.gate.item import FAIL, WAIVED

SIGNOFF_PREFIX = "signoff:"


def summary_context(assessment: Assessment, decision: Decision | None) -> dict[str, Any]:
    """The `summary` entry of the report context."""
    items = decision.items if decision is not None else []
    return {
        "blocking": [_item(item) for item in items if item.status == FAIL],
        "waived": [_item(item) for item in items if item.status == WAIVED],
        "waivers": [waiver.to_dict() for waiver in decision.waivers] if decision is not None else [],
        "limits": [_limit(outcome) for audit in assessment.audits for outcome in audit.limits],
        "signoffs": _signoffs(decision),
    }


def _item(item) -> dict[str, Any]:
    return {
        "id": item.id,
        "requirement": item.requirement,
        "why": item.why,
        "expires": (item.waiver or {}).get("expires"),
    }


def _limit(outcome) -> dict[str, Any]:
    """A limit with the finding that decided it (the first with the limit's status) and its interval."""
    rule = f"{outcome.op} {numbers.quantity(outcome.value)}" + (" (whole interval)" if outcome.confident else "")
    deciding = next((f for f in outcome.findings if f.status == outcome.status), None)
    if deciding is None and outcome.findings:
        deciding = outcome.findings[0]
    return {
        "id": outcome.id,
        "rule": rule,
        "group": finding_label(deciding) if deciding is not None else "",
        "observed": numbers.measured(deciding.observed) if deciding is not None else numbers.MISSING,
        "interval": numbers.interval(deciding.interval) if deciding is not None and deciding.interval else "",
        "findings": len(outcome.findings),
        "status": str(outcome.status),
    }


def _signoffs(decision: Decision | None) -> list[dict[str, Any]]:
    """One row per role: each role the policy requires (in its order), then any other recorded one."""
    if decision is None:
        return []
    recorded = {state.role: state for state in decision.signoffs}  # the last recorded one counts
    required = {
        item.id.removeprefix(SIGNOFF_PREFIX): item for item in decision.items if item.id.startswith(SIGNOFF_PREFIX)
    }
    rows = []
    for role in [*required, *(role for role in recorded if role not in required)]:
        state, item = recorded.get(role), required.get(role)
        rows.append(
            {
                "role": role,
                "required": item is not None,
                "name": state.name if state else "",
                "date": state.date.isoformat() if state else "",
                "status": item.status if item is not None else ("pass" if state and state.valid else "fail"),
                "why": item.why if item is not None else (state.why if state else ""),
            }
        )
    return rows
