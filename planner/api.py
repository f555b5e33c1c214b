"""The library API, and the only orchestration of the pipeline:
load -> validate -> link evidence -> audit -> assess -> gate / render / diff.

The CLI, the benchmarks and the tests call these; nothing else strings the stages together.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path, PurePosixPath

from planner.assess.model import Assessment
from planner.coverage.model import Coverage
from planner.diff.compare import ProjectDiff, Version, diff_projects, version_of
from planner.errors import PlannerError, sort_key
from planner.gate.decision import Decision
from planner.project.build import build_project
from planner.project.checks import check_project
from planner.project.project import Project
from planner.source.files import DEFAULT_MAX_BYTES, MANIFEST, read_sources

Report = Callable[[str], None]


def load(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Project:
    """Read, validate and cross-check the project at `path` (a folder or its `planner.yaml`).

    Parameters
    ----------
    path
        The project folder, or its `planner.yaml`.
    max_bytes
        The largest spec file read, in bytes.

    Returns
    -------
    Project
        Every valid document, and every problem found in `diagnostics` (sorted by file and line);
        `project.has_errors` says whether it may be assessed.

    Raises
    ------
    PlannerError
        Only when there is no project to read at all.
    """
    project = build_project(read_sources(path, max_bytes))
    check_project(project)
    project.diagnostics.sort(key=sort_key)
    return project


def assess(
    project: Project, *, engine: str = "pandas", use_cache: bool = True, report: Report | None = None
) -> Assessment:
    """Link the evidence, compute the bias audits (from the cache where fresh) and assess every item.

    Parameters
    ----------
    project
        A valid project (`load`); an invalid one raises `PlannerError`.
    engine
        The audit engine for audits not in the cache: ``"pandas"`` or ``"duckdb"``.
    use_cache
        Read fresh audit results from ``.planner/audits``; False recomputes and rewrites them.
    report
        Receives one line per audit computed because its cached result was missing or stale.

    Returns
    -------
    Assessment
        Every item with its status and why. Evidence that could not be read is in
        `diagnostics`; predictions an audit could not read are in `audit_problems`.
    """
    from planner.assess.build import assess as assess_items
    from planner.audit.cache import audits_for
    from planner.evidence.link import link_evidence

    project.ensure_valid("assess the project")
    evidence = link_evidence(project)
    audits, problems = audits_for(project, engine=engine, use_cache=use_cache, report=report)
    return assess_items(project, evidence=evidence, audits=audits, audit_problems=problems)


def gate(assessment: Assessment, *, today: datetime.date | None = None) -> Decision:
    """The release decision: every governed item pass, fail or waived, and whether the release may go.

    Parameters
    ----------
    assessment
        The project's Assessment (`assess`).
    today
        The date waivers are checked against; default today.

    Returns
    -------
    Decision
        `passed` is true when no item fails (waived items pass).
    """
    from planner.gate.decision import evaluate

    return evaluate(assessment, today=today or datetime.date.today())


def coverage(assessment: Assessment, profile: str, *, today: datetime.date | None = None) -> Coverage:
    """How the project's items cover one catalogue: every obligation with its state and support.

    Parameters
    ----------
    assessment
        The project's Assessment (`assess`).
    profile
        A built-in catalogue (``"eu-ai-act-high-risk"``, ``"nist-ai-rmf-1.0"``,
        ``"iso-42001-annex-a"``, ``"iso-23894"``) or the id of one of the project's `catalogue` documents.
    today
        The date waivers are checked against, as `gate` checks them; default today.

    Returns
    -------
    Coverage
        Each obligation evidenced, declared, missing or n/a, with the items supporting it.

    Raises
    ------
    PlannerError
        When no catalogue has that id.
    """
    from planner.coverage.build import unknown_profile

    found = gate(assessment, today=today).coverage
    if profile not in found:
        raise unknown_profile(profile, list(found))
    return found[profile]


def render(
    assessment: Assessment,
    *,
    formats: Sequence[str] = ("html", "pdf"),
    kinds: Sequence[str] = ("design", "governance"),
    out: str | Path | None = None,
    as_of: datetime.date | None = None,
    decision: Decision | None = None,
    changes: ProjectDiff | None = None,
    pdf_variant: str | None = None,
) -> dict[str, bytes]:
    """The design and governance reports (HTML, PDF) and the model card, rendered in memory.

    Parameters
    ----------
    assessment
        The project's Assessment.
    formats
        Any of ``"html"``, ``"pdf"``, ``"modelcard"``.
    kinds
        Any of ``"design"``, ``"governance"``, ``"summary"`` (one page for a sign-off meeting).
    out
        When given, every document is written there (atomically, all rendered first).
    as_of
        The date the reports are stamped with and the gate is decided on; default
        `SOURCE_DATE_EPOCH` when set, else today.
    decision, changes
        The release decision (default: `gate` on `as_of`) and a change log (`diff`).
    pdf_variant
        ``"pdf/a-3b"``, ``"pdf/a-2b"`` (archival) or ``"pdf/ua-1"`` (accessible) for the PDFs;
        default plain PDF. Still byte-identical for the same inputs and `as_of`.

    Returns
    -------
    dict
        File name to content, e.g. ``{"governance.html": b"..."}``.
    """
    from planner.report import render_reports, report_date, write_reports

    as_of = as_of or report_date()
    decision = decision or gate(assessment, today=as_of)
    outputs = render_reports(
        assessment,
        kinds=kinds,
        formats=formats,
        as_of=as_of,
        decision=decision,
        changes=changes,
        pdf_variant=pdf_variant,
    )
    if out is not None:
        write_reports(outputs, Path(out))
    return outputs


def diff(
    old: str | Path | Project,
    new: str | Path | Project,
    *,
    with_status: bool = False,
    cwd: str | Path = ".",
    max_bytes: int = DEFAULT_MAX_BYTES,
    report: Report | None = None,
    new_assessment: Assessment | None = None,
) -> ProjectDiff:
    """What changed between two versions of a project: items added, removed and changed, field by field.

    Parameters
    ----------
    old, new
        Each a loaded `Project`, a project folder, or ``REV:PATH`` for a git revision.
    with_status
        Also compare statuses and measured values (reads evidence and computes audits).
    new_assessment
        The Assessment of `new` when it is a `Project` already assessed (not assessed again).

    Raises
    ------
    PlannerError
        When a side cannot be read or is invalid (its errors named ``REV:path/file`` for a revision).
    """
    with (
        _side(old, cwd, max_bytes, with_status, report) as (old_project, old_version, before),
        _side(new, cwd, max_bytes, with_status and new_assessment is None, report) as (new_project, new_version, after),
    ):
        after = new_assessment or after
        result = diff_projects(old_project, new_project, old_assessment=before, new_assessment=after)
    return replace(result, old=old_version, new=new_version)


@contextmanager
def _side(
    side: str | Path | Project, cwd: str | Path, max_bytes: int, with_status: bool, report: Report | None
) -> Iterator[tuple[Project, Version, Assessment | None]]:
    """A valid project of one side, its Version, and its Assessment when `with_status`."""
    from planner.diff.revisions import materialise, parse_side, renamed

    if isinstance(side, Project):
        yield side, version_of(side), assess_for_diff(side, side.root, str(side.root), with_status, report)
        return
    parsed = parse_side(str(side), cwd=cwd)
    with materialise(parsed, cwd=cwd) as (root, commit):
        project = load(root, max_bytes=max_bytes)
        folder = PurePosixPath(parsed.path)
        folder = folder.parent if folder.name == MANIFEST else folder
        label = parsed.text if parsed.revision is None else f"{parsed.revision}:{folder}"
        errors = [d for d in project.diagnostics if d.is_error]
        if errors:
            raise PlannerError(renamed(errors, root, label))
        yield (
            project,
            version_of(project, parsed.text, commit),
            assess_for_diff(project, root, label, with_status, report),
        )


def assess_for_diff(
    project: Project, root: Path, label: str, with_status: bool, report: Report | None
) -> Assessment | None:
    """A side's Assessment for `diff --status`; evidence it cannot read is an error of that side."""
    from planner.diff.revisions import renamed

    if not with_status:
        return None
    assessment = assess(project, report=report)
    problems = assessment.audit_problems + assessment.diagnostics
    if problems:
        raise PlannerError(renamed(problems, root, label))
    return assessment
