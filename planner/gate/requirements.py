"""Each requirement of the policy, turned into gate items from the statuses of the Assessment.

Only `met`, `done`/`n/a` and `pass` pass: the Assessment already made a missing or NaN metric
`no-evidence`, and an audit limit with too little data is not proven, so neither passes here.
"""

from __future__ import annotations

import math
import operator
from collections import Counter

from planner.assess.build import ALIASES, MET
from planner.assess.model import Assessment
from planner.project.checks import is_severe
from planner.project.project import Project
from planner.gate.item import FAIL, PASS, GateItem

OPS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt, "==": operator.eq}


def selected(selection, *ids: str | None) -> bool:
    """`all`, `none`, or a list naming the item itself or the checklist or audit holding it."""
    if isinstance(selection, str):
        return selection == "all"
    return any(i in selection for i in ids if i)


def _item(status, requirement: str, passed: bool, why: str, group: str | None = None) -> GateItem:
    return GateItem(status.id, requirement, PASS if passed else FAIL, status.title, why, status.file,
                    status.line, group=group)


def objectives(require, assessment: Assessment):
    for status in assessment.of_kind("objective"):
        if selected(require.objectives, status.id):
            yield _item(status, "objectives", status.status == MET, status.why)


def _measured(selection, statuses, requirement: str, group_key: str | None = None):
    """`all` takes the items that can be measured (not `info`); one named explicitly must be
    measurable to pass."""
    for status in statuses:
        group = status.extra.get(group_key) if group_key else None
        if selected(selection, status.id, group) and not (selection == "all" and status.status == "info"):
            yield _item(status, requirement, status.status == MET, status.why, group)


def constraints(require, assessment: Assessment):
    return _measured(require.constraints, assessment.of_kind("constraint"), "constraints")


def tests(require, assessment: Assessment):
    """Behavioural tests a run measures; a list may name an evaluation plan for all its tests."""
    return _measured(require.tests, assessment.of_kind("test"), "tests", "evaluation")


def thresholds(require, assessment: Assessment):
    """Decision thresholds an audit's cost curve judges (the others are `info`)."""
    return _measured(require.thresholds, assessment.of_kind("threshold"), "thresholds", "evaluation")


def checklist(require, assessment: Assessment):
    for status in assessment.of_kind("checklist-item"):
        group = status.extra["checklist"]
        if selected(require.checklist, status.id, group):
            why = {"done": "done", "n/a": f"n/a: {status.why}"}.get(status.status, "open: neither done nor n/a")
            yield _item(status, "checklist", status.status in ("done", "n/a"), why, group)


def _current_band(extra: dict) -> str:
    return f"{'residual' if extra['residual'] else 'inherent'} band {extra['residual_band']}"


def _risk_problems(extra: dict, require, register) -> list[str]:
    limit, problems = require.max_risk_band, []
    if limit not in register.bands:
        problems.append(f"its register has no band {limit!r}")
    elif register.band_rank(extra["residual_band"]) > register.band_rank(limit):
        problems.append(f"{_current_band(extra)} is above {limit}")
    missing = [what for what, given in (("owner", extra["owner"]), ("mitigation", extra["mitigations"])) if not given]
    if require.risk_owner_and_mitigation and missing and is_severe(register, extra["band"]):
        problems.append(f"{extra['band']} risk has no {' and no '.join(missing)}")
    return problems


def risks(require, assessment: Assessment, project: Project):
    """Every risk not closed: its current band within `max_risk_band`, and a severe one managed."""
    registers = {risk.id: spec for spec in project.of_kind("risks") for risk in spec.risks}
    for status in assessment.of_kind("risk"):
        if status.status == "closed":
            yield _item(status, "risks", True, "closed")
            continue
        problems = _risk_problems(status.extra, require, registers[status.id])
        fine = f"{_current_band(status.extra)} is not above {require.max_risk_band}"
        yield _item(status, "risks", not problems, "; ".join(problems) or fine)


def _limit_why(status) -> str:
    if status.status in ("pass", "fail"):
        return f"{status.why}; limit {status.title}"
    if status.status == "insufficient-data":
        return f"insufficient data for {status.title}, so it is not proven"
    return f"{status.why}, so {status.title} is not proven"


def audits(require, assessment: Assessment, project: Project):
    """Every selected audit limit must pass; the audit of a limit comes from the specs, since a
    limit whose audit was not computed carries no audit id in the Assessment."""
    audit_of = {spec.limit_id(i): spec.id for spec in project.of_kind("bias-audit") for i in range(len(spec.limits))}
    for status in assessment.of_kind("limit"):
        group = audit_of.get(status.id)
        if selected(require.audits, status.id, group):
            yield _item(status, "audits", status.status == "pass", _limit_why(status), group)


def _metric(metrics: dict, name: str) -> float | None:
    value = metrics.get(name, metrics.get(ALIASES.get(name, name)))
    return None if value is None or math.isnan(value) else value


def _rule_outcome(rule, candidate: dict | None) -> tuple[bool, str]:
    if candidate is None:
        return False, "no candidate run"
    value = _metric(candidate["metrics"], rule.metric)
    if value is None:
        return False, f"the candidate run has no metric {rule.metric!r}"
    return OPS[rule.op](value, rule.value), f"{rule.metric} = {value:.4g}, rule {rule.op} {rule.value:g}"


def rules(policy, assessment: Assessment):
    """Custom rules on the candidate run's metrics; a missing or NaN metric fails."""
    for i, rule in enumerate(policy.model.rules if policy else []):
        passed, why = _rule_outcome(rule, assessment.candidate)
        yield GateItem(rule.id, "rules", PASS if passed else FAIL, rule.description, why, policy.document.file,
                       policy.document.position(("rules", i, "id"))[0])


def signoffs(require, policy, states):
    """Each required role needs a valid sign-off; the latest stale one says which file changed.
    Roles are required only by a policy document, so `policy` is set whenever one is."""
    for j, role in enumerate(require.signoffs):
        line = policy.document.position(("require", "signoffs", j))[0]
        of_role = [state for state in states if state.role == role]
        valid = [state for state in of_role if state.valid]
        shown = (valid or of_role or [None])[-1]
        why = shown.why if shown else f"no sign-off for the role {role!r}"
        yield GateItem(f"signoff:{role}", "signoffs", PASS if valid else FAIL, f"Sign-off by the {role}", why,
                       policy.document.file, line)


def evidence(assessment: Assessment, project: Project):
    """Evidence that could not be read fails the gate: nothing measured from it can be trusted.
    A problem naming no file is the candidate's selection, so it points at the results' `candidate`."""
    results = next(iter(project.docs_of_kind("results")), None)
    fallback = (results.document.file, results.document.position(("candidate",))[0]) if results else ("", 0)
    errors = [diagnostic for diagnostic in assessment.diagnostics if diagnostic.is_error]
    codes = Counter(diagnostic.code for diagnostic in errors)
    seen: Counter = Counter()
    for diagnostic in errors:
        file, line = (diagnostic.file, diagnostic.line) if diagnostic.file else fallback
        seen[diagnostic.code] += 1  # two unreadable files with one code stay two items (JUnit, SARIF ids)
        item_id = f"evidence:{diagnostic.code}" + (f":{seen[diagnostic.code]}" if codes[diagnostic.code] > 1 else "")
        yield GateItem(item_id, "evidence", FAIL, "Evidence can be read", diagnostic.message, file, line)
