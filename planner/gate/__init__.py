"""The release gate: may this version of the project be released?

`evaluate` turns an Assessment into a `Decision`: one `GateItem` per governed item (objectives,
measurable constraints, checklist items, risks, audit limits, behavioural tests, thresholds,
custom rules, required sign-offs, evidence problems), each pass, fail or waived, with one sentence
saying why and the spec line it comes from (for SARIF and CI annotations). Each gated kind makes
its own items (`SpecKind.gate`); waivers are applied last.

The gate reads the Assessment only; it never reads specs or evidence itself, and it imports
neither pandas, scikit-learn nor weasyprint.
"""

from planner.gate.decision import Decision, evaluate
from planner.gate.item import GateItem, Requirement, requirements
from planner.gate.waivers import WaiverState

__all__ = ["Decision", "GateItem", "Requirement", "WaiverState", "evaluate", "requirements"]
