"""Linking a project to its evidence: the runs of every results source and the candidate among them.

Reading happens here, once, before anything is assessed; a source that cannot be read becomes a
diagnostic placed at the spec line that named it, so the assessment sees no exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from planner.errors import Diagnostic, PlannerError
from planner.evidence.model import Run
from planner.evidence.sources import load_runs, select_candidate
from planner.project.project import Project, SpecDoc
from planner.spec.results import ResultsSpec


@dataclass
class Evidence:
    """Runs of every source, the candidate run, and the problems met reading them."""

    runs: list[Run] = field(default_factory=list)
    candidate: Run | None = None
    problems: list[Diagnostic] = field(default_factory=list)

    def run(self, name: str) -> Run | None:
        """A run by its id or its name."""
        return next((run for run in self.runs if name in (run.run_id, run.name)), None)


def link_evidence(project: Project) -> Evidence:
    """Read every results source of a valid project and choose the candidate run."""
    evidence = Evidence()
    for doc in project.docs_of_kind("results"):
        results = doc.model
        assert isinstance(results, ResultsSpec)
        unread = False
        for index, source in enumerate(results.sources):
            try:
                evidence.runs.extend(load_runs(source, project.root))
            except PlannerError as exc:
                unread = True
                key = "uri" if source.uri is not None else "path"
                evidence.problems.extend(_at_spec(d, doc, ("sources", index), key, source.id) for d in exc.diagnostics)
        try:
            evidence.candidate = select_candidate(evidence.runs, results.candidate)
        except PlannerError as exc:
            if not unread:  # else the candidate may be in the source that could not be read: no second error
                evidence.problems.extend(_at_candidate(d, doc, results) for d in exc.diagnostics)
    return evidence


def _at_spec(diagnostic: Diagnostic, doc: SpecDoc, path: tuple, key: str, source: str) -> Diagnostic:
    """A source's problem tied to the spec that named the source: one that names no file (a tracking
    server's answer) is placed at the spec line of its `key` (`uri` or `path`); one in a file of the
    source says which spec line made planner read it."""
    if not diagnostic.file:
        return doc.at((*path, key), diagnostic.code, diagnostic.message, diagnostic.hint, diagnostic.severity)
    line, _ = doc.document.position(path)
    read_for = f"read for results source {source} ({doc.document.file}:{line})"
    return replace(diagnostic, hint=f"{diagnostic.hint}; {read_for}" if diagnostic.hint else read_for)


def _at_candidate(diagnostic: Diagnostic, doc: SpecDoc, results: ResultsSpec) -> Diagnostic:
    """No candidate, or several: placed at the rule of the results spec that chose none or many."""
    if diagnostic.file:
        return diagnostic
    rule = next(name for name in ("run", "tag", "best") if getattr(results.candidate, name) is not None)
    return doc.at(("candidate", rule), diagnostic.code, diagnostic.message, diagnostic.hint, diagnostic.severity)
