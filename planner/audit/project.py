"""Bias audits of a project: each `bias-audit` spec mapped onto the audit engine.

The engine (`planner.audit`) knows nothing of YAML; this module turns a spec into its keyword
arguments, ties each finding back to the spec limit (and so to its id), and turns bad input into
a diagnostic that names both the predictions file and the spec line that named the column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from planner.audit.errors import AuditInputError
from planner.audit.findings import (
    FAIL,
    INSUFFICIENT,
    PASS,
    TO_REFERENCE,
    Finding,
    Limit,
    finding_label,
    judged_text,
)
from planner.errors import Diagnostic, PlannerError
from planner.metric_names import canonical
from planner.project.operating import DEFAULT_THRESHOLD, audit_threshold
from planner.project.project import Project, SpecDoc
from planner.source import guard
from planner.spec.bias import BiasAudit
from planner.spec.bias import Limit as SpecLimit

Origin = Literal["computed", "cache"]
COMPUTED: Origin = "computed"
CACHE: Origin = "cache"
NOT_AN_AUDIT = "{file}: a {kind} document is not a bias-audit"
PREDICTIONS_FILE = guard.PREDICTIONS.renamed({guard.MISSING: "missing-file"})
"""Predictions through the read boundary; a missing one keeps the code it always had."""
MISSING = "predictions file {file} does not exist"
MISSING_HINT = "run the script that writes it, or fix the path"


def grouping_name(features: list[str]) -> str:
    """How an intersection is named in results and in a limit's `feature` (e.g. `race & sex`)."""
    return " & ".join(features)


@dataclass
class LimitOutcome:
    """A spec limit with the findings it produced (per grouping, or per group for group metrics)."""

    id: str
    metric: str
    """The metric as the spec names it (a synonym stays the author's word)."""
    op: str
    value: float
    feature: str | None
    confident: bool
    findings: list[Finding] = field(default_factory=list)
    canonical_metric: str = ""
    """The metric as the audit computes it (`planner.metric_names.canonical` of `metric`)."""

    @property
    def status(self) -> str:
        statuses = {f.status for f in self.findings}
        if FAIL in statuses:
            return FAIL
        return PASS if PASS in statuses else INSUFFICIENT

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "metric": self.metric,
            "canonical_metric": self.canonical_metric or canonical(self.metric),
            "op": self.op,
            "value": self.value,
            "feature": self.feature,
            "confident": self.confident,
            "status": self.status,
            "findings": [
                f.to_dict() | {"limit": None, "label": finding_label(f), "judged": judged_text(f)}
                for f in self.findings
            ],
        }


@dataclass
class ProjectAudit:
    """One audit of a project as plain data, the same whether computed now or read from the cache.

    `result_data` is the engine result's `to_dict()`, `findings` its findings (in that order),
    `limits` the spec's limits with the findings each produced, `origin` where it came from.
    """

    spec: BiasAudit
    result_data: dict[str, Any]
    findings: list[Finding]
    limits: list[LimitOutcome]
    origin: Origin = COMPUTED
    charts: dict[str, Any] = field(default_factory=dict)
    """What only the report's charts draw (`CHART_KEYS`): kept apart from `result_data`, whose
    digest a sign-off binds, so adding a chart never makes an existing sign-off stale."""
    counts: Any = None
    """The grouped count it was computed from (a DataFrame), when computed now: `--export-counts`."""

    @property
    def status(self) -> str:
        return FAIL if any(limit.status == FAIL for limit in self.limits) else PASS

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.result_data)
        data.pop("findings")
        if data.get("thresholds") is not None:
            data["thresholds"] = {**data["thresholds"], "group_curves": self.charts.get("group_curves")}
        data["score_histograms"] = self.charts.get("score_histograms")
        return {
            "id": self.spec.id,
            "title": self.spec.title,
            "predictions": self.spec.source_label,
            "status": self.status,
            "limits": [limit.to_dict() for limit in self.limits],
            **data,
            "harms": {name: (h.model_dump() if h else None) for name, h in self.spec.harms},
        }


