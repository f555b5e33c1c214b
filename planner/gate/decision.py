"""The release decision: every item the policy requires, pass, fail or waived, and whether the
release may go ahead.

Each gated kind turns its assessed items into gate items (`SpecKind.gate`), under the policy's
terms as the Assessment carries them. With no policy document, the strict defaults apply: every objective, every measurable constraint, every checklist item and
every audit limit must hold, no risk that is not closed may sit above `medium` (its residual
rating when given), every high or critical risk needs an owner and a mitigation; no rules, no
waivers and no sign-offs are required then. A selection that selects nothing (`none`, or `all`
with no such item) fails nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING

from planner.assess.model import Assessment
from planner.coverage.model import Coverages
from planner.gate.evidence import evidence_items
from planner.gate.item import FAIL, PASS, WAIVED, GateItem
from planner.gate.waivers import WaiverState, apply_waivers, waiver_states

if TYPE_CHECKING:
    from planner.coverage.model import Coverage
    from planner.kinds.signoffs import SignoffState


@dataclass
class Decision:
    """The gate's answer: `passed` is true when no item fails (waived items pass)."""

    passed: bool
    items: list[GateItem]
    waivers: list[WaiverState]
    signoffs: list[SignoffState]
    coverage: Mapping[str, Coverage] = field(default_factory=dict)
    """Each catalogue's coverage as of this decision: gated items count with their gate outcome."""

    @property
    def failures(self) -> list[GateItem]:
        return [item for item in self.items if item.status == FAIL]

    def to_dict(self) -> dict:
        """Plain JSON-safe data (strings, numbers, booleans; dates as ISO strings; never NaN)."""
        counts = {status: sum(item.status == status for item in self.items) for status in (PASS, FAIL, WAIVED)}
        return {
            "passed": self.passed,
            "counts": counts,
            "items": [asdict(item) for item in self.items],
            "waivers": [w.to_dict() for w in self.waivers],
            "signoffs": [s.to_dict() for s in self.signoffs],
        }


def evaluate(assessment: Assessment, *, today: datetime.date) -> Decision:
    """The release decision from an Assessment alone; `today` decides which waivers have expired
    (a waiver is valid through its `expires` day).

    Requirements that read the gate (`Requirement.reads_gate`: coverage) are judged last, from the
    other items' outcomes on the same day, so coverage never counts a waiver the gate finds expired."""
    from planner.gate.item import requirements
    from planner.kinds import KINDS, POLICY

    terms = assessment.policy or POLICY.terms(None)
    waivers = waiver_states(terms, today)
    gated = [kind for kind in KINDS.values() if kind.requirements]
    late = [kind for kind in gated if any(r.reads_gate for r in kind.requirements)]
    items = [found for kind in gated if kind not in late for found in kind.gate(terms.require, assessment)]
    items = apply_waivers([*items, *evidence_items(assessment)], waivers)
    decided = {item.id: item.status for item in items}
    coverage = Coverages(assessment.coverage, lambda name: assessment.coverage[name].judged(decided))
    judged = replace(assessment, coverage=coverage)
    items += apply_waivers([found for kind in late for found in kind.gate(terms.require, judged)], waivers)
    rank = {requirement.name: requirement.position for requirement in requirements()}
    items.sort(key=lambda found: rank[found.requirement])  # stable: each kind's own order within
    return Decision(not any(item.status == FAIL for item in items), items, waivers, list(assessment.signoffs), coverage)
