"""What the Assessment holds: one `Status` per item with its kind's typed detail, the candidate run,
the audits, the release terms of the policy, the sign-offs and the evidence problems.

Everything later stages need is here, typed: the gate, the reports, the model card and diff read
attributes of this, never the specs again and never a dict of string keys.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from planner.errors import Diagnostic
from planner.spec.project import ProjectInfo

if TYPE_CHECKING:
    from planner.audit.project import ProjectAudit
    from planner.coverage.model import Coverage
    from planner.kinds.policy import PolicyTerms
    from planner.kinds.signoffs import SignoffState
    from planner.spec.base import SpecModel
    from planner.spec.policy import SignoffEvidence


@dataclass(frozen=True)
class Detail:
    """Base of each kind's assessed detail; its fields are the `extra` of `planner status --format json`."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def measured_metric(self) -> str | None:
        """The metric the item is measured by, for tracing and diffs; None when it measures none."""
        return None


D = TypeVar("D", bound=Detail)


@dataclass(frozen=True)
class NoDetail(Detail):
    """An item with nothing measured beyond its status (a goal without a KPI)."""


@dataclass(frozen=True)
class BaselineRow:
    """An objective's baseline: its value, where it came from, and whether the candidate beats it."""

    id: str
    kind: str
    value: float | None
    origin: str
    improvement: float | None
    beaten: bool | None


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
    baselines: list[BaselineRow] = field(default_factory=list)
    file: str = ""
    line: int = 0
    detail: Detail = field(default_factory=NoDetail)

    def detail_as(self, kind: type[D]) -> D:
        """The detail, as the kind that assessed the item wrote it."""
        if not isinstance(self.detail, kind):
            raise TypeError(f"{self.id} has a {type(self.detail).__name__}, not a {kind.__name__}")
        return self.detail

    def to_dict(self) -> dict[str, Any]:
        """The item as `planner status --format json` writes it (the detail under `extra`)."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "detail"}
        data["baselines"] = [asdict(row) for row in self.baselines]
        return data | {"extra": self.detail.to_dict()}


@dataclass(frozen=True)
class Candidate:
    """The run up for release, as the results spec chose it."""

    run_id: str
    name: str | None
    source: str
    experiment: str | None
    metrics: dict[str, float]
    params: dict[str, str]
    reproducibility: dict[str, str | None]

    @property
    def missing_reproducibility(self) -> list[str]:
        return sorted(key for key, value in self.reproducibility.items() if value is None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: a NaN or infinite metric is `null` (JSON has no such numbers; it is no evidence)."""
        finite = {name: value if math.isfinite(value) else None for name, value in self.metrics.items()}
        return asdict(self) | {"metrics": finite, "missing_reproducibility": self.missing_reproducibility}


@dataclass
class Assessment:
    """A valid project judged against its evidence: what every later stage reads."""

    info: ProjectInfo
    """The manifest's `project` (identity, problem, intended use)."""
    root: Path
    """The project folder (its own report templates live there)."""
    candidate: Candidate | None
    items: list[Status]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """Evidence that could not be read (the gate fails on these; other commands exit 2)."""
    audits: list[ProjectAudit] = field(default_factory=list)
    audit_problems: list[Diagnostic] = field(default_factory=list)
    """Predictions an audit could not read: no status can be computed from them."""
    policy: PolicyTerms | None = None
    signoffs: list[SignoffState] = field(default_factory=list)
    specs: dict[str, list[SpecModel]] = field(default_factory=dict)
    """The validated models by kind, for what reports show as written (titles, scales, plans)."""
    texts: dict[str, str] = field(default_factory=dict)
    """The text of every spec file, for diagnostics that quote their source line."""
    candidate_rule: tuple[str, int] = ("", 0)
    """File and line of the results spec's `candidate`, where a problem choosing the candidate points."""
    evidence: SignoffEvidence | None = None
    """Digests of the evidence (candidate run, predictions files, audit results) a sign-off binds."""
    coverage: Mapping[str, Coverage] = field(default_factory=dict)
    """Coverage of every catalogue the project can name, by id, each at its items' assessed
    statuses (`Decision.coverage` judges them on the gate's day)."""
    profiles: list[str] = field(default_factory=list)
    """The profiles `planner.yaml` enables, in its order, then the one the policy requires: the
    governance report shows each."""

    def of_kind(self, kind: str) -> list[Status]:
        return [item for item in self.items if item.kind == kind]

    def get(self, item_id: str) -> Status | None:
        return next((item for item in self.items if item.id == item_id), None)

    def of_spec(self, kind: str) -> list[Any]:
        """The validated documents of a spec kind (e.g. `risks`), as written."""
        return list(self.specs.get(kind, []))

    def to_dict(self) -> dict[str, Any]:
        info = self.info
        return {
            "project": {"id": info.id, "name": info.name, "version": info.version, "owner": info.owner},
            "candidate": self.candidate.to_dict() if self.candidate else None,
            "items": [item.to_dict() for item in self.items],
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }
