"""A model card (Mitchell et al. 2019) in the Hugging Face layout, filled from the specs and the evidence.

The card is built here as plain data and rendered by `modelcard.md.j2`, which a project may
override from its own `templates/` folder. Only what the specs and the evidence say goes in; a
section with no source says "not stated in the specs" instead of guessing. Numbers are formatted
here, once, in the one number style of `planner.numbers` (rates to 3 decimals, counts with
thousands separators, intervals held together by no-break spaces, `n/a` for missing or NaN).
The YAML front matter keeps the raw values, so tools reading the metadata get exact numbers.
"""

from __future__ import annotations

import datetime
import math
import re
from typing import TYPE_CHECKING

from planner import numbers
from planner.assess.model import Assessment, Candidate, Status
from planner.audit.project import grouping_name
from planner.gate.decision import Decision, evaluate
from planner.gate.item import FAIL, PASS, WAIVED, GateItem
from planner.kinds.data_checklist import ChecklistItemDetail
from planner.kinds.evaluation import TestDetail
from planner.kinds.objectives import ObjectiveDetail
from planner.kinds.risks import RiskDetail
from planner.numbers import card_number as fmt
from planner.report.environment import environment, render_template
from planner.source.yaml_documents import dump
from planner.spec.bias import GROUP_METRICS
from planner.spec.project import ModelCard
from planner.text import INLINE_WHITESPACE, printable
from planner.vocab import Outcome

if TYPE_CHECKING:
    from planner.kinds.signoffs import SignoffState

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
UNNAMED_DATASET = "unspecified"
"""model-index `dataset.type` of metrics when the specs name no evaluation dataset at all."""
LIBRARY_PARAMS = ("library_name", "library")
"""Parameters of the candidate run that name the library it was built with, when the manifest does not."""

# Markdown on one line, escaped only where the character would change the rendering (CommonMark
# and GitHub's tables, as the Hugging Face Hub renders a card): never as HTML entities, which
# Markdown sources show literally to whoever reads them.
_MD_ALWAYS = re.compile(r"([\\`*\[\]|~])")
"""Code spans, emphasis, links and images, table cells, strikethrough: escaped wherever they stand."""
_MD_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
"""`_` opens or closes emphasis unless it stands between two letters or digits (`flip_rate`)."""
_MD_TAG_OPEN = re.compile(r"<(?=[A-Za-z/!?])")
"""`<` that could open an HTML tag, a comment, a declaration or an autolink; `<=` or `< 5` cannot."""
_MD_ENTITY = re.compile(r"&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{0,31};)")
"""`&` that would start a character reference (`&amp;`, `&#60;`); `R&D` or `A & B` would not."""
_MD_LINE_START = re.compile(r"^(?:(#{1,6}|[-+])(?=\s|$)|(>)|(\d{1,9})([.)])(?=\s|$)|(-)(?=(?:\s*-){2,}\s*$)|(=+)\s*$)")
"""What starts a block when the text starts a line: a heading, a list item, a block quote, a
thematic break or a setext underline."""


def _line_start(match: re.Match) -> str:
    heading, quote, number, dot, rule, underline = match.groups()
    if number:
        return f"{number}\\{dot}"
    return "\\" + (heading or quote or rule or underline or match.group(0))


def md_inline(text: object) -> str:
    """`text` as literal Markdown inside a line (a table cell, after a label): control characters
    dropped, whitespace runs become one space (a no-break space stays: it holds an interval
    together), and only the characters that would change the rendering there backslash-escaped
    (never an HTML entity); `None` becomes ""."""
    if text is None:
        return ""
    text = INLINE_WHITESPACE.sub(" ", printable(text)).strip(" ")
    text = _MD_ALWAYS.sub(r"\\\1", text)
    text = _MD_UNDERSCORE.sub(r"\\_", text)
    text = _MD_TAG_OPEN.sub(r"\\<", text)
    return _MD_ENTITY.sub(r"\\&", text)


def md(text: object) -> str:
    """`text` as literal Markdown anywhere on a line, its start included: `md_inline`, and what
    would start a block there (`# `, `- `, `1. `, `>`, `---`) escaped too."""
    return _MD_LINE_START.sub(_line_start, md_inline(text), count=1)


def model_card(assessment: Assessment, *, as_of: datetime.date, decision: Decision | None = None) -> str:
    """The model card of an assessed project: Markdown with Hugging Face YAML front matter.
    `decision` is the gate's on `as_of` (evaluated here when not given)."""
    env = environment(assessment.root)
    # a card is Markdown source read as text too: escaped for Markdown only, never with HTML entities
    env.filters.update(md=md, md_inline=md_inline)
    return render_template(env, TEMPLATE, card_context(assessment, as_of=as_of, decision=decision))


