"""What several gate formats share: paths relative to the root, counts, and the sentences about
waivers and sign-offs."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any, Protocol

from planner.gate.decision import Decision
from planner.gate.formats.base import StrPath
from planner.gate.item import FAIL, PASS, WAIVED, GateItem

# the verdict, its terminal style and its icon, by `Decision.passed`
VERDICTS = {True: ("PASS", "bold green", "✅"), False: ("BLOCKED", "bold red", "❌")}


class Located(Protocol):
    """What comes from a spec line: a gate item, a waiver, a sign-off."""

    @property
    def file(self) -> str: ...

    @property
    def line(self) -> int: ...


def repo_path(file: str, root: StrPath | None = None) -> str:
    """`file` as a POSIX path relative to `root` (default: the current directory); absolute outside it."""
    if not file:
        return ""
    path = Path(os.path.abspath(file))
    try:
        return path.relative_to(os.path.abspath(root or os.curdir)).as_posix()
    except ValueError:
        return path.as_posix()


def where(located: Located, root: StrPath) -> str:
    """`file:line` of an item, waiver or sign-off, the file relative to `root`."""
    file = repo_path(located.file, root)
    return f"{file}:{located.line}" if file and located.line else file


def counts(decision: Decision) -> Counter[str]:
    return Counter(item.status for item in decision.items)


def counts_line(decision: Decision) -> str:
    total = counts(decision)
    return f"{total[FAIL]} failing, {total[WAIVED]} waived, {total[PASS]} passing"


def waiver_of(item: GateItem) -> dict[str, Any]:
    """The waiver of a waived item; the gate gives every waived item one."""
    if item.waiver is None:
        raise ValueError(f"the waived item {item.id} has no waiver")
    return item.waiver


def waiver_note(waiver: dict[str, Any], root: StrPath) -> str:
    """The waiver of a waived item, as one sentence."""
    return (
        f"waived by {waiver['approver']} until {waiver['expires']}: {waiver['reason']} "
        f"(waiver at {repo_path(waiver['file'], root)}:{waiver['line']})"
    )


def expired_waivers(decision: Decision, root: StrPath) -> list[str]:
    return [
        f"the waiver of {w.item} ({w.approver}) expired on {w.expires.isoformat()}, at {where(w, root)}"
        for w in decision.waivers
        if w.expired
    ]


def stale_signoffs(decision: Decision, root: StrPath) -> list[str]:
    return [f"the sign-off by the {s.role}: {s.why}, at {where(s, root)}" for s in decision.signoffs if not s.valid]


def policy_file(decision: Decision) -> str:
    """The policy document's file when the Decision shows it (policy rules, sign-offs, waivers)."""
    files = [item.file for item in decision.items if item.requirement in ("rules", "signoffs")]
    return next(filter(None, [*files, *(w.file for w in decision.waivers)]), "")
