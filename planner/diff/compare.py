"""What changed between two versions of a project: items added, removed and changed, field by field.

A side is a project folder, or a git revision of one written `REV:PATH` (`planner.diff.revisions`).

The spec side of the diff needs only the validated Projects; statuses (met -> not-met, a metric's
value) are compared only when both Assessments are given, so pandas is imported only then.
"""

from __future__ import annotations

import math
import re
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any, Iterator

from planner.assess.build import QUESTIONS
from planner.errors import PlannerError
from planner.text import TERMINAL_CONTROL
from planner.project.items import checklist_item_ids
from planner.source.files import DEFAULT_MAX_BYTES, MANIFEST
from planner.diff.revisions import materialise, parse_side, renamed
from planner.project.project import Project

# Kinds in the order a diff lists them, with the heading renderers give each.
KIND_TITLES = {
    "project": "Project", "goal": "Goals and KPIs", "objective": "Objectives", "baseline": "Baselines",
    "constraint": "Constraints", "risk": "Risks", "checklist-item": "Data checklist",
    "audit": "Bias audits", "limit": "Bias-audit limits", "source": "Result sources",
    "results": "Candidate run", "policy": "Release policy", "rule": "Policy rules", "waiver": "Waivers",
    "signoff": "Sign-offs",
}
ADDED, REMOVED, CHANGED = "added", "removed", "changed"
SUMMARY_WIDTH = 60


@dataclass(frozen=True)
class Change:
    """One difference: an item added or removed, or one field of an item changed.

    `field` is None for added and removed items; then `new` (added) or `old` (removed) holds the
    item's title. Values are JSON-safe (dates as ISO strings).
    """

    kind: str
    id: str
    change: str
    field: str | None
    old: Any
    new: Any
    summary: str


@dataclass(frozen=True)
class Version:
    """One side of a diff: where it was read from and which project version it holds."""

    source: str
    id: str
    name: str
    version: str
    revision: str | None = None
    """The commit a git side was read from (full id); None for a folder."""


@dataclass
class ProjectDiff:
    old: Version
    new: Version
    changes: list[Change] = field(default_factory=list)
    with_status: bool = False
    """Whether statuses were compared (both assessments given)."""

    @property
    def empty(self) -> bool:
        return not self.changes

    def counts(self) -> dict[str, int]:
        """Items added and removed, items with at least one changed field, and changed fields."""
        changed = {(c.kind, c.id) for c in self.changes if c.change == CHANGED}
        return {ADDED: sum(c.change == ADDED for c in self.changes),
                REMOVED: sum(c.change == REMOVED for c in self.changes),
                CHANGED: len(changed), "fields": sum(c.change == CHANGED for c in self.changes)}

    def of_kind(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]

    def to_dict(self) -> dict:
        return {"old": asdict(self.old), "new": asdict(self.new), "empty": self.empty,
                "with_status": self.with_status, "counts": self.counts(),
                "changes": [asdict(c) for c in self.changes]}


# -- values -----------------------------------------------------------------------------------

def plain(value):
    """A JSON-safe copy: dates as ISO strings, models as dicts, non-finite floats as text."""
    if hasattr(value, "model_dump"):
        value = value.model_dump(exclude_defaults=True)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def show(value, width: int = SUMMARY_WIDTH) -> str:
    """A value as one line of text of at most `width` characters."""
    if value is None or value == [] or value == {}:
        text = "none"
    elif isinstance(value, bool):
        text = str(value).lower()
    elif isinstance(value, float):
        text = f"{value:.6g}"
    elif isinstance(value, list):
        text = ", ".join(" & ".join(map(show, v)) if isinstance(v, list) else show(v) for v in value)
    elif isinstance(value, dict):
        text = ", ".join(f"{k}={show(v)}" for k, v in value.items())
    else:
        text = " ".join(TERMINAL_CONTROL.sub(" ", str(value)).split())
    return text if len(text) <= width else text[:width - 1] + "…"


