"""The one operating point: the decision threshold a project states, and what every other
statement of it is checked against.

A threshold can be written in three places (the evaluation plan, a bias audit, a run parameter)
and a fourth is implied by the predictions themselves. A report that prints the audit's 0.5 while
the model decides at 0.1 misleads its reader, so the threshold in use is stated once: the
evaluation plan's (`threshold.value`), or, when there is no plan threshold, each audit's own,
else 0.5. An audit that states another value than the plan is a warning (an error under
`--strict`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from planner.errors import Diagnostic, Severity
from planner.numbers import quantity
from planner.project.project import Project, SpecDoc
from planner.spec.bias import BiasAudit
from planner.spec.evaluation import EvaluationSpec

if TYPE_CHECKING:
    from planner.audit.project import ProjectAudit

DEFAULT_THRESHOLD = 0.5
"""The threshold of an audit when neither it nor the evaluation plan states one (scikit-learn's `predict`)."""
DIFFERENT = "threshold-mismatch"
DISAGREES = "threshold-disagreement"


@dataclass(frozen=True)
class OperatingPoint:
    """The threshold in use and where it was stated (`origin`: e.g. `evaluation plan E1`)."""

    value: float
    origin: str


def plan_threshold(project: Project) -> OperatingPoint | None:
    """The evaluation plan's fixed threshold (a per-group policy has no single one)."""
    for plan in project.of_kind("evaluation"):
        if isinstance(plan, EvaluationSpec) and plan.threshold is not None and plan.threshold.value is not None:
            return OperatingPoint(float(plan.threshold.value), f"evaluation plan {plan.id}")
    return None


def audit_threshold(project: Project, spec: BiasAudit) -> OperatingPoint:
    """The threshold an audit decides at: its own, else the plan's, else `DEFAULT_THRESHOLD`."""
    if spec.threshold is not None:
        return OperatingPoint(spec.threshold, f"audit {spec.id}")
    return plan_threshold(project) or OperatingPoint(DEFAULT_THRESHOLD, "the default")


def with_threshold(spec: BiasAudit, project: Project) -> BiasAudit:
    """The audit with the threshold it decides at written in, for the engine, its cache fingerprint
    and the reports (which then print the threshold in use, not a default)."""
    return spec.model_copy(update={"threshold": audit_threshold(project, spec).value})


def agreement_warnings(project: Project, audits: Iterable[ProjectAudit]) -> Iterator[Diagnostic]:
    """A warning at the audit's `prediction` key when its prediction column is not `score >=
    threshold` on every row: the predictions were made at another threshold than the one stated."""
    docs = {doc.model.id: doc for doc in project.docs_of_kind("bias-audit") if isinstance(doc.model, BiasAudit)}
    for audit in audits:
        agreement = audit.result_data["settings"].get("threshold_agreement")
        doc = docs.get(audit.spec.id)
        if agreement is None or agreement >= 1.0 or doc is None:
            continue
        yield doc.at(
            ("prediction",),
            DISAGREES,
            f"{audit.spec.source_label}: column {audit.spec.prediction!r} equals {audit.spec.score!r} >= "
            f"{quantity(audit.spec.threshold)} on {agreement:.2%} of rows, not all: the predictions were made at another threshold",
            "state the threshold the predictions were made at (the evaluation plan's `threshold.value`)",
            Severity.WARNING,
        )


def threshold_checks(doc: SpecDoc, project: Project, spec: BiasAudit) -> Iterator[Diagnostic]:
    """A warning where an audit states another threshold than the evaluation plan."""
    plan = plan_threshold(project)
    if plan is None or spec.threshold is None or spec.threshold == plan.value:
        return
    yield doc.at(
        ("threshold",),
        DIFFERENT,
        f"audit {spec.id} decides at threshold {quantity(spec.threshold)}, but {plan.origin} states {quantity(plan.value)}",
        "state the threshold once: remove it here to use the plan's, or correct one of them",
        Severity.WARNING,
    )
