"""The contract of a gate format: `render(decision, context) -> str`, where the context holds what
a format needs besides the Decision."""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

from planner.gate.decision import Decision

StrPath: TypeAlias = str | os.PathLike[str]


@dataclass(frozen=True)
class OutputContext:
    """What the gate's formats read besides the Decision; each reads only the fields it needs."""

    project_id: str
    """The project's id: JUnit suite names, SARIF fingerprints and automation id."""
    project_name: str
    """The project's name: the verdict line of the text and of the job summary."""
    project_version: str
    """The project's version (SARIF run properties); the tool's version is planner's own."""
    root: StrPath = os.curdir
    """Paths are written relative to it (default: the current directory, the checkout's root when
    CI runs `planner gate` from there); a file outside it keeps its absolute path."""
    today: datetime.date | None = None
    """The date of the decision, which the Decision does not carry: waivers expiring soon are
    called out (GitHub annotations) only when it is given."""
    timestamp: datetime.datetime | None = None
    """When the gate ran (JUnit suites carry it only when given, so the output is reproducible)."""
    width: int = 100
    """Columns of the terminal text's tables."""
    interactive: bool = False
    """The text goes to an interactive terminal: its items in tables `width` wide. Otherwise (a
    pipe, a file, a CI log) one line per item, its id and `file:line` never broken."""


Renderer: TypeAlias = Callable[[Decision, OutputContext], str]
"""A format: the Decision and its context to the text written."""
