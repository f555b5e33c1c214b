"""SVG charts: well-formed, accessible, placed where the geometry says, inert with hostile text."""

import itertools
import math
import re
import xml.etree.ElementTree as ET

import pytest

from planner.report.charts import (
    BAND_FILLS,
    HEAT_CELL,
    HEAT_LEFT,
    HEAT_TOP,
    PAPER,
    ROW_HEIGHT,
    ROW_LEFT,
    ROW_PLOT_WIDTH,
    ROW_TOP,
    interval_chart,
    limit_chart,
    risk_heat_map,
    target_chart,
)

NS = "{http://www.w3.org/2000/svg}"
BANDS = [("low", 1, 4), ("medium", 5, 9), ("high", 10, 16), ("critical", 17, 25)]
HOSTILE = ["</svg><script>alert(1)</script>", "url(file:///etc/passwd)", "a\"b'c&d<e>f"]


def segments(root):
    """Every straight stroke as (x1, y1, x2, y2): `<line>`s, and the subpaths of the `<path>`s that
    runs of solid lines are merged into."""
    out = [tuple(float(line.get(k)) for k in ("x1", "y1", "x2", "y2")) for line in root.iter(f"{NS}line")]
    for path in root.iter(f"{NS}path"):
        for sub in re.findall(r"M([-\d.]+) ([-\d.]+)L([-\d.]+) ([-\d.]+)", path.get("d")):
            out.append(tuple(map(float, sub)))
    return out


def heat(risks, **kw):
    return risk_heat_map(risks, bands=kw.pop("bands", BANDS), chart_id="heat", title="Inherent risk", **kw)


def interval_row(label, value, interval=None, count=100, sufficient=True):
    return {"label": label, "value": value, "interval": interval, "count": count, "sufficient": sufficient}


def limit_row(label, observed, op="<=", limit=0.1, status="pass", interval=None):
    return {"label": label, "observed": observed, "interval": interval, "op": op, "limit": limit, "status": status}


def target_row(label, value, target, direction="higher", baselines=()):
    return {"label": label, "value": value, "target": target, "direction": direction, "baselines": list(baselines)}


def sample_charts(label="group a"):
    return {
        "heat": heat([{"id": label, "likelihood": 4, "impact": 5}, {"id": "R2", "likelihood": 1, "impact": 2}]),
        "interval": interval_chart(
            [interval_row(label, 0.4, (0.3, 0.5)), interval_row("b", None, count=3, sufficient=False)],
            metric="selection rate",
            chart_id="sel",
            title="Selection rate",
            reference=("overall", 0.45),
        ),
        "limit": limit_chart(
            [
                limit_row(label, 0.12, status="fail", interval=(0.05, 0.2)),
                limit_row("ratio", 0.9, ">=", 0.8),
                limit_row("eo", None, status="insufficient-data"),
            ],
            chart_id="lim",
            title="Limits",
        ),
        "target": target_chart(
            [
                target_row(label, 0.87, 0.85, baselines=[{"label": "logreg", "value": 0.81}]),
                target_row("latency ms", 80, 100, "lower"),
            ],
            chart_id="obj",
            title="Objectives",
        ),
    }


def empty_charts():
    return [
        heat([]),
        interval_chart([], metric="m", chart_id="e1", title="t"),
        limit_chart([], chart_id="e2", title="t"),
        target_chart([], chart_id="e3", title="t"),
    ]


def texts(root):
    return [el.text for el in root.iter(f"{NS}text")]


def circles(root):
    return list(root.iter(f"{NS}circle"))


def luminance(hex_colour):
    def linear(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(hex_colour[i : i + 2], 16) / 255) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def row_centre(index, height=ROW_HEIGHT):
    return ROW_TOP + index * height + height / 2


def x_at(value, low, high):
    return ROW_LEFT + (value - low) / (high - low) * ROW_PLOT_WIDTH


@pytest.mark.parametrize("svg", list(sample_charts().values()) + empty_charts())
def test_every_chart_is_accessible_svg(svg):
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg" and root.get("role") == "img"
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    by_id = {el.get("id"): el for el in root.iter() if el.get("id")}
    labelled = root.get("aria-labelledby").split()
    assert [by_id[i].tag for i in labelled] == [f"{NS}title", f"{NS}desc"]
    assert all(by_id[i].text.strip() for i in labelled)
    assert root.get("font-family") == "sans-serif"
    assert all(float(el.get("font-size")) >= 9 for el in root.iter(f"{NS}text"))


