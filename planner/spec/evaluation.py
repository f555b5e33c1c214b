"""The evaluation plan: which data a model is measured on, the slices results are broken down by,
the behavioural tests it must pass, and how its decision threshold is chosen.

Behavioural tests follow CheckList (Ribeiro et al. 2020): minimum functionality (simple cases the
model must get right), invariance (a perturbation, such as swapping a sensitive attribute, must not
change the decision) and directional expectation (a perturbation must move the score a known way).
A test with a `metric` is judged against the candidate run like an objective.

A project may hold several evaluation documents (for example one per population or deployment
region); each has its own id, and the ids of its datasets and tests are unique across the project.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from planner.spec.base import Id, Item, Probability, SpecModel, Text
from planner.spec.bias import Column, Costs
from planner.spec.goals import Target

TEST_TYPES = ("minimum-functionality", "invariance", "directional")
PERTURBED = ("invariance", "directional")


class Dataset(Item):
    """A dataset or split the model is evaluated on."""

    description: Text
    """What the data is and where it comes from."""
    split: Literal["train", "validation", "test", "holdout", "out-of-time", "production", "other"] = "test"
    """Which part of the data it is; out-of-time and production samples show how results age."""
    rows: int | None = Field(default=None, ge=1)
    """Number of rows (records) it holds."""
    source: Text | None = None
    """Where it is kept: a path, a table name or a URL."""


class BehaviouralTest(Item):
    """A behavioural test (CheckList): what the model must do, under which perturbation, measured how."""

    type: Literal[TEST_TYPES]  # type: ignore[valid-type]
    """minimum-functionality (simple cases it must get right), invariance (a perturbation must not change the decision), directional (a perturbation must move the score a known way)."""
    statement: Text
    """What the model must do, in one sentence."""
    perturbation: Text | None = None
    """How inputs are changed (needed for invariance and directional tests), e.g. swap `sex`, all else equal."""
    expectation: Text
    """What counts as passing, in words (e.g. at most 1% of decisions flip)."""
    metric: Target | None = None
    """The metric the candidate run records for this test, with its target; without it the test is not judged from runs."""
    dataset: Id | None = None
    """Id of the evaluation dataset the test is run on."""
    links: list[Id] = Field(default_factory=list)
    """Ids of the risks, objectives or constraints the test guards."""

    @model_validator(mode="after")
    def _perturbation_given(self):
        if self.type in PERTURBED and self.perturbation is None:
            raise ValueError(
                f"an {self.type} test needs a `perturbation`"
                if self.type == "invariance"
                else f"a {self.type} test needs a `perturbation`"
            )
        return self


class Threshold(SpecModel):
    """The decision threshold on the score and the policy it was chosen by."""

    policy: Literal["fixed", "cost-based", "target-rate", "per-group"]
    """fixed (set by hand), cost-based (minimises expected cost), target-rate (flags a set share of cases), per-group (one threshold per group of `feature`)."""
    value: Probability | None = None
    """The threshold in use: the score at or above which a case is predicted positive (per-group: the default)."""
    costs: Costs | None = None
    """Costs of a false positive and a false negative; default: the costs of `audit`."""
    audit: Id | None = None
    """Id of the bias audit whose threshold analysis (expected cost over thresholds) the choice is checked against."""
    tolerance: float = Field(default=0.05, ge=0)
    """Cost-based policy: how much more than the cost-optimal threshold's expected cost the threshold in use may cost, as a fraction of it."""
    target_rate: Probability | None = None
    """Target-rate policy: the share of cases predicted positive."""
    feature: Column | None = None
    """Per-group policy: the column whose groups get their own threshold."""
    groups: dict[Text, Probability] = Field(default_factory=dict)
    """Per-group policy: threshold per group of `feature`."""
    rationale: Text | None = None
    """Why this policy and value."""

    @model_validator(mode="after")
    def _policy_complete(self):
        needs = {
            "fixed": ("value",),
            "cost-based": ("value",),
            "target-rate": ("value", "target_rate"),
            "per-group": ("feature", "groups"),
        }[self.policy]
        missing = [name for name in needs if getattr(self, name) in (None, {})]
        if missing:
            raise ValueError(f"a {self.policy} threshold needs {' and '.join(f'`{m}`' for m in missing)}")
        if self.policy == "cost-based" and self.costs is None and self.audit is None:
            raise ValueError("a cost-based threshold needs `costs`, or an `audit` that has them")
        return self


class EvaluationSpec(Item):
    """The evaluation plan: datasets, slices, behavioural tests and the decision-threshold policy."""

    kind: Literal["evaluation"]
    """Document kind."""
    title: Text | None = None
    """Title shown in reports."""
    datasets: list[Dataset] = Field(default_factory=list)
    """Datasets and splits the model is evaluated on."""
    slices: list[Column] = Field(default_factory=list)
    """Features results are broken down by (slice-based evaluation)."""
    crossed_slices: list[Annotated[list[Column], Field(min_length=2)]] = Field(default_factory=list)
    """Combinations of features whose crossed slices are evaluated (e.g. [[race, sex]])."""
    min_slice_size: int = Field(default=30, ge=1)
    """Slices smaller than this are reported as too small to judge."""
    tests: list[BehaviouralTest] = Field(default_factory=list)
    """Behavioural tests (CheckList): minimum functionality, invariance, directional expectation."""
    threshold: Threshold | None = None
    """The decision threshold and how it is chosen."""

    @property
    def threshold_id(self) -> str:
        """Id of the threshold item: `EVALUATION.threshold`."""
        return f"{self.id}.threshold"
