"""The Assessment: every goal, objective, constraint, risk, checklist item, audit limit, behavioural
test and decision threshold with a status and the reason for it, computed once from the specs and
the evidence.

Reports and the gate read only this; nothing downstream recomputes a status. A metric that is
missing or NaN is "no-evidence", never "met".
"""

from __future__ import annotations

import math

from planner.assess.model import Assessment, Status
from planner.errors import Diagnostic, PlannerError
from planner.project.items import checklist_item_ids, collect_items
from planner.spec.data import STANDARD_TEMPLATE
from planner.project.project import Project

MET, NOT_MET, NO_EVIDENCE = "met", "not-met", "no-evidence"
# objectives may name a metric the way scikit-learn does; audits use fairlearn's names
ALIASES = {"recall": "true_positive_rate", "tpr": "true_positive_rate", "fpr": "false_positive_rate"}
QUESTIONS = {item_id: question for item_id, _, question in STANDARD_TEMPLATE}


def _number(value) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def compare(value: float | None, target: float, direction: str) -> tuple[str, float | None]:
    """Status and margin (positive = better than target) of a measured value."""
    value = _number(value)
    if value is None:
        return NO_EVIDENCE, None
    margin = value - target if direction == "higher" else target - value
    return (MET if margin >= 0 else NOT_MET), margin


def metric_of(run, name: str) -> float | None:
    if run is None:
        return None
    return _number(run.metrics.get(name, run.metrics.get(ALIASES.get(name, name))))


class Evidence:
    """Runs of every source, the candidate, and computed audits, with the problems met reading them."""

    def __init__(self, project: Project, audits=None):
        from planner.evidence.sources import load_runs, select_candidate

        self.runs, self.candidate, self.problems = [], None, []
        self.audits = {audit.spec.id: audit for audit in audits or []}
        for doc in project.docs_of_kind("results"):
            for index, source in enumerate(doc.model.sources):
                try:
                    self.runs.extend(load_runs(source, project.root))
                except PlannerError as exc:
                    self.problems.extend(_at_spec(d, doc, ("sources", index, "uri")) for d in exc.diagnostics)
            try:
                self.candidate = select_candidate(self.runs, doc.model.candidate)
            except PlannerError as exc:
                self.problems.extend(exc.diagnostics)

    def run(self, name: str):
        return next((r for r in self.runs if name in (r.run_id, r.name)), None)

    def computed_baseline(self, kind: str, metric: str) -> float | None:
        key = {"zero-rule": "zero_rule", "random": "random"}.get(kind)
        for audit in self.audits.values():
            overall = audit.result_data["baselines"].get(key, {}).get("overall", {}) if key else {}
            value = overall.get(metric, overall.get(ALIASES.get(metric, metric)))
            if value is not None:
                return value
        return None


def _at_spec(diagnostic: Diagnostic, doc, path: tuple) -> Diagnostic:
    """A diagnostic that names no file (a tracking server's answer) placed at the spec line behind it."""
    if diagnostic.file:
        return diagnostic
    return doc.at(path, diagnostic.code, diagnostic.message, diagnostic.hint, diagnostic.severity)


def _baseline_rows(objective, baselines: dict, evidence: Evidence, value: float | None) -> list[dict]:
    rows = []
    for baseline_id in objective.baselines:
        baseline = baselines.get(baseline_id)
        if baseline is None:
            continue
        if baseline.run:
            found, origin = metric_of(evidence.run(baseline.run), objective.metric.name), f"run {baseline.run}"
        elif baseline.value is not None:
            found, origin = baseline.value, "stated in the spec"
        else:
            found, origin = evidence.computed_baseline(baseline.kind, objective.metric.name), "computed from the audit"
        improvement = None if found is None or value is None else \
            (value - found if objective.metric.direction == "higher" else found - value)
        rows.append({"id": baseline_id, "kind": baseline.kind, "value": found, "origin": origin,
                     "improvement": improvement, "beaten": None if improvement is None else improvement > 0})
    return rows