def card_context(assessment: Assessment, *, as_of: datetime.date, decision: Decision | None = None) -> dict:
    """Everything the template shows, as plain dicts, lists and strings. The release decision is
    the gate's own (`planner.gate.decision.evaluate`), with waivers judged on `as_of`."""
    objectives = assessment.of_kind("objective")
    decision = decision or evaluate(assessment, today=as_of)
    gate = {item.id: item for item in decision.items}
    return {
        "front_matter": dump(front_matter(assessment)),
        "as_of": as_of.isoformat(),
        "project": _project(assessment),
        "candidate": _candidate(assessment.candidate),
        "objectives": [_objective(item) | {"gate": _gate_status(gate.get(item.id))} for item in objectives],
        "tests": [_test(item) | {"gate": _gate_status(gate.get(item.id))} for item in assessment.of_kind("test")],
        "evaluation_datasets": sorted({item.detail_as(ObjectiveDetail).dataset for item in objectives}),
        "audits": [_audit(audit, gate) for audit in assessment.audits],
        "checklists": _checklists(assessment),
        "risks": _risks(assessment),
        "caveats": _caveats(assessment, decision),
        "decision": _decision(assessment, decision),
        "model_index_note": _model_index_note(assessment),
    }


def _estimate(value, interval) -> str:
    """`value [low, high]` (`planner.numbers.estimate`), or the value alone when there is no interval."""
    return numbers.estimate(value, interval)


def _cell(metric: dict | None) -> str:
    """An audit metric (`{"value", "interval"}`, absent when not computed) as a table cell."""
    return _estimate((metric or {}).get("value"), (metric or {}).get("interval"))


# --- front matter -------------------------------------------------------------------------------


def front_matter(assessment: Assessment) -> dict:
    """Hugging Face model-card metadata; keys without a source in the specs are left out.

    The manifest's `project.model_card` gives what the specs cannot say (licence, library, task,
    Hub dataset ids and splits). `model-index` holds every finite metric of the candidate run, once,
    under the evaluation dataset an objective or a behavioural test measures it on (the objectives'
    first dataset for a metric neither ties to a dataset)."""
    info, objectives = assessment.info, assessment.of_kind("objective")
    card = info.model_card or ModelCard()
    task = card.pipeline_tag or _task(assessment, objectives)
    meta: dict = {}
    for key, text in (
        ("license", card.license),
        ("library_name", card.library_name or _library(assessment.candidate)),
        ("pipeline_tag", task),
    ):
        if text:  # never invented: a key without a source is left out
            meta[key] = text
    tags = [
        tag for tag, applies in ((task, task), ("fairness-audit", assessment.of_spec("bias-audit"))) if applies and tag
    ]
    datasets = [d.name for d in card.datasets] or [c.dataset for c in assessment.of_spec("data-checklist")]
    metrics = list(dict.fromkeys(item.detail_as(ObjectiveDetail).metric for item in objectives))
    results = _results(assessment, task) if task else []  # the Hub requires a task for each result
    for key, value in (
        ("tags", tags),
        ("datasets", list(dict.fromkeys(datasets))),
        ("metrics", metrics),
        ("model-index", [{"name": info.id, "results": results}] if results else []),
    ):
        if value:
            meta[key] = value
    return meta


def _library(candidate: Candidate | None) -> str | None:
    """The library the candidate run names in a parameter (`library_name`, `library`), if any."""
    params = candidate.params if candidate else {}
    return next((params[key] for key in LIBRARY_PARAMS if params.get(key)), None)


def _task(assessment: Assessment, objectives: list[Status]) -> str | None:
    """A bias audit (binary labels in a table) or a classification metric makes it tabular classification."""
    if assessment.of_spec("bias-audit") or any(
        o.detail_as(ObjectiveDetail).metric in CLASSIFICATION_METRICS for o in objectives
    ):
        return TASK
    return None


def metric_datasets(assessment: Assessment) -> tuple[dict[str, str], str | None]:
    """The evaluation dataset of each metric an objective or a behavioural test measures on a named
    dataset (objectives first), and the dataset for every other metric: the objectives' first,
    else the tests', else the evaluation plan's first; None when the specs name none."""
    named: dict[str, str] = {}
    for item in assessment.of_kind("objective"):
        detail = item.detail_as(ObjectiveDetail)
        if detail.dataset:
            named.setdefault(detail.metric, detail.dataset)
    for item in assessment.of_kind("test"):
        test = item.detail_as(TestDetail)
        if test.metric and test.dataset:
            named.setdefault(test.metric, test.dataset)
    planned = [d.id for plan in assessment.of_spec("evaluation") for d in plan.datasets]
    return named, next(iter([*named.values(), *planned]), None)


