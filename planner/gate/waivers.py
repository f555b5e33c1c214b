"""Waivers: an approved, dated exception turns a failing item into a waived one until it expires.

A waiver is valid through its `expires` day. An expired waiver waives nothing: the item fails and
its reason says when the waiver expired. Every waiver is reported, used or not, so an expired or
forgotten exception shows up even while its item passes.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from planner.gate.item import FAIL, WAIVED, GateItem

if TYPE_CHECKING:
    from planner.kinds.policy import PolicyTerms


@dataclass
class WaiverState:
    """A waiver of the policy and what it did at this evaluation."""

    item: str
    reason: str
    approver: str
    expires: datetime.date
    expired: bool
    used: bool = False
    """It turned a failing item into a waived one."""
    file: str = ""
    line: int = 0

    def to_dict(self) -> dict:
        return {
            "item": self.item,
            "reason": self.reason,
            "approver": self.approver,
            "expires": self.expires.isoformat(),
            "expired": self.expired,
            "used": self.used,
            "file": self.file,
            "line": self.line,
        }


def waiver_states(terms: PolicyTerms, today: datetime.date) -> list[WaiverState]:
    """The waivers of the policy's terms, each expired or not on `today`."""
    return [
        WaiverState(w.item, w.reason, w.approver, w.expires, w.expires < today, file=w.file, line=w.line)
        for w in terms.waivers
    ]


def _apply(item: GateItem, waiver: WaiverState) -> GateItem:
    if waiver.expired:
        return replace(item, why=f"{item.why}; waiver expired on {waiver.expires.isoformat()}", waiver=waiver.to_dict())
    waiver.used = True
    return replace(
        item,
        status=WAIVED,
        waiver=waiver.to_dict(),
        why=f"{item.why}; waived by {waiver.approver} until {waiver.expires.isoformat()}",
    )


def apply_waivers(items: list[GateItem], waivers: list[WaiverState]) -> list[GateItem]:
    """Each failing item named by a waiver (itself or its checklist or audit) gets the best waiver:
    an unexpired one, the longest-lasting first."""
    result = []
    for item in items:
        matching = [w for w in waivers if w.item in (item.id, item.group)] if item.status == FAIL else []
        best = max(matching, key=lambda w: (not w.expired, w.expires), default=None)
        result.append(item if best is None else _apply(item, best))
    return result
