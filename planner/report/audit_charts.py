"""The decision charts of a bias audit, from its plain data (`ProjectAudit.to_dict()`), so a
cached audit draws the same charts as one computed now.

- expected cost against the decision threshold, overall (with the threshold in use, the
  cost-optimal one and the evaluation plan's tolerance band) and per group;
- confusion matrices per group (counts and rates);
- ROC and precision-recall curves per group with the operating point, and a reliability diagram
  per group with its ECE, from the score histograms;
- the slice breakdown table with sizes and Simpson's-paradox flags.
"""

from __future__ import annotations

import re
from typing import Any

from planner.numbers import quantity
from planner.report import curves
from planner.report.plots import Guide, Series, confusion_matrices, line_chart

CURVES = {  # kind -> (name, x axis, y axis, whether the chance diagonal is drawn)
    "roc": ("ROC curve", "false positive rate", "true positive rate", True),
    "pr": ("precision-recall curve", "recall (true positive rate)", "precision", False),
}
MAX_MATRICES = 12  # an intersection with more groups shows its first matrices (the table has all)


def chart_id(*parts: str) -> str:
    """An XML id from names that may hold spaces and `&` (intersections are named `race & sex`)."""
    return "c-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", "-".join(parts))


def _cost_words(thresholds: list[float], costs: list[float | None], in_use: float | None) -> tuple[str, Any]:
    defined = [(t, c) for t, c in zip(thresholds, costs, strict=True) if c is not None]
    if not defined:
        return "undefined", None
    best_t, best_c = min(defined, key=lambda tc: (tc[1], tc[0]))
    words = f"lowest expected cost {quantity(best_c)} per case at threshold {quantity(best_t)}"
    at = curves.edge_index(thresholds, in_use) if in_use is not None else None
    cost_at = costs[at] if at is not None else None
    if cost_at is not None and in_use is not None:
        words += f", {quantity(cost_at)} at the threshold in use {quantity(in_use)}"
    return words, (best_t, best_c)


def cost_charts(data: dict[str, Any], *, tolerance: float | None = None) -> list[str]:
    """Expected cost per case against the threshold: overall, then one chart per sensitive feature."""
    analysis = data.get("thresholds")
    if not analysis:
        return []
    grid, in_use = analysis["thresholds"], data["settings"].get("threshold")
    words, best = _cost_words(grid, analysis["overall_curve"], in_use)
    guides = [Guide(in_use, "in use", "")] if in_use is not None else []
    if best is not None:
        guides.append(Guide(best[0], "cost-optimal", "5 3"))
    band = curves.tolerance_band(grid, analysis["overall_curve"], tolerance) if tolerance is not None else None
    if band is not None:
        guides.insert(0, Guide(band[0], f"within {tolerance:.0%} of the lowest cost", to=band[1]))
    cost_label = f"expected cost per case (FP {quantity(analysis['cost_fp'])}, FN {quantity(analysis['cost_fn'])})"
    overall = Series("overall", list(zip(grid, analysis["overall_curve"], strict=True)), words, bold=True)
    if best is not None:
        overall.marks.append((best[0], best[1], "lowest"))
    out = [
        line_chart(
            [overall],
            chart_id=chart_id(data["id"], "cost"),
            title=f"Audit {data['id']}: expected cost against the decision threshold",
            what="Expected cost against the decision threshold, overall",
            x_label="decision threshold (positive when score >= threshold)",
            y_label=cost_label,
            guides=guides,
        )
    ]
    for feature, groups in (analysis.get("group_curves") or {}).items():
        series = []
        for group, costs in groups.items():
            words, best = _cost_words(grid, costs, in_use)
            s = Series(group, list(zip(grid, costs, strict=True)), words)
            s.marks += [(best[0], best[1], "lowest")] if best is not None else []
            series.append(s)
        out.append(
            line_chart(
                series,
                chart_id=chart_id(data["id"], "cost", feature),
                title=f"Audit {data['id']}: expected cost against the threshold by {feature}",
                what=f"Expected cost against the decision threshold by {feature}; filled markers are each "
                "group's lowest-cost threshold",
                x_label="decision threshold",
                y_label=cost_label,
                guides=[Guide(in_use, "in use", "")] if in_use is not None else [],
            )
        )
    return out


def short_label(group: dict[str, str], fallback: str) -> str:
    """The group's values (``female & 25-44``): the chart's title names the features."""
    return " & ".join(group.values()) or fallback


def confusion_chart(audit_id: str, grouping: dict[str, Any]) -> str:
    groups = grouping["groups"][:MAX_MATRICES]
    rows = [(short_label(g["group"], grouping["name"]) + f" (n={g['count']:,})", g["cells"]) for g in groups]
    more = len(grouping["groups"]) - len(groups)
    title = f"Confusion matrices by {grouping['name']}" + (f" (first {len(groups)} groups)" if more else "")
    return confusion_matrices(rows, chart_id=chart_id(audit_id, "cm", grouping["name"]), title=title)


def _histograms(data: dict[str, Any]) -> list[tuple[str, dict[str, dict]]]:
    """(feature, {group: histogram}) with the overall first, as ("overall", {"overall": ...})."""
    hist = data.get("score_histograms")
    if not hist:
        return []
    return [("overall", {"overall": hist["overall"]}), *hist["groupings"].items()]


