"""A model card (Mitchell et al. 2019) in the Hugging Face layout, filled from the specs and the evidence.

The card is built here as plain data and rendered by `modelcard.md.j2`, which a project may
override from its own `templates/` folder. Only what the specs and the evidence say goes in; a
section with no source says "not stated in the specs" instead of guessing. Numbers are formatted
here, once, so every template shows them alike: 4 significant digits, `n/a` for missing or NaN.
The YAML front matter keeps the raw values, so tools reading the metadata get exact numbers.
"""

from __future__ import annotations

import datetime

from planner.assess.model import Assessment, Candidate, Status
from planner.audit.project import grouping_name
from planner.kinds.data_checklist import ChecklistItemDetail
from planner.kinds.objectives import ObjectiveDetail
from planner.kinds.risks import RiskDetail
from planner.numbers import card_number as fmt
from planner.report.environment import environment, render_template
from planner.source.yaml_documents import dump
from planner.spec.bias import GROUP_METRICS
from planner.vocab import Outcome

TEMPLATE = "modelcard.md.j2"
TASK = "tabular-classification"
CLASSIFICATION_METRICS = {*GROUP_METRICS, "recall", "f1", "log_loss", "average_precision"}
# What the caveats list, in this order: (item kind, status) -> topic.
CAVEATS = {
    ("objective", Outcome.NOT_MET): "Objective not met",
    ("objective", Outcome.NO_EVIDENCE): "Objective not measured",
    ("constraint", Outcome.NOT_MET): "Constraint not met",
    ("constraint", Outcome.NO_EVIDENCE): "Constraint not measured",
    ("limit", Outcome.FAIL): "Fairness limit fails",
    ("limit", Outcome.INSUFFICIENT): "Fairness limit not judged (insufficient data)",
    ("checklist-item", Outcome.OPEN): "Open data-checklist item",
}
NOT_STATED = "not stated in the specs"


def model_card(assessment: Assessment, *, as_of: datetime.date) -> str:
    """The model card of an assessed project: Markdown with Hugging Face YAML front matter."""
    return render_template(environment(assessment.root), TEMPLATE, card_context(assessment, as_of=as_of))


def card_context(assessment: Assessment, *, as_of: datetime.date) -> dict:
    """Everything the template shows, as plain dicts, lists and strings."""
    objectives = assessment.of_kind("objective")
    return {
        "front_matter": dump(front_matter(assessment)),
        "as_of": as_of.isoformat(),
        "project": _project(assessment),
        "candidate": _candidate(assessment.candidate),
        "objectives": [_objective(item) for item in objectives],
        "evaluation_datasets": sorted({item.detail_as(ObjectiveDetail).dataset for item in objectives}),
        "audits": [_audit(audit) for audit in assessment.audits],
        "checklists": _checklists(assessment),
        "risks": _risks(assessment),
        "caveats": _caveats(assessment),
    }


def _estimate(value, interval) -> str:
    """`value (low, high)`, or the value alone when there is no interval."""
    bounds = f" ({fmt(interval[0])}, {fmt(interval[1])})" if interval and value is not None else ""
    return fmt(value) + bounds


def _cell(metric: dict | None) -> str:
    """An audit metric (`{"value", "interval"}`, absent when not computed) as a table cell."""
    return _estimate((metric or {}).get("value"), (metric or {}).get("interval"))


# --- front matter -------------------------------------------------------------------------------


def front_matter(assessment: Assessment) -> dict:
    """Hugging Face model-card metadata; keys without a source in the specs are left out."""
    info, objectives = assessment.info, assessment.of_kind("objective")
    task = _task(assessment, objectives)
    meta = {}
    licence = getattr(info, "license", None)
    if licence:  # the project manifest has no licence field yet: never invented
        meta["license"] = licence
    tags = [tag for tag, applies in ((task, task), ("fairness-audit", assessment.of_spec("bias-audit"))) if applies]
    datasets = [checklist.dataset for checklist in assessment.of_spec("data-checklist")]
    metrics = list(dict.fromkeys(item.detail_as(ObjectiveDetail).metric for item in objectives))
    results = _results(objectives, task)
    for key, value in (
        ("tags", tags),
        ("datasets", datasets),
        ("metrics", metrics),
        ("model-index", [{"name": info.id, "results": results}] if results else []),
    ):
        if value:
            meta[key] = value
    return meta


def _task(assessment: Assessment, objectives: list[Status]) -> str | None:
    """A bias audit (binary labels in a table) or a classification metric makes it tabular classification."""
    if assessment.of_spec("bias-audit") or any(
        o.detail_as(ObjectiveDetail).metric in CLASSIFICATION_METRICS for o in objectives
    ):
        return TASK
    return None


