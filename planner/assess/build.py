"""Building the Assessment: each kind assesses its own items from the evidence, once.

Reports and the gate read only the result; nothing downstream recomputes a status. A metric that
is missing, NaN or infinite is "no-evidence", never "met".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from planner.assess.context import AssessContext
from planner.assess.model import Assessment, Candidate, Status
from planner.errors import Diagnostic
from planner.evidence.link import Evidence, link_evidence
from planner.evidence.model import Run
from planner.project.items import collect_items
from planner.project.operating import agreement_warnings
from planner.project.project import Project

if TYPE_CHECKING:
    from planner.audit.project import ProjectAudit


def assess(
    project: Project,
    *,
    evidence: Evidence | None = None,
    audits: Iterable[ProjectAudit] = (),
    audit_problems: Iterable[Diagnostic] = (),
) -> Assessment:
    """The Assessment of a valid project; evidence problems become diagnostics, not exceptions.

    `evidence` is read from the project's results sources when not given; `audits` are the
    computed (or cached) bias audits, which `planner.api.assess` provides.
    """
    from planner.coverage.build import build_coverages, profiles_of
    from planner.kinds import KINDS, POLICY
    from planner.kinds.signoffs import check_signoffs, evidence_digests

    project.ensure_valid("assess the project")
    evidence = evidence if evidence is not None else link_evidence(project)
    audits = list(audits)
    context = AssessContext(project, evidence, {audit.spec.id: audit for audit in audits})
    # kinds in the registry's order, documents in the project's order within a kind
    items: list[Status] = []
    for name, kind in KINDS.items():
        for doc in project.docs_of_kind(name):
            for status in kind.assess(doc, context):
                items.append(status)
                context.statuses.setdefault(status.id, status)
    _place(items, project)
    assert project.manifest is not None  # a valid project has its manifest
    policy = next(iter(project.docs_of_kind("policy")), None)
    results = next(iter(project.docs_of_kind("results")), None)
    rule = (results.document.file, results.document.position(("candidate",))[0]) if results else ("", 0)
    candidate = _candidate(evidence.candidate)
    bound = evidence_digests(project, candidate, audits)
    terms = POLICY.terms(policy)
    signoffs = check_signoffs(project, bound)
    assessment = Assessment(
        project.manifest.project,
        project.root,
        candidate,
        items,
        [*evidence.problems, *agreement_warnings(project, audits)],  # warnings do not fail the gate
        audits,
        list(audit_problems),
        terms,
        signoffs,
        {kind: project.of_kind(kind) for kind in KINDS},
        dict(project.texts),
        rule,
        bound,
        profiles=profiles_of(project),
    )
    assessment.coverage = build_coverages(project, assessment)
    return assessment


def _place(items: list[Status], project: Project) -> None:
    """Each status gets the file and line where its item is defined."""
    positions = {i.id: (i.doc.document.file, i.doc.document.position(i.path)[0]) for i in collect_items(project)}
    for item in items:
        item.file, item.line = positions.get(item.id, ("", 0))


def _candidate(run: Run | None) -> Candidate | None:
    if run is None:
        return None
    return Candidate(run.run_id, run.name, run.source, run.experiment, run.metrics, run.params, run.reproducibility)
