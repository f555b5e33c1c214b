"""What the report templates see: plain data built once from the project, its Assessment, the audit
results, the release decision and the change log.

Templates only lay this out; every status and number comes from the Assessment or the audit results
(the report recomputes nothing). Charts are built here as inline SVG so the templates stay free of
geometry.
"""

from __future__ import annotations

import re
from datetime import date

from markupsafe import Markup

from planner import __version__
from planner.report import charts

STATUS_CLASS = {"met": "good", "pass": "good", "done": "good", "closed": "good", "n/a": "", "waived": "warn",
                "not-met": "bad", "fail": "bad", "no-evidence": "warn", "open": "warn",
                "insufficient-data": "warn", "mitigating": "warn", "accepted": "warn"}


def report_context(project, assessment, audits=(), *, as_of: date, decision=None, changes=None,
                   pdf: bool = False) -> dict:
    """The whole context of both reports; `pdf` asks for the summarised variant of long tables."""
    info = project.manifest.project
    return {
        "project": {"id": info.id, "name": info.name, "version": info.version, "owner": info.owner,
                    "problem": info.problem, "ml_fit": info.ml_fit.model_dump(exclude_none=True),
                    "intended_use": info.intended_use, "out_of_scope": list(info.out_of_scope)},
        "as_of": as_of.isoformat(), "generator": f"planner {__version__}", "pdf": pdf,
        "candidate": assessment.candidate,
        "counts": _counts(assessment),
        "goals": _items(assessment, "goal"),
        "objectives": _objectives(project, assessment),
        "constraints": _items(assessment, "constraint"),
        "checklists": _checklists(project, assessment),
        "risks": _risks(project, assessment),
        "audits": [_audit(audit, pdf) for audit in audits],
        "limits": _items(assessment, "limit"),
        "evaluations": _items(assessment, "evaluation"),
        "tests": _items(assessment, "test"),
        "thresholds": _items(assessment, "threshold"),
        "decision": decision.to_dict() if decision is not None else None,
        "changes": changes.to_dict() if changes is not None else None,
        "diagnostics": [d.to_dict() for d in assessment.diagnostics],
        "status_class": STATUS_CLASS,
    }


def _counts(assessment) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for item in assessment.items:
        by_status = counts.setdefault(item.kind, {})
        by_status[item.status] = by_status.get(item.status, 0) + 1
    return counts


def _items(assessment, kind: str) -> list[dict]:
    return [vars(item) for item in assessment.of_kind(kind)]


def _objectives(project, assessment) -> dict:
    rows = _items(assessment, "objective")
    chart_rows = [{"label": row["id"], "value": row["value"], "target": row["target"],
                   "direction": row["direction"] or "higher",
                   "baselines": [{"label": b["id"], "value": b["value"]} for b in row["baselines"]
                                 if b["value"] is not None]}
                  for row in rows if row["target"] is not None]
    baselines = [b.model_dump(exclude_none=True) for spec in project.of_kind("objectives") for b in spec.baselines]
    chart = charts.target_chart(chart_rows, chart_id="objectives", title="Objectives against target and baselines")
    return {"items": rows, "baselines": baselines, "chart": Markup(chart) if chart_rows else None}


def _checklists(project, assessment) -> list[dict]:
    items = _items(assessment, "checklist-item")
    return [{"id": spec.id, "dataset": spec.dataset,
             "items": [item for item in items if item["extra"].get("checklist") == spec.id]}
            for spec in project.of_kind("data-checklist")]


def _risks(project, assessment) -> dict:
    rows = _items(assessment, "risk")
    specs = project.of_kind("risks")
    if not specs:
        return {"items": rows, "heat_maps": []}
    spec = specs[0]  # validation allows one register's scale and bands; the first one draws the matrix
    bands = [(name, low, high) for name, (low, high) in sorted(spec.band_ranges().items(), key=lambda b: b[1])]
    inherent = [{"id": r["id"], "likelihood": r["extra"]["likelihood"], "impact": r["extra"]["impact"]} for r in rows]
    residual = [{"id": r["id"], **(r["extra"]["residual"] or {"likelihood": r["extra"]["likelihood"],
                                                               "impact": r["extra"]["impact"]})}
                for r in rows if r["status"] != "closed"]
    maps = [{"caption": title, "svg": Markup(charts.risk_heat_map(
                points, likelihood_levels=spec.scale.likelihood, impact_levels=spec.scale.impact, bands=bands,
                chart_id=name, title=title))}
            for name, title, points in (("heat-inherent", "Inherent risk (before treatment)", inherent),
                                        ("heat-residual", "Residual risk (after treatment; closed risks left out)",
                                         residual))]
    return {"items": rows, "heat_maps": maps, "bands": bands}