def _operating(histogram: dict, edges: list[float], threshold: float | None, kind: str) -> tuple | None:
    at = curves.edge_index(edges, threshold) if threshold is not None else None
    if at is None:
        return None
    points = curves.roc_points(histogram) if kind == "roc" else curves.pr_points(histogram)
    x, y = points[at]
    return None if x is None or y is None else (x, y)


def _curve_series(groups: dict[str, dict], edges: list[float], threshold: float | None, kind: str) -> list[Series]:
    out = []
    for group, histogram in groups.items():
        points = curves.roc_points(histogram) if kind == "roc" else curves.pr_points(histogram)
        drawn = [(x, y) for x, y in points if x is not None]
        op = _operating(histogram, edges, threshold, kind)
        if kind == "roc":
            words = "no positives or no negatives" if not drawn else ""
            words += "" if op is None else f"at the threshold in use FPR {op[0]:.3f}, TPR {op[1]:.3f}"
        else:
            words = "" if op is None else f"at the threshold in use recall {op[0]:.3f}, precision {op[1]:.3f}"
        s = Series(group, sorted(drawn, key=lambda p: (p[0], p[1] if p[1] is not None else 0.0)), words)
        s.marks += [(op[0], op[1], "in use")] if op is not None else []
        out.append(s)
    return out


def score_charts(data: dict[str, Any]) -> list[str]:
    """ROC, precision-recall and reliability charts, overall and per sensitive feature."""
    hist = data.get("score_histograms")
    if not hist:
        return []
    edges, threshold, out = hist["edges"], data["settings"].get("threshold"), []
    op_words = (
        f"filled markers are the operating point at the threshold in use ({quantity(threshold)})" if threshold else ""
    )
    for feature, groups in _histograms(data):
        by = "overall" if feature == "overall" else f"by {feature}"
        for kind, (name, x_label, y_label, diagonal) in CURVES.items():
            out.append(
                line_chart(
                    _curve_series(groups, edges, threshold, kind),
                    chart_id=chart_id(data["id"], kind, feature),
                    title=f"Audit {data['id']}: {name} {by}",
                    what=f"{name[0].upper()}{name[1:]} {by}, exact at thresholds 0, 0.01, ..., 1; {op_words}",
                    x_label=x_label,
                    y_label=y_label,
                    y_domain=(0.0, 1.0),
                    diagonal=diagonal,
                )
            )
        out.append(_reliability_chart(data["id"], feature, groups, hist["calibration_bins"]))
    return out


def _reliability_chart(audit_id: str, feature: str, groups: dict[str, dict], bins: int) -> str:
    series = []
    for group, histogram in groups.items():
        points = curves.reliability(histogram)
        value = curves.ece(histogram)
        label = f"{group} (ECE {value:.3f})" if value is not None else group
        gap = max(points, key=lambda point: abs(point[1] - point[0]), default=None)
        said = (
            f"{len(points)} non-empty bins; widest gap at mean score {gap[0]:.2f}, {gap[1]:.2f} positive of {gap[2]:,}"
            if gap
            else "no rows"
        )
        series.append(Series(label, [(s, p) for s, p, _ in points], said))
    by = "overall" if feature == "overall" else f"by {feature}"
    return line_chart(
        series,
        chart_id=chart_id(audit_id, "reliability", feature),
        title=f"Audit {audit_id}: reliability diagram {by}",
        what=f"Reliability diagram {by}, {bins} equal-width score bins; the dotted diagonal is perfect "
        "calibration; ECE is the expected calibration error on the same bins",
        x_label="mean predicted score in the bin",
        y_label="share of positives in the bin",
        y_domain=(0.0, 1.0),
        diagonal=True,
        dots=True,
    )


def slice_tables(data: dict[str, Any], metrics: list[str]) -> list[dict[str, Any]]:
    """Per (slice column, feature): rows of slice, group, size and metrics, each with the number of
    reversed pairs it takes part in; and the reversals, one row per (metric, pair), naming the
    slices where the pair's overall order reverses (Simpson's paradox when it does in every
    compared slice)."""
    out = []
    for entry in data.get("slices") or []:
        involved: dict[tuple[str, str], list[dict]] = {}
        for r in entry["reversals"]:
            for name in r["reversed_in"]:
                for group in r["groups"]:
                    involved.setdefault((name, group), []).append(r)
        rows = [
            {
                "slice": g["slice"],
                "group": g["group"],
                "count": g["metrics"].get("count"),
                "metrics": {m: g["metrics"].get(m) for m in metrics if m in g["metrics"]},
                "reversed": len(involved.get((g["slice"], g["group"]), [])),
                "paradox": any(r["simpsons_paradox"] for r in involved.get((g["slice"], g["group"]), [])),
            }
            for g in entry["groups"]
        ]
        shown = [m for m in metrics if any(m in g["metrics"] for g in entry["groups"]) and m != "count"]
        out.append(
            {
                "slice_column": entry["slice_column"],
                "feature": entry["feature"],
                "metrics": shown,
                "rows": rows,
                "reversals": entry["reversals"],
                "reversals_found": entry.get("reversals_found", len(entry["reversals"])),
                "paradoxes": sum(1 for r in entry["reversals"] if r["simpsons_paradox"]),
            }
        )
    return out
