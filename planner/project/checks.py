"""Cross-document checks: unique ids, resolved references, no cycles, orphans, scales.

Errors make a project invalid; warnings (orphans, unassessed harms) are shown but do not.
"""

from __future__ import annotations

import difflib

from planner.errors import Severity
from planner.project.graph import TraceGraph, format_cycle
from planner.project.items import ItemRef, Reference, collect_items, collect_references
from planner.spec.data import STANDARD_IDS
from planner.project.project import Project, SpecDoc

ORDERED_RELATIONS = {"parent", "depends-on"}
SINGLETON_KINDS = ("policy", "results")


def unique_ids(items: list[ItemRef]):
    first: dict[str, ItemRef] = {}
    for item in items:
        if item.id in first:
            other = first[item.id]
            line, _ = other.doc.document.position(other.path)
            yield item.doc.at(item.path, "duplicate-id", f"id {item.id!r} is already used",
                      f"first defined at {other.doc.document.file}:{line}; ids are unique across the project")
        else:
            first[item.id] = item


def resolved_references(refs: list[Reference], items: dict[str, ItemRef]):
    for ref in refs:
        target = items.get(ref.target)
        if target is None:
            candidates = [i for i, item in items.items() if not ref.kinds or item.kind in ref.kinds]
            close = difflib.get_close_matches(ref.target, candidates, n=1, cutoff=0.5)
            hint = f"did you mean {close[0]!r}?" if close else \
                f"no {' or '.join(ref.kinds) or 'item'} has this id"
            yield ref.doc.at(ref.path, "unresolved-ref", f"{ref.target!r} does not exist", hint)
        elif ref.kinds and target.kind not in ref.kinds:
            yield ref.doc.at(ref.path, "wrong-kind",
                      f"{ref.target!r} is a {target.kind}, expected a {' or '.join(ref.kinds)}")


def acyclic(graph: TraceGraph, items: dict[str, ItemRef]):
    for cycle in graph.find_cycles(ORDERED_RELATIONS):
        item = items[min(cycle)]
        yield item.doc.at(item.path, "cycle", f"cycle: {format_cycle(cycle)}",
                  "break the cycle: an item cannot depend on itself")


def orphans(graph: TraceGraph, items: dict[str, ItemRef]):
    warn = dict(severity=Severity.WARNING)
    for item in items.values():
        if item.kind == "goal" and not graph.downstream(item.id) & graph.of_kind("objective"):
            yield item.doc.at(item.path, "orphan-goal", f"goal {item.id!r} has no objective",
                      "add an objective whose `goal` is this goal", **warn)
        if item.kind == "objective" and item.model.goal is None:
            yield item.doc.at(item.path, "orphan-objective", f"objective {item.id!r} serves no goal",
                      "set `goal` to the business goal it serves", **warn)


def risk_bands(doc: SpecDoc):
    """Bands must not overlap and must together cover every score of the matrix."""
    spec = doc.model
    ordered = sorted(spec.band_ranges().items(), key=lambda item: item[1])
    for (low_name, (low_lo, low_hi)), (name, (lo, hi)) in zip(ordered, ordered[1:]):
        if lo <= low_hi:
            yield doc.at(("bands", name), "overlapping-bands",
                      f"bands {low_name!r} ({low_lo}-{low_hi}) and {name!r} ({lo}-{hi}) overlap",
                      "each score belongs to exactly one band")
    missing = sorted(score for score in spec.scores() if spec.band_of(score) is None)
    if missing:
        maximum = spec.scale.likelihood * spec.scale.impact
        yield doc.at(("bands",), "uncovered-scores",
                  f"bands leave scores {missing} (of 1-{maximum}) without a band", "extend the bands")


