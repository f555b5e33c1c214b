"""Apply one limit to every grouping: disparities per grouping, group metrics per group."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from planner.audit.errors import AuditInputError
from planner.audit.findings import TO_REFERENCE, Finding, Limit, evaluate
from planner.audit.grouping import GroupingResult
from planner.spec.bias import is_disparity

UNKNOWN_LIMIT_METRIC = "limit on {metric!r}: not a computed metric or disparity"


def group_key(by: Sequence[str], group: Any) -> dict[str, str]:
    """``{"sex": "Female", "race": "White"}`` from a group index entry."""
    values = group if isinstance(group, tuple) else (group,)
    return {name: str(value) for name, value in zip(by, values, strict=True)}


def _disparity_findings(limit: Limit, g: GroupingResult) -> list[Finding]:
    method = "between_groups" if limit.method == TO_REFERENCE else limit.method
    value, interval = g.disparities[limit.metric][method]
    needed = 2 if method == "between_groups" else 1
    return [
        evaluate(
            limit,
            grouping=g.name,
            observed=value,
            interval=interval,
            sufficient=int(g.disaggregated.eligible.sum()) >= needed,
        )
    ]


def _reference_findings(limit: Limit, g: GroupingResult) -> list[Finding]:
    """Each group other than the configured reference against it (Aequitas' disparity)."""
    d, table = g.disaggregated, g.reference_disparities[limit.metric]
    reference_ok = bool(d.eligible[g.reference])
    out = []
    for group, value, low, high in zip(table.index, table["value"], table["low"], table["high"], strict=True):
        if group == g.reference:
            continue
        out.append(
            evaluate(
                limit,
                grouping=g.name,
                group=group_key(g.by, group),
                observed=float(value),
                interval=(float(low), float(high)),
                sufficient=reference_ok and bool(d.eligible[group]),
            )
        )
    return out


def _group_findings(limit: Limit, g: GroupingResult) -> list[Finding]:
    d = g.disaggregated
    bounds = g.intervals.get(limit.metric)
    out = []
    for group, value in zip(d.by_group.index, d.by_group[limit.metric], strict=True):
        interval = tuple(bounds.loc[group, ["low", "high"]]) if bounds is not None else None
        out.append(
            evaluate(
                limit,
                grouping=g.name,
                group=group_key(g.by, group),
                observed=float(value),
                interval=interval,
                sufficient=bool(d.eligible[group]),
            )
        )
    return out


def judge(limit: Limit, groupings: Sequence[GroupingResult]) -> list[Finding]:
    """Findings of `limit` across groupings (one per grouping or one per group).

    A ``to_reference`` limit on ``<rate>_difference`` / ``_ratio`` gives one finding per group
    other than the reference in a grouping whose reference was configured, and is judged between
    groups in the others."""
    out = []
    for g in groupings:
        if limit.method == TO_REFERENCE and limit.metric in g.reference_disparities:
            out.extend(_reference_findings(limit, g))
        elif is_disparity(limit.metric) and limit.metric in g.disparities:
            out.extend(_disparity_findings(limit, g))
        elif limit.metric in g.disaggregated.by_group:
            out.extend(_group_findings(limit, g))
        else:
            raise AuditInputError(UNKNOWN_LIMIT_METRIC.format(metric=limit.metric))
    return out
