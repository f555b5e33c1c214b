"""What changed between two versions of a project: items added, removed and changed, field by field.

A side is a project folder, or a git revision of one written `REV:PATH` (`planner.diff.revisions`).

The spec side of the diff needs only the validated Projects; statuses (met -> not-met, a metric's
value) are compared only when both Assessments are given, so pandas is imported only then.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from planner.numbers import short
from planner.project.project import Project
from planner.text import inert

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
        return {
            ADDED: sum(c.change == ADDED for c in self.changes),
            REMOVED: sum(c.change == REMOVED for c in self.changes),
            CHANGED: len(changed),
            "fields": sum(c.change == CHANGED for c in self.changes),
        }

    def of_kind(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]

    def to_dict(self) -> dict:
        return {
            "old": asdict(self.old),
            "new": asdict(self.new),
            "empty": self.empty,
            "with_status": self.with_status,
            "counts": self.counts(),
            "changes": [asdict(c) for c in self.changes],
        }


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
        text = short(value)
    elif isinstance(value, list):
        text = ", ".join(" & ".join(map(show, v)) if isinstance(v, list) else show(v) for v in value)
    elif isinstance(value, dict):
        text = ", ".join(f"{k}={show(v)}" for k, v in value.items())
    else:
        text = " ".join(inert(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def natural(item_id: str) -> list:
    """R2 before R10: digit runs compare as numbers."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", item_id)]


# -- what each kind of item holds that matters ------------------------------------------------


def kind_titles() -> dict[str, str]:
    """Item kinds in the order a diff lists them, with the heading renderers give each."""
    from planner.kinds import item_titles

    return {"project": "Project", **item_titles()}


def records(project: Project) -> dict[tuple[str, str], tuple[str, dict]]:
    """(kind, id) -> (title, fields) for every item a diff compares; repeated ids get `#2`, `#3`."""
    manifest = project.manifest
    assert manifest is not None  # a diff compares valid projects only, and a valid project has its manifest
    info = manifest.project
    found = {
        ("project", info.id): (
            info.name,
            {
                "name": info.name,
                "owner": info.owner,
                "version": info.version,
                "problem": info.problem,
                "intended_use": info.intended_use,
                "out_of_scope": info.out_of_scope,
                "specs": manifest.specs,
            },
        )
    }
    from planner.kinds import KINDS

    for doc in project.docs:
        for record in KINDS[doc.kind].records(doc):
            kind, item_id, title, fields = record.kind, record.id, record.title, record.fields
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
    for (kind, item_id), (title, _fields) in old.items():
        if (kind, item_id) not in new:
            yield Change(kind, item_id, REMOVED, None, title, None, f"{item_id} removed: {show(title)}")
    for (kind, item_id), (title, fields) in new.items():
        if (kind, item_id) not in old:
            yield Change(kind, item_id, ADDED, None, None, title, f"{item_id} added: {show(title)}")
            continue
        before = old[(kind, item_id)][1]
        for name in [*before, *(n for n in fields if n not in before)]:
            if before.get(name) != fields.get(name):
                yield Change(
                    kind,
                    item_id,
                    CHANGED,
                    name,
                    before.get(name),
                    fields.get(name),
                    _summary(item_id, name, before.get(name), fields.get(name)),
                )


def _status_changes(old, new) -> Iterator[Change]:
    """Status and measured value of every item both assessments hold, and the candidate run."""
    before = {(item.kind, item.id): item for item in old.items}
    for item in new.items:
        was = before.get((item.kind, item.id))
        if was is None:
            continue
        if was.status != item.status:
            yield Change(
                item.kind,
                item.id,
                CHANGED,
                "status",
                was.status,
                item.status,
                f"{item.id} {was.status} -> {item.status}",
            )
        if plain(was.value) != plain(item.value):
            metric = item.detail.measured_metric or "value"
            yield Change(
                item.kind,
                item.id,
                CHANGED,
                "value",
                plain(was.value),
                plain(item.value),
                f"{item.id} {metric} {show(was.value)} -> {show(item.value)}",
            )
    runs = [a.candidate.run_id if a.candidate else None for a in (old, new)]
    if runs[0] != runs[1]:
        yield Change(
            "results",
            "candidate",
            CHANGED,
            "candidate_run",
            runs[0],
            runs[1],
            f"candidate run {show(runs[0])} -> {show(runs[1])}",
        )


def _order(change: Change) -> tuple:
    kinds = list(kind_titles())
    return (kinds.index(change.kind) if change.kind in kinds else len(kinds), natural(change.id))


def version_of(project: Project, source: str | None = None, revision: str | None = None) -> Version:
    assert project.manifest is not None  # a diff compares valid projects only, and a valid project has its manifest
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