def _split(assessment: Assessment, dataset: str) -> str | None:
    return next((d.split for plan in assessment.of_spec("evaluation") for d in plan.datasets if d.id == dataset), None)


def _dataset_entry(assessment: Assessment, dataset: str | None) -> dict:
    """model-index `dataset`: the Hub id the manifest maps the evaluation dataset to, else its id."""
    if dataset is None:
        return {"name": "evaluation data not named in the specs", "type": UNNAMED_DATASET}
    card = assessment.info.model_card or ModelCard()
    mapped = next((d for d in card.datasets if d.evaluation_dataset == dataset), None)
    split = (mapped.split if mapped else None) or _split(assessment, dataset)
    entry = {"name": dataset, "type": mapped.name if mapped else dataset}
    return entry | ({"split": split} if split else {})


def _results(assessment: Assessment, task: str) -> list[dict]:
    """model-index results: one per evaluation dataset, each finite metric of the candidate run once."""
    candidate = assessment.candidate
    if candidate is None:
        return []
    named, default = metric_datasets(assessment)
    by_dataset: dict[str | None, list] = {}
    for metric, value in sorted(candidate.metrics.items()):
        if math.isfinite(value):  # NaN or infinity is no evidence (and no YAML number the Hub reads)
            by_dataset.setdefault(named.get(metric, default), []).append(
                {"type": metric, "value": value, "name": metric}
            )
    return [
        {"task": {"type": task}, "dataset": _dataset_entry(assessment, dataset), "metrics": metrics}
        for dataset, metrics in by_dataset.items()
    ]


def _model_index_note(assessment: Assessment) -> dict:
    """Which metrics the metadata files under a dataset no spec ties them to, and which it leaves out."""
    candidate = assessment.candidate
    metrics = candidate.metrics if candidate else {}
    named, default = metric_datasets(assessment)
    return {
        "default_dataset": default or "",
        "attributed": sorted(m for m, v in metrics.items() if m not in named and math.isfinite(v)),
        "not_finite": sorted(m for m, v in metrics.items() if not math.isfinite(v)),
    }


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
        "measured": numbers.measured(item.value),
        "status": item.status,
        "baselines": [
            {
                "id": row.id,
                "kind": row.kind,
                "value": numbers.measured(row.value),
                "improvement": fmt(row.improvement, signed=True),
                "origin": row.origin,
            }
            for row in item.baselines
        ],
    }


def _test(item: Status) -> dict:
    """A behavioural test (CheckList): what it perturbs, what it expects, and what the candidate run measured."""
    detail = item.detail_as(TestDetail)
    word = "at least" if item.direction == "higher" else "at most"
    return {
        "id": item.id,
        "type": detail.type,
        "statement": item.title,
        "perturbation": detail.perturbation or "",
        "expectation": detail.expectation,
        "metric": detail.metric or "not measured by a metric",
        "dataset": detail.dataset or "",
        "target": f"{word} {fmt(item.target)}" if item.target is not None else "n/a",
        "measured": numbers.measured(item.value),
        "status": item.status,
    }


def _gate_status(item: GateItem | None) -> str:
    """What the release gate made of an item: pass, fail, or waived (and by whom until when)."""
    if item is None:
        return "not gated"
    waiver = item.waiver
    if item.status == WAIVED and waiver:
        return f"waived by {waiver['approver']} until {waiver['expires']}"
    if item.status == FAIL and waiver:
        return f"fail (waiver expired on {waiver['expires']})"
    return str(item.status)


def _audit(audit, gate: dict[str, GateItem]) -> dict:
    from planner.audit.text import source_lines

    spec, data = audit.spec, audit.result_data
    metrics = list(data["overall"]["metrics"])
    overall = _group_row("all rows", data["overall"]["count"], True, data["overall"]["metrics"], metrics)
    return {
        "id": spec.id,
        "title": spec.title or spec.id,
        "predictions": spec.source_label,
        "provenance": source_lines(data),
        "rows": numbers.count(data["rows"]),
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
        "missing": [f"{key}: {numbers.count(count)}" for key, count in sorted(data["missing"].items())],
        "min_group_size": numbers.count(spec.min_group_size),
        "uncertainty": _uncertainty(spec, data["settings"]),
        "costs": _costs(data["thresholds"]),
        "metrics": metrics,
        "groupings": [_grouping(grouping, metrics, overall) for grouping in data["groupings"]],
        "limits": [
            row | {"gate": _gate_status(gate.get(outcome.id))}
            for outcome in audit.limits
            for row in _limit_rows(outcome)
        ],
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
        "confidence": f"{fmt(spec.confidence_level * 100)}%",
        "rate_intervals": settings.get("rate_intervals", NOT_STATED),
        "bootstrap": settings.get("bootstrap", NOT_STATED),
        "samples": numbers.count(spec.bootstrap.samples),
        "seed": str(spec.bootstrap.seed),
    }


