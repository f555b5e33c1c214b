"""One governed item as the gate sees it: passed, failed or waived, and exactly why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from planner.text import scrub_credentials
from planner.vocab import Outcome

PASS, FAIL, WAIVED = Outcome.PASS, Outcome.FAIL, Outcome.WAIVED


@dataclass(frozen=True)
class Requirement:
    """A requirement of the release gate: what CI formats say of it, and how the policy configures it.

    `summary` and `description` are what CI formats show (a SARIF rule, a JUnit suite).
    `selects` names the item kinds a `require.<name>` list may name (empty: not a selection); `keys`
    are the fields it adds to the policy's `require` mapping, each a type and a pydantic field.
    """

    name: str
    summary: str
    description: str
    position: int
    """Orders the gate's items and its CI outputs' suites and rules (lower first)."""
    selects: tuple[str, ...] = ()
    reads_gate: bool = False
    """Judged after every other requirement, from their gate outcomes (waivers applied): coverage."""
    # (type, Field(...)): the second is Any because pydantic types `Field(...)` statically as its
    # default's type, not as the FieldInfo it returns.
    keys: dict[str, tuple[Any, Any]] = field(default_factory=dict, compare=False)


def requirements() -> tuple[Requirement, ...]:
    """Every requirement a gate item can come from, in the order outputs list them: the kinds'
    (`SpecKind.requirements`, in registry order), then readable evidence."""
    from planner.gate.evidence import EVIDENCE
    from planner.kinds import KINDS

    found = [*(r for kind in KINDS.values() for r in kind.requirements), EVIDENCE]
    return tuple(sorted(found, key=lambda requirement: requirement.position))


@dataclass
class GateItem:
    """An item the policy requires; `file`/`line` locate its definition for SARIF and CI annotations."""

    id: str
    """The governed item's id (`O1`, `D1.legal`, `A1.demographic_parity_ratio.sex`, `P1`, `signoff:ROLE`)."""
    requirement: str
    """Which requirement of the policy selected it: the name of one of `requirements()`."""
    status: str
    """pass, fail or waived."""
    title: str
    why: str
    """One sentence saying exactly why, e.g. `roc_auc = 0.78, target at least 0.8`."""
    file: str = ""
    line: int = 0
    waiver: dict | None = None
    """The waiver applied to the item (also an expired one, which did not waive it)."""
    group: str | None = None
    """The checklist or audit holding the item: a waiver naming it covers the item too."""

    def __post_init__(self) -> None:
        # `why` quotes evidence messages and measured names (a tracking URI, a run's text): every
        # format the gate writes (CI annotations, SARIF, JUnit, JSON) shows it, so it is scrubbed here once
        self.why = scrub_credentials(self.why)
