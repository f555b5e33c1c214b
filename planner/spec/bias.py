"""Bias audits: which predictions to audit, across which groups, and what counts as fair enough.

The seven sources of harm follow Suresh & Guttag (2021): each is assessed with a finding and a
mitigation, or marked not applicable.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Discriminator, Field, Tag, WithJsonSchema, model_validator

from planner.metric_names import names_of, written
from planner.spec.base import Id, Item, ProjectPath, SpecModel, Text
from planner.spec.warehouse import Warehouse

GROUP_METRICS = (
    "selection_rate",
    "accuracy",
    "precision",
    "true_positive_rate",
    "false_positive_rate",
    "false_negative_rate",
    "true_negative_rate",
    "base_rate",
    "roc_auc",
    "brier_score",
    "expected_calibration_error",
)
# fairlearn's named disparities, name -> (metrics, kind); equalized odds takes the larger gap / the smaller ratio of two rates.
NAMED_DISPARITIES: dict[str, tuple[tuple[str, ...], str]] = {
    "demographic_parity_difference": (("selection_rate",), "difference"),
    "demographic_parity_ratio": (("selection_rate",), "ratio"),
    "equalized_odds_difference": (("true_positive_rate", "false_positive_rate"), "difference"),
    "equalized_odds_ratio": (("true_positive_rate", "false_positive_rate"), "ratio"),
    "equal_opportunity_difference": (("true_positive_rate",), "difference"),
    "equal_opportunity_ratio": (("true_positive_rate",), "ratio"),
}
DISPARITY_METRICS = tuple(NAMED_DISPARITIES)

Column = Text
RATE_METRICS = GROUP_METRICS[:8]


def disparity_definition(name: str) -> tuple[tuple[str, ...], str]:
    """(metrics, kind) of a named disparity or of ``<rate metric>_difference`` / ``_ratio``."""
    if name in NAMED_DISPARITIES:
        return NAMED_DISPARITIES[name]
    metric, _, kind = name.rpartition("_")
    if kind in ("difference", "ratio") and metric in RATE_METRICS:
        return (metric,), kind
    raise KeyError(name)


def is_disparity(name: str) -> bool:
    """Whether `name` names a disparity (as opposed to a group metric)."""
    try:
        disparity_definition(name)
    except KeyError:
        return False
    return True


"""The group metrics that are rates of confusion cells (`planner.audit.metrics.RATE_METRICS`)."""
RATE_DISPARITY_METRICS = tuple(f"{rate}_{kind}" for rate in RATE_METRICS for kind in ("difference", "ratio"))
"""`<rate>_difference` and `<rate>_ratio` of every rate (`planner.audit.disparities` derives them)."""
LIMIT_METRICS = DISPARITY_METRICS + RATE_DISPARITY_METRICS + GROUP_METRICS


def _metric_name(allowed: tuple[str, ...], what: str) -> object:
    """A metric-name field: any spelling of the `allowed` metrics or of their synonyms
    (`planner.metric_names`), kept as the author wrote it (in its `spelling`); the schema lists
    the canonical names and synonyms an editor can offer."""
    return Annotated[
        str,
        AfterValidator(lambda value: written(value, allowed, what)),
        WithJsonSchema({"type": "string", "enum": names_of(allowed)}),
    ]


LimitMetric = _metric_name(LIMIT_METRICS, "limit metric")
GroupMetric = _metric_name(GROUP_METRICS, "group metric")


class Limit(SpecModel):
    """A fairness limit, e.g. `demographic_parity_ratio >= 0.8`."""

    id: Id | None = None
    """Id of the limit (default: `AUDIT.METRIC`), used by the gate and by waivers."""
    metric: LimitMetric  # type: ignore[valid-type]
    """A named disparity (fairlearn's, between groups), a group metric that every group must
    satisfy, or `<rate>_difference` / `<rate>_ratio` of any rate (e.g. `false_positive_rate_ratio`):
    between groups (max - min, min / max) by default; against the feature's reference group when
    `reference_groups` names one (each other group's rate minus, and divided by, the reference's,
    as Aequitas' disparity). Synonyms name the same metric (`miss_rate_difference`, `sensitivity`)."""
    op: Literal["<=", ">=", "<", ">"]
    """Comparison the measured value must satisfy."""
    value: float
    """Threshold of the limit."""
    feature: Column | None = None
    """Sensitive feature (or intersection `a & b`, in the order of `intersections`) the limit applies to; default: every one."""
    confident: bool = False
    """Require the limit to hold for the whole confidence interval, not only the point estimate."""


class HarmAssessment(SpecModel):
    """How one source of harm was assessed."""

    status: Literal["assessed", "mitigated", "open", "not-applicable"]
    """assessed (finding recorded), mitigated, open (not yet looked at), not-applicable."""
    finding: Text | None = None
    """What was found."""
    mitigation: Text | None = None
    """What is done about it."""

    @model_validator(mode="after")
    def _finding_given(self):
        if self.status in ("assessed", "mitigated", "not-applicable") and not self.finding:
            raise ValueError(f"a harm marked {self.status} needs a `finding` (or a reason)")
        if self.status == "mitigated" and not self.mitigation:
            raise ValueError("a harm marked mitigated needs a `mitigation`")
        return self


class Harms(SpecModel):
    """The seven sources of harm (Suresh & Guttag 2021)."""

    historical: HarmAssessment | None = None
    """The world the data reflects is unjust, even with perfect measurement."""
    representation: HarmAssessment | None = None
    """Part of the population the model is used on is under-sampled."""
    measurement: HarmAssessment | None = None
    """Features or labels are proxies, measured differently across groups."""
    aggregation: HarmAssessment | None = None
    """One model serves groups whose relationships differ."""
    learning: HarmAssessment | None = None
    """Modelling choices widen gaps between groups."""
    evaluation: HarmAssessment | None = None
    """The benchmark or metric is unlike the use population; aggregates hide subgroup failures."""
    deployment: HarmAssessment | None = None
    """The model is used for something other than what it was built for."""


class Costs(SpecModel):
    """Costs of wrong decisions, to choose a decision threshold."""

    false_positive: float = Field(ge=0)
    """Cost of one false positive."""
    false_negative: float = Field(ge=0)
    """Cost of one false negative."""


class Bootstrap(SpecModel):
    """Bootstrap settings for disparity intervals."""

    samples: int = Field(default=1000, ge=100, le=100_000)
    """Number of bootstrap resamples."""
    seed: int = 0
    """Seed, so intervals are reproducible."""


MISSING_GROUP = "(missing)"
"""The name of the group of rows whose group value is missing (an empty cell, NaN or null); the
parentheses keep it apart from any literal value."""
MAX_GROUPS = 1000
"""Default of `max_groups`: the audit, its intervals and its report stay within seconds and
hundreds of MB up to here."""
MAX_GROUPS_CEILING = 10_000
"""Highest `max_groups` a spec may set: time and memory grow with the groups (a report charts each)."""


SCORE_BINS = 200
"""Default score bins of the histogram path: ROC AUC within 1e-3 of the exact value on both
examples (7e-4 at most, measured), and 2 x 201 rows a group brought back from a warehouse."""
SCORE_METHODS = ("exact", "histogram")


def _source_kind(value: object) -> str:
    """A mapping is a warehouse source, anything else a file path (one branch's errors, not both).
    The tags are spelled as union tags (`planner.project.build`), so a location skips them."""
    return "(warehouse)" if isinstance(value, (dict, Warehouse)) else "(file)"


Predictions = Annotated[
    Annotated[ProjectPath, Tag("(file)")] | Annotated[Warehouse, Tag("(warehouse)")],
    Discriminator(_source_kind),
]


class BiasAudit(Item):
    """A bias audit of predictions in a file, a counts table, or a warehouse table or query."""

    kind: Literal["bias-audit"]
    """Document kind."""
    title: Text | None = None
    """Title shown in reports."""
    predictions: Predictions
    """Predictions file (CSV or parquet), or a counts table, relative to the project folder; or a warehouse source (`connection` with `table` or `query`, optional `where`), audited where it lives: only counts and score histograms come back."""
    format: Literal["auto", "csv", "parquet", "counts"] = "auto"
    """File format; `auto` goes by the file ending; `counts` is a precomputed counts table."""
    score_metrics: Literal["exact", "histogram"] = "exact"
    """How ROC AUC, Brier score, calibration error and cost curves are computed from a file: `exact` from every row, or `histogram` from the score histogram, as a warehouse audit always is (to compare the two)."""
    score_bins: int = Field(default=SCORE_BINS, ge=100, le=10_000, multiple_of=100)
    """Equal-width score bins of the histogram path (a multiple of 100, so the cost curve's thresholds 0, 0.01, ... 1 are bin edges): more bins, a smaller ROC AUC binning error, more rows brought back."""
    label: Column
    """Column with the true label."""
    prediction: Column | None = None
    """Column with the predicted label; derived from `score` and `threshold` when absent."""
    score: Column | None = None
    """Column with the predicted probability of the positive label (0 to 1)."""
    positive_label: int | str | bool = 1
    """Value of the label and prediction columns that means positive."""
    threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    """Decision threshold on the score. Absent: the evaluation plan's threshold, else 0.5. It derives
    the prediction when there is no prediction column, and a prediction column is checked against it."""
    sensitive_features: list[Column] = Field(min_length=1)
    """Columns with sensitive attributes (e.g. sex, race)."""
    intersections: list[list[Column]] = Field(default_factory=list)
    """Combinations of sensitive features audited together (e.g. [[race, sex]])."""
    slices: list[Column] = Field(default_factory=list)
    """Other columns to break results down by (slice-based evaluation)."""
    metrics: list[GroupMetric] = Field(default_factory=lambda: list(GROUP_METRICS[:7]))  # type: ignore[valid-type]
    """Group metrics to report (synonyms such as `sensitivity` or `specificity` name the same metric)."""
    reference_groups: dict[Column, Text] = Field(default_factory=dict)
    """Reference group per feature for disparities to a reference (default: the largest group)."""
    min_group_size: int = Field(default=30, ge=1)
    """Groups smaller than this are reported as insufficient data and never pass or fail a limit."""
    max_groups: int = Field(default=MAX_GROUPS, ge=2, le=MAX_GROUPS_CEILING)
    """Most groups a sensitive feature, slice column or intersection may have; more stop the audit
    (exit 2) before any per-group work. An id-like column has thousands: it is no group."""
    confidence_level: float = Field(default=0.95, gt=0.5, lt=1.0)
    """Confidence level of the intervals."""
    bootstrap: Bootstrap = Field(default_factory=Bootstrap)
    """Bootstrap settings for disparity intervals."""
    limits: list[Limit] = Field(default_factory=list)
    """Fairness limits that become findings."""
    costs: Costs | None = None
    """Costs of false positives and negatives, for the decision-threshold analysis."""
    harms: Harms = Field(default_factory=Harms)
    """Assessment of the seven sources of harm."""
    links: list[Id] = Field(default_factory=list)
    """Ids of objectives, risks or constraints this audit serves."""

    @model_validator(mode="after")
    def _prediction_or_score(self):
        if self.prediction is None and self.score is None:
            raise ValueError("give a `prediction` column, a `score` column, or both")
        if isinstance(self.predictions, Warehouse) and self.format != "auto":
            raise ValueError("`format` is for files: a warehouse source holds one row per prediction")
        return self

    @property
    def warehouse(self) -> Warehouse | None:
        """The warehouse source, or None for a file."""
        return self.predictions if isinstance(self.predictions, Warehouse) else None

    @property
    def file(self) -> str | None:
        """The predictions file (relative to the project folder), or None for a warehouse source."""
        return self.predictions if isinstance(self.predictions, str) else None

    @property
    def source_label(self) -> str:
        """How messages and reports name the predictions: the file, or the redacted connection and table."""
        from planner.spec.warehouse import describe

        return self.predictions if isinstance(self.predictions, str) else describe(self.predictions)

    def limit_id(self, index: int) -> str:
        """Id of a limit: its own, or `AUDIT.METRIC[.FEATURE]` with the feature made id-safe."""
        limit = self.limits[index]
        suffix = f".{re.sub(r'[^A-Za-z0-9_-]+', '-', limit.feature)}" if limit.feature else ""
        return limit.id or f"{self.id}.{limit.metric}{suffix}"
