"""`bias-audit`: a predictions file (or counts), its label, prediction and score columns, the
sensitive features, intersections and slices, fairness limits, costs and the seven sources of harm.

The audit itself is computed by `planner.audit` before assessment; here a limit takes its status
from the computed outcome, and the reports get the audit's tables and charts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from markupsafe import Markup

from planner.assess.context import AssessContext
from planner.assess.model import Assessment, Detail, Status
from planner.audit.findings import finding_label, group_label, judged_text
from planner.errors import Diagnostic, Severity
from planner.gate.item import GateItem
from planner.kinds.base import Record, Section, SpecKind, item, reference
from planner.kinds.common import gate_item, selected, selection
from planner.metric_names import canonical
from planner.numbers import quantity
from planner.project.items import ItemRef, Reference
from planner.project.operating import threshold_checks
from planner.project.project import Project, SpecDoc
from planner.spec.base import SpecModel
from planner.spec.bias import BiasAudit, Limit, disparity_definition
from planner.vocab import Outcome


@dataclass(frozen=True)
class LimitDetail(Detail):
    audit: str
    op: str


def rule_text(limit: Any) -> str:
    return f"{limit.metric} {limit.op} {quantity(limit.value)}" + (f" for {limit.feature}" if limit.feature else "")


class BiasAuditKind(SpecKind[BiasAudit]):
    name = "bias-audit"
    model = BiasAudit
    item_titles: ClassVar[dict[str, str]] = {"audit": "Bias audits", "limit": "Bias-audit limits"}
    item_models: ClassVar[dict[str, type[SpecModel]]] = {"audit": BiasAudit, "limit": Limit}
    requirements = (
        selection(
            "audits",
            "Every bias-audit limit passes.",
            "A fairness limit of a bias audit fails, or too little data was there to prove it.",
            50,
            selects=("audit",),
            key_help="Bias audits whose limits must pass: all, none, or a list of ids.",
        ),
    )
    sections = (Section("governance", "fairness", "Bias audit", "sections/bias-audit.governance.html.j2", 20),)

    def items(self, doc: SpecDoc) -> Iterator[ItemRef]:
        spec = self.spec(doc)
        yield item(doc, spec.id, "audit", ("id",), spec)
        for index, limit in enumerate(spec.limits):
            yield item(doc, spec.limit_id(index), "limit", ("limits", index), limit)

    def references(self, doc: SpecDoc, project: Project) -> Iterator[Reference]:
        spec = self.spec(doc)
        for j, target in enumerate(spec.links):
            yield reference(doc, spec.id, target, (), "links", "links", j)
        for index in range(len(spec.limits)):
            yield reference(doc, spec.limit_id(index), spec.id, ("audit",), "limit-of", "limits", index)

    def check(self, doc: SpecDoc, project: Project) -> Iterator[Diagnostic]:
        spec = self.spec(doc)
        features = set(spec.sensitive_features) | {" & ".join(combo) for combo in spec.intersections}
        for i, limit in enumerate(spec.limits):
            if limit.feature and limit.feature not in features:
                yield doc.at(
                    ("limits", i, "feature"),
                    "unknown-feature",
                    f"{limit.feature!r} is not a sensitive feature or intersection of this audit",
                    f"one of: {', '.join(sorted(features))}",
                )
        missing = [name for name, value in spec.harms if value is None]
        if missing:
            yield doc.at(
                ("harms",) if isinstance(doc.document.data, dict) and doc.document.data.get("harms") else ("id",),
                "unassessed-harm",
                f"sources of harm not assessed: {', '.join(missing)}",
                "assess each, or mark it not-applicable with a finding",
                Severity.WARNING,
            )
        yield from threshold_checks(doc, project, spec)

    def assess(self, doc: SpecDoc, context: AssessContext) -> Iterator[Status]:
        spec = self.spec(doc)
        audit = context.audits.get(spec.id)
        for index, limit in enumerate(spec.limits):
            limit_id = spec.limit_id(index)
            detail = LimitDetail(spec.id, limit.op)
            if audit is None:
                yield Status(
                    limit_id, "limit", Outcome.NO_EVIDENCE, rule_text(limit), "audit not computed", detail=detail
                )
                continue
            outcome = next(o for o in audit.limits if o.id == limit_id)
            observed = [f"{finding_label(f)}: {judged_text(f)}" for f in outcome.findings if f.observed is not None]
            yield Status(
                limit_id,
                "limit",
                outcome.status,
                rule_text(limit),
                "; ".join(observed) or "no finding",
                value=next((f.observed for f in outcome.findings if f.status == outcome.status), None),
                target=limit.value,
                detail=detail,
            )

    def records(self, doc: SpecDoc) -> Iterator[Record]:
        spec = self.spec(doc)
        harms = {f"harms.{name}": harm.status if harm else None for name, harm in spec.harms}
        yield Record(
            "audit",
            spec.id,
            spec.title or spec.id,
            {
                "predictions": spec.source_label,
                "label": spec.label,
                "prediction": spec.prediction,
                "score": spec.score,
                "threshold": spec.threshold,
                "sensitive_features": spec.sensitive_features,
                "intersections": spec.intersections,
                "min_group_size": spec.min_group_size,
                "confidence_level": spec.confidence_level,
                **harms,
            },
        )
        for index, limit in enumerate(spec.limits):
            yield Record(
                "limit",
                spec.limit_id(index),
                rule_text(limit),
                {
                    "metric": limit.metric,
                    "op": limit.op,
                    "value": limit.value,
                    "feature": limit.feature,
                    "confident": limit.confident,
                },
            )

    def gate(self, require: Any, assessment: Assessment) -> Iterator[GateItem]:
        """Every selected audit limit must pass."""
        for status in assessment.of_kind("limit"):
            group = status.detail_as(LimitDetail).audit
            if selected(require.audits, status.id, group):
                yield gate_item(status, "audits", status.status == Outcome.PASS, _limit_why(status), group)

    def report(self, assessment: Assessment, pdf: bool) -> dict[str, Any]:
        tolerances = _tolerances(assessment)
        return {
            "audits": [_audit(audit, pdf, tolerances.get(audit.spec.id)) for audit in assessment.audits],
            "limits": assessment.of_kind("limit"),
        }


def _tolerances(assessment: Assessment) -> dict[str, float]:
    """Audit id -> the tolerance of the evaluation plan's threshold judged on its cost curve."""
    out: dict[str, float] = {}
    for status in assessment.of_kind("threshold"):
        detail = status.detail.to_dict()
        if detail.get("audit") and detail.get("tolerance") is not None:
            out.setdefault(detail["audit"], float(detail["tolerance"]))
    return out