def _objectives(project: Project, evidence: Evidence):
    candidate = evidence.candidate
    for spec in project.of_kind("objectives"):
        baselines = {b.id: b for b in spec.baselines}
        for goal in spec.goals:
            if goal.kpi is None:
                yield Status(goal.id, "goal", "info", goal.statement, "no KPI defined")
                continue
            value = metric_of(candidate, goal.kpi.name)
            status, margin = compare(value, goal.kpi.target, goal.kpi.direction)
            why = f"KPI {goal.kpi.name} " + ("not measured by the candidate run (measured after deployment)"
                                              if status == NO_EVIDENCE else f"= {value:g}")
            yield Status(goal.id, "goal", status, goal.statement, why, value, goal.kpi.target,
                         goal.kpi.direction, margin, extra={"kpi": goal.kpi.name, "kpi_baseline": goal.kpi.baseline})
        for objective in spec.objectives:
            metric = objective.metric
            value = metric_of(candidate, metric.name)
            status, margin = compare(value, metric.target, metric.direction)
            rows = _baseline_rows(objective, baselines, evidence, value)
            why = _objective_why(metric, value, status, candidate)
            losing = [row["id"] for row in rows if row["kind"] == "zero-rule" and row["beaten"] is False]
            if losing:
                status, why = NOT_MET, f"does not beat its zero-rule baseline {', '.join(losing)}; " + why
            yield Status(objective.id, "objective", status, objective.statement, why, value, metric.target,
                         metric.direction, margin, candidate.run_id if candidate and value is not None else None,
                         rows, extra={"metric": metric.name, "dataset": metric.dataset, "goal": objective.goal})


def _objective_why(metric, value, status, candidate) -> str:
    if candidate is None:
        return "no candidate run"
    if status == NO_EVIDENCE:
        return f"the candidate run has no metric {metric.name!r}"
    word = "at least" if metric.direction == "higher" else "at most"
    return f"{metric.name} = {value:.4g}, target {word} {metric.target:g}"


def _constraints(project: Project, evidence: Evidence):
    for spec in project.of_kind("constraints"):
        for constraint in spec.constraints:
            if constraint.limit is None:
                yield Status(constraint.id, "constraint", "info", constraint.statement,
                             f"{constraint.category} constraint, not measurable from runs",
                             extra={"category": constraint.category, "aspect": constraint.aspect})
                continue
            limit = constraint.limit
            value = metric_of(evidence.candidate, limit.name)
            status, margin = compare(value, limit.target, limit.direction)
            why = f"the candidate run has no metric {limit.name!r}" if status == NO_EVIDENCE else \
                f"{limit.name} = {value:.4g}, limit {'at most' if limit.direction == 'lower' else 'at least'} {limit.target:g}"
            yield Status(constraint.id, "constraint", status, constraint.statement, why, value, limit.target,
                         limit.direction, margin, extra={"category": constraint.category, "aspect": constraint.aspect,
                                                         "metric": limit.name})


def _risks(project: Project):
    for spec in project.of_kind("risks"):
        for risk in spec.risks:
            current = risk.residual or risk
            band = spec.band_of(current.score)
            why = f"{risk.status}; {'residual' if risk.residual else 'inherent'} score {current.score} ({band})"
            yield Status(risk.id, "risk", risk.status, risk.title, why, extra={
                "likelihood": risk.likelihood, "impact": risk.impact, "score": risk.score,
                "band": spec.band_of(risk.score), "residual": risk.residual.model_dump() if risk.residual else None,
                "residual_band": band, "band_rank": spec.band_rank(band), "bands": len(spec.bands),
                "owner": risk.owner, "mitigations": list(risk.mitigations)})


def _checklists(project: Project):
    for checklist in project.of_kind("data-checklist"):
        answers = {item.id: item for item in checklist.items}
        for item_id in checklist_item_ids(checklist):
            item = answers.get(item_id)
            question = (item.question if item and item.question else None) or QUESTIONS.get(item_id, item_id)
            status = item.status if item else "open"
            why = (item.answer or item.reason or "not answered yet") if item else "not answered yet"
            yield Status(f"{checklist.id}.{item_id}", "checklist-item", status, question, why,
                         extra={"evidence": item.evidence if item else None, "checklist": checklist.id})


def _audits(project: Project, evidence: Evidence):
    for spec in project.of_kind("bias-audit"):
        audit = evidence.audits.get(spec.id)
        for index, limit in enumerate(spec.limits):
            limit_id = spec.limit_id(index)
            rule = f"{limit.metric} {limit.op} {limit.value:g}" + (f" for {limit.feature}" if limit.feature else "")
            if audit is None:
                yield Status(limit_id, "limit", NO_EVIDENCE, rule, "audit not computed")
                continue
            outcome = next(o for o in audit.limits if o.id == limit_id)
            observed = [f"{f.grouping}: {f.observed:.4g}" for f in outcome.findings if f.observed is not None]
            yield Status(limit_id, "limit", outcome.status, rule, "; ".join(observed) or "no finding",
                         value=next((f.observed for f in outcome.findings if f.status == outcome.status), None),
                         target=limit.value, extra={"audit": spec.id, "op": limit.op})