def split_charts(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the result without its chart-only data, that data): the score histograms and the per-group
    cost curves (`AuditResult.to_dict` has both)."""
    data = dict(data)
    charts = {"score_histograms": data.pop("score_histograms", None), "group_curves": None}
    if data.get("thresholds") is not None:
        data["thresholds"] = dict(data["thresholds"])
        charts["group_curves"] = data["thresholds"].pop("group_curves", None)
    return data, charts


def assemble(
    spec: BiasAudit,
    data: dict[str, Any],
    positions: Sequence[Sequence[int]],
    origin: Origin,
    charts: dict[str, Any] | None = None,
) -> ProjectAudit:
    """A `ProjectAudit` from the engine result's plain data and, per spec limit, the positions of
    its findings in `data["findings"]`; raises `IndexError` for a position that is not there."""
    findings = [Finding.from_dict(item) for item in data["findings"]]
    limits = [
        LimitOutcome(
            spec.limit_id(index),
            limit.metric,
            limit.op,
            limit.value,
            limit.feature,
            limit.confident,
            [findings[at] for at in found],
            canonical(limit.metric),
        )
        for index, (limit, found) in enumerate(zip(spec.limits, positions, strict=True))
    ]
    return ProjectAudit(spec, data, findings, limits, origin, charts or {})


def engine_limit(limit: SpecLimit) -> Limit:
    """The engine's limit of a spec limit: ``<rate>_difference`` / ``_ratio`` are judged against a
    configured reference group (between groups where none is), fairlearn's named disparities
    between groups."""
    from planner.spec.bias import NAMED_DISPARITIES, is_disparity

    metric = canonical(limit.metric)  # a synonym (`miss_rate_difference`) is judged by its metric
    rate_disparity = is_disparity(metric) and metric not in NAMED_DISPARITIES
    method = TO_REFERENCE if rate_disparity else "between_groups"
    return Limit(metric, limit.op, limit.value, limit.confident, method)


def audit_spec(doc: SpecDoc) -> BiasAudit:
    """The model of a `bias-audit` document (`SpecDoc.model` is typed as any kind's model)."""
    if not isinstance(doc.model, BiasAudit):
        raise TypeError(NOT_AN_AUDIT.format(file=doc.document.file, kind=doc.kind))
    return doc.model


def engine_arguments(spec: BiasAudit) -> dict[str, Any]:
    return dict(
        label=spec.label,
        prediction=spec.prediction,
        score=spec.score,
        sensitive_features=spec.sensitive_features,
        intersections=spec.intersections,
        slices=spec.slices,
        positive_label=spec.positive_label,
        threshold=DEFAULT_THRESHOLD if spec.threshold is None else spec.threshold,
        metrics=_metrics(spec),
        min_group_size=spec.min_group_size,
        max_groups=spec.max_groups,
        confidence_level=spec.confidence_level,
        bootstrap_samples=spec.bootstrap.samples,
        seed=spec.bootstrap.seed,
        reference_groups=spec.reference_groups or None,
        costs={"fp": spec.costs.false_positive, "fn": spec.costs.false_negative} if spec.costs else None,
        score_metrics=spec.score_metrics,
        score_bins=spec.score_bins,
    )


def _metrics(spec: BiasAudit) -> list[str]:
    from planner.audit.metrics import SCORE_METRICS

    metrics = dict.fromkeys(canonical(m) for m in spec.metrics)  # `recall` and `sensitivity` are one
    return [m for m in metrics if spec.score is not None or m not in SCORE_METRICS]


def _column_path(spec: BiasAudit, column: str | None) -> tuple[str | int, ...]:
    for key in ("label", "prediction", "score"):
        if column is not None and getattr(spec, key) == column:
            return (key,)
    for key in ("sensitive_features", "slices"):
        if column in getattr(spec, key):
            return (key, getattr(spec, key).index(column))
    return ("predictions",)


def _input_problem(doc: SpecDoc, spec: BiasAudit, exc: AuditInputError) -> PlannerError:
    message = f"{spec.source_label}: {exc.message}"
    at = ("predictions", exc.key) if exc.key and exc.column is None else _column_path(spec, exc.column)
    return PlannerError([doc.at(at, "audit-input", message, exc.hint or "")])


def _predictions_problem(doc: SpecDoc, spec: BiasAudit, refused: Diagnostic) -> Diagnostic:
    """The guard's refusal of the predictions file, placed at the spec's `predictions` key."""
    if refused.code == PREDICTIONS_FILE.code(guard.MISSING):
        return doc.at(("predictions",), refused.code, MISSING.format(file=spec.source_label), MISSING_HINT)
    return doc.at(("predictions",), refused.code, refused.message, refused.hint)


def run_spec_audit(doc: SpecDoc, root: Path, *, engine: str = "pandas", spec: BiasAudit | None = None) -> ProjectAudit:
    """Compute one audit (of `spec`, the document's model with its threshold resolved, see
    `planner.project.operating.with_threshold`); bad predictions raise `PlannerError` positioned at the spec."""
    from planner.audit.run import run_audit

    spec = spec or audit_spec(doc)
    engine_limits = [engine_limit(limit) for limit in spec.limits]
    source = _source(doc, spec, root)
    try:
        result = run_audit(
            source,
            limits=engine_limits,
            engine=engine,
            count="count" if spec.format == "counts" else None,
            **engine_arguments(spec),
        )
    except AuditInputError as exc:
        raise _input_problem(doc, spec, exc) from None
    positions = [
        [
            at
            for at, f in enumerate(result.findings)
            if f.limit is engine_limit and (limit.feature is None or f.grouping == limit.feature)
        ]
        for limit, engine_limit in zip(spec.limits, engine_limits, strict=True)
    ]
    data, charts = split_charts(result.to_dict())
    audit = assemble(spec, data, positions, COMPUTED, charts)
    audit.counts = result.counts
    return audit


def _source(doc: SpecDoc, spec: BiasAudit, root: Path) -> Any:
    """What the engine reads: a checked file path, or a warehouse source (checked as it connects)."""
    if spec.warehouse is not None:
        from planner.audit.warehouse import WarehouseInput

        return WarehouseInput(spec.warehouse, root)
    file = spec.file or ""
    try:  # inside the project, a regular file: a FIFO or a link out is refused before any read
        return guard.checked_file(root / file, root, kind=PREDICTIONS_FILE, file_label=file)
    except PlannerError as exc:
        raise PlannerError([_predictions_problem(doc, spec, d) for d in exc.diagnostics]) from None


def emit_sql(project: Project, table: str, dialect: str = "duckdb") -> dict[str, str]:
    """The grouped-count query of each audit for TABLE in `dialect`, for a warehouse or Spark job to
    run; its result is a counts file (`format: counts`, with the audit's label, prediction and
    positive label). A warehouse audit's `query` stands in for TABLE and its `where` filters, so
    the job counts the rows planner would. Needs Ibis (`planner[warehouse]`)."""
    from planner.audit.pushdown import emitted_counts
    from planner.audit.run import group_columns

    queries = {}
    for spec in project.of_kind("bias-audit"):
        source = spec.warehouse
        queries[spec.id] = emitted_counts(
            table,
            dialect="pyspark" if dialect == "spark" else dialect,
            groups=group_columns(spec.sensitive_features, spec.intersections, spec.slices),
            label=spec.label,
            prediction=spec.prediction,
            score=spec.score,
            threshold=audit_threshold(project, spec).value,
            where=source.where if source else None,
            query=source.query if source else None,
        )
    return queries