def _costs(thresholds: dict | None) -> dict | None:
    if not thresholds:
        return None
    overall = thresholds["overall"]
    return {
        "false_positive": numbers.cost(thresholds["cost_fp"]),
        "false_negative": numbers.cost(thresholds["cost_fn"]),
        "best_threshold": fmt(overall["best_threshold"]),
        "best_cost": numbers.cost(overall["best_cost"]),
        "cost_in_use": numbers.cost(overall["cost_in_use"]),
    }


def _group_label(group: dict) -> str:
    return " & ".join(str(value) for value in group.values())


def _named_group(group: dict) -> str:
    """A group named with its features, as a limit's finding shows it: `age_band=40-49`, `race=Black & sex=Female`."""
    return " & ".join(f"{feature}={value}" for feature, value in group.items())


def _finding_summary(outcome) -> str:
    """A limit's findings on one line, every group by name and value: `race=Black: 0.514 (fail); ...`."""
    parts = []
    for f in outcome.findings:
        where = _named_group(f.group) if f.group else f.grouping
        interval = f", interval {numbers.interval(f.interval)}" if f.interval and f.observed is not None else ""
        reason = f": {f.reason}" if f.reason else ""
        parts.append(f"{where}: {numbers.measured(f.observed)}{interval} ({f.status}{reason})")
    return "; ".join(parts)


def _group_row(label: str, count, sufficient: bool, values: dict, metrics: list[str]) -> dict:
    return {
        "group": label,
        "n": numbers.count(count),
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
            "group": _named_group(f.group) if f.group else "between groups",
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


def _caveats(assessment: Assessment, decision: Decision) -> list[dict]:
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
    caveats.extend(
        {"topic": "Waived for this release", "id": item.id, "detail": f"{item.title} ({_gate_status(item)})"}
        for item in decision.items
        if item.status == WAIVED
    )
    if not decision.passed:
        failing = ", ".join(item.id for item in decision.failures)
        caveats.append({"topic": "Release gate fails", "id": "gate", "detail": f"failing items: {failing}"})
    return caveats


# --- release decision ---------------------------------------------------------------------------


def _decision(assessment: Assessment, decision: Decision) -> dict:
    """The gate's decision as the card shows it: every item with its status and reason, every waiver,
    every sign-off and whether it still matches the specs."""
    limits = {outcome.id: outcome for audit in assessment.audits for outcome in audit.limits}
    counts = {status: sum(item.status == status for item in decision.items) for status in (PASS, FAIL, WAIVED)}
    return {
        "passed": decision.passed,
        "verdict": "pass" if decision.passed else "fail",
        "total": len(decision.items),
        "counts": {str(status): count for status, count in counts.items()},
        "rows": [
            {
                "id": item.id,
                "requirement": item.requirement,
                "title": item.title,
                "status": str(item.status),
                "why": _why(item, limits.get(item.id)),
            }
            for item in decision.items
        ],
        "waivers": [
            {
                "item": w.item,
                "approver": w.approver,
                "expires": w.expires.isoformat(),
                "state": "expired: waives nothing"
                if w.expired
                else (
                    "in force: waives the failing item" if w.used else "in force, not needed: the item does not fail"
                ),
                "reason": w.reason,
            }
            for w in decision.waivers
        ],
        "signoffs": [
            {
                "role": s.role,
                "name": s.name,
                "date": s.date.isoformat(),
                "matches": "yes" if s.valid else _stale(s),
            }
            for s in decision.signoffs
        ],
    }


def _stale(signoff: SignoffState) -> str:
    """Why a sign-off no longer matches, without the who and when its row already shows."""
    signed = f"signed off by {signoff.name} on {signoff.date.isoformat()}"
    return "no: " + (signoff.why.removeprefix(signed).lstrip(", ") or "the specs changed since")


def _why(item: GateItem, outcome) -> str:
    """The gate's reason; for an audit limit, its findings with each group named (the gate names only the grouping)."""
    if outcome is None or not outcome.findings:
        return item.why
    waiver = item.waiver or {}
    suffix = ""
    if waiver and item.status == WAIVED:
        suffix = f"; waived by {waiver['approver']} until {waiver['expires']}"
    elif waiver:
        suffix = f"; waiver expired on {waiver['expires']}"
    return f"{_finding_summary(outcome)}; limit {item.title}{suffix}"
