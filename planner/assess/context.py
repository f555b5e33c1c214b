"""What a kind's `assess` stage may consult: the project, its evidence and its computed audits."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from planner.evidence.link import Evidence
from planner.evidence.model import Run
from planner.metric_names import canonical, lookup
from planner.project.project import Project
from planner.vocab import Outcome

if TYPE_CHECKING:
    from planner.assess.model import Status
    from planner.audit.project import ProjectAudit


def number(value: object) -> float | None:
    """A measured value, or None when it is missing, NaN or infinite: none of those is evidence."""
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def metric_value(metrics: dict[str, float], name: str) -> float | None:
    """A metric by its name or any synonym of it (`planner.metric_names`)."""
    return number(lookup(metrics, name))


def metric_of(run: Run | None, name: str) -> float | None:
    return None if run is None else metric_value(run.metrics, name)


def no_value_why(run: Run | None, name: str) -> str:
    """Why `metric_of` gave no value: the run lacks the metric, or holds NaN or an infinity for it
    (a diverged loss, an overflow in a DVC file: recorded, but no evidence either way)."""
    raw = None if run is None else lookup(run.metrics, name)
    if isinstance(raw, float) and not math.isfinite(raw):
        return f"the candidate run's {name} is {raw}, not a finite number"
    return f"the candidate run has no metric {name!r}"


def compare(value: float | None, target: float, direction: str) -> tuple[Outcome, float | None]:
    """Status and margin (positive = better than target) of a measured value."""
    value = number(value)
    if value is None:
        return Outcome.NO_EVIDENCE, None
    margin = value - target if direction == "higher" else target - value
    return (Outcome.MET if margin >= 0 else Outcome.NOT_MET), margin


@dataclass
class AssessContext:
    project: Project
    evidence: Evidence
    audits: dict[str, ProjectAudit] = field(default_factory=dict)
    statuses: dict[str, Status] = field(default_factory=dict)
    """The items assessed so far, by id: kinds later in the registry judge items by the tests they name."""

    @property
    def candidate(self) -> Run | None:
        return self.evidence.candidate

    def computed_baseline(self, kind: str, metric: str) -> float | None:
        """A zero-rule or random baseline of `metric` (any synonym of it) computed by an audit, when one computed it."""
        key = {"zero-rule": "zero_rule", "random": "random"}.get(kind)
        for audit in self.audits.values():
            overall = audit.result_data["baselines"].get(key, {}).get("overall", {}) if key else {}
            value = overall.get(canonical(metric))
            if value is not None:
                return value
        return None
