"""What the Assessment holds: one `Status` per item, the candidate run and the evidence problems."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from planner.errors import Diagnostic


@dataclass
class Status:
    """One item's status and why; `value`/`target` only for measurable items."""

    id: str
    kind: str
    status: str
    title: str
    why: str
    value: float | None = None
    target: float | None = None
    direction: str | None = None
    margin: float | None = None
    run: str | None = None
    baselines: list[dict] = field(default_factory=list)
    file: str = ""
    line: int = 0
    extra: dict = field(default_factory=dict)


@dataclass
class Assessment:
    project: dict
    candidate: dict | None
    items: list[Status]
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Status]:
        return [item for item in self.items if item.kind == kind]

    def get(self, item_id: str) -> Status | None:
        return next((item for item in self.items if item.id == item_id), None)

    def to_dict(self) -> dict:
        return {"project": self.project, "candidate": self.candidate,
                "items": [asdict(item) for item in self.items],
                "diagnostics": [d.to_dict() for d in self.diagnostics]}
