"""The words planner judges with: every outcome an item can have, and how each is shown.

One vocabulary for the Assessment, audits and the gate, with one tone per word, so a terminal
table, a report badge and a model card can never disagree about whether a word is good news.
"""

from __future__ import annotations

from enum import StrEnum


class Tone(StrEnum):
    """How an outcome reads: good, bad, a warning, or neutral information."""

    GOOD = "good"
    BAD = "bad"
    WARN = "warn"
    NEUTRAL = "neutral"

    @property
    def rich_style(self) -> str:
        """The rich style a terminal shows the outcome in."""
        return {"good": "green", "bad": "bold red", "warn": "yellow", "neutral": "dim"}[self.value]

    @property
    def css_class(self) -> str:
        """The class of the report's status badge (neutral outcomes have none)."""
        return "" if self is Tone.NEUTRAL else self.value


class Outcome(StrEnum):
    """Every status an assessed item, an audit limit or a gate item can have."""

    MET = "met"
    NOT_MET = "not-met"
    NO_EVIDENCE = "no-evidence"
    INFO = "info"
    PASS = "pass"
    FAIL = "fail"
    INSUFFICIENT = "insufficient-data"
    WAIVED = "waived"
    DONE = "done"
    NOT_APPLICABLE = "n/a"
    OPEN = "open"
    MITIGATING = "mitigating"
    ACCEPTED = "accepted"
    CLOSED = "closed"

    @property
    def tone(self) -> Tone:
        return TONES[self]


SHOWN = frozenset({Outcome.MET, Outcome.PASS, Outcome.DONE})
"""The statuses that show an item holds: met, passes or is done (a closed risk is not shown, only ended)."""

TONES = {
    Outcome.MET: Tone.GOOD,
    Outcome.PASS: Tone.GOOD,
    Outcome.DONE: Tone.GOOD,
    Outcome.CLOSED: Tone.GOOD,
    Outcome.NOT_MET: Tone.BAD,
    Outcome.FAIL: Tone.BAD,
    Outcome.NO_EVIDENCE: Tone.WARN,
    Outcome.INSUFFICIENT: Tone.WARN,
    Outcome.WAIVED: Tone.WARN,
    Outcome.OPEN: Tone.WARN,
    Outcome.MITIGATING: Tone.WARN,
    Outcome.ACCEPTED: Tone.WARN,
    Outcome.INFO: Tone.NEUTRAL,
    Outcome.NOT_APPLICABLE: Tone.NEUTRAL,
}


def tone_of(word: str) -> Tone:
    """The tone of any status word; a word outside the vocabulary (e.g. "not assessed") is a warning."""
    try:
        return Outcome(word).tone
    except ValueError:
        return Tone.WARN