def _evaluations(project: Project, evidence: Evidence):
    audits = project.of_kind("bias-audit")
    for spec in project.of_kind("evaluation"):
        yield _evaluation_plan(spec, audits)
        for test in spec.tests:
            yield _behavioural_test(test, spec, evidence.candidate)
        if spec.threshold is not None:
            yield _threshold(spec, audits, evidence)


def _evaluation_plan(spec, audits) -> Status:
    """The plan itself (datasets, slices), with the audits that break results down by each slice."""
    def covering(features):
        return [a.id for a in audits if set(features) <= set(a.sensitive_features) | set(a.slices)
                or any(set(features) <= set(combo) for combo in a.intersections)]
    coverage = {name: covering([name]) for name in spec.slices}
    coverage |= {" & ".join(combo): covering(combo) for combo in spec.crossed_slices}
    uncovered = [name for name, found in coverage.items() if not found]
    measured = sum(test.metric is not None for test in spec.tests)
    why = (f"{len(spec.datasets)} datasets; {len(spec.tests)} behavioural tests ({measured} measured by runs); "
           f"slices: {', '.join(coverage) or 'none'} (at least {spec.min_slice_size} rows)")
    if uncovered:
        why += f"; not broken down by any bias audit: {', '.join(uncovered)}"
    return Status(spec.id, "evaluation", "info", spec.title or "Evaluation plan", why, extra={
        "datasets": [dataset.model_dump() for dataset in spec.datasets], "slices": list(spec.slices),
        "crossed_slices": [list(combo) for combo in spec.crossed_slices], "min_slice_size": spec.min_slice_size,
        "slice_coverage": coverage, "tests": [test.id for test in spec.tests],
        "threshold": spec.threshold_id if spec.threshold else None})


def _behavioural_test(test, spec, candidate) -> Status:
    extra = {"evaluation": spec.id, "type": test.type, "perturbation": test.perturbation,
             "expectation": test.expectation, "dataset": test.dataset, "links": list(test.links),
             "metric": test.metric.name if test.metric else None}
    if test.metric is None:
        return Status(test.id, "test", "info", test.statement, "not measured by a run", extra=extra)
    metric = test.metric
    value = metric_of(candidate, metric.name)
    status, margin = compare(value, metric.target, metric.direction)
    return Status(test.id, "test", status, test.statement, _objective_why(metric, value, status, candidate),
                  value, metric.target, metric.direction, margin,
                  candidate.run_id if candidate and value is not None else None, extra=extra)


def _threshold(spec, audits, evidence: Evidence) -> Status:
    """The threshold in use; a cost-based one is met when its expected cost (from the audit's threshold
    analysis) is at most `tolerance` above the cost-optimal threshold's."""
    threshold = spec.threshold
    audit_spec = next((a for a in audits if a.id == threshold.audit), None)
    costs = threshold.costs or (audit_spec.costs if audit_spec else None)
    extra = {"evaluation": spec.id, "policy": threshold.policy, "value": threshold.value,
             "costs": costs.model_dump() if costs else None,
             "costs_from": None if costs is None else ("spec" if threshold.costs else "audit"),
             "audit": threshold.audit, "tolerance": threshold.tolerance, "target_rate": threshold.target_rate,
             "feature": threshold.feature, "groups": dict(threshold.groups), "rationale": threshold.rationale,
             "bayes_threshold": _bayes_threshold(costs), "run_threshold": _run_threshold(evidence.candidate),
             **dict.fromkeys(("optimal_threshold", "optimal_cost", "cost_at_value", "excess_cost", "band",
                              "candidates")), "group_optimal": {}}
    analysis, problem = _cost_analysis(threshold, costs, evidence)
    extra.update(analysis or {})
    shown = f"{threshold.value:g}" if threshold.value is not None else \
        f"on {threshold.feature}: " + ", ".join(f"{group} {value:g}" for group, value in threshold.groups.items())
    why = f"{threshold.policy} threshold {shown}"
    if analysis:
        why += (f"; cost-optimal {analysis['optimal_threshold']:g} (expected cost {analysis['optimal_cost']:.4g}"
                f" per case, audit {threshold.audit})")
        why += "" if analysis["cost_at_value"] is None else f", at {shown}: {analysis['cost_at_value']:.4g}"
    if problem:
        why += f"; {problem}"
    if not analysis and extra["bayes_threshold"] is not None:
        why += f"; with calibrated scores expected cost is lowest at {extra['bayes_threshold']:.3g}"
    run_threshold = extra["run_threshold"]
    if None not in (run_threshold, threshold.value) and run_threshold != threshold.value:
        why += f"; the candidate run records threshold {run_threshold:g}"
    return Status(spec.threshold_id, "threshold", _threshold_status(threshold, analysis),
                  f"Decision threshold ({threshold.policy})", why, value=threshold.value, extra=extra)


