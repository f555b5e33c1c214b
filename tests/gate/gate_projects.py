"""Small real projects for the gate tests: YAML files written on disk, loaded for real."""

import datetime

from helpers import write_project
from planner import load as load_project

TODAY = datetime.date(2026, 3, 1)

OBJECTIVES = """\
kind: objectives
goals:
  - {id: G1, statement: Grow., kpi: {name: revenue, target: 10, baseline: 8}}
objectives:
  - {id: O1, goal: G1, statement: Rank., metric: {name: roc_auc, target: 0.7}}
  - {id: O2, goal: G1, statement: Be fast., metric: {name: latency_ms, target: 50, direction: lower}}
"""

CONSTRAINTS = """\
kind: constraints
constraints:
  - {id: C1, category: schedule, statement: Ship by June.}
  - id: C2
    category: performance
    aspect: latency
    statement: Answer fast.
    limit: {name: latency_ms, target: 100, direction: lower}
"""

RISKS = """\
kind: risks
risks:
  - id: R1
    title: Drift.
    likelihood: 4
    impact: 4
    owner: ml@example.com
    mitigations: [Monitor.]
    residual: {likelihood: 2, impact: 2}
    status: mitigating
  - {id: R2, title: Outage., likelihood: 1, impact: 2}
"""

CHECKLIST = """\
kind: data-checklist
id: D1
dataset: Census
template: none
items:
  - {id: consent, question: Is there consent?, status: done, answer: Yes.}
  - {id: vendor, question: Is there a vendor?, status: n/a, reason: Open data.}
"""

RESULTS = """\
kind: results
sources:
  - {id: T, type: table, path: runs.csv}
candidate: {run: cand}
"""

RUNS = "run_id,roc_auc,latency_ms,brier\ncand,0.75,40,0.12\n"

BASE = {
    "specs/objectives.yaml": OBJECTIVES,
    "specs/constraints.yaml": CONSTRAINTS,
    "specs/risks.yaml": RISKS,
    "specs/data.yaml": CHECKLIST,
    "specs/results.yaml": RESULTS,
    "runs.csv": RUNS,
}


def predictions(female_positive: int, male_positive: int) -> str:
    """50 women and 50 men; selection rates are the given counts out of 50."""
    rows = ["y,pred,sex"]
    for sex, positive in (("female", female_positive), ("male", male_positive)):
        rows += [f"{i % 2},{int(i < positive)},{sex}" for i in range(50)]
    return "\n".join(rows) + "\n"


def audit_spec(min_group_size: int = 10) -> str:
    return f"""\
kind: bias-audit
id: A1
predictions: predictions.csv
label: y
prediction: pred
sensitive_features: [sex]
min_group_size: {min_group_size}
bootstrap: {{samples: 100, seed: 1}}
limits:
  - {{metric: demographic_parity_ratio, op: ">=", value: 0.8, feature: sex}}
"""


def policy(require: str = "", rules: str = "", waivers: str = "") -> str:
    """A policy document: `require` lines (default `objectives: all`), then rules and waivers."""
    return "kind: policy\nrequire:\n" + (require or "  objectives: all\n") + rules + waivers


def build(root, changes: dict | None = None):
    """The base project with files replaced or added (`path: text`) or removed (`path: None`)."""
    specs = {**BASE, **(changes or {})}
    return write_project(root, {name: text for name, text in specs.items() if text is not None})


def load(root):
    project = load_project(root)
    assert not project.has_errors, project.diagnostics
    return project


def by_id(decision) -> dict:
    return {item.id: (item.status, item.why) for item in decision.items}
