"""`objectives`: business goals with KPIs, objectives with metric targets, and their baselines.

An objective is met when the candidate run's metric reaches its target and it beats every
zero-rule baseline (a model that loses to always predicting the majority class is not met,
whatever its target says). Baselines come from a named run, a value in the spec, or the audit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from markupsafe import Markup

from planner.assess.context import AssessContext, compare, metric_of, no_value_why
from planner.assess.model import Assessment, BaselineRow, Detail, Status
from planner.errors import Diagnostic, Severity
from planner.gate.item import GateItem
from planner.kinds.base import Record, Section, SpecKind, item, reference
from planner.kinds.common import gate_item, selected, selection, target_fields
from planner.metric_names import canonical
from planner.numbers import beside, quantity
from planner.project.items import ItemRef, Reference
from planner.project.project import Project, SpecDoc
from planner.spec.base import SpecModel
from planner.spec.goals import Baseline, Goal, Objective, ObjectivesSpec
from planner.vocab import Outcome


@dataclass(frozen=True)
class GoalDetail(Detail):
    kpi: str
    kpi_baseline: float | None

    @property
    def measured_metric(self) -> str | None:
        return self.kpi


@dataclass(frozen=True)
class ObjectiveDetail(Detail):
    metric: str
    dataset: str | None
    goal: str | None
    canonical_metric: str
    """`metric` as planner computes and looks it up (`planner.metric_names.canonical`)."""

    @property
    def measured_metric(self) -> str | None:
        return self.metric


class ObjectivesKind(SpecKind[ObjectivesSpec]):
    name = "objectives"
    model = ObjectivesSpec
    item_titles: ClassVar[dict[str, str]] = {
        "goal": "Goals and KPIs",
        "objective": "Objectives",
        "baseline": "Baselines",
    }
    item_models: ClassVar[dict[str, type[SpecModel]]] = {"goal": Goal, "objective": Objective, "baseline": Baseline}
    requirements = (
        selection(
            "objectives",
            "Every objective reaches its target on the candidate run.",
            "An objective's metric, measured on the candidate run, misses the target in its spec.",
            10,
            selects=("objective",),
            key_help="Objectives that must be met: all, none, or a list of ids.",
        ),
    )
    sections = (
        Section("design", "goals", "Goals and KPIs", "sections/goals.design.html.j2", 10),
        Section("design", "objectives", "Objectives, targets and baselines", "sections/objectives.design.html.j2", 20),
        Section(
            "governance", "objectives", "Objectives against evidence", "sections/objectives.governance.html.j2", 30
        ),
    )

    def items(self, doc: SpecDoc) -> Iterator[ItemRef]:
        for attribute, kind in (("goals", "goal"), ("objectives", "objective"), ("baselines", "baseline")):
            for index, entry in enumerate(getattr(self.spec(doc), attribute)):
                yield item(doc, entry.id, kind, (attribute, index, "id"), entry)

    def references(self, doc: SpecDoc, project: Project) -> Iterator[Reference]:
        spec = self.spec(doc)
        for i, goal in enumerate(spec.goals):
            if goal.parent:
                yield reference(doc, goal.id, goal.parent, ("goal",), "parent", "goals", i, "parent", ordered=True)
        datasets = {dataset.id for plan in project.of_kind("evaluation") for dataset in plan.datasets}
        for i, objective in enumerate(spec.objectives):
            if objective.goal:
                yield reference(doc, objective.id, objective.goal, ("goal",), "serves", "objectives", i, "goal")
            for j, baseline in enumerate(objective.baselines):
                yield reference(
                    doc, objective.id, baseline, ("baseline",), "compared-with", "objectives", i, "baselines", j
                )
            for j, other in enumerate(objective.depends_on):
                yield reference(
                    doc,
                    objective.id,
                    other,
                    ("objective",),
                    "depends-on",
                    "objectives",
                    i,
                    "depends_on",
                    j,
                    ordered=True,
                )
            # `metric.dataset` is free text; when it names an evaluation dataset, trace links them
            if objective.metric.dataset in datasets:
                yield reference(
                    doc,
                    objective.id,
                    objective.metric.dataset,
                    ("dataset",),
                    "evaluated-on",
                    "objectives",
                    i,
                    "metric",
                    "dataset",
                )

    def check(self, doc: SpecDoc, project: Project) -> Iterator[Diagnostic]:
        """Orphans: a goal no objective serves, an objective serving no goal (warnings)."""
        graph = project.graph
        assert graph is not None  # cross-checks build the graph before the kinds' checks run
        objectives = graph.of_kind("objective")
        for index, goal in enumerate(self.spec(doc).goals):
            if not graph.downstream(goal.id) & objectives:
                yield doc.at(
                    ("goals", index, "id"),
                    "orphan-goal",
                    f"goal {goal.id!r} has no objective",
                    "add an objective whose `goal` is this goal",
                    Severity.WARNING,
                )
        for index, objective in enumerate(self.spec(doc).objectives):
            if objective.goal is None:
                yield doc.at(
                    ("objectives", index, "id"),
                    "orphan-objective",
                    f"objective {objective.id!r} serves no goal",
                    "set `goal` to the business goal it serves",
                    Severity.WARNING,
                )

    def assess(self, doc: SpecDoc, context: AssessContext) -> Iterator[Status]:
        spec, candidate = self.spec(doc), context.candidate
        baselines = {b.id: b for b in spec.baselines}
        for goal in spec.goals:
            if goal.kpi is None:
                yield Status(goal.id, "goal", Outcome.INFO, goal.statement, "no KPI defined")
                continue
            value = metric_of(candidate, goal.kpi.name)
            status, margin = compare(value, goal.kpi.target, goal.kpi.direction)
            why = f"KPI {goal.kpi.name} " + (
                "not measured by the candidate run (measured after deployment)"
                if status == Outcome.NO_EVIDENCE
                else f"= {quantity(value)}"
            )
            yield Status(
                goal.id,
                "goal",
                status,
                goal.statement,
                why,
                value,
                goal.kpi.target,
                goal.kpi.direction,
                margin,
                detail=GoalDetail(goal.kpi.name, goal.kpi.baseline),
            )
        for objective in spec.objectives:
            metric = objective.metric
            value = metric_of(candidate, metric.name)
            status, margin = compare(value, metric.target, metric.direction)
            rows = _baseline_rows(objective, baselines, context, value)
            why = measured_why(metric, value, status, candidate)
            if metric.confident:
                status, margin, why = _confident(metric, context)
            losing = [row.id for row in rows if row.kind == "zero-rule" and row.beaten is False]
            if losing:
                status, why = Outcome.NOT_MET, f"does not beat its zero-rule baseline {', '.join(losing)}; " + why
            yield Status(
                objective.id,
                "objective",
                status,
                objective.statement,
                why,
                value,
                metric.target,
                metric.direction,
                margin,
                candidate.run_id if candidate and value is not None else None,
                rows,
                detail=ObjectiveDetail(metric.name, metric.dataset, objective.goal, canonical(metric.name)),
            )

    def records(self, doc: SpecDoc) -> Iterator[Record]:
        spec = self.spec(doc)
        for goal in spec.goals:
            yield Record(
                "goal",
                goal.id,
                goal.statement,
                {
                    "statement": goal.statement,
                    "parent": goal.parent,
                    **target_fields("kpi", goal.kpi, ("name", "target", "direction", "baseline", "unit")),
                },
            )
        for objective in spec.objectives:
            yield Record(
                "objective",
                objective.id,
                objective.statement,
                {
                    "statement": objective.statement,
                    "goal": objective.goal,
                    **target_fields("metric", objective.metric, ("name", "target", "direction", "dataset", "unit")),
                    "baselines": objective.baselines,
                    "depends_on": objective.depends_on,
                },
            )
        for baseline in spec.baselines:
            yield Record(
                "baseline",
                baseline.id,
                baseline.description or baseline.kind,
                {"kind": baseline.kind, "value": baseline.value, "run": baseline.run},
            )

    def gate(self, require: Any, assessment: Assessment) -> Iterator[GateItem]:
        for status in assessment.of_kind("objective"):
            if selected(require.objectives, status.id):
                yield gate_item(status, "objectives", status.status == Outcome.MET, status.why)

    def report(self, assessment: Assessment, pdf: bool) -> dict[str, Any]:
        from planner.report import charts

        rows = assessment.of_kind("objective")
        chart_rows = [
            {
                "label": row.id,
                "value": row.value,
                "target": row.target,
                "direction": row.direction or "higher",
                "baselines": [{"label": b.id, "value": b.value} for b in row.baselines if b.value is not None],
            }
            for row in rows
            if row.target is not None
        ]
        baselines = [
            b.model_dump(exclude_none=True, exclude={"satisfies"})
            for spec in assessment.of_spec("objectives")
            for b in spec.baselines
        ]
        chart = charts.target_chart(chart_rows, chart_id="objectives", title="Objectives against target and baselines")
        return {
            "goals": assessment.of_kind("goal"),
            "objectives": {"items": rows, "baselines": baselines, "chart": Markup(chart) if chart_rows else None},
        }


def _confident(metric: Any, context: AssessContext) -> tuple[Outcome, float | None, str]:
    """A `confident` target judged on the Wilson bound of the rate as a bias audit counted it: a
    sensitivity of 0.962 on 106 positives has a lower bound of 0.907, which does not meet 0.95."""
    name = canonical(metric.name)
    for audit in context.audits.values():
        entry = audit.result_data["overall"]["metrics"].get(name)
        if entry is None:
            continue
        if entry.get("interval") is None or entry.get("value") is None:
            break
        side, bound = (
            ("lower", entry["interval"][0]) if metric.direction == "higher" else ("upper", entry["interval"][1])
        )
        status, margin = compare(bound, metric.target, metric.direction)
        level = f"{audit.spec.confidence_level:.0%}"
        word = "at least" if metric.direction == "higher" else "at most"
        return (
            status,
            margin,
            (
                f"{metric.name} = {quantity(entry['value'])} in audit {audit.spec.id}, {level} Wilson {side} bound"
                f" {beside(bound, metric.target)} judged, target {word} {quantity(metric.target)}"
            ),
        )
    return (
        Outcome.NO_EVIDENCE,
        None,
        (
            f"confident: no bias audit counts {metric.name} as a rate with an interval"
            " (a confident target needs one; or drop `confident`)"
        ),
    )


def measured_why(metric: Any, value: float | None, status: str, candidate: Any) -> str:
    """Why a metric target is met or not, as objectives and behavioural tests say it."""
    if candidate is None:
        return "no candidate run"
    if status == Outcome.NO_EVIDENCE:
        return no_value_why(candidate, metric.name)
    word = "at least" if metric.direction == "higher" else "at most"
    return f"{metric.name} = {beside(value, metric.target)}, target {word} {quantity(metric.target)}"


def _baseline_rows(
    objective: Any, baselines: dict[str, Any], context: AssessContext, value: float | None
) -> list[BaselineRow]:
    rows = []
    for baseline_id in objective.baselines:
        baseline = baselines.get(baseline_id)
        if baseline is None:
            continue
        if baseline.run:
            found, origin = metric_of(context.evidence.run(baseline.run), objective.metric.name), f"run {baseline.run}"
        elif baseline.value is not None:
            found, origin = baseline.value, "stated in the spec"
        else:
            found = context.computed_baseline(baseline.kind, objective.metric.name)
            origin = "computed from the audit"
        improvement = (
            None
            if found is None or value is None
            else (value - found if objective.metric.direction == "higher" else found - value)
        )
        rows.append(
            BaselineRow(
                baseline_id, baseline.kind, found, origin, improvement, None if improvement is None else improvement > 0
            )
        )
    return rows


KIND = ObjectivesKind()
