"""The release gate: may this version of the project be released?

`evaluate` turns a project's Assessment and its `policy` document into a `Decision`: one
`GateItem` per governed item (objectives, measurable constraints, checklist items, risks, audit
limits, custom rules, required sign-offs, evidence problems), each pass, fail or waived, with one
sentence saying why and the spec line it comes from (for SARIF and CI annotations).

Sign-offs are bound to the content of the specs: `record_signoff` stores a digest of every spec
file's parsed data, and `check_signoffs` says which file changed since, so an approval cannot
silently outlive the specs it approved.

The gate reads the Assessment and the policy; it never reads evidence itself, and it imports
neither pandas, scikit-learn nor weasyprint.
"""

from planner.gate.decision import Decision, GateItem, evaluate
from planner.gate.signoffs import SignoffState, check_signoffs, overall_digest, record_signoff, spec_digests
from planner.gate.waivers import WaiverState

__all__ = ["evaluate", "Decision", "GateItem", "WaiverState", "SignoffState", "spec_digests",
           "overall_digest", "check_signoffs", "record_signoff"]
