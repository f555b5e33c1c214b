"""planner: plan and govern machine-learning projects.

A project is a folder of YAML specs (goals, objectives, constraints, risks, data checklists,
bias audits, evaluation plans, result sources, a release policy). planner validates them with
exact source positions, links them to evidence, and renders reports and a release gate from one
Assessment::

    import planner

    project = planner.load("examples/german-credit")  # validate; problems in project.diagnostics
    assessment = planner.assess(project)  # evidence, audits, every item's status
    decision = planner.gate(assessment)  # decision.passed, decision.failures
    eu = planner.coverage(assessment, "eu-ai-act-high-risk")  # each obligation's state
    planner.render(assessment, formats=["html"], out="reports")
"""

__version__ = "0.8.0"

from planner.api import assess, coverage, diff, gate, load, render
from planner.assess.model import Assessment, Candidate, Status
from planner.diff.compare import Change, ProjectDiff
from planner.errors import Diagnostic, ExitCode, PlannerError
from planner.gate.decision import Decision
from planner.gate.item import GateItem
from planner.project.project import Project

__all__ = [
    "Assessment",
    "Candidate",
    "Change",
    "Decision",
    "Diagnostic",
    "ExitCode",
    "GateItem",
    "PlannerError",
    "Project",
    "ProjectDiff",
    "Status",
    "__version__",
    "assess",
    "coverage",
    "diff",
    "gate",
    "load",
    "render",
]