@pytest.mark.parametrize("svg", empty_charts())
def test_empty_input_says_no_data(svg):
    root = ET.fromstring(svg)
    assert texts(root) == ["No data"]
    assert "no data" in root.find(f"{NS}desc").text


def test_charts_are_deterministic():
    assert sample_charts() == sample_charts()


@pytest.mark.parametrize(("label", "kind"), list(itertools.product(HOSTILE, ["heat", "interval", "limit", "target"])))
def test_hostile_text_stays_inert_text(label, kind):
    svg = sample_charts(label)[kind]
    root = ET.fromstring(svg)
    assert not [el for el in root.iter() if el.tag.endswith(("script", "image", "foreignObject"))]
    assert "url(" not in svg and "href" not in svg and " style=" not in svg
    assert label in root.find(f"{NS}desc").text
    if kind != "heat":  # heat-map cells shorten ids; the desc above carries them whole
        assert label in texts(root)


def test_hostile_title_and_band_names_are_escaped():
    svg = risk_heat_map(
        [{"id": "R1", "likelihood": 1, "impact": 1}], bands=[(HOSTILE[0], 1, 25)], chart_id="h", title=HOSTILE[1]
    )
    root = ET.fromstring(svg)
    assert root.find(f"{NS}title").text == HOSTILE[1]
    assert "url(" not in svg and not list(root.iter(f"{NS}script"))


def test_chart_id_must_be_an_xml_name():
    with pytest.raises(ValueError):
        interval_chart([], metric="m", chart_id='x" onload="1', title="t")