def _results(objectives: list[Status], task: str | None) -> list[dict]:
    """model-index results: one per dataset, with the candidate run's value of each objective's metric."""
    by_dataset: dict[str | None, list] = {}  # an objective may name no dataset
    for item in objectives:
        if item.value is not None:
            detail = item.detail_as(ObjectiveDetail)
            metric = detail.metric
            by_dataset.setdefault(detail.dataset, []).append(
                {"type": metric, "value": item.value, "name": f"{metric} ({item.id})"}
            )
    task_entry = {"task": {"type": task}} if task else {}
    return [
        {**task_entry, "dataset": {"name": name, "type": name}, "metrics": metrics}
        for name, metrics in by_dataset.items()
    ]


# --- sections -----------------------------------------------------------------------------------


def _project(assessment: Assessment) -> dict:
    info = assessment.info
    return {
        "id": info.id,
        "name": info.name,
        "version": info.version,
        "owner": info.owner,
        "problem": info.problem,
        "intended_use": info.intended_use,
        "out_of_scope": list(info.out_of_scope),
        "cost_of_error": info.ml_fit.cost_of_error,
    }


def _candidate(candidate: Candidate | None) -> dict | None:
    if candidate is None:
        return None
    facts = candidate.reproducibility
    return {
        "run_id": candidate.run_id,
        "name": candidate.name or "",
        "source": candidate.source,
        "experiment": candidate.experiment or "not recorded",
        "reproducibility": [
            {"name": key, "value": "not recorded" if facts[key] is None else str(facts[key])} for key in sorted(facts)
        ],
        "params": [{"name": key, "value": str(value)} for key, value in sorted(candidate.params.items())],
    }


def _objective(item: Status) -> dict:
    word = "at least" if item.direction == "higher" else "at most"
    detail = item.detail_as(ObjectiveDetail)
    return {
        "id": item.id,
        "statement": item.title,
        "metric": detail.metric,
        "dataset": detail.dataset,
        "target": f"{word} {fmt(item.target)}",
        "measured": fmt(item.value),
        "status": item.status,
        "baselines": [
            {
                "id": row.id,
                "kind": row.kind,
                "value": fmt(row.value),
                "improvement": fmt(row.improvement, signed=True),
                "origin": row.origin,
            }
            for row in item.baselines
        ],
    }


def _audit(audit) -> dict:
    spec, data = audit.spec, audit.result_data
    metrics = list(data["overall"]["metrics"])
    overall = _group_row("all rows", data["overall"]["count"], True, data["overall"]["metrics"], metrics)
    return {
        "id": spec.id,
        "title": spec.title or spec.id,
        "predictions": spec.predictions,
        "rows": fmt(data["rows"]),
        "label": spec.label,
        "positive_label": str(spec.positive_label),
        "score": spec.score,
        "prediction": spec.prediction,
        "threshold": fmt(spec.threshold),
        "sensitive_features": list(spec.sensitive_features),
        "intersections": [grouping_name(features) for features in spec.intersections],
        "reference_groups": [f"{key} = {value}" for key, value in sorted(spec.reference_groups.items())],
        "slices": list(spec.slices),
        "paradoxes": _paradoxes(data["slices"]),
        "missing": [f"{key}: {fmt(count)}" for key, count in sorted(data["missing"].items())],
        "min_group_size": fmt(spec.min_group_size),
        "uncertainty": _uncertainty(spec, data["settings"]),
        "costs": _costs(data["thresholds"]),
        "metrics": metrics,
        "groupings": [_grouping(grouping, metrics, overall) for grouping in data["groupings"]],
        "limits": [row for outcome in audit.limits for row in _limit_rows(outcome)],
        "harms": [
            {
                "source": name,
                "status": harm.status if harm else "not assessed",
                "finding": harm.finding if harm else None,
                "mitigation": harm.mitigation if harm else None,
            }
            for name, harm in spec.harms
        ],
    }


def _paradoxes(slices: list[dict]) -> list[str]:
    """Simpson's paradox: a group order that reverses in every compared slice."""
    return [
        f"{r['metric']} by {r['feature']} across {r['slice_column']}"
        for entry in slices
        for r in entry["reversals"]
        if r["simpsons_paradox"]
    ]


