"""The library entry point the CLI wraps: load, validate and cross-check a project in one call."""

from __future__ import annotations

from pathlib import Path

from planner.project.checks import check_project
from planner.errors import sort_key
from planner.source.files import DEFAULT_MAX_BYTES, read_sources
from planner.project.project import Project
from planner.project.build import build_project


def load_project(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Project:
    """Read, validate and cross-check the project at `path`; every problem lands in `diagnostics`.

    Raises `PlannerError` only when there is no project to read at all.
    """
    project = build_project(read_sources(path, max_bytes))
    project.graph = check_project(project)
    project.diagnostics.sort(key=sort_key)
    return project


def assess_project(project: Project, *, report=None):
    """(Assessment, audits, audit problems): audits from the cache where fresh, computed otherwise.

    Evidence problems are in the Assessment's diagnostics; the audit problems (predictions an
    audit cannot read) come separately because no status can be computed from them.
    """
    from planner.assess import assess
    from planner.audit.cache import audits_for

    audits, problems = audits_for(project, report=report)
    return assess(project, audits=audits), audits, problems
