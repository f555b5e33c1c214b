"""Inline SVG line charts and confusion matrices for the decisions an audit informs.

Why a module beside `charts`: these are x-y plots (expected cost against the threshold, ROC,
precision-recall, reliability) and grids of cells, drawn from the audit's plain data, while
`charts` holds the one-axis row charts. The same rules hold: the data is said in words in
<title>/<desc>, and no line or cell is told apart by colour alone: each series has its own dash
pattern and marker and is named at its end, each cell carries its count and rate as text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from planner.report.charts import (
    INK,
    MUTED,
    PAPER,
    SHADE,
    SMALL_FONT_SIZE,
    _clip,
    _fmt,
    _hatch,
    _line,
    _middle_clip,
    _n,
    _no_data,
    _rect,
    _svg,
    _text,
    nice_domain,
    nice_ticks,
)

# Two charts side by side fill an A4 line with text at about 7 pt: a page holds six (issue 15).
PLOT_LEFT, PLOT_TOP, PLOT_WIDTH, PLOT_HEIGHT = 56, 24, 220, 150
PLOT_RIGHT = 150  # series names at the line ends, and the legend
END_LABEL_CHARS = 22
DASHES = ("", "6 3", "2 2", "8 3 2 3", "1 3", "10 4", "4 2 1 2 1 2")
MARKERS = ("circle", "square", "triangle", "diamond", "cross")
MAX_SERIES = 12  # more groups than this are said in the description only


@dataclass
class Series:
    """One line: its name, its points (None where undefined: the line breaks there) and what it says."""

    label: str
    points: list[tuple[float, float | None]]
    said: str = ""
    bold: bool = False
    marks: list[tuple[float, float, str]] = field(default_factory=list)  # (x, y, label) hollow markers


@dataclass
class Guide:
    """A vertical line at `x` (the threshold in use, the cost-optimal one) or, with `to`, a band."""

    x: float
    label: str
    dash: str = ""
    to: float | None = None


def _marker(kind: str, x: float, y: float, *, filled: bool = False) -> str:
    fill = INK if filled else PAPER
    style = f'fill="{fill}" stroke="{INK}" stroke-width="1.3"'
    if kind == "square":
        return f'<rect x="{_n(x - 3.5)}" y="{_n(y - 3.5)}" width="7.0" height="7.0" {style}/>'
    if kind == "triangle":
        return (
            f'<polygon points="{_n(x)},{_n(y - 4.5)} {_n(x + 4.5)},{_n(y + 3.5)} {_n(x - 4.5)},{_n(y + 3.5)}" {style}/>'
        )
    if kind == "diamond":
        return f'<polygon points="{_n(x)},{_n(y - 5)} {_n(x + 5)},{_n(y)} {_n(x)},{_n(y + 5)} {_n(x - 5)},{_n(y)}" {style}/>'
    if kind == "cross":
        return _line(x - 4, y - 4, x + 4, y + 4, width=1.5) + _line(x - 4, y + 4, x + 4, y - 4, width=1.5)
    return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="3.5" {style}/>'


def _segments(points, px, py) -> list[list[tuple[float, float]]]:
    """Runs of defined points, as drawn coordinates; an undefined point breaks the line."""
    runs: list[list[tuple[float, float]]] = [[]]
    for x, y in points:
        if y is None or not math.isfinite(y):
            runs.append([])
        else:
            runs[-1].append((px(x), py(y)))
    return [run for run in runs if run]


def _axes(x_domain, y_domain, px, py, x_label: str, y_label: str) -> list[str]:
    bottom, right = PLOT_TOP + PLOT_HEIGHT, PLOT_LEFT + PLOT_WIDTH
    out = [_rect(PLOT_LEFT, PLOT_TOP, PLOT_WIDTH, PLOT_HEIGHT, "none", MUTED)]
    xs = [(px(value), value) for value in nice_ticks(*x_domain)]
    ys = [(py(value), value) for value in nice_ticks(*y_domain)]
    out += [_line(PLOT_LEFT, y, right, y, width=0.4, stroke=SHADE) for y, _ in ys]  # grid, then ticks: two paths
    out += [_line(x, bottom, x, bottom + 4) for x, _ in xs] + [_line(PLOT_LEFT - 4, y, PLOT_LEFT, y) for y, _ in ys]
    out += [_text(x, bottom + 15, _fmt(value), anchor="middle", size=SMALL_FONT_SIZE) for x, value in xs]
    out += [_text(PLOT_LEFT - 7, y + 3, _fmt(value), anchor="end", size=SMALL_FONT_SIZE) for y, value in ys]
    out.append(_text(PLOT_LEFT + PLOT_WIDTH / 2, bottom + 32, x_label, anchor="middle"))
    mid = PLOT_TOP + PLOT_HEIGHT / 2
    out.append(_text(14, mid, y_label, anchor="middle", extra=f' transform="rotate(-90 14 {_n(mid)})"'))
    return out


def _guides(guides: Sequence[Guide], px) -> list[str]:
    out = []
    bottom = PLOT_TOP + PLOT_HEIGHT
    for k, guide in enumerate(guides):
        x = px(guide.x)
        if guide.to is not None:
            x2 = px(guide.to)
            out += _hatch(min(x, x2), PLOT_TOP, max(abs(x2 - x), 1.0), PLOT_HEIGHT)
            continue
        out.append(_line(x, PLOT_TOP, x, bottom, width=1.8, dash=guide.dash))
        out.append(_text(x + 3, PLOT_TOP - 4 - 10 * (k % 2), guide.label, size=SMALL_FONT_SIZE))
    return out


def _end_labels(ends: list[tuple[float, str, str, str, float]]) -> list[str]:
    """Series names right of the plot, each after a swatch of its dash and its marker, at its last
    point's height but pushed apart so none overlap."""
    placed: list[float] = []
    out = []
    for y, label, dash, marker, width in sorted(ends):
        y = max(y, placed[-1] + 12) if placed else y
        placed.append(y)
        x = PLOT_LEFT + PLOT_WIDTH + 8
        out += [_line(x, y, x + 22, y, width=width, dash=dash), _marker(marker, x + 11, y)]
        out.append(_text(x + 28, y + 3, label, size=SMALL_FONT_SIZE))
    return out


