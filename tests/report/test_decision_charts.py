"""The charts a decision rests on: expected cost against the threshold, confusion matrices, ROC,
precision-recall and reliability curves, and the slice breakdown; each checked against
scikit-learn or a direct numpy computation on the same rows, then drawn as accessible SVG."""

import json
import re
import shutil
import xml.etree.ElementTree as ET
from datetime import date

import numpy as np
import pandas as pd
import pytest
from sklearn.calibration import calibration_curve
from sklearn.metrics import confusion_matrix, precision_score, recall_score

from helpers import EXAMPLES
from planner import load as load_project
from planner.assess import assess
from planner.audit import cache as audit_cache
from planner.audit import run_audit
from planner.audit.cache import audits_for
from planner.audit.histograms import EDGES
from planner.numbers import quantity
from planner.report import audit_charts, curves, render_reports
from planner.report.charts import limit_chart, nice_ticks, target_chart
from planner.report.plots import DASHES, Guide, Series, confusion_matrices, line_chart

NS = "{http://www.w3.org/2000/svg}"
GRID = np.arange(101) / 100  # the thresholds as written: a score of 0.35 is at threshold 0.35
GERMAN = next(path for path in EXAMPLES if path.name == "german-credit")


def predictions(n=3000, seed=7):
    """Scores with ties on the histogram edges (a third rounded to 0.01) and three groups."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b", "c"], n, p=[0.5, 0.35, 0.15])
    y = rng.binomial(1, np.where(group == "a", 0.4, 0.25))
    score = np.clip(rng.beta(2, 3, n) + 0.25 * y, 0, 1)
    score[: n // 3] = np.round(score[: n // 3], 2)
    score[:5] = [0.0, 1.0, 0.5, 0.01, 0.99]
    return pd.DataFrame({"y": y, "score": score, "group": group})


@pytest.fixture(scope="module")
def frame():
    return predictions()


@pytest.fixture(scope="module")
def data(frame):
    result = run_audit(
        frame,
        label="y",
        score="score",
        sensitive_features=["group"],
        threshold=0.5,
        costs={"fp": 1.0, "fn": 3.0},
        bootstrap_samples=0,
    )
    out = result.to_dict()
    out["id"] = "A1"
    return json.loads(json.dumps(out, allow_nan=False))  # what the cache keeps: plain JSON


def parts(frame, data):
    """(name, rows, histogram) overall and per group."""
    hist = data["score_histograms"]
    yield "overall", frame, hist["overall"]
    for group, h in hist["groupings"]["group"].items():
        yield group, frame[frame["group"] == group], h


def expected_cost(frame, threshold, cost_fp=1.0, cost_fn=3.0):
    _tn, fp, fn, _tp = confusion_matrix(frame["y"], (frame["score"] >= threshold).astype(int), labels=[0, 1]).ravel()
    return (cost_fp * fp + cost_fn * fn) / len(frame)


# --- the numbers ---------------------------------------------------------------------------------


def test_roc_points_equal_scikit_learn_at_every_edge(frame, data):
    for _, rows, hist in parts(frame, data):
        points = curves.roc_points(hist)
        assert len(points) == len(EDGES) == 101
        for edge, (fpr, tpr) in zip(EDGES, points, strict=True):
            tn, fp, fn, tp = confusion_matrix(rows["y"], rows["score"] >= edge, labels=[0, 1]).ravel()
            assert (fpr, tpr) == (pytest.approx(fp / (fp + tn), abs=1e-12), pytest.approx(tp / (tp + fn), abs=1e-12))


def test_precision_recall_points_equal_scikit_learn_at_every_edge(frame, data):
    for _, rows, hist in parts(frame, data):
        for edge, (recall, precision) in zip(EDGES, curves.pr_points(hist), strict=True):
            predicted = rows["score"] >= edge
            assert recall == pytest.approx(recall_score(rows["y"], predicted), abs=1e-12)
            if predicted.any():
                assert precision == pytest.approx(precision_score(rows["y"], predicted), abs=1e-12)
            else:
                assert precision is None  # undefined, not 0


def test_ece_and_reliability_equal_numpy_on_the_same_bins_and_the_audit(frame, data):
    groups = {g["group"]["group"]: g for g in data["groupings"][0]["groups"]}
    for name, rows, hist in parts(frame, data):
        y, s = rows["y"].to_numpy(), rows["score"].to_numpy()
        bins = np.searchsorted(np.linspace(0, 1, 11)[1:-1], s)  # right-closed but the first
        direct = sum(abs(y[bins == b].mean() - s[bins == b].mean()) * (bins == b).sum() for b in np.unique(bins))
        assert curves.ece(hist) == pytest.approx(direct / len(y), abs=1e-12)
        metrics = data["overall"] if name == "overall" else groups[name]
        assert curves.ece(hist) == pytest.approx(metrics["metrics"]["expected_calibration_error"]["value"], abs=1e-12)
        prob_true, prob_pred = calibration_curve(y, s, n_bins=10, strategy="uniform")
        points = curves.reliability(hist)
        assert [p for _, p, _ in points] == pytest.approx(list(prob_true), abs=1e-12)
        assert [m for m, _, _ in points] == pytest.approx(list(prob_pred), abs=1e-12)


def test_cost_curves_per_group_equal_a_direct_computation(frame, data):
    analysis = data["thresholds"]
    assert analysis["thresholds"] == pytest.approx(list(GRID))
    assert analysis["overall_curve"] == pytest.approx([expected_cost(frame, t) for t in GRID], abs=1e-12)
    for group, costs in analysis["group_curves"]["group"].items():
        rows = frame[frame["group"] == group]
        assert costs == pytest.approx([expected_cost(rows, t) for t in GRID], abs=1e-12)


def test_tolerance_band_is_the_thresholds_within_the_tolerance(frame, data):
    costs = np.array([expected_cost(frame, t) for t in GRID])
    within = GRID[costs <= costs.min() * 1.05 + 1e-12]
    band = curves.tolerance_band(data["thresholds"]["thresholds"], data["thresholds"]["overall_curve"], 0.05)
    assert band == (pytest.approx(within.min()), pytest.approx(within.max()))


def test_operating_counts_at_the_threshold_in_use_are_the_audit_cells(frame, data):
    at = curves.edge_index(data["score_histograms"]["edges"], 0.5)
    assert curves.operating_counts(data["score_histograms"]["overall"])[at] == data["overall"]["cells"]
    for g in data["groupings"][0]["groups"]:
        hist = data["score_histograms"]["groupings"]["group"][g["group"]["group"]]
        assert curves.operating_counts(hist)[at] == g["cells"]
        rows = frame[frame["group"] == g["group"]["group"]]
        tn, fp, fn, tp = confusion_matrix(rows["y"], rows["score"] >= 0.5, labels=[0, 1]).ravel()
        assert g["cells"] == {"tp": tp, "fp": fp, "fn": fn, "tn": tn}


def test_counts_without_scores_give_no_histograms():
    counts = pd.DataFrame({"g": ["a", "a", "b"], "label": [1, 0, 1], "prediction": [1, 0, 0], "count": [5, 6, 7]})
    result = run_audit(counts, label="label", prediction="prediction", sensitive_features=["g"], count="count")
    assert result.to_dict()["score_histograms"] is None
    assert audit_charts.score_charts(result.to_dict() | {"id": "A"}) == []


# --- the drawings --------------------------------------------------------------------------------


def svg(text):
    root = ET.fromstring(text)
    assert root.tag == f"{NS}svg" and root.get("role") == "img"
    assert root.find(f"{NS}title").text and root.find(f"{NS}desc").text
    ids = set(root.get("aria-labelledby").split())
    assert ids == {root.find(f"{NS}title").get("id"), root.find(f"{NS}desc").get("id")}
    return root


def texts(root):
    return [el.text for el in root.iter(f"{NS}text")]


def test_cost_charts_mark_the_threshold_in_use_the_optimum_and_the_band(data):
    charts = audit_charts.cost_charts(data, tolerance=0.05)
    assert len(charts) == 2  # overall, then by group
    overall = svg(charts[0])
    desc = overall.find(f"{NS}desc").text
    best = int(np.nanargmin(data["thresholds"]["overall_curve"]))
    band = curves.tolerance_band(data["thresholds"]["thresholds"], data["thresholds"]["overall_curve"], 0.05)
    assert f"cost-optimal at {quantity(GRID[best])}" in desc and "in use at 0.5" in desc
    assert f"within 5% of the lowest cost from {quantity(band[0])} to {quantity(band[1])} (hatched)" in desc
    assert {"in use", "cost-optimal", "overall"} <= set(texts(overall))
    by_group = svg(charts[1])
    desc = by_group.find(f"{NS}desc").text
    for group, costs in data["thresholds"]["group_curves"]["group"].items():
        i = int(np.nanargmin(costs))
        assert f"{group}: lowest expected cost {quantity(costs[i])} per case at threshold {quantity(GRID[i])}" in desc
    dashes = {line.get("stroke-dasharray") for line in by_group.iter(f"{NS}polyline")}
    assert len(dashes) == 3  # one pattern per group: never colour alone


def test_cost_charts_without_a_threshold_analysis_are_absent(data):
    assert audit_charts.cost_charts(data | {"thresholds": None}) == []


def test_score_charts_name_the_operating_point_and_ece(frame, data):
    charts = [svg(chart) for chart in audit_charts.score_charts(data)]
    assert len(charts) == 6  # ROC, PR, reliability: overall and by group
    titles = [c.find(f"{NS}title").text for c in charts]
    assert titles[:3] == [
        "Audit A1: ROC curve overall",
        "Audit A1: precision-recall curve overall",
        "Audit A1: reliability diagram overall",
    ]
    cells = data["overall"]["cells"]
    tpr, fpr = cells["tp"] / (cells["tp"] + cells["fn"]), cells["fp"] / (cells["fp"] + cells["tn"])
    assert f"at the threshold in use FPR {fpr:.3f}, TPR {tpr:.3f}" in charts[0].find(f"{NS}desc").text
    ece = data["overall"]["metrics"]["expected_calibration_error"]["value"]
    assert f"overall (ECE {ece:.3f})" in texts(charts[2])


def test_confusion_matrices_show_counts_and_rates(data):
    grouping = data["groupings"][0]
    root = svg(audit_charts.confusion_chart("A1", grouping))
    shown, desc = texts(root), root.find(f"{NS}desc").text
    for g in grouping["groups"]:
        c = g["cells"]
        assert f"TP {c['tp']:,}" in shown and f"TN {c['tn']:,}" in shown
        assert f"TPR {c['tp'] / (c['tp'] + c['fn']):.3f}" in shown
        assert (
            f"{g['group']['group']} (n={g['count']:,}): TP {c['tp']}, TPR {c['tp'] / (c['tp'] + c['fn']):.3f}" in desc
        )


def test_a_confusion_row_without_rows_says_undefined():
    root = svg(confusion_matrices([("g", {"tp": 0, "fn": 0, "fp": 2, "tn": 3})], chart_id="cm", title="t"))
    assert "TPR undefined" in texts(root) and "FPR 0.400" in texts(root)


def test_hostile_series_names_are_text():
    name = "</svg><script>alert(1)</script> url(x)"
    chart = line_chart(
        [Series(name, [(0.0, 0.1), (1.0, 0.5)], said=name)],
        chart_id="h",
        title=name,
        what="w",
        x_label="x",
        y_label="y",
        guides=[Guide(0.5, name)],
    )
    root = svg(chart)
    assert "<script" not in chart and "url(" not in chart and root.find(f"{NS}title").text == name


def test_series_beyond_the_dash_patterns_still_differ_by_marker():
    series = [Series(f"g{k}", [(0.0, k / 10), (1.0, k / 10)]) for k in range(len(DASHES) + 2)]
    root = svg(line_chart(series, chart_id="m", title="t", what="w", x_label="x", y_label="y"))
    assert sum(1 for el in root.iter(f"{NS}polyline")) == len(series)
    assert {f"g{k}" for k in range(len(series))} <= set(texts(root))


def test_a_chart_without_points_says_no_data():
    root = svg(line_chart([Series("a", [(0.0, None)])], chart_id="n", title="t", what="w", x_label="x", y_label="y"))
    assert texts(root) == ["No data"]


# --- ticks and shared scales -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "ticks"),
    [
        (0.0, 1.0, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (0.0, 0.34, [0, 0.1, 0.2, 0.3]),
        (-0.05, 0.15, [-0.05, 0, 0.05, 0.1, 0.15]),
        (0.0, 25.3, [0, 10, 20]),
        (0.0, 0.0035, [0, 0.001, 0.002, 0.003]),
    ],
)
def test_ticks_step_by_one_two_five(low, high, ticks):
    assert nice_ticks(low, high) == pytest.approx(ticks)


def test_the_limits_chart_ticks_round_numbers():
    rows = [{"label": "dp", "observed": 0.3, "interval": None, "op": "<=", "limit": 0.34, "status": "pass"}]
    root = svg(limit_chart(rows, chart_id="l", title="t"))
    numbers = [t for t in texts(root) if re.fullmatch(r"-?[0-9.]+", t or "")]
    assert numbers and all(re.fullmatch(r"-?0|-?0?\.[0-9]|[0-9]+", t) for t in numbers), numbers


def test_objectives_share_one_rate_axis_and_keep_other_units_apart():
    rows = [
        {
            "label": "AUC",
            "value": 0.87,
            "target": 0.85,
            "direction": "higher",
            "baselines": [],
            "interval": [0.84, 0.9],
        },
        {"label": "recall", "value": 0.6, "target": 0.7, "direction": "higher", "baselines": []},
        {"label": "latency ms", "value": 80, "target": 100, "direction": "lower", "baselines": []},
    ]
    root = svg(target_chart(rows, chart_id="o", title="t"))
    shown = texts(root)
    assert "Scale: rates and scores, 0 to 1" in shown and "Scale: latency ms, 0 to 150" in shown
    desc = root.find(f"{NS}desc").text
    assert "rates and scores, 0 to 1 (AUC, recall)" in desc and "AUC: value 0.87, interval 0.84 to 0.9" in desc
    dots = {c.get("cy"): float(c.get("cx")) for c in root.iter(f"{NS}circle")}
    assert len(dots) == 3  # AUC at 0.87 and recall at 0.6 on the same axis: x grows with the value
    xs = sorted(dots.values())
    assert xs[0] < xs[1]


# --- the cache and the reports ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def german(tmp_path_factory):
    root = tmp_path_factory.mktemp("decision") / "german-credit"
    shutil.copytree(GERMAN, root, ignore=shutil.ignore_patterns(".planner"))
    return root


def test_a_cached_audit_draws_the_same_charts(german):
    computed, _ = audits_for(load_project(german))
    cached, _ = audits_for(load_project(german))
    assert [a.origin for a in computed] == ["computed"] and [a.origin for a in cached] == ["cache"]
    first, again = computed[0].to_dict(), cached[0].to_dict()
    assert audit_charts.cost_charts(first) == audit_charts.cost_charts(again)
    assert audit_charts.score_charts(first) == audit_charts.score_charts(again) != []


def test_a_format_2_cache_is_recomputed(german):
    audits_for(load_project(german))
    path = german / ".planner" / "audits" / "A1.json"
    document = json.loads(path.read_text())
    document["format"] = 2
    path.write_text(json.dumps(document))
    lines = []
    audits, _ = audits_for(load_project(german), report=lines.append)
    assert lines == ["audit A1: computing (cache file has format 2, this planner writes 3)"]
    assert audits[0].to_dict()["score_histograms"] is not None
    assert audit_cache.CACHE_FORMAT == 3


def test_the_example_governance_report_has_the_decision_charts(german):
    project = load_project(german)
    audits, _ = audits_for(project)
    html = render_reports(
        assess(project, audits=audits), kinds=("governance",), formats=("html",), as_of=date(2026, 11, 29)
    )
    text = html["governance.html"].decode()
    for chart_id in ("c-A1-cost", "c-A1-roc-overall", "c-A1-pr-overall", "c-A1-reliability-overall", "c-A1-cm-"):
        assert f'id="{chart_id}' in text, chart_id
    assert "Expected cost against the decision threshold" in text and "Slices: " in text
    assert "within 5% of the lowest cost" in text  # the evaluation plan's tolerance band


@pytest.mark.parametrize("positive_label", [None, 0])
def test_duckdb_counts_the_same_histograms_as_pandas(tmp_path, frame, positive_label):
    pytest.importorskip("duckdb")
    rows = frame.copy()
    rows["group"] = rows["group"].astype(object)
    rows.loc[rows.index[::97], "group"] = None  # the missing group
    path = tmp_path / "p.parquet"
    rows.to_parquet(path)
    options = dict(
        label="y", score="score", sensitive_features=["group"], bootstrap_samples=0, positive_label=positive_label
    )
    pandas = run_audit(str(path), engine="pandas", **options).to_dict()["score_histograms"]
    duck = run_audit(str(path), engine="duckdb", **options).to_dict()["score_histograms"]

    def exact(h):
        return (h["negatives"], h["positives"], h["calibration"]["rows"], h["calibration"]["positives"])

    assert duck["edges"] == pandas["edges"] and duck["groupings"].keys() == pandas["groupings"].keys()
    pairs = [(duck["overall"], pandas["overall"])]
    pairs += [(duck["groupings"]["group"][g], h) for g, h in pandas["groupings"]["group"].items()]
    for d, p in pairs:
        assert exact(d) == exact(p)
        assert d["calibration"]["score_sum"] == pytest.approx(p["calibration"]["score_sum"], rel=1e-12)
    assert len(pandas["groupings"]["group"]) == 4  # a, b, c and the missing group


def test_the_chart_data_stays_out_of_what_a_signoff_binds(german):
    """A sign-off binds the digest of `result_data`: adding charts must not make it stale."""
    for audit in audits_for(load_project(german))[0]:
        assert "score_histograms" not in audit.result_data
        assert "group_curves" not in audit.result_data["thresholds"]
        assert set(audit.charts) == {"score_histograms", "group_curves"}
        shown = audit.to_dict()
        assert shown["score_histograms"] == audit.charts["score_histograms"]
        assert shown["thresholds"]["group_curves"] == audit.charts["group_curves"]