def risk_register(doc: SpecDoc):
    yield from risk_bands(doc)
    spec = doc.model
    for i, risk in enumerate(spec.risks):
        for prefix, rating in (((), risk), (("residual",), risk.residual)):
            if rating is None:
                continue
            for axis in ("likelihood", "impact"):
                if getattr(rating, axis) > getattr(spec.scale, axis):
                    yield doc.at(("risks", i, *prefix, axis), "out-of-scale",
                              f"{axis} {getattr(rating, axis)} is above the scale's {getattr(spec.scale, axis)}",
                              f"use 1 to {getattr(spec.scale, axis)}, or enlarge `scale`")
        band = spec.band_of(risk.score)
        missing = [what for what, given in (("owner", risk.owner), ("mitigation", risk.mitigations)) if not given]
        if missing and is_severe(spec, band) and risk.status != "closed":
            yield doc.at(("risks", i, "id"), "unmanaged-risk",
                      f"{band} risk {risk.id!r} has no {' and no '.join(missing)}",
                      f"give it {' and '.join('an ' + m if m[0] == 'o' else 'a ' + m for m in missing)}",
                      Severity.WARNING)
        if risk.residual and risk.residual.score > risk.score:
            yield doc.at(("risks", i, "residual"), "residual-above-inherent",
                      f"residual score {risk.residual.score} is above the inherent score {risk.score}",
                      "mitigations should not raise a risk; check the ratings", Severity.WARNING)


def is_severe(spec, band: str | None) -> bool:
    """High or critical: one of the two most severe bands of the register."""
    return band is not None and spec.band_rank(band) >= len(spec.bands) - 2


def checklist(doc: SpecDoc):
    spec = doc.model
    standard = STANDARD_IDS if spec.template == "standard" else ()
    for i, item in enumerate(spec.items):
        if item.id not in standard and not item.question:
            close = difflib.get_close_matches(item.id, standard, n=1)
            hint = f"did you mean the standard item {close[0]!r}?" if close else "add a `question`"
            yield doc.at(("items", i, "id"), "missing-question",
                      f"item {item.id!r} is not a standard question and has no `question`", hint)
    answered = {item.id for item in spec.items}
    unanswered = [item_id for item_id in standard if item_id not in answered]
    if unanswered:
        yield doc.at(("id",), "unanswered", f"{len(unanswered)} standard questions not answered: "
                  f"{', '.join(unanswered)}", "answer them, or mark them n/a with a reason", Severity.WARNING)


def bias_audit(doc: SpecDoc):
    spec = doc.model
    features = set(spec.sensitive_features) | {" & ".join(combo) for combo in spec.intersections}
    for i, limit in enumerate(spec.limits):
        if limit.feature and limit.feature not in features:
            yield doc.at(("limits", i, "feature"), "unknown-feature",
                      f"{limit.feature!r} is not a sensitive feature or intersection of this audit",
                      f"one of: {', '.join(sorted(features))}")
    missing = [name for name, value in spec.harms if value is None]
    if missing:
        yield doc.at(("harms",) if doc.document.data.get("harms") else ("id",), "unassessed-harm",
                  f"sources of harm not assessed: {', '.join(missing)}",
                  "assess each, or mark it not-applicable with a finding", Severity.WARNING)


def singletons(project: Project):
    for kind in SINGLETON_KINDS:
        for doc in project.docs_of_kind(kind)[1:]:
            yield doc.at(("kind",), "duplicate-kind", f"a project has at most one `{kind}` document",
                      "merge the documents")


def policy_bands(project: Project):
    bands = {band for spec in project.of_kind("risks") for band in spec.bands}
    for doc in project.docs_of_kind("policy"):
        band = doc.model.require.max_risk_band
        if bands and band not in bands:
            yield doc.at(("require", "max_risk_band"), "unknown-band", f"no risk band is named {band!r}",
                      f"one of: {', '.join(sorted(bands))}")


PER_KIND = {"risks": risk_register, "data-checklist": checklist, "bias-audit": bias_audit}


def check_project(project: Project) -> TraceGraph:
    """Run every cross-check, adding diagnostics to the project; returns the graph they used."""
    items = collect_items(project)
    refs = collect_references(project)
    by_id = {}
    for item in items:
        by_id.setdefault(item.id, item)
    graph = TraceGraph(items, refs)
    found = [*unique_ids(items), *resolved_references(refs, by_id), *acyclic(graph, by_id),
             *orphans(graph, by_id), *singletons(project), *policy_bands(project)]
    for doc in project.docs:
        found.extend(PER_KIND.get(doc.kind, lambda _: ())(doc))
    project.diagnostics.extend(found)
    return graph