def _threshold_status(threshold, analysis) -> str:
    if threshold.policy != "cost-based" or threshold.audit is None:
        return "info"  # only a cost-based choice claims a cost, and only an audit's analysis can check it
    if analysis is None or analysis["cost_at_value"] is None:
        return NO_EVIDENCE
    allowed = analysis["optimal_cost"] * (1 + threshold.tolerance)
    return MET if analysis["cost_at_value"] <= allowed + COST_EPSILON else NOT_MET


COST_EPSILON = 1e-12  # float noise when the threshold in use is the optimum


def _bayes_threshold(costs) -> float | None:
    """With calibrated scores the expected cost is lowest at cost_fp / (cost_fp + cost_fn)."""
    total = costs.false_positive + costs.false_negative if costs else 0
    return costs.false_positive / total if total else None


def _run_threshold(candidate) -> float | None:
    try:
        return float(candidate.params["threshold"]) if candidate else None
    except (KeyError, TypeError, ValueError):
        return None


def _cost_analysis(threshold, costs, evidence: Evidence) -> tuple[dict | None, str | None]:
    """The audit's expected-cost curve read at the threshold in use, with the optimum and the band
    of thresholds within `tolerance` of it; or why it cannot be read."""
    if threshold.audit is None:
        return None, ("no audit named, so the choice is not checked against expected cost"
                      if threshold.policy == "cost-based" else None)
    audit = evidence.audits.get(threshold.audit)
    if audit is None:
        return None, f"audit {threshold.audit} not computed"
    data = audit.result_data["thresholds"]
    if data is None:
        return None, f"audit {threshold.audit} has no threshold analysis (it needs `costs` and a `score` column)"
    if (costs.false_positive, costs.false_negative) != (data["cost_fp"], data["cost_fn"]):
        return None, (f"its costs differ from audit {threshold.audit}'s (false positive {data['cost_fp']:g}, "
                      f"false negative {data['cost_fn']:g}), whose analysis therefore does not apply")
    grid = [(t, c) for t, c in zip(data["thresholds"], data["overall_curve"]) if c is not None]
    best_t, best_c = data["overall"]["best_threshold"], data["overall"]["best_cost"]
    within = [t for t, c in grid if c <= best_c * (1 + threshold.tolerance) + COST_EPSILON]
    at_value = next((c for t, c in grid if threshold.value is not None and abs(t - threshold.value) < 1e-9), None)
    groups = data["groupings"].get(threshold.feature, {}) if threshold.policy == "per-group" else {}
    analysis = {"optimal_threshold": best_t, "optimal_cost": best_c, "cost_at_value": at_value,
                "excess_cost": None if at_value is None else at_value - best_c,
                "band": [min(within), max(within)] if within else None,
                "candidates": data["candidates"],
                "group_optimal": {group: row["best_threshold"] for group, row in groups.items()}}
    off_grid = threshold.value is not None and at_value is None
    return analysis, (f"{threshold.value:g} is not one of the audit's candidate thresholds" if off_grid else None)


def assess(project: Project, *, audits=None) -> Assessment:
    """The Assessment of a valid project; evidence problems become diagnostics, not exceptions."""
    evidence = Evidence(project, audits)
    items = [*_objectives(project, evidence), *_constraints(project, evidence), *_risks(project),
             *_checklists(project), *_audits(project, evidence), *_evaluations(project, evidence)]
    positions = {i.id: (i.doc.document.file, i.doc.document.position(i.path)[0]) for i in collect_items(project)}
    for item in items:
        item.file, item.line = positions.get(item.id, ("", 0))
    info = project.manifest.project
    candidate = None
    if evidence.candidate is not None:
        run = evidence.candidate
        candidate = {"run_id": run.run_id, "name": run.name, "source": run.source, "experiment": run.experiment,
                     "metrics": run.metrics, "params": run.params, "reproducibility": run.reproducibility,
                     "missing_reproducibility": sorted(k for k, v in run.reproducibility.items() if v is None)}
    return Assessment({"id": info.id, "name": info.name, "version": info.version, "owner": info.owner},
                      candidate, items, evidence.problems)

