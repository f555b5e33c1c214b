"""What the report templates see: built once from the Assessment, the release decision and the
change log.

Templates only lay this out; every status and number comes from the Assessment (the report
recomputes nothing). Each kind contributes its own entries (`SpecKind.report`) and its sections;
charts are built as inline SVG there so the templates stay free of geometry.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from planner import __version__
from planner.assess.model import Assessment
from planner.coverage.model import TONES as COVERAGE_TONES
from planner.diff.compare import ProjectDiff
from planner.gate.decision import Decision
from planner.kinds.base import Section
from planner.vocab import Outcome

BUILT_IN = (
    Section("design", "problem", "Problem and fit for machine learning", "sections/problem.design.html.j2", 0),
    Section("governance", "summary", "Executive summary", "sections/summary.governance.html.j2", 0),
)
CHANGES = Section(
    "governance", "changes", "Changes since the previous version", "sections/changes.governance.html.j2", 90
)


def sections(report: str, assessment: Assessment, *, changes: bool = False) -> list[Section]:
    """The sections of a report in order: its own, those of every kind the project uses (`SpecKind.shown`),
    and the change log when there is one."""
    from planner.kinds import KINDS

    found = [s for s in BUILT_IN if s.report == report]
    found += [s for kind in KINDS.values() if kind.shown(assessment) for s in kind.sections if s.report == report]
    if changes and report == CHANGES.report:
        found.append(CHANGES)
    return sorted(found, key=lambda section: section.position)


def report_context(
    assessment: Assessment,
    *,
    as_of: date,
    decision: Decision | None = None,
    changes: ProjectDiff | None = None,
    pdf: bool = False,
) -> dict[str, Any]:
    """The whole context of both reports; `pdf` asks for the summarised variant of long tables."""
    from planner.kinds import KINDS

    info = assessment.info
    context: dict[str, Any] = {
        "project": {
            "id": info.id,
            "name": info.name,
            "version": info.version,
            "owner": info.owner,
            "problem": info.problem,
            "ml_fit": info.ml_fit.model_dump(exclude_none=True),
            "intended_use": info.intended_use,
            "out_of_scope": list(info.out_of_scope),
        },
        "as_of": as_of.isoformat(),
        "generator": f"planner {__version__}",
        "pdf": pdf,
        "candidate": assessment.candidate.to_dict() if assessment.candidate else None,
        "counts": _counts(assessment),
        "decision": decision.to_dict() if decision is not None else None,
        "changes": changes.to_dict() if changes is not None else None,
        "diagnostics": [d.to_dict() for d in assessment.diagnostics],
        "status_class": {word.value: word.tone.css_class for word in Outcome} | COVERAGE_TONES,
        "sections": {
            report: sections(report, assessment, changes=changes is not None) for report in ("design", "governance")
        },
    }
    for kind in KINDS.values():
        if kind.sections:
            context.update(kind.report(assessment, pdf))
    judged = decision.coverage if decision is not None else assessment.coverage
    context["coverage"] = [judged[name] for name in assessment.profiles if name in judged]
    return context


def _counts(assessment: Assessment) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for item in assessment.items:
        by_status = counts.setdefault(item.kind, {})
        by_status[item.status] = by_status.get(item.status, 0) + 1
    return counts
