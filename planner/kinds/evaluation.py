"""`evaluation`: evaluation datasets, slices and crossed slices, behavioural tests (CheckList's
minimum functionality, invariance and directional expectations) and the decision-threshold policy.

A test is measured when a run logs its metric. A cost-based threshold is met when its expected
cost on the named audit's cost curve is at most `tolerance` above the cost-optimal threshold's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from planner.assess.context import AssessContext, compare, metric_of
from planner.assess.model import Assessment, Detail, Status
from planner.errors import Diagnostic
from planner.gate.item import GateItem
from planner.kinds.base import Record, Section, SpecKind, item, reference
from planner.kinds.common import measured, selection, target_fields
from planner.kinds.objectives import measured_why
from planner.numbers import quantity
from planner.project.items import ItemRef, Reference
from planner.project.project import Project, SpecDoc
from planner.spec.base import SpecModel
from planner.spec.evaluation import BehaviouralTest, Dataset, EvaluationSpec, Threshold
from planner.vocab import Outcome

TEST_LINK_KINDS = ("risk", "objective", "constraint")
COST_EPSILON = 1e-12  # float noise when the threshold in use is the optimum


@dataclass(frozen=True)
class PlanDetail(Detail):
    datasets: list[dict[str, Any]]
    slices: list[str]
    crossed_slices: list[list[str]]
    min_slice_size: int
    slice_coverage: dict[str, list[str]]
    """Each slice (and crossed slice) with the audits that break results down by it."""
    tests: list[str]
    threshold: str | None


@dataclass(frozen=True)
class TestDetail(Detail):
    evaluation: str
    type: str
    perturbation: str | None
    expectation: str
    dataset: str | None
    links: list[str]
    metric: str | None

    @property
    def measured_metric(self) -> str | None:
        return self.metric


@dataclass(frozen=True)
class ThresholdDetail(Detail):
    evaluation: str
    policy: str
    value: float | None
    costs: dict[str, float] | None
    costs_from: str | None
    audit: str | None
    tolerance: float
    target_rate: float | None
    feature: str | None
    groups: dict[str, float]
    rationale: str | None
    bayes_threshold: float | None
    run_threshold: float | None
    optimal_threshold: float | None = None
    optimal_cost: float | None = None
    cost_at_value: float | None = None
    excess_cost: float | None = None
    band: list[float] | None = None
    candidates: Any = None
    group_optimal: dict[str, float] = field(default_factory=dict)


class EvaluationKind(SpecKind[EvaluationSpec]):
    name = "evaluation"
    model = EvaluationSpec
    item_titles: ClassVar[dict[str, str]] = {
        "evaluation": "Evaluation plans",
        "dataset": "Evaluation datasets",
        "test": "Behavioural tests",
        "threshold": "Decision thresholds",
    }
    item_models: ClassVar[dict[str, type[SpecModel]]] = {
        "evaluation": EvaluationSpec,
        "dataset": Dataset,
        "test": BehaviouralTest,
        "threshold": Threshold,
    }
    requirements = (
        selection(
            "tests",
            "Every behavioural test a run measures meets its target.",
            "A behavioural test (invariance, directional expectation), measured on the candidate run, "
            "misses the target in its spec.",
            60,
            selects=("test", "evaluation"),
            key_help="Behavioural tests that must be met: all "
            "(those a run measures), none, or a list of test or evaluation "
            "ids.",
        ),
        selection(
            "thresholds",
            "The decision threshold is cost-optimal within its tolerance.",
            "At the threshold in use, the expected cost on the audit's cost curve exceeds the lowest "
            "by more than the tolerance the evaluation plan allows.",
            70,
            selects=("threshold", "evaluation"),
            key_help="Decision thresholds that must be met: "
            "all (those an audit's cost curve judges), none, or a list "
            "of ids.",
        ),
    )
    sections = (
        Section("design", "evaluation", "Evaluation plan", "sections/evaluation.design.html.j2", 50),
        Section("design", "threshold", "Decision threshold policy", "sections/threshold.design.html.j2", 60),
    )

    def items(self, doc: SpecDoc) -> Iterator[ItemRef]:
        spec = self.spec(doc)
        yield item(doc, spec.id, "evaluation", ("id",), spec)
        for attribute, kind in (("datasets", "dataset"), ("tests", "test")):
            for index, entry in enumerate(getattr(spec, attribute)):
                yield item(doc, entry.id, kind, (attribute, index, "id"), entry)
        if spec.threshold is not None:
            yield item(doc, spec.threshold_id, "threshold", ("threshold",), spec.threshold)

    def references(self, doc: SpecDoc, project: Project) -> Iterator[Reference]:
        spec = self.spec(doc)
        for i, test in enumerate(spec.tests):
            for j, target in enumerate(test.links):
                yield reference(doc, test.id, target, TEST_LINK_KINDS, "guards", "tests", i, "links", j)
            if test.dataset:
                yield reference(doc, test.id, test.dataset, ("dataset",), "evaluated-on", "tests", i, "dataset")
        if spec.threshold is not None and spec.threshold.audit:
            yield reference(
                doc, spec.threshold_id, spec.threshold.audit, ("audit",), "checked-by", "threshold", "audit"
            )

    def check(self, doc: SpecDoc, project: Project) -> Iterator[Diagnostic]:
        return iter(())  # the model checks each test and threshold; references are checked by id

    def assess(self, doc: SpecDoc, context: AssessContext) -> Iterator[Status]:
        spec = self.spec(doc)
        audits = context.project.of_kind("bias-audit")
        yield _plan(spec, audits)
        for test in spec.tests:
            yield _behavioural_test(test, spec, context.candidate)
        if spec.threshold is not None:
            yield _threshold(spec, audits, context)

    def records(self, doc: SpecDoc) -> Iterator[Record]:
        spec = self.spec(doc)
        yield Record(
            "evaluation",
            spec.id,
            spec.title or spec.id,
            {
                "title": spec.title,
                "slices": spec.slices,
                "crossed_slices": spec.crossed_slices,
                "min_slice_size": spec.min_slice_size,
            },
        )
        for dataset in spec.datasets:
            yield Record(
                "dataset",
                dataset.id,
                dataset.description,
                {
                    "description": dataset.description,
                    "split": dataset.split,
                    "rows": dataset.rows,
                    "source": dataset.source,
                },
            )
        for test in spec.tests:
            yield Record(
                "test",
                test.id,
                test.statement,
                {
                    "type": test.type,
                    "statement": test.statement,
                    "perturbation": test.perturbation,
                    "expectation": test.expectation,
                    **target_fields("metric", test.metric, ("name", "target", "direction", "unit")),
                    "dataset": test.dataset,
                    "links": test.links,
                },
            )
        threshold = spec.threshold
        if threshold is not None:
            yield Record(
                "threshold",
                spec.threshold_id,
                f"decision threshold ({threshold.policy})",
                {
                    "policy": threshold.policy,
                    "value": threshold.value,
                    "costs": threshold.costs,
                    "audit": threshold.audit,
                    "tolerance": threshold.tolerance,
                    "target_rate": threshold.target_rate,
                    "feature": threshold.feature,
                    "groups": threshold.groups,
                    "rationale": threshold.rationale,
                },
            )

    def gate(self, require: Any, assessment: Assessment) -> Iterator[GateItem]:
        """Behavioural tests a run measures, and thresholds an audit's cost curve judges (the others are
        `info`); a list may name an evaluation plan for all its tests or its threshold."""

        def plan(status: Status) -> str:
            detail = status.detail
            assert isinstance(detail, (TestDetail, ThresholdDetail))
            return detail.evaluation

        yield from measured(require.tests, assessment.of_kind("test"), "tests", plan)
        yield from measured(require.thresholds, assessment.of_kind("threshold"), "thresholds", plan)

    def report(self, assessment: Assessment, pdf: bool) -> dict[str, Any]:
        return {
            "evaluations": assessment.of_kind("evaluation"),
            "tests": assessment.of_kind("test"),
            "thresholds": assessment.of_kind("threshold"),
        }


def _plan(spec: EvaluationSpec, audits: list[Any]) -> Status:
    """The plan itself (datasets, slices), with the audits that break results down by each slice."""

    def covering(features: list[str]) -> list[str]:
        return [
            a.id
            for a in audits
            if set(features) <= set(a.sensitive_features) | set(a.slices)
            or any(set(features) <= set(combo) for combo in a.intersections)
        ]

    coverage = {name: covering([name]) for name in spec.slices}
    coverage |= {" & ".join(combo): covering(combo) for combo in spec.crossed_slices}
    uncovered = [name for name, found in coverage.items() if not found]
    measured_tests = sum(test.metric is not None for test in spec.tests)
    why = (
        f"{len(spec.datasets)} datasets; {len(spec.tests)} behavioural tests ({measured_tests} measured by runs); "
        f"slices: {', '.join(coverage) or 'none'} (at least {spec.min_slice_size} rows)"
    )
    if uncovered:
        why += f"; not broken down by any bias audit: {', '.join(uncovered)}"
    return Status(
        spec.id,
        "evaluation",
        Outcome.INFO,
        spec.title or "Evaluation plan",
        why,
        detail=PlanDetail(
            [dataset.model_dump(exclude={"satisfies"}) for dataset in spec.datasets],
            list(spec.slices),
            [list(combo) for combo in spec.crossed_slices],
            spec.min_slice_size,
            coverage,
            [test.id for test in spec.tests],
            spec.threshold_id if spec.threshold else None,
        ),
    )


def _behavioural_test(test: Any, spec: EvaluationSpec, candidate: Any) -> Status:
    detail = TestDetail(
        spec.id,
        test.type,
        test.perturbation,
        test.expectation,
        test.dataset,
        list(test.links),
        test.metric.name if test.metric else None,
    )
    if test.metric is None:
        return Status(test.id, "test", Outcome.INFO, test.statement, "not measured by a run", detail=detail)
    metric = test.metric
    value = metric_of(candidate, metric.name)
    status, margin = compare(value, metric.target, metric.direction)
    return Status(
        test.id,
        "test",
        status,
        test.statement,
        measured_why(metric, value, status, candidate),
        value,
        metric.target,
        metric.direction,
        margin,
        candidate.run_id if candidate and value is not None else None,
        detail=detail,
    )


def _threshold(spec: EvaluationSpec, audits: list[Any], context: AssessContext) -> Status:
    threshold = spec.threshold
    assert threshold is not None
    audit_spec = next((a for a in audits if a.id == threshold.audit), None)
    costs = threshold.costs or (audit_spec.costs if audit_spec else None)
    analysis, problem = _cost_analysis(threshold, costs, context)
    detail = ThresholdDetail(
        spec.id,
        threshold.policy,
        threshold.value,
        costs.model_dump() if costs else None,
        None if costs is None else ("spec" if threshold.costs else "audit"),
        threshold.audit,
        threshold.tolerance,
        threshold.target_rate,
        threshold.feature,
        dict(threshold.groups),
        threshold.rationale,
        _bayes_threshold(costs),
        _run_threshold(context.candidate),
        **(analysis or {}),
    )
    shown = (
        f"{quantity(threshold.value)}"
        if threshold.value is not None
        else f"on {threshold.feature}: "
        + ", ".join(f"{group} {quantity(value)}" for group, value in threshold.groups.items())
    )
    why = f"{threshold.policy} threshold {shown}"
    if analysis:
        why += (
            f"; cost-optimal {quantity(analysis['optimal_threshold'])} (expected cost {quantity(analysis['optimal_cost'])}"
            f" per case, audit {threshold.audit})"
        )
        why += "" if analysis["cost_at_value"] is None else f", at {shown}: {quantity(analysis['cost_at_value'])}"
    if problem:
        why += f"; {problem}"
    if not analysis and detail.bayes_threshold is not None:
        why += f"; with calibrated scores expected cost is lowest at {quantity(detail.bayes_threshold)}"
    if None not in (detail.run_threshold, threshold.value) and detail.run_threshold != threshold.value:
        why += f"; the candidate run records threshold {quantity(detail.run_threshold)}"
    return Status(
        spec.threshold_id,
        "threshold",
        _threshold_status(threshold, analysis),
        f"Decision threshold ({threshold.policy})",
        why,
        value=threshold.value,
        detail=detail,
    )


def _threshold_status(threshold: Any, analysis: dict[str, Any] | None) -> Outcome:
    if threshold.policy != "cost-based" or threshold.audit is None:
        return Outcome.INFO  # only a cost-based choice claims a cost, and only an audit's analysis can check it
    if analysis is None or analysis["cost_at_value"] is None:
        return Outcome.NO_EVIDENCE
    allowed = analysis["optimal_cost"] * (1 + threshold.tolerance)
    return Outcome.MET if analysis["cost_at_value"] <= allowed + COST_EPSILON else Outcome.NOT_MET


def _bayes_threshold(costs: Any) -> float | None:
    """With calibrated scores the expected cost is lowest at cost_fp / (cost_fp + cost_fn)."""
    total = costs.false_positive + costs.false_negative if costs else 0
    return costs.false_positive / total if total else None


def _run_threshold(candidate: Any) -> float | None:
    try:
        return float(candidate.params["threshold"]) if candidate else None
    except (KeyError, TypeError, ValueError):
        return None


def _cost_analysis(threshold: Any, costs: Any, context: AssessContext) -> tuple[dict[str, Any] | None, str | None]:
    """The audit's expected-cost curve read at the threshold in use, with the optimum and the band
    of thresholds within `tolerance` of it; or why it cannot be read."""
    if threshold.audit is None:
        return None, (
            "no audit named, so the choice is not checked against expected cost"
            if threshold.policy == "cost-based"
            else None
        )
    audit = context.audits.get(threshold.audit)
    if audit is None:
        return None, f"audit {threshold.audit} not computed"
    data = audit.result_data["thresholds"]
    if data is None:
        return None, f"audit {threshold.audit} has no threshold analysis (it needs `costs` and a `score` column)"
    if (costs.false_positive, costs.false_negative) != (data["cost_fp"], data["cost_fn"]):
        return None, (
            f"its costs differ from audit {threshold.audit}'s (false positive {quantity(data['cost_fp'])}, "
            f"false negative {quantity(data['cost_fn'])}), whose analysis therefore does not apply"
        )
    grid = [(t, c) for t, c in zip(data["thresholds"], data["overall_curve"], strict=False) if c is not None]
    best_t, best_c = data["overall"]["best_threshold"], data["overall"]["best_cost"]
    within = [t for t, c in grid if c <= best_c * (1 + threshold.tolerance) + COST_EPSILON]
    at_value = next((c for t, c in grid if threshold.value is not None and abs(t - threshold.value) < 1e-9), None)
    groups = data["groupings"].get(threshold.feature, {}) if threshold.policy == "per-group" else {}
    analysis = {
        "optimal_threshold": best_t,
        "optimal_cost": best_c,
        "cost_at_value": at_value,
        "excess_cost": None if at_value is None else at_value - best_c,
        "band": [min(within), max(within)] if within else None,
        "candidates": data["candidates"],
        "group_optimal": {group: row["best_threshold"] for group, row in groups.items()},
    }
    off_grid = threshold.value is not None and at_value is None
    return analysis, (
        f"{quantity(threshold.value)} is not one of the audit's candidate thresholds" if off_grid else None
    )


KIND = EvaluationKind()