def line_chart(
    series: Sequence[Series],
    *,
    chart_id: str,
    title: str,
    what: str,
    x_label: str,
    y_label: str,
    x_domain: tuple[float, float] = (0.0, 1.0),
    y_domain: tuple[float, float] | None = None,
    guides: Sequence[Guide] = (),
    diagonal: bool = False,
    dots: bool = False,
) -> str:
    """Lines on one plot, each with its own dash pattern and marker, named at its end; `guides` are
    vertical lines or hatched bands; `diagonal` draws the y = x line (a reliability diagram's ideal);
    `dots` marks every point (a reliability diagram's bins)."""
    defined = [y for s in series for _, y in s.points if y is not None and math.isfinite(y)]
    if not defined:
        return _no_data(chart_id, title, what)
    if y_domain is None:
        y_domain = nice_domain(min(0.0, min(defined)), max(defined))
    (x0, x1), (y0, y1) = x_domain, y_domain

    def px(x: float) -> float:
        return PLOT_LEFT + (min(max(x, x0), x1) - x0) / (x1 - x0) * PLOT_WIDTH

    def py(y: float) -> float:
        return PLOT_TOP + PLOT_HEIGHT - (min(max(y, y0), y1) - y0) / (y1 - y0) * PLOT_HEIGHT

    body = _guides(guides, px) + _axes(x_domain, y_domain, px, py, x_label, y_label)
    if diagonal:
        body.append(_line(px(x0), py(y0), px(x1), py(y1), width=0.8, dash="3 3", stroke=MUTED))
    ends = []
    for k, s in enumerate(series[:MAX_SERIES]):
        dash, marker = DASHES[k % len(DASHES)], MARKERS[k % len(MARKERS)]
        width = 2.4 if s.bold else 1.4
        for run in _segments(s.points, px, py):
            path = " ".join(f"{_n(x)},{_n(y)}" for x, y in run)
            dashes = f' stroke-dasharray="{dash}"' if dash else ""
            body.append(f'<polyline points="{path}" fill="none" stroke="{INK}" stroke-width="{_n(width)}"{dashes}/>')
        runs = _segments(s.points, px, py)
        if runs:
            last = runs[-1][-1]
            body.append(_marker(marker, last[0], last[1]))
            ends.append((last[1], _middle_clip(s.label, END_LABEL_CHARS), dash, marker, width))
        if dots:
            body += [_marker(marker, px(x), py(y)) for x, y in s.points if y is not None and math.isfinite(y)]
        for mx, my, _ in s.marks:
            body.append(_marker(marker, px(mx), py(my), filled=True))
    body += _end_labels(ends)
    legend = [
        f"{g.label} from {_fmt(g.x)} to {_fmt(g.to)} (hatched)" if g.to is not None else f"{g.label} at {_fmt(g.x)}"
        for g in guides
    ]
    desc = (
        f"{what}: {y_label} (vertical, {_fmt(y0)} to {_fmt(y1)}) against {x_label} (horizontal, {_fmt(x0)} to "
        f"{_fmt(x1)}); each line has its own dash pattern and end marker and is named at its end"
        + (", filled markers are the points named below" if any(s.marks for s in series) else "")
        + (". " + "; ".join(legend) if legend else "")
        + ". "
        + "; ".join(f"{s.label}: {s.said}" if s.said else s.label for s in series)
        + ("." if series else "")
        + (f" Only the first {MAX_SERIES} lines are drawn." if len(series) > MAX_SERIES else "")
    )
    height = PLOT_TOP + PLOT_HEIGHT + 44
    return _svg(chart_id, title, desc, PLOT_LEFT + PLOT_WIDTH + PLOT_RIGHT, height, body)