def _uncertainty(spec, settings: dict) -> dict:
    return {
        "confidence": f"{spec.confidence_level * 100:g}%",
        "rate_intervals": settings.get("rate_intervals", NOT_STATED),
        "bootstrap": settings.get("bootstrap", NOT_STATED),
        "samples": fmt(spec.bootstrap.samples),
        "seed": str(spec.bootstrap.seed),
    }


def _costs(thresholds: dict | None) -> dict | None:
    if not thresholds:
        return None
    overall = thresholds["overall"]
    return {
        "false_positive": fmt(thresholds["cost_fp"]),
        "false_negative": fmt(thresholds["cost_fn"]),
        "best_threshold": fmt(overall["best_threshold"]),
        "best_cost": fmt(overall["best_cost"]),
        "cost_in_use": fmt(overall["cost_in_use"]),
    }


def _group_label(group: dict) -> str:
    return " & ".join(str(value) for value in group.values())


def _group_row(label: str, count, sufficient: bool, values: dict, metrics: list[str]) -> dict:
    return {
        "group": label,
        "n": fmt(count),
        "small": not sufficient,
        "cells": [_cell(values.get(metric)) for metric in metrics],
    }


def _grouping(grouping: dict, metrics: list[str], overall: dict) -> dict:
    rows = [
        _group_row(_group_label(g["group"]), g["count"], g["sufficient"], g["metrics"], metrics)
        for g in grouping["groups"]
    ]
    disparities = [
        {"metric": name, "between_groups": _cell(by.get("between_groups")), "to_overall": _cell(by.get("to_overall"))}
        for name, by in grouping["disparities"].items()
    ]
    return {
        "name": grouping["name"],
        "reference": _group_label(grouping["reference"] or {}),
        "rows": [overall, *rows],
        "disparities": disparities,
    }


def _limit_rows(outcome) -> list[dict]:
    """One row per finding of a limit (a group metric has one per group), or one saying there is none."""
    rule = f"{outcome.op} {fmt(outcome.value)}" + (" (whole interval)" if outcome.confident else "")
    base = {"id": outcome.id, "metric": outcome.metric, "rule": rule}
    if not outcome.findings:
        return [
            base
            | {
                "grouping": outcome.feature or "every grouping",
                "group": "",
                "observed": "n/a",
                "status": outcome.status,
                "reason": "no finding",
            }
        ]
    return [
        base
        | {
            "grouping": f.grouping,
            "group": _group_label(f.group) if f.group else "between groups",
            "observed": _estimate(f.observed, f.interval),
            "status": f.status,
            "reason": f.reason or "",
        }
        for f in outcome.findings
    ]


def _checklists(assessment: Assessment) -> list[dict]:
    items = assessment.of_kind("checklist-item")
    return [
        {
            "id": checklist.id,
            "dataset": checklist.dataset,
            "rows": [
                {
                    "id": item.id,
                    "question": item.title,
                    "status": item.status,
                    "answer": item.why,
                    "evidence": item.detail_as(ChecklistItemDetail).evidence or "",
                }
                for item in items
                if item.detail_as(ChecklistItemDetail).checklist == checklist.id
            ],
        }
        for checklist in assessment.of_spec("data-checklist")
    ]


def _risks(assessment: Assessment) -> list[dict]:
    rows = []
    for item in assessment.of_kind("risk"):
        detail = item.detail_as(RiskDetail)
        residual = detail.residual or {"likelihood": detail.likelihood, "impact": detail.impact}
        rows.append(
            {
                "id": item.id,
                "title": item.title,
                "status": item.status,
                "owner": detail.owner or "no owner",
                "before": f"{detail.band} ({detail.score})",
                "after": f"{detail.residual_band} ({residual['likelihood'] * residual['impact']})",
                "mitigations": list(detail.mitigations),
                "severe": detail.severe,
            }
        )
    return rows


def _caveats(assessment: Assessment) -> list[dict]:
    caveats = [
        {"topic": topic, "id": item.id, "detail": f"{item.title} ({item.why})"}
        for (kind, status), topic in CAVEATS.items()
        for item in assessment.of_kind(kind)
        if item.status == status
    ]
    candidate = assessment.candidate
    if candidate is None:
        caveats.append({"topic": "No candidate run", "id": "results", "detail": "no run is up for release"})
    for name in candidate.missing_reproducibility if candidate else []:
        caveats.append(
            {"topic": "Reproducibility fact not recorded", "id": name, "detail": "the candidate run does not record it"}
        )
    caveats.extend(
        {"topic": "Evidence problem", "id": d.code, "detail": (f"{d.file}:{d.line}: " if d.file else "") + d.message}
        for d in assessment.diagnostics
    )
    return caveats