def _audit(audit, pdf: bool) -> dict:
    data = audit.to_dict()
    metrics = list(audit.spec.metrics)
    charted = _charted_metrics(audit.spec, metrics) if pdf else metrics
    return {"id": data["id"], "title": data["title"], "predictions": data["predictions"], "rows": data["rows"],
            "status": data["status"], "settings": data["settings"], "overall": data["overall"],
            "metrics": metrics, "charted": charted,
            "groupings": [_grouping(g, metrics, charted, data) for g in data["groupings"]],
            "limits": data["limits"], "limit_chart": _limit_chart(data), "harms": data["harms"],
            "thresholds": _threshold_summary(data.get("thresholds"))}


def _charted_metrics(spec, metrics: list[str]) -> list[str]:
    """The metrics the PDF draws per group: those the limits judge, and the selection rate.

    WeasyPrint draws SVG text slowly (about 4 ms a label): a chart for every metric of every
    grouping made a 50-page report take twice as long. The PDF's tables keep every metric with its
    interval, and the HTML report keeps every chart.
    """
    from planner.audit.disparities import disparity_definition

    wanted = {"selection_rate"}
    for limit in spec.limits:
        try:
            wanted.update(disparity_definition(limit.metric)[0])
        except KeyError:
            wanted.add(limit.metric)  # a group metric
    return [metric for metric in metrics if metric in wanted]


def _grouping(grouping: dict, metrics: list[str], charted: list[str], data: dict) -> dict:
    groups = grouping["groups"]
    label = {id(g): ", ".join(f"{v}" for v in g["group"].values()) for g in groups}
    chart_list = []
    for metric in charted:
        rows = [{"label": label[id(g)], "value": g["metrics"].get(metric, {}).get("value"),
                 "interval": g["metrics"].get(metric, {}).get("interval"), "count": g["count"],
                 "sufficient": g["sufficient"]} for g in groups]
        overall = data["overall"]["metrics"].get(metric, {}).get("value")
        chart_list.append(Markup(charts.interval_chart(
            rows, metric=metric, chart_id=_chart_id(data["id"], grouping["name"], metric),
            title=f"{metric} by {grouping['name']}", reference=overall, domain=_domain(metric, rows))))
    table = [{"label": label[id(g)], "count": g["count"], "share": g["share"], "sufficient": g["sufficient"],
              "metrics": {m: g["metrics"].get(m, {}) for m in metrics}} for g in groups]
    return {"name": grouping["name"], "reference": grouping.get("reference"), "charts": chart_list, "table": table}


def _chart_id(*parts: str) -> str:
    """An XML id from names that may hold spaces and `&` (intersections are named `race & sex`)."""
    return "c-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", "-".join(parts))


def _domain(metric: str, rows: list[dict]) -> tuple[float, float]:
    """Rates live in [0, 1]; anything else (e.g. log loss) is scaled to what was measured."""
    ends = [x for row in rows for x in ([row["value"]] + list(row["interval"] or [])) if x is not None]
    if not ends or (min(ends) >= 0 and max(ends) <= 1):
        return (0.0, 1.0)
    return (min(0.0, min(ends)), max(ends) * 1.1)


def _limit_chart(data: dict):
    rows = [{"label": f"{limit['id']}" + (f" ({f['group']})" if f.get("group") else ""),
             "observed": f["observed"], "interval": f.get("interval"), "op": limit["op"],
             "limit": limit["value"], "status": f["status"]}
            for limit in data["limits"] for f in limit["findings"]]
    if not rows:
        return None
    return Markup(charts.limit_chart(rows, chart_id=_chart_id(data["id"], "limits"), title=f"Audit {data['id']}: limits"))


def _threshold_summary(thresholds: dict | None) -> dict | None:
    """The cost-based threshold analysis without its full grid (the report shows the optimum only)."""
    if not thresholds:
        return None
    return {key: value for key, value in thresholds.items() if not isinstance(value, list)}