def cell_of(root, content):
    el = next(el for el in root.iter(f"{NS}text") if el.text == content)
    x, y = float(el.get("x")), float(el.get("y"))
    return int((x - HEAT_LEFT) // HEAT_CELL), int((y - HEAT_TOP) // HEAT_CELL)


@pytest.mark.parametrize("levels", [5, 3])
def test_risk_lands_in_its_cell(levels):
    root = ET.fromstring(
        heat([{"id": "R1", "likelihood": 2, "impact": 3}], likelihood_levels=levels, impact_levels=levels)
    )
    assert cell_of(root, "R1") == (3 - 1, levels - 2)  # columns by impact, likelihood counted from the top


def test_heat_map_cell_shows_its_band():
    root = ET.fromstring(heat([{"id": "R1", "likelihood": 4, "impact": 5}]))
    x, y = HEAT_LEFT + 4 * HEAT_CELL, HEAT_TOP + 1 * HEAT_CELL
    rect = next(r for r in root.iter(f"{NS}rect") if (float(r.get("x")), float(r.get("y"))) == (x, y))
    assert rect.get("fill") == BAND_FILLS[-1]
    assert cell_of(root, "R1") == (4, 1)
    marks = [
        el.text
        for el in root.iter(f"{NS}text")
        if x <= float(el.get("x")) < x + HEAT_CELL and y <= float(el.get("y")) < y + HEAT_CELL
    ]
    assert marks == ["C", "R1"]
    assert "R1 at likelihood 4, impact 5, score 20, critical" in root.find(f"{NS}desc").text


def test_heat_map_folds_crowded_cells_and_keeps_all_ids_in_desc():
    risks = [{"id": f"R{k}", "likelihood": 1, "impact": 1} for k in range(6)]
    root = ET.fromstring(heat(risks))
    in_cell = [t for t in texts(root) if t.startswith(("R", "+"))]
    assert in_cell == ["R0", "R1", "R2", "+3 more"]
    assert all(f"R{k} at likelihood 1" in root.find(f"{NS}desc").text for k in range(6))


def test_heat_map_clamps_off_grid_and_lists_unrated():
    root = ET.fromstring(
        heat([{"id": "R1", "likelihood": 7, "impact": 0}, {"id": "R2", "likelihood": None, "impact": 3}])
    )
    assert cell_of(root, "R1*") == (0, 0)
    desc = root.find(f"{NS}desc").text
    assert "outside the grid, shown at likelihood 5, impact 1" in desc and "Not rated: R2" in desc
    assert "Not rated: R2" in texts(root)


def test_heat_map_band_initials_fall_back_to_names_when_they_clash():
    root = ET.fromstring(
        heat([{"id": "R1", "likelihood": 1, "impact": 1}], bands=[("medium", 1, 12), ("moderate", 13, 25)])
    )
    assert "medium" in texts(root) and "M" not in texts(root)


def test_band_fills_differ_clearly_in_grey():
    levels = sorted(luminance(colour) for colour in BAND_FILLS)
    assert all(b - a > 0.08 for a, b in itertools.pairwise(levels))
    assert all((b + 0.05) / (a + 0.05) > 1.4 for a, b in itertools.pairwise(levels))


def test_heat_map_uses_distinct_greys_for_four_bands():
    root = ET.fromstring(heat([{"id": "R1", "likelihood": 1, "impact": 1}]))
    fills = {r.get("fill") for r in root.iter(f"{NS}rect") if r.get("fill") in BAND_FILLS}
    assert len(fills) == 4
    assert min(abs(luminance(a) - luminance(b)) for a, b in itertools.combinations(fills, 2)) > 0.08


def test_interval_chart_positions_dots_and_whiskers_by_domain():
    rows = [interval_row("a", 0.3, (0.25, 0.4)), interval_row("b", 0.6, (0.5, 0.65))]
    root = ET.fromstring(interval_chart(rows, metric="tpr", chart_id="c", title="t", domain=(0.2, 0.7)))
    dots = circles(root)
    assert [(float(c.get("cx")), float(c.get("cy"))) for c in dots] == [
        (pytest.approx(x_at(0.3, 0.2, 0.7)), row_centre(0)),
        (pytest.approx(x_at(0.6, 0.2, 0.7)), row_centre(1)),
    ]
    spans = [(x1, x2) for x1, y1, x2, y2 in segments(root) if y1 == y2 == pytest.approx(row_centre(0), abs=0.05)]
    assert spans == [pytest.approx((x_at(0.25, 0.2, 0.7), x_at(0.4, 0.2, 0.7)), abs=0.06)]


def test_interval_chart_marks_small_groups_hollow_and_undefined_as_text():
    rows = [interval_row("big", 0.5), interval_row("small", 0.4, count=4, sufficient=False), interval_row("none", None)]
    root = ET.fromstring(interval_chart(rows, metric="m", chart_id="c", title="t"))
    assert [c.get("fill") != PAPER for c in circles(root)] == [True, False]
    assert "small group" in texts(root) and "undefined" in texts(root) and "n=4" in texts(root)
    assert "none: undefined, no interval" in root.find(f"{NS}desc").text


def test_interval_chart_clamps_values_beyond_the_axis():
    root = ET.fromstring(interval_chart([interval_row("a", 1.3, (0.9, 1.5))], metric="m", chart_id="c", title="t"))
    assert float(circles(root)[0].get("cx")) == ROW_LEFT + ROW_PLOT_WIDTH
    assert list(root.iter(f"{NS}polygon"))  # the arrow that says "beyond"
    assert "beyond the axis" in root.find(f"{NS}desc").text


def test_interval_chart_draws_labelled_dashed_reference():
    root = ET.fromstring(interval_chart([interval_row("a", 0.3)], metric="m", chart_id="c", title="t", reference=0.25))
    dashed = [line for line in root.iter(f"{NS}line") if line.get("stroke-dasharray")]
    assert [float(line.get("x1")) for line in dashed] == [x_at(0.25, 0, 1)]
    assert "reference 0.25" in texts(root)


def test_interval_chart_rejects_an_empty_domain():
    with pytest.raises(ValueError):
        interval_chart([interval_row("a", 0.3)], metric="m", chart_id="c", title="t", domain=(1.0, 1.0))


def test_interval_chart_grows_with_rows():
    heights = [
        float(
            ET.fromstring(
                interval_chart([interval_row(str(k), 0.5) for k in range(n)], metric="m", chart_id="c", title="t")
            ).get("height")
        )
        for n in (2, 12)
    ]
    assert heights[1] - heights[0] == 10 * ROW_HEIGHT


def axis_ends(root):
    """The first and last tick label (the small labels just before the axis caption), checking
    they step evenly by a round 1-2-5 number (issue 15: no ticks at 0.085, 0.17, 0.255)."""
    labels = list(root.iter(f"{NS}text"))
    ticks = [float(t.text) for t in labels[:-1] if t.get("y") == labels[-2].get("y")]
    steps = [b - a for a, b in itertools.pairwise(ticks)]
    assert len(ticks) >= 3 and steps == pytest.approx([steps[0]] * len(steps), rel=1e-3)
    mantissa = steps[0] / 10 ** math.floor(math.log10(steps[0]))
    assert min(abs(mantissa - m) for m in (1, 2, 5)) < 1e-6, steps
    return ticks[0], ticks[-1]


def hatch_background(root, y_centre):
    """The shaded rectangle behind the hatching of one row (the failing side)."""
    top = y_centre - ROW_HEIGHT / 2 + 3
    return next(
        (float(r.get("x")), float(r.get("x")) + float(r.get("width")))
        for r in root.iter(f"{NS}rect")
        if float(r.get("y")) == top
    )


def test_limit_chart_hatches_the_failing_side_and_says_the_status():
    rows = [
        limit_row("diff", 0.12, "<=", 0.1, "fail"),
        limit_row("ratio", 0.9, ">=", 0.8, "pass"),
        limit_row("eo", None, "<", 0.1, "insufficient-data"),
    ]
    root = ET.fromstring(limit_chart(rows, chart_id="l", title="t"))
    low, high = axis_ends(root)
    assert low == 0 and 0.9 < high < 1.1
    assert hatch_background(root, row_centre(0)) == pytest.approx(
        (x_at(0.1, low, high), ROW_LEFT + ROW_PLOT_WIDTH), abs=0.06
    )
    assert hatch_background(root, row_centre(1)) == pytest.approx((ROW_LEFT, x_at(0.8, low, high)), abs=0.06)
    assert {"FAIL", "pass", "insufficient data", "undefined", "limit <= 0.1"} <= set(texts(root))
    assert "diff: 0.12, no interval, limit at most 0.1, FAIL" in root.find(f"{NS}desc").text


def test_limit_chart_domain_covers_limits_and_intervals():
    root = ET.fromstring(
        limit_chart([limit_row("r", 0.5, ">=", 0.8, "fail", interval=(0.3, 1.1))], chart_id="l", title="t")
    )
    low, high = axis_ends(root)
    assert low == 0 and high >= 1.1
    assert [float(c.get("cx")) for c in circles(root)] == [pytest.approx(x_at(0.5, low, high), abs=0.06)]


def test_target_chart_puts_rates_on_one_axis_and_other_units_on_their_own():
    rows = [
        target_row("AUC", 0.87, 0.85, baselines=[{"label": "logreg", "value": 0.9}]),
        target_row("latency ms", 80, 100, "lower"),
    ]
    root = ET.fromstring(target_chart(rows, chart_id="t", title="t"))
    dots = [float(c.get("cx")) for c in circles(root)]
    assert dots == [pytest.approx(x_at(0.87, 0, 1), abs=0.06), pytest.approx(x_at(80, 0, 150), abs=0.06)]
    targets = [float(line.get("x1")) for line in root.iter(f"{NS}line") if line.get("stroke-width") == "2.5"]
    assert targets == [pytest.approx(x_at(0.85, 0, 1), abs=0.06), pytest.approx(x_at(100, 0, 150), abs=0.06)]
    diamond = next(root.iter(f"{NS}polygon")).get("points").split()
    assert float(diamond[0].split(",")[0]) == pytest.approx(x_at(0.9, 0, 1), abs=0.06)
    assert {"logreg", "0.87 met", "80 met", "target <= 100", "0.2", "50", "150"} <= set(texts(root))
    assert "share one axis from 0 to 1" in root.find(f"{NS}desc").text


def test_target_chart_undefined_value_draws_no_bar():
    root = ET.fromstring(target_chart([target_row("x", None, 1.0)], chart_id="t", title="t"))
    assert not circles(root) and "undefined" in texts(root)
    assert "value undefined" in root.find(f"{NS}desc").text


def test_runs_of_solid_lines_become_one_path_with_the_same_strokes_and_dashes_stay_apart():
    from planner.report.charts import _line, _merged_lines, _text

    body = [_line(0, 0, 10, 0), _line(0, 5, 10, 5), _line(0, 9, 9, 9, dash="3 3"), _text(1, 1, "x"), _line(1, 1, 2, 2)]
    merged = _merged_lines(body)
    assert len(merged) == 4
    assert (
        merged[0] == '<path d="M0.0 0.0L10.0 0.0 M0.0 5.0L10.0 5.0" fill="none" stroke="#222222" stroke-width="1.0"/>'
    )
    assert merged[1:] == body[2:]
    root = ET.fromstring(interval_chart([interval_row("a", 0.3, (0.25, 0.4))], metric="m", chart_id="c", title="t"))
    assert len(segments(root)) == 3 + 1 + 6  # the whisker and its two caps, the axis and its 6 ticks