def _limit_why(status: Status) -> str:
    if status.status in (Outcome.PASS, Outcome.FAIL):
        return f"{status.why}; limit {status.title}"
    if status.status == Outcome.INSUFFICIENT:
        return f"insufficient data for {status.title}, so it is not proven"
    return f"{status.why}, so {status.title} is not proven"


def _audit(audit: Any, pdf: bool, tolerance: float | None = None) -> dict[str, Any]:
    from planner.audit.text import paradox_lines, source_lines
    from planner.report import audit_charts

    data = audit.to_dict()
    metrics = list(dict.fromkeys(canonical(m) for m in audit.spec.metrics))  # tables go by computed names
    charted = _charted_metrics(audit.spec, metrics) if pdf else metrics
    return {
        "id": data["id"],
        "title": data["title"],
        "predictions": data["predictions"],
        "provenance": source_lines(data),
        "rows": data["rows"],
        "status": data["status"],
        "settings": data["settings"],
        "overall": data["overall"],
        "metrics": metrics,
        "charted": charted,
        "groupings": [_grouping(g, metrics, charted, data, audit.spec) for g in data["groupings"]],
        "paradoxes": paradox_lines(data["slices"]),
        "limits": data["limits"],
        "limit_chart": _limit_chart(data),
        "harms": data["harms"],
        "thresholds": _threshold_summary(data.get("thresholds")),
        "tolerance": tolerance,
        "cost_charts": [Markup(chart) for chart in audit_charts.cost_charts(data, tolerance=tolerance)],
        "score_charts": [Markup(chart) for chart in audit_charts.score_charts(data)],
        "slices": audit_charts.slice_tables(data, metrics),
    }


def _charted_metrics(spec: BiasAudit, metrics: list[str]) -> list[str]:
    """The metrics the PDF draws per group: those the limits judge, and the selection rate.

    A page holds about three metrics side by side, and WeasyPrint draws chart labels slowly: a
    column and a chart for every metric of every grouping made adult-income's governance PDF 32
    pages. The PDF names what it leaves out, and the HTML report keeps every metric.
    """
    wanted = {"selection_rate"}
    for limit in spec.limits:
        try:
            wanted.update(disparity_definition(canonical(limit.metric))[0])
        except KeyError:
            wanted.add(canonical(limit.metric))  # a group metric
    return [metric for metric in metrics if metric in wanted]