CM_CELL_W, CM_CELL_H, CM_GAP, CM_TOP, CM_LEFT = 92, 40, 26, 40, 92
CM_PER_ROW = 3
CM_CELLS = (  # (label value, prediction value, name, rate name, rate denominator cells)
    (1, 1, "TP", "TPR", ("tp", "fn")),
    (1, 0, "FN", "FNR", ("tp", "fn")),
    (0, 1, "FP", "FPR", ("fp", "tn")),
    (0, 0, "TN", "TNR", ("fp", "tn")),
)


def _rate(cells: dict[str, int], key: str, of: tuple[str, str]) -> float | None:
    total = sum(cells.get(c, 0) for c in of)
    return None if total == 0 else cells.get(key, 0) / total


def _matrix(x: float, y: float, label: str, cells: dict[str, int]) -> tuple[list[str], str]:
    """One group's 2x2 matrix: actual (rows) by predicted (columns); grey depth is the row rate and
    the words in each cell carry the count and the rate, so the shade is never needed to read it."""
    out = [_text(x + CM_CELL_W, y - 22, _clip(label, 34), anchor="middle", extra=' font-weight="bold"')]
    out += [
        _text(x + CM_CELL_W / 2, y - 6, "predicted +", anchor="middle", size=SMALL_FONT_SIZE, fill=MUTED),
        _text(x + 1.5 * CM_CELL_W, y - 6, "predicted -", anchor="middle", size=SMALL_FONT_SIZE, fill=MUTED),
    ]
    said = []
    for actual, predicted, name, rate_name, of in CM_CELLS:
        cx, cy = x + (1 - predicted) * CM_CELL_W, y + (1 - actual) * CM_CELL_H
        count, rate = cells.get(name.lower(), 0), _rate(cells, name.lower(), of)
        shade = 255 - round(110 * (rate or 0.0))
        fill = f"#{shade:02x}{shade:02x}{shade:02x}"
        out += [
            _rect(cx, cy, CM_CELL_W, CM_CELL_H, fill, INK),
            _text(cx + CM_CELL_W / 2, cy + 16, f"{name} {count:,}", anchor="middle"),
            _text(
                cx + CM_CELL_W / 2,
                cy + 30,
                f"{rate_name} {'undefined' if rate is None else f'{rate:.3f}'}",
                anchor="middle",
                size=SMALL_FONT_SIZE,
            ),
        ]
        said.append(f"{name} {count}, {rate_name} {'undefined' if rate is None else f'{rate:.3f}'}")
    for actual in (1, 0):
        out.append(
            _text(
                x - 4,
                y + (1 - actual) * CM_CELL_H + CM_CELL_H / 2 + 3,
                f"actual {'+' if actual else '-'}",
                anchor="end",
                size=SMALL_FONT_SIZE,
                fill=MUTED,
            )
        )
    return out, f"{label}: " + ", ".join(said)


def confusion_matrices(groups: Sequence[tuple[str, dict[str, int]]], *, chart_id: str, title: str) -> str:
    """Confusion matrices per group, counts and row rates (TPR, FNR on the actual-positive row; FPR,
    TNR on the actual-negative row), three to a row."""
    if not groups:
        return _no_data(chart_id, title, "Confusion matrices")
    body, said = [], []
    block_w, block_h = CM_LEFT + 2 * CM_CELL_W + CM_GAP, CM_TOP + 2 * CM_CELL_H + CM_GAP
    for k, (label, cells) in enumerate(groups):
        x = CM_LEFT + (k % CM_PER_ROW) * block_w
        y = CM_TOP + (k // CM_PER_ROW) * block_h
        drawn, words = _matrix(x, y, label, cells)
        body += drawn
        said.append(words)
    rows = math.ceil(len(groups) / CM_PER_ROW)
    desc = (
        "Confusion matrices by group: rows are the actual label (positive above), columns the prediction "
        "(positive left); each cell gives its count and its rate within the actual row (darker grey is a "
        "higher rate). " + "; ".join(said) + "."
    )
    width = min(len(groups), CM_PER_ROW) * block_w + 8
    return _svg(chart_id, title, desc, width, rows * block_h + 8, body)
