"""Pieces several kinds share: policy selections, gate items from statuses, diff target fields."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Literal

from pydantic import Field

from planner.assess.model import Status
from planner.gate.item import FAIL, PASS, GateItem, Requirement
from planner.spec.base import Id
from planner.vocab import Outcome

Selection = Literal["all", "none"] | list[Id]
"""A `require` key that selects items: all, none, or a list of ids (an item's, or its group's)."""


def selection(
    name: str, summary: str, description: str, position: int, *, selects: tuple[str, ...], key_help: str
) -> Requirement:
    """A requirement that selects items: it adds `require.<name>` (all, none, or a list of ids of
    the `selects` kinds, default all) to the policy, so its key cannot differ from its name."""
    return Requirement(
        name,
        summary,
        description,
        position,
        selects=selects,
        keys={name: (Selection, Field("all", description=key_help))},
    )


def selected(selection: Any, *ids: str | None) -> bool:
    """`all`, `none`, or a list naming the item itself or the checklist, audit or plan holding it."""
    if isinstance(selection, str):
        return selection == "all"
    return any(i in selection for i in ids if i)


def gate_item(status: Status, requirement: str, passed: bool, why: str, group: str | None = None) -> GateItem:
    return GateItem(
        status.id, requirement, PASS if passed else FAIL, status.title, why, status.file, status.line, group=group
    )


def measured(selection: Any, statuses: Iterable[Status], requirement: str, group_of: Any = None) -> Iterator[GateItem]:
    """`all` takes the items that can be measured (not `info`); one named explicitly must be
    measurable to pass. `group_of(status)` names the plan holding an item, which a list may name."""
    for status in statuses:
        group = group_of(status) if group_of else None
        if selected(selection, status.id, group) and not (selection == "all" and status.status == Outcome.INFO):
            yield gate_item(status, requirement, status.status == Outcome.MET, status.why, group)


def target_fields(prefix: str, target: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """A metric target's fields as a diff compares them (`metric.target`, ...), None when there is none."""
    return {f"{prefix}.{name}": getattr(target, name) if target else None for name in names}