def _configured_reference(grouping: dict, spec: BiasAudit) -> dict[str, str] | None:
    """The grouping's reference group when `reference_groups` names one for each of its features."""
    features = grouping["features"]
    if not features or not all(f in spec.reference_groups for f in features):
        return None
    return grouping.get("reference")


def _reference_line(grouping: dict, metric: str, data: dict, spec: BiasAudit) -> tuple[str, float] | None:
    """(label, value) of the dashed line: the configured reference group's value, else the overall."""
    reference = _configured_reference(grouping, spec)
    if reference is not None:
        row = next((g for g in grouping["groups"] if g["group"] == reference), None)
        value = row["metrics"].get(metric, {}).get("value") if row else None
        if value is not None:
            from planner.report.audit_charts import short_label

            return (f"reference {short_label(reference, '')}", value)
    overall = data["overall"]["metrics"].get(metric, {}).get("value")
    return None if overall is None else ("overall", overall)


PANELS_PER_CHART = 3  # metrics side by side in one chart: more would shrink its text below 7 pt on A4


def _grouping(grouping: dict, metrics: list[str], charted: list[str], data: dict, spec: BiasAudit) -> dict:
    from planner.report import audit_charts, charts

    groups = grouping["groups"]
    label = {id(g): group_label(g["group"]) or grouping["name"] for g in groups}
    panels = []
    for metric in charted:
        rows = [
            {
                "label": audit_charts.short_label(g["group"], grouping["name"]),  # the title names the features
                "value": g["metrics"].get(metric, {}).get("value"),
                "interval": g["metrics"].get(metric, {}).get("interval"),
                "count": g["count"],
                "sufficient": g["sufficient"],
            }
            for g in groups
        ]
        panels.append(charts.Panel(metric, rows, _domain(metric, rows), _reference_line(grouping, metric, data, spec)))
    chart_list = [
        Markup(
            charts.interval_panels(
                chunk,
                chart_id=audit_charts.chart_id(data["id"], grouping["name"], *(panel.metric for panel in chunk)),
                title=f"{' and '.join(panel.metric for panel in chunk)} by {grouping['name']}",
            )
        )
        for chunk in (panels[k : k + PANELS_PER_CHART] for k in range(0, len(panels), PANELS_PER_CHART))
    ]
    table = [
        {
            "label": label[id(g)],
            "count": g["count"],
            "share": g["share"],
            "sufficient": g["sufficient"],
            "metrics": {m: g["metrics"].get(m, {}) for m in metrics},
        }
        for g in groups
    ]
    matrices = Markup(audit_charts.confusion_chart(data["id"], grouping))
    return {
        "name": grouping["name"],
        "reference": grouping.get("reference"),
        "charts": chart_list,
        "table": table,
        "matrices": matrices,
    }


def _domain(metric: str, rows: list[dict]) -> tuple[float, float]:
    """Rates live in [0, 1]; anything else (e.g. log loss) is scaled to what was measured."""
    ends = [x for row in rows for x in [row["value"], *(row["interval"] or [])] if x is not None]
    if not ends or (min(ends) >= 0 and max(ends) <= 1):
        return (0.0, 1.0)
    return (min(0.0, min(ends)), max(ends) * 1.1)


def _limit_chart(data: dict) -> Markup | None:
    from planner.report import audit_charts, charts

    rows = [
        {
            "label": f"{limit['id']} {f['label']}" if f.get("group") else limit["id"],
            "observed": f["observed"],
            "interval": f.get("interval"),
            "op": limit["op"],
            "limit": limit["value"],
            "status": f["status"],
        }
        for limit in data["limits"]
        for f in limit["findings"]
    ]
    if not rows:
        return None
    return Markup(
        charts.limit_chart(
            rows, chart_id=audit_charts.chart_id(data["id"], "limits"), title=f"Audit {data['id']}: limits"
        )
    )


def _threshold_summary(thresholds: dict | None) -> dict | None:
    """The cost-based threshold analysis without its full grid (the report shows the optimum only)."""
    if not thresholds:
        return None
    return {key: value for key, value in thresholds.items() if not isinstance(value, list)}


KIND = BiasAuditKind()
