"""Limits turned into findings: pass, fail or insufficient-data.

Why "confident": a point estimate that barely passes on a small group says little. With
``confident=True`` the interval bound on the unfavourable side must satisfy the limit (the upper
bound for ``<=``/``<``, the lower bound for ``>=``/``>``), so passing means "passes even at the
edge of the interval". Too-small groups, undefined values and missing intervals never pass or
fail: they are insufficient-data, with the reason stated.

Non-finite numbers: ``inf`` compares as "met" against any lower bound, so an infinite or NaN
value (observed, interval bound or limit) is undefined here, never a number that passes; the
same holds for a finding read back from JSON (Python's `json` reads ``Infinity``).
"""

from __future__ import annotations

import math
import numbers
import operator
from dataclasses import asdict, dataclass, replace
from typing import Any

from planner.numbers import quantity, significant
from planner.vocab import Outcome

OPERATORS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt}
NEGATED = {"<=": ">", ">=": "<", "<": ">=", ">": "<="}
PASS, FAIL, INSUFFICIENT = Outcome.PASS, Outcome.FAIL, Outcome.INSUFFICIENT
REASON_SMALL = "fewer rows than min_group_size"
REASON_UNDEFINED = "value undefined (zero denominator or too few eligible groups)"
REASON_NO_INTERVAL = "confident limit but no interval available"
REASON_BAD_LIMIT = "limit value is not a finite number"
BAD_OPERATOR = "limit operator must be one of <=, >=, <, >; got {op!r}"
TO_REFERENCE = "to_reference"


@dataclass(frozen=True)
class Limit:
    """A bound on a group metric (checked per group) or a disparity (checked per grouping).

    Parameters
    ----------
    metric : str
        A group metric (``accuracy``) or a disparity (``demographic_parity_ratio``).
    op : str
        One of ``<=``, ``>=``, ``<``, ``>``.
    value : float
        The bound.
    confident : bool
        Require the interval bound, not just the point estimate, to satisfy the limit.
    method : str
        For disparities: ``between_groups``, ``to_overall``, or ``to_reference`` (for
        ``<rate>_difference`` / ``_ratio``: each group against the grouping's configured
        reference group, between groups where none is configured).
    """

    metric: str
    op: str
    value: float
    confident: bool = False
    method: str = "between_groups"

    def __post_init__(self) -> None:
        if self.op not in OPERATORS:
            raise ValueError(BAD_OPERATOR.format(op=self.op))


@dataclass(frozen=True)
class Finding:
    """The outcome of one limit on one group or grouping."""

    limit: Limit
    grouping: str
    group: dict[str, str] | None
    observed: float | None
    interval: tuple[float, float] | None
    compared: float | None
    status: str
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data; NaN becomes None."""
        out = asdict(self)
        out["interval"] = list(self.interval) if self.interval else None
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        """The finding `to_dict` gave (after a JSON round trip: the interval comes back as a list)."""
        interval = tuple(data["interval"]) if data["interval"] else None
        if interval is not None and not all(_defined(b) for b in interval):
            interval = None
        numbers = {key: data[key] if _defined(data[key]) else None for key in ("observed", "compared")}
        finding = cls(**(data | numbers | {"limit": Limit(**data["limit"]), "interval": interval}))
        if finding.status in (PASS, FAIL) and (finding.observed is None or finding.compared is None):
            return replace(finding, status=INSUFFICIENT, compared=None, reason=REASON_UNDEFINED)
        return finding


def group_label(group: dict[str, str] | None) -> str | None:
    """A group by its values: ``age_band=40-49``, ``race=White & sex=Male``; None for no group."""
    if not group:
        return None
    return " & ".join(f"{name}={value}" for name, value in group.items())


def finding_label(finding: Finding) -> str:
    """What a finding is about: its group (``age_band=40-49``) or, for a disparity, its grouping."""
    return group_label(finding.group) or finding.grouping


def judged_text(finding: Finding) -> str:
    """The comparison that decided a finding, e.g. ``upper 0.112 > 0.1`` or ``0.30 >= 0.8``.

    A confident limit names the interval bound it judged; a failing comparison is written with
    the operator that held (``>`` for a failed ``<=``), so the text is true as it reads.
    """
    limit = finding.limit
    if finding.status not in (PASS, FAIL) or finding.compared is None:
        return f"{finding.status}" + (f": {finding.reason}" if finding.reason else "")
    op = limit.op if finding.status == PASS else NEGATED[limit.op]
    side = ("upper " if limit.op in ("<=", "<") else "lower ") if limit.confident else ""
    digits = next((d for d in range(3, 7) if significant(finding.compared, d) != significant(limit.value, d)), 7)
    return f"{side}{significant(finding.compared, digits)} {op} {quantity(limit.value)}"


def _defined(x: Any) -> bool:
    """A finite real number (not None, NaN, inf, a bool or a string)."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(x)


def evaluate(
    limit: Limit,
    *,
    grouping: str,
    observed: float | None,
    interval: tuple[float, float] | None,
    sufficient: bool = True,
    group: dict[str, str] | None = None,
) -> Finding:
    """Judge one observed value (and its interval) against a limit."""
    interval = interval if interval and all(_defined(b) for b in interval) else None
    observed = observed if _defined(observed) else None

    def finding(status: str, compared: float | None = None, reason: str | None = None) -> Finding:
        return Finding(limit, grouping, group, observed, interval, compared, status, reason)

    if not _defined(limit.value):
        return finding(INSUFFICIENT, reason=REASON_BAD_LIMIT)
    if not sufficient:
        return finding(INSUFFICIENT, reason=REASON_SMALL)
    if observed is None:
        return finding(INSUFFICIENT, reason=REASON_UNDEFINED)
    compared = observed
    if limit.confident:
        if interval is None:
            return finding(INSUFFICIENT, reason=REASON_NO_INTERVAL)
        compared = interval[1] if limit.op in ("<=", "<") else interval[0]
    ok = OPERATORS[limit.op](compared, limit.value)
    return finding(PASS if ok else FAIL, compared)
