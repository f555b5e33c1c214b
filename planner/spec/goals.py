"""Goals with KPIs, objectives with metric targets, and the baselines objectives are compared to."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from planner.spec.base import Direction, Id, Item, SpecModel, Text


class Target(SpecModel):
    """A measurable target: which metric, which value, and which way is better."""

    name: Text
    """Metric name as the result sources record it (e.g. `roc_auc`, `default_loss_rate`)."""
    target: float
    """Value the metric must reach (at least it for `higher`, at most it for `lower`)."""
    direction: Direction = "higher"
    """Whether a higher or a lower value is better."""
    unit: Text | None = None
    """Unit shown in reports (e.g. `%`, `ms`, `EUR`)."""


class KPI(Target):
    """A business key performance indicator, with the value it has today."""

    baseline: float | None = None
    """The KPI's value before the project (the status quo)."""
    measured_by: Text | None = None
    """How and where the KPI is measured after deployment."""


class MetricTarget(Target):
    """A model metric target, evaluated on a named dataset."""

    dataset: Text = "holdout"
    """Dataset or split the metric is computed on (e.g. `holdout`, `test-2025Q4`)."""
    confident: bool = False
    """Judge the target on the Wilson interval bound of the rate (the lower bound for `higher`, the
    upper for `lower`), counted by a bias audit of the predictions, not on the point estimate."""


class Goal(Item):
    """A business goal the project serves."""

    statement: Text
    """What the business wants to achieve, in one sentence."""
    kpi: KPI | None = None
    """The KPI that shows whether the goal is reached."""
    parent: Id | None = None
    """Id of a broader goal this one contributes to."""


class Objective(Item):
    """A model objective: a metric with a target, tied to a goal and compared with baselines."""

    statement: Text
    """What the model must do, in one sentence."""
    goal: Id | None = None
    """Id of the goal this objective serves."""
    metric: MetricTarget
    """The metric, its target and direction."""
    baselines: list[Id] = Field(default_factory=list)
    """Ids of baselines the objective must beat."""
    depends_on: list[Id] = Field(default_factory=list)
    """Ids of objectives that must be met first (for example a data-quality objective)."""


class Baseline(Item):
    """A reference point an objective is compared with."""

    kind: Literal["random", "zero-rule", "heuristic", "human", "existing-system"]
    """random (uniform or prior), zero-rule (majority class or mean), heuristic, human, existing-system."""
    description: Text | None = None
    """What the baseline is and how it was obtained."""
    run: Id | None = None
    """Id of the result run holding the baseline's metrics, when it was measured."""
    value: float | None = None
    """The baseline's value of the objective's metric, when known without a run."""


class ObjectivesSpec(SpecModel):
    """Business goals, model objectives and baselines."""

    kind: Literal["objectives"]
    """Document kind."""
    goals: list[Goal] = Field(default_factory=list)
    """Business goals with their KPIs."""
    objectives: list[Objective] = Field(default_factory=list)
    """Model objectives with metric targets."""
    baselines: list[Baseline] = Field(default_factory=list)
    """Baselines the objectives are compared with."""
