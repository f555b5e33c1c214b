"""Coverage of every catalogue, as the Assessment carries it: each item at its assessed status.

The gate judges it again on its day (`Coverage.judged` in `planner.gate.decision.evaluate`): an
item the policy gates then counts with its gate outcome, waivers applied as the gate applies them,
so an unexpired waiver shows a failing item as waived and an expired one as failing.
"""

from __future__ import annotations

import functools

from planner.assess.model import Assessment
from planner.coverage.checks import project_catalogues
from planner.coverage.collect import Supports, coverage
from planner.coverage.model import Coverage, Coverages
from planner.errors import Diagnostic, PlannerError
from planner.project.project import Project


def profiles_of(project: Project) -> list[str]:
    """The profiles `planner.yaml` enables, then the one the policy requires, each once."""
    named = list(project.manifest.profiles) if project.manifest else []
    for policy in project.of_kind("policy"):
        required = getattr(policy.require, "coverage", None)
        if required is not None:
            named.append(required.profile)
    return list(dict.fromkeys(named))


def build_coverages(project: Project, assessment: Assessment) -> Coverages:
    """The coverage of every catalogue the project can name (the built-in ones and its own), each
    mapped when first read; the project's items are gathered once, for the first."""
    catalogues = project_catalogues(project)
    profiles = project.manifest.profiles if project.manifest else {}
    valid = [
        {"role": s.role, "name": s.name, "date": s.date.isoformat(), "digest": s.digest}
        for s in assessment.signoffs
        if s.valid
    ]
    supports = functools.cache(lambda: Supports(project, assessment.items))

    def make(name: str) -> Coverage:
        reasons = dict(profiles[name].not_applicable) if name in profiles else {}
        return coverage(supports(), catalogues[name], reasons, valid)

    return Coverages(catalogues, make)


def unknown_profile(profile: str, known: list[str]) -> PlannerError:
    message = f"no catalogue is named {profile!r}"
    return PlannerError([Diagnostic("unknown-profile", message, "--profile", hint=f"one of: {', '.join(known)}")])
