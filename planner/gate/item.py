"""One governed item as the gate sees it: passed, failed or waived, and exactly why."""

from __future__ import annotations

from dataclasses import dataclass

PASS, FAIL, WAIVED = "pass", "fail", "waived"


@dataclass(frozen=True)
class Requirement:
    """A requirement of the release policy, as CI formats describe it (a SARIF rule, a JUnit suite)."""

    name: str
    """A `require` key of the policy, or `rules`, `signoffs`, `evidence`."""
    summary: str
    description: str


BUILT_IN = (
    Requirement(
        "objectives",
        "Every objective reaches its target on the candidate run.",
        "An objective's metric, measured on the candidate run, misses the target in its spec.",
    ),
    Requirement(
        "constraints",
        "Every measurable constraint holds on the candidate run.",
        "A constraint's limit is not met, or the candidate run does not measure it.",
    ),
    Requirement(
        "checklist",
        "Every data-checklist item is done or n/a.",
        "A data-checklist item is still open: answer it, or mark it n/a with a reason.",
    ),
    Requirement(
        "risks",
        "No open risk sits above the allowed band, and severe risks are owned and mitigated.",
        "A risk that is not closed is rated above the policy's `max_risk_band`, or a high or "
              "critical risk has no owner or no mitigation.",
    ),
    Requirement(
        "audits",
        "Every bias-audit limit passes.",
        "A fairness limit of a bias audit fails, or too little data was there to prove it.",
    ),
    Requirement(
        "tests",
        "Every behavioural test a run measures meets its target.",
        "A behavioural test (invariance, directional expectation), measured on the candidate run, "
              "misses the target in its spec.",
    ),
    Requirement(
        "thresholds",
        "The decision threshold is cost-optimal within its tolerance.",
        "At the threshold in use, the expected cost on the audit's cost curve exceeds the lowest "
                   "by more than the tolerance the evaluation plan allows.",
    ),
    Requirement(
        "rules",
        "Every custom rule of the policy holds on the candidate run.",
        "A rule of the policy compares a metric of the candidate run with a value, and it does not hold.",
    ),
    Requirement(
        "signoffs",
        "Every required role has a valid sign-off of the current specs.",
        "A required role has not signed off, or the specs changed since it did: run `planner signoff`.",
    ),
    Requirement(
        "evidence",
        "The evidence can be read.",
        "Evidence (a results source, a predictions file) could not be read, so nothing measured "
                 "from it can be trusted.",
    ),
)


def requirements() -> tuple[Requirement, ...]:
    """Every requirement a gate item can come from, in the order outputs list them."""
    return BUILT_IN


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
