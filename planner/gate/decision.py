"""The release decision: every item the policy requires, pass, fail or waived, and whether the
release may go ahead.

The policy is the project's `policy` document. With none, the strict defaults of
`Requirements()` apply: every objective, every measurable constraint, every checklist item and
every audit limit must hold, no risk that is not closed may sit above `medium` (its residual
rating when given), every high or critical risk needs an owner and a mitigation; no rules, no
waivers and no sign-offs are required then. A selection that selects nothing (`none`, or `all`
with no such item) fails nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass

from planner.assess.model import Assessment
from planner.spec.policy import Requirements
from planner.project.project import Project
from planner.gate import requirements as req
from planner.gate.item import FAIL, PASS, WAIVED, GateItem
from planner.gate.signoffs import SignoffState, check_signoffs, ensure_valid
from planner.gate.waivers import WaiverState, apply_waivers, waiver_states


@dataclass
class Decision:
    """The gate's answer: `passed` is true when no item fails (waived items pass)."""

    passed: bool
    items: list[GateItem]
    waivers: list[WaiverState]
    signoffs: list[SignoffState]

    @property
    def failures(self) -> list[GateItem]:
        return [item for item in self.items if item.status == FAIL]

    def to_dict(self) -> dict:
        """Plain JSON-safe data (strings, numbers, booleans; dates as ISO strings; never NaN)."""
        counts = {status: sum(item.status == status for item in self.items) for status in (PASS, FAIL, WAIVED)}
        return {"passed": self.passed, "counts": counts, "items": [asdict(item) for item in self.items],
                "waivers": [w.to_dict() for w in self.waivers], "signoffs": [s.to_dict() for s in self.signoffs]}


def evaluate(project: Project, assessment: Assessment, *, today: datetime.date) -> Decision:
    """The release decision for a valid project and its Assessment; `today` decides which waivers
    have expired (a waiver is valid through its `expires` day)."""
    ensure_valid(project, "evaluate the release gate")
    policy = next(iter(project.docs_of_kind("policy")), None)
    require = policy.model.require if policy else Requirements()
    states = check_signoffs(project)
    items = [*req.objectives(require, assessment), *req.constraints(require, assessment),
             *req.checklist(require, assessment), *req.risks(require, assessment, project),
             *req.audits(require, assessment, project), *req.tests(require, assessment),
             *req.thresholds(require, assessment), *req.rules(policy, assessment),
             *req.signoffs(require, policy, states), *req.evidence(assessment, project)]
    waivers = waiver_states(policy, today)
    items = apply_waivers(items, waivers)
    return Decision(not any(item.status == FAIL for item in items), items, waivers, states)
