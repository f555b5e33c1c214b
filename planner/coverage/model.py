"""What a coverage report says of each obligation: the items that support it, and its state.

States: **evidenced** (at least one supporting item is met, passes or is done, and every other
judged one too), **declared** (items claim it but not all of them are shown: failing, unmeasured,
still open, or only stated), **missing** (no item supports it) and **n/a** (the project's
`profiles` says it does not apply, with the reason).

Two statuses count neither way: a waived item (an approved exception is not evidence, nor a gap)
and an item its kind states without judging (`info`: a dataset, a result source, a constraint
without a limit), which is shown beside the evidence but cannot make an obligation evidenced alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from planner.vocab import SHOWN, Outcome

EVIDENCED, DECLARED, MISSING, NOT_APPLICABLE = "evidenced", "declared", "missing", "n/a"
STATES = (EVIDENCED, DECLARED, MISSING, NOT_APPLICABLE)
NEUTRAL = frozenset({Outcome.WAIVED, Outcome.INFO})
"""Statuses that count neither for nor against an obligation."""
TONES = {EVIDENCED: "good", DECLARED: "warn", MISSING: "bad", NOT_APPLICABLE: ""}


@dataclass(frozen=True)
class Support:
    """An item that supports an obligation: its status, and why it counts (`rule` or `satisfies`)."""

    id: str
    kind: str
    status: str
    title: str
    via: str
    file: str = ""
    line: int = 0
    item: bool = True
    """An item with an id (the gate may judge it), not a document's or planner.yaml's field."""

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("id", "kind", "status", "title", "via", "file", "line")}


@dataclass(frozen=True)
class Obligation:
    """One catalogue entry as the project covers it."""

    ref: str
    """`prefix:id`, the name `satisfies` and the gate use."""
    id: str
    title: str
    summary: str
    source: str
    items: list[Support] = field(default_factory=list)
    not_applicable: str | None = None
    """The reason the project gives for it not applying."""
    fill: list[str] = field(default_factory=list)
    """The spec keys that would evidence it, for a "to complete" note."""

    @property
    def state(self) -> str:
        if self.not_applicable is not None:
            return NOT_APPLICABLE
        counted = [item for item in self.items if item.status not in NEUTRAL]
        if not self.items:
            return MISSING
        if counted and all(item.status in SHOWN for item in counted):
            return EVIDENCED
        return DECLARED

    def _named(self, statuses: frozenset[str] | None = None, *, without: frozenset[str] = frozenset()) -> list[str]:
        return [
            item.id
            for item in self.items
            if (statuses is None or item.status in statuses) and item.status not in without
        ]

    @property
    def why(self) -> str:
        """One sentence: what evidences it, what is not shown yet, or what would fill it."""
        state = self.state
        if state == NOT_APPLICABLE:
            return f"not applicable: {self.not_applicable}"
        if state == MISSING:
            return f"no item evidences it; fill {' or '.join(self.fill)}" if self.fill else "no item evidences it"
        shown = self._named(SHOWN)
        parts = [f"evidenced by {_listed(shown)}"] if state == EVIDENCED else []
        if state == DECLARED:
            parts.append(self.gap)
            if shown:
                parts.append(f"shown by {_listed(shown)}")
        return "; ".join([*parts, *self._neutral(state == DECLARED)])

    def _neutral(self, in_gap: bool) -> list[str]:
        """The waived and the only-stated items, unless the gap already names them."""
        if in_gap and not self._named(without=SHOWN | NEUTRAL):
            return []
        waived, stated = self._named(frozenset({Outcome.WAIVED})), self._named(frozenset({Outcome.INFO}))
        return [f"{label}: {_listed(ids)}" for label, ids in (("waived", waived), ("stated", stated)) if ids]

    @property
    def gap(self) -> str:
        """What keeps it from being evidenced, shortly: the items not shown, or the reason it does not apply."""
        if self.not_applicable is not None:
            return self.not_applicable
        unshown = [f"{item.id} ({item.status})" for item in self.items if item.status not in SHOWN | NEUTRAL]
        if unshown:
            return f"not shown: {_listed(unshown, most=6)}"
        return "nothing shown: " + "; ".join(self._neutral(False)) if self.items else "no item evidences it"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.ref,
            "entry": self.id,
            "title": self.title,
            "source": self.source,
            "state": self.state,
            "why": self.why,
            "reason": self.not_applicable,
            "items": [item.to_dict() for item in self.items],
            "fill": self.fill,
        }


def _listed(ids: list[str], most: int = 8) -> str:
    shown = ", ".join(ids[:most])
    return shown + (f" and {len(ids) - most} more" if len(ids) > most else "")


@dataclass(frozen=True)
class Coverage:
    """A project's coverage of one catalogue (a profile)."""

    profile: str
    prefix: str
    title: str
    version: str
    source: str
    obligations: list[Obligation]
    signoffs: list[dict[str, Any]] = field(default_factory=list)
    """The valid sign-offs, each covering every item: role, name, date and the digest it approved."""

    def judged(self, decided: dict[str, str]) -> Coverage:
        """The coverage with each item the gate judged (`decided`: id to pass, fail or waived) at that outcome."""
        obligations = [
            replace(o, items=[replace(s, status=decided[s.id]) if s.item and s.id in decided else s for s in o.items])
            for o in self.obligations
        ]
        return replace(self, obligations=obligations)

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATES, 0)
        for obligation in self.obligations:
            counts[obligation.state] += 1
        return counts

    def of_state(self, *states: str) -> list[Obligation]:
        return [o for o in self.obligations if o.state in states]

    def get(self, entry: str) -> Obligation | None:
        return next((o for o in self.obligations if o.id == entry), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "prefix": self.prefix,
            "title": self.title,
            "version": self.version,
            "source": self.source,
            "counts": self.counts(),
            "obligations": [o.to_dict() for o in self.obligations],
            "signoffs": self.signoffs,
        }


class Coverages(Mapping[str, Coverage]):
    """Every catalogue's coverage by id, each made the first time it is read: a gate holds the
    project to one catalogue and a report shows a few, so the others are never mapped."""

    def __init__(self, names: Iterable[str], make: Callable[[str], Coverage]):
        self._names = list(names)
        self._make = make
        self._made: dict[str, Coverage] = {}

    def __getitem__(self, name: str) -> Coverage:
        if name not in self._made:
            if name not in self._names:
                raise KeyError(name)
            self._made[name] = self._make(name)
        return self._made[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)
