"""One governed item as the gate sees it: passed, failed or waived, and exactly why."""

from __future__ import annotations

from dataclasses import dataclass

PASS, FAIL, WAIVED = "pass", "fail", "waived"
REQUIREMENTS = ("objectives", "constraints", "checklist", "risks", "audits", "tests", "thresholds", "rules",
                "signoffs", "evidence")


@dataclass
class GateItem:
    """An item the policy requires; `file`/`line` locate its definition for SARIF and CI annotations."""

    id: str
    """The governed item's id (`O1`, `D1.legal`, `A1.demographic_parity_ratio.sex`, `P1`, `signoff:ROLE`)."""
    requirement: str
    """Which requirement of the policy selected it: one of `REQUIREMENTS`."""
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