def natural(item_id: str) -> list:
    """R2 before R10: digit runs compare as numbers."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", item_id)]


# -- what each kind of item holds that matters ------------------------------------------------

def _target(prefix: str, target, names: tuple[str, ...]) -> dict:
    return {f"{prefix}.{name}": getattr(target, name) if target else None for name in names}


def _objective_records(spec):
    for goal in spec.goals:
        yield "goal", goal.id, goal.statement, {
            "statement": goal.statement, "parent": goal.parent,
            **_target("kpi", goal.kpi, ("name", "target", "direction", "baseline", "unit"))}
    for objective in spec.objectives:
        yield "objective", objective.id, objective.statement, {
            "statement": objective.statement, "goal": objective.goal,
            **_target("metric", objective.metric, ("name", "target", "direction", "dataset", "unit")),
            "baselines": objective.baselines, "depends_on": objective.depends_on}
    for baseline in spec.baselines:
        yield "baseline", baseline.id, baseline.description or baseline.kind, {
            "kind": baseline.kind, "value": baseline.value, "run": baseline.run}


def _constraint_records(spec):
    for item in spec.constraints:
        yield "constraint", item.id, item.statement, {
            "category": item.category, "aspect": item.aspect, "statement": item.statement,
            **_target("limit", item.limit, ("name", "target", "direction", "unit")),
            "deadline": item.deadline, "amount": item.amount, "currency": item.currency, "links": item.links}


def _risk_records(spec):
    for risk in spec.risks:
        residual = risk.residual
        yield "risk", risk.id, risk.title, {
            "title": risk.title, "likelihood": risk.likelihood, "impact": risk.impact, "score": risk.score,
            "band": spec.band_of(risk.score),
            **_target("residual", residual, ("likelihood", "impact", "score")),
            "residual_band": spec.band_of(residual.score) if residual else None,
            "owner": risk.owner, "status": risk.status, "treatment": risk.treatment,
            "mitigations": risk.mitigations, "review_date": risk.review_date, "links": risk.links}


def _checklist_records(spec):
    answers = {item.id: item for item in spec.items}
    for item_id in checklist_item_ids(spec):
        item = answers.get(item_id)
        yield "checklist-item", f"{spec.id}.{item_id}", (item and item.question) or QUESTIONS.get(item_id, item_id), {
            "status": item.status if item else "open", "owner": item and item.owner,
            "evidence": item and item.evidence, "reason": item and item.reason}


def _audit_records(spec):
    harms = {f"harms.{name}": harm.status if harm else None for name, harm in spec.harms}
    yield "audit", spec.id, spec.title or spec.id, {
        "predictions": spec.predictions, "label": spec.label, "prediction": spec.prediction,
        "score": spec.score, "threshold": spec.threshold, "sensitive_features": spec.sensitive_features,
        "intersections": spec.intersections, "min_group_size": spec.min_group_size,
        "confidence_level": spec.confidence_level, **harms}
    for index, limit in enumerate(spec.limits):
        rule = f"{limit.metric} {limit.op} {limit.value:g}" + (f" for {limit.feature}" if limit.feature else "")
        yield "limit", spec.limit_id(index), rule, {
            "metric": limit.metric, "op": limit.op, "value": limit.value, "feature": limit.feature,
            "confident": limit.confident}


def _results_records(spec):
    for source in spec.sources:
        yield "source", source.id, f"{source.type} {source.path or source.uri}", {
            "type": source.type, "path": source.path, "uri": source.uri, "experiment": source.experiment}
    yield "results", "candidate", "candidate rule", {
        "run": spec.candidate.run, "tag": spec.candidate.tag, "best": spec.candidate.best}


def _policy_records(spec):
    yield "policy", "require", "release requirements", spec.require.model_dump()
    for rule in spec.rules:
        yield "rule", rule.id, rule.description, {
            "description": rule.description, "metric": rule.metric, "op": rule.op, "value": rule.value}
    for waiver in spec.waivers:
        yield "waiver", waiver.item, f"waiver of {waiver.item}", {
            "reason": waiver.reason, "approver": waiver.approver, "expires": waiver.expires}


def _signoff_records(spec):
    latest = {signoff.role: signoff for signoff in spec.signoffs}  # oldest first: the last one counts
    for role, signoff in latest.items():
        yield "signoff", role, f"{role}: {signoff.name}", {
            "name": signoff.name, "date": signoff.date, "digest": signoff.digest}


def _document_records(spec):
    """A kind without its own comparison: the whole document as one item, top-level keys as fields."""
    fields = {name: getattr(spec, name) for name in type(spec).model_fields if name not in ("kind", "id")}
    yield spec.kind, getattr(spec, "id", None) or spec.kind, getattr(spec, "title", None) or spec.kind, fields


RECORDS = {"objectives": _objective_records, "constraints": _constraint_records, "risks": _risk_records,
           "data-checklist": _checklist_records, "bias-audit": _audit_records, "results": _results_records,
           "policy": _policy_records, "signoffs": _signoff_records}


def records(project: Project) -> dict[tuple[str, str], tuple[str, dict]]:
    """(kind, id) -> (title, fields) for every item a diff compares; repeated ids get `#2`, `#3`."""
    info = project.manifest.project
    found = {("project", info.id): (info.name, {
        "name": info.name, "owner": info.owner, "version": info.version, "problem": info.problem,
        "intended_use": info.intended_use, "out_of_scope": info.out_of_scope, "specs": project.manifest.specs})}
    for doc in project.docs:
        for kind, item_id, title, fields in RECORDS.get(doc.kind, _document_records)(doc.model):
            key, number = (kind, item_id), 1
            while key in found:  # several policies, results or waivers of one item
                number += 1
                key = (kind, f"{item_id}#{number}")
            found[key] = (title, {name: plain(value) for name, value in fields.items()})
    return found


# -- comparing --------------------------------------------------------------------------------

def _summary(item_id: str, name: str, old, new) -> str:
    if name == "band":
        return f"{item_id} {show(old)} -> {show(new)}"
    if name == "residual_band":
        return f"{item_id} residual {show(old)} -> {show(new)}"
    return f"{item_id} {name} {show(old)} -> {show(new)}"


def _spec_changes(old: dict, new: dict) -> Iterator[Change]:
    for (kind, item_id), (title, fields) in old.items():
        if (kind, item_id) not in new:
            yield Change(kind, item_id, REMOVED, None, title, None, f"{item_id} removed: {show(title)}")
    for (kind, item_id), (title, fields) in new.items():
        if (kind, item_id) not in old:
            yield Change(kind, item_id, ADDED, None, None, title, f"{item_id} added: {show(title)}")
            continue
        before = old[(kind, item_id)][1]
        for name in [*before, *(n for n in fields if n not in before)]:
            if before.get(name) != fields.get(name):
                yield Change(kind, item_id, CHANGED, name, before.get(name), fields.get(name),
                             _summary(item_id, name, before.get(name), fields.get(name)))


def _status_changes(old, new) -> Iterator[Change]:
    """Status and measured value of every item both assessments hold, and the candidate run."""
    before = {(item.kind, item.id): item for item in old.items}
    for item in new.items:
        was = before.get((item.kind, item.id))
        if was is None:
            continue
        if was.status != item.status:
            yield Change(item.kind, item.id, CHANGED, "status", was.status, item.status,
                         f"{item.id} {was.status} -> {item.status}")
        if plain(was.value) != plain(item.value):
            metric = item.extra.get("metric") or item.extra.get("kpi") or "value"
            yield Change(item.kind, item.id, CHANGED, "value", plain(was.value), plain(item.value),
                         f"{item.id} {metric} {show(was.value)} -> {show(item.value)}")
    runs = [a.candidate["run_id"] if a.candidate else None for a in (old, new)]
    if runs[0] != runs[1]:
        yield Change("results", "candidate", CHANGED, "candidate_run", runs[0], runs[1],
                     f"candidate run {show(runs[0])} -> {show(runs[1])}")


def _order(change: Change) -> tuple:
    kinds = list(KIND_TITLES)
    return (kinds.index(change.kind) if change.kind in kinds else len(kinds), natural(change.id))


def version_of(project: Project, source: str | None = None, revision: str | None = None) -> Version:
    info = project.manifest.project
    return Version(source or str(project.root), info.id, info.name, info.version, revision)


def diff_projects(old: Project, new: Project, *, old_assessment=None, new_assessment=None) -> ProjectDiff:
    """Every item added, removed or changed from `old` to `new`, in a stable order.

    Both projects must be valid (no error diagnostics). With both assessments (`planner.assess.build`),
    statuses and measured values are compared too; a field changed in the specs is listed once.
    """
    if (old_assessment is None) != (new_assessment is None):
        raise ValueError("give both assessments or neither")
    changes = list(_spec_changes(records(old), records(new)))
    if old_assessment is not None:
        seen = {(c.kind, c.id, c.field) for c in changes}  # a risk's or checklist item's status is its spec's
        changes += [c for c in _status_changes(old_assessment, new_assessment) if (c.kind, c.id, c.field) not in seen]
    changes.sort(key=_order)  # stable: fields keep their order within an item
    return ProjectDiff(version_of(old), version_of(new), changes, with_status=old_assessment is not None)


@contextmanager
def open_side(text: str, *, cwd: str | Path = ".", max_bytes: int = DEFAULT_MAX_BYTES,
              with_status: bool = False) -> Iterator[tuple[Project, Version, Any]]:
    """A valid project of one side, its Version, and its Assessment when `with_status`.

    Raises `PlannerError` with the project's errors (named `REV:path/file` for a revision).
    """
    from planner.api import load_project

    side = parse_side(text, cwd=cwd)
    with materialise(side, cwd=cwd) as (root, commit):
        project = load_project(root, max_bytes=max_bytes)
        errors = [d for d in project.diagnostics if d.is_error]
        folder = PurePosixPath(side.path)
        folder = folder.parent if folder.name == MANIFEST else folder
        label = side.text if side.revision is None else f"{side.revision}:{folder}"
        if errors:
            raise PlannerError(renamed(errors, root, label))
        assessment = _assessed(project, root, label) if with_status else None
        yield project, version_of(project, side.text, commit), assessment


def _assessed(project: Project, root: Path, label: str):
    from planner.api import assess_project

    assessment, _, problems = assess_project(project)
    problems += assessment.diagnostics
    if problems:
        raise PlannerError(renamed(problems, root, label))
    return assessment


def diff_sides(old: str, new: str, *, cwd: str | Path = ".", with_status: bool = False,
               max_bytes: int = DEFAULT_MAX_BYTES) -> ProjectDiff:
    """`planner diff OLD NEW`: each side a folder or `REV:PATH`; statuses too when `with_status`."""
    with open_side(old, cwd=cwd, max_bytes=max_bytes, with_status=with_status) as (old_project, old_version, before), \
            open_side(new, cwd=cwd, max_bytes=max_bytes, with_status=with_status) as (new_project, new_version, after):
        result = diff_projects(old_project, new_project, old_assessment=before, new_assessment=after)
    return replace(result, old=old_version, new=new_version)


def diff_since(old: str, new: Project, new_assessment, *, source: str, cwd: str | Path = ".",
               max_bytes: int = DEFAULT_MAX_BYTES) -> ProjectDiff:
    """The changes from OLD (a folder or `REV:PATH`) to a project already loaded and assessed, so
    `report --previous` does not read and assess its own project a second time."""
    with open_side(old, cwd=cwd, max_bytes=max_bytes, with_status=True) as (old_project, old_version, before):
        result = diff_projects(old_project, new, old_assessment=before, new_assessment=new_assessment)
    return replace(result, old=old_version, new=version_of(new, source))
