"""Inline SVG charts for the HTML and PDF reports.

Charts are plain strings so the report stays one self-contained file (no scripts, no fetches)
that WeasyPrint can print. Each chart states its data in words in <title>/<desc>, because a
picture alone shuts out screen-reader users, and never carries meaning by colour alone (text
labels, hollow versus filled markers, dash patterns), so grey-scale prints still read.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from planner.numbers import count, quantity
from planner.text import CONTROL, XML_FORBIDDEN

INK, MUTED, SHADE, PAPER = "#222222", "#6b6b6b", "#e4e4e4", "#ffffff"
BAND_FILLS = ("#fff5c2", "#f9c66b", "#e0702a", "#a8322d", "#4d1218")  # light to dark, clear grey steps
FONT_SIZE, SMALL_FONT_SIZE = 11, 9

HEAT_LEFT, HEAT_TOP, HEAT_CELL = 56, 12, 64  # left margin holds the "Likelihood" caption and levels
CELL_IDS = 4  # ids a heat-map cell lists before it folds the rest into "+N more"

ROW_LEFT = 200  # label column; the plot starts here
ROW_PLOT_WIDTH = 300
ROW_RIGHT = 150  # count / status column
ROW_WIDTH = ROW_LEFT + ROW_PLOT_WIDTH + ROW_RIGHT
ROW_TOP = 24  # room above the first row for the reference label
ROW_HEIGHT = 28
TARGET_ROW_HEIGHT = 40  # baseline names sit under the markers
AXIS_HEIGHT = 40
LABEL_CHARS = 32

_CHART_ID = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*\Z")
_ENTITIES = {'"': "&quot;", "'": "&apos;", "(": "&#40;", ")": "&#41;"}
_OP_WORDS = {"<=": "at most", "<": "below", ">=": "at least", ">": "above"}
_STATUS = {"pass": "pass", "fail": "FAIL", "insufficient-data": "insufficient data"}


def _esc(text) -> str:
    """Escape for text and attributes alike; parentheses become character references so no user
    text can spell ``url(`` in the markup, and what `planner.text` keeps out of HTML (controls) and
    XML (lone surrogates, U+FFFE/F) becomes '?'."""
    return escape(XML_FORBIDDEN.sub("?", CONTROL.sub("?", str(text))), _ENTITIES)


def _n(x: float) -> str:
    return f"{x:.1f}"


def _fmt(value: float) -> str:
    """Chart numbers in the reports' one style (`planner.numbers.quantity`): ticks `0.2`, values `0.208`."""
    return quantity(value)


def _clip(text, limit: int = LABEL_CHARS) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _middle_clip(text: str, limit: int = LABEL_CHARS) -> str:
    """The start and the end of a long text, so rows that share a long prefix stay apart."""
    if len(text) <= limit:
        return text
    head = min(12, limit // 3)
    return text[:head] + "…" + text[len(text) - (limit - head - 1) :]


def row_labels(labels) -> list[str]:
    """Labels cut to `LABEL_CHARS` that tell the rows apart: cut at the end when that keeps them
    distinct, else in the middle (``A1.false_neg…age_band=40-49``), else keeping only the end."""
    labels = [str(label) for label in labels]
    wanted = len(set(labels))
    for cut in (_clip, _middle_clip, lambda t: t if len(t) <= LABEL_CHARS else "…" + t[-(LABEL_CHARS - 1) :]):
        shown = [cut(label) for label in labels]
        if len(set(shown)) == wanted:
            return shown
    return shown


def _text(x, y, content, *, anchor="start", size=FONT_SIZE, fill=INK, extra="") -> str:
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-size="{size}" fill="{fill}"{extra}>'
        f"{_esc(content)}</text>"
    )


def _line(x1, y1, x2, y2, *, width=1.0, dash="", stroke=INK) -> str:
    dashes = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{stroke}" '
        f'stroke-width="{_n(width)}"{dashes}/>'
    )


def _rect(x, y, w, h, fill, stroke="none") -> str:
    return f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="{fill}" stroke="{stroke}"/>'


def _circle(x, y, *, filled: bool) -> str:
    return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="4.5" fill="{INK if filled else PAPER}" stroke="{INK}" stroke-width="1.5"/>'


def _diamond(x, y) -> str:
    points = " ".join(f"{_n(px)},{_n(py)}" for px, py in ((x, y - 6), (x + 6, y), (x, y + 6), (x - 6, y)))
    return f'<polygon points="{points}" fill="{PAPER}" stroke="{INK}" stroke-width="1.5"/>'


_LINE = re.compile(
    r'<line x1="([-\d.]+)" y1="([-\d.]+)" x2="([-\d.]+)" y2="([-\d.]+)" (stroke="[^"]*" stroke-width="[^"]*")/>\Z'
)


def _merged_lines(body: list[str]) -> list[str]:
    """Runs of solid lines of one stroke as one `<path>` of subpaths: the same strokes in the same
    order, with a tenth of the elements (a PDF renderer pays for each element; dashed lines stay
    apart, so no dash pattern runs from one line into the next)."""
    out: list[str] = []
    run: list[re.Match[str]] = []

    def flush() -> None:
        if len(run) == 1:
            out.append(run[0].group(0))
        elif run:
            d = " ".join(f"M{m.group(1)} {m.group(2)}L{m.group(3)} {m.group(4)}" for m in run)
            out.append(f'<path d="{d}" fill="none" {run[0].group(5)}/>')
        run.clear()

    for element in body:
        match = _LINE.match(element)
        if match is None or (run and match.group(5) != run[0].group(5)):
            flush()
        if match is None:
            out.append(element)
        else:
            run.append(match)
    flush()
    return out


def _svg(chart_id: str, title, desc: str, width: float, height: float, body: list[str]) -> str:
    """The ids must be valid XML names, because aria-labelledby points at them."""
    if not _CHART_ID.match(chart_id):
        raise ValueError(f"chart id {chart_id!r} must start with a letter and use only letters, digits, '_', '.', '-'")
    w, h = _n(width), _n(height)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="sans-serif" font-size="{FONT_SIZE}">'
        f'<title id="{chart_id}-title">{_esc(title)}</title><desc id="{chart_id}-desc">{_esc(desc)}</desc>'
        + "".join(_merged_lines(body))
        + "</svg>"
    )


def _no_data(chart_id: str, title, what: str) -> str:
    return _svg(chart_id, title, f"{what}: no data.", 240, 40, [_text(120, 24, "No data", anchor="middle")])


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _band_fills(count: int) -> list[str]:
    """Spread the bands over the palette so few bands get the widest grey steps."""
    last = len(BAND_FILLS) - 1
    return [BAND_FILLS[round(i * last / max(count - 1, 1))] for i in range(count)]


def _band_marks(names: list[str]) -> list[str]:
    """Initials when they tell the bands apart, else the names: the letter is what grey-scale shows."""
    initials = [str(name)[:1].upper() for name in names]
    return initials if len(set(initials)) == len(initials) else [_clip(name, 8) for name in names]


def _clamp(level: int, top: int) -> int:
    return min(max(level, 1), top)


def _cell_lines(ids: list[str]) -> list[str]:
    return ids if len(ids) <= CELL_IDS else [*ids[: CELL_IDS - 1], f"+{len(ids) - CELL_IDS + 1} more"]


def _band(score: int, bands) -> int | None:
    return next((k for k, (_, low, high) in enumerate(bands) if low <= score <= high), None)


def _say_band(score: int, bands) -> str:
    band = _band(score, bands)
    return "no band" if band is None else str(bands[band][0])


def _place(risks, likelihood_levels: int, impact_levels: int, bands):
    """Cell contents and spoken lines; ratings off the grid go to the nearest cell with a '*'."""
    cells: dict[tuple[int, int], list[str]] = {}
    said, unrated, clamped = [], [], False
    for risk in risks:
        rid, lik, imp = str(risk["id"]), risk.get("likelihood"), risk.get("impact")
        if lik is None or imp is None:
            unrated.append(rid)
            continue
        cell = (_clamp(lik, likelihood_levels), _clamp(imp, impact_levels))
        moved = cell != (lik, imp)
        clamped |= moved
        cells.setdefault(cell, []).append(_clip(rid, 9) + ("*" if moved else ""))
        said.append(
            f"{rid} at likelihood {lik}, impact {imp}, score {lik * imp}, {_say_band(lik * imp, bands)}"
            + (f", outside the grid, shown at likelihood {cell[0]}, impact {cell[1]}" if moved else "")
        )
    return cells, said, unrated, clamped


def risk_heat_map(risks, *, likelihood_levels=5, impact_levels=5, bands, chart_id, title) -> str:
    """Where risks sit on likelihood x impact; drawn once for inherent and once for residual ratings."""
    if not risks:
        return _no_data(chart_id, title, "Risk heat map")
    bands = sorted(bands, key=lambda band: band[1])
    fills, marks = _band_fills(len(bands)), _band_marks([band[0] for band in bands])
    cells, said, unrated, clamped = _place(risks, likelihood_levels, impact_levels, bands)
    body = []
    for lik in range(1, likelihood_levels + 1):
        for imp in range(1, impact_levels + 1):
            body += _heat_cell(
                lik, imp, likelihood_levels, _band(lik * imp, bands), fills, marks, cells.get((lik, imp), [])
            )
    notes: list[tuple[str | None, str]] = [
        (fills[k], f"{mark} = {name} ({low} to {high})")
        for k, (mark, (name, low, high)) in enumerate(zip(marks, bands, strict=True))
    ]
    notes += [(None, _clip(f"Not rated: {', '.join(unrated)}", 60))] if unrated else []
    notes += [(None, "* rated outside the grid, shown in the nearest cell")] if clamped else []
    y = HEAT_TOP + likelihood_levels * HEAT_CELL + 56
    body += _legend(notes, y)
    desc = (
        f"Risk heat map: likelihood 1 to {likelihood_levels} (rows, {likelihood_levels} at top) by impact 1 to "
        f"{impact_levels} (columns). Bands: "
        + "; ".join(f"{n} {lo} to {hi}" for n, lo, hi in bands)
        + ". "
        + ("; ".join(said) + "." if said else "")
        + (f" Not rated: {', '.join(unrated)}." if unrated else "")
    )
    width = max(HEAT_LEFT + impact_levels * HEAT_CELL + 16, 320)
    return _svg(chart_id, title, desc, width, y + 16 * len(notes), body + _heat_axes(likelihood_levels, impact_levels))


def _heat_cell(lik, imp, levels, band, fills, marks, ids) -> list[str]:
    x, y = HEAT_LEFT + (imp - 1) * HEAT_CELL, HEAT_TOP + (levels - lik) * HEAT_CELL
    fill = PAPER if band is None else fills[band]
    ink = PAPER if _luminance(fill) < 0.2 else INK
    out = [
        _rect(x, y, HEAT_CELL, HEAT_CELL, fill, INK),
        _text(x + 4, y + 11, "-" if band is None else marks[band], size=SMALL_FONT_SIZE, fill=ink),
    ]
    for k, line in enumerate(_cell_lines(ids)):
        out.append(_text(x + HEAT_CELL / 2, y + 25 + 12 * k, line, anchor="middle", size=10, fill=ink))
    return out


def _legend(notes: list[tuple[str | None, str]], y: float) -> list[str]:
    """Swatch and words per band, so the letters in the cells can be read back without colour."""
    out = []
    for k, (fill, note) in enumerate(notes):
        out += ([_rect(HEAT_LEFT, y + 16 * k - 10, 12, 12, fill, INK)] if fill else []) + [
            _text(HEAT_LEFT + (18 if fill else 0), y + 16 * k, note)
        ]
    return out


def _heat_axes(likelihood_levels: int, impact_levels: int) -> list[str]:
    grid_w, grid_h = impact_levels * HEAT_CELL, likelihood_levels * HEAT_CELL
    out = [
        _text(HEAT_LEFT - 8, HEAT_TOP + (likelihood_levels - lik) * HEAT_CELL + HEAT_CELL / 2 + 4, lik, anchor="end")
        for lik in range(1, likelihood_levels + 1)
    ]
    out += [
        _text(HEAT_LEFT + (imp - 0.5) * HEAT_CELL, HEAT_TOP + grid_h + 16, imp, anchor="middle")
        for imp in range(1, impact_levels + 1)
    ]
    mid = HEAT_TOP + grid_h / 2
    out.append(_text(18, mid, "Likelihood", anchor="middle", extra=f' transform="rotate(-90 18 {_n(mid)})"'))
    out.append(_text(HEAT_LEFT + grid_w / 2, HEAT_TOP + grid_h + 32, "Impact", anchor="middle"))
    return out


def _scale(low: float, high: float, left: float = ROW_LEFT, width: float = ROW_PLOT_WIDTH):
    """Value to x on a plot starting at `left`, clamped to its ends; the side says where it was
    clamped (-1, 0, 1)."""
    if not high > low:
        raise ValueError(f"an axis needs low < high, got {low} to {high}")

    def at(value: float) -> tuple[float, int]:
        side = -1 if value < low else 1 if value > high else 0
        inside = min(max(value, low), high)
        return left + (inside - low) / (high - low) * width, side

    return at


def _row_y(index: int, row_height: int = ROW_HEIGHT) -> float:
    return ROW_TOP + index * row_height + row_height / 2


def _mark(at, value, y, *, filled: bool, left: float = ROW_LEFT) -> list[str]:
    """A marker, an arrow where it was clamped, or the word 'undefined' where there is no value."""
    if value is None:
        return [
            _rect(left + 1, y - 7, 58, 14, PAPER),
            _text(left + 4, y + 4, "undefined", fill=MUTED, extra=' font-style="italic"'),
        ]
    x, side = at(value)
    out = [_circle(x, y, filled=filled)]
    if side:
        tip, base = x + 11 * side, x + 6 * side
        out.append(f'<polygon points="{_n(tip)},{_n(y)} {_n(base)},{_n(y - 4)} {_n(base)},{_n(y + 4)}" fill="{INK}"/>')
    return out


def _whisker(at, interval, y) -> list[str]:
    if not interval:
        return []
    (x1, _), (x2, _) = at(interval[0]), at(interval[1])
    return [
        _line(x1, y, x2, y, width=1.5),
        _line(x1, y - 5, x1, y + 5, width=1.5),
        _line(x2, y - 5, x2, y + 5, width=1.5),
    ]


def nice_step(span: float, count: int = 5) -> float:
    """The 1-2-5 step (0.1, 0.2, 0.5, 1, 2...) that cuts `span` into at most about `count` parts."""
    if not span > 0 or not math.isfinite(span):
        raise ValueError(f"a tick step needs a positive finite span, got {span}")
    raw = span / max(count, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw * (1 - 1e-9))


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values inside [low, high] at a 1-2-5 step: 0, 0.05, 0.1... never 0.085, 0.17."""
    step = nice_step(high - low, count)
    first = math.ceil(round(low / step, 9))
    last = math.floor(round(high / step, 9))
    return [round(k * step, 12) + 0.0 for k in range(first, last + 1)]  # + 0.0: no "-0"


def nice_domain(low: float, high: float, count: int = 5) -> tuple[float, float]:
    """[low, high] widened out to the nearest 1-2-5 ticks."""
    high = high if high > low else low + 1.0
    step = nice_step(high - low, count)
    return round(math.floor(round(low / step, 9)) * step, 12) + 0.0, round(
        math.ceil(round(high / step, 9)) * step, 12
    ) + 0.0


def _axis(domain, rows: int, caption: str, *, left: float = ROW_LEFT, width: float = ROW_PLOT_WIDTH) -> list[str]:
    """A plot's axis under its last row: round ticks, then the caption."""
    (low, high), y = domain, ROW_TOP + rows * ROW_HEIGHT + 4
    ticks = [(left + (value - low) / (high - low) * width, value) for value in nice_ticks(low, high)]
    body = [_line(left, y, left + width, y), *(_line(x, y, x, y + 4) for x, _ in ticks)]
    body += [_text(x, y + 15, _fmt(value), anchor="middle", size=SMALL_FONT_SIZE) for x, value in ticks]
    body.append(_text(left + width / 2, y + 30, caption, anchor="middle"))
    return body


def _say(label, value, interval, at) -> str:
    words = f"{label}: " + ("undefined" if value is None else _fmt(value))
    words += f", interval {_fmt(interval[0])} to {_fmt(interval[1])}" if interval else ", no interval"
    return words + (", beyond the axis, drawn at its edge" if value is not None and at(value)[1] else "")


def _labels(
    label, right: list[tuple[str, str]], y: float, *, right_x: float = ROW_LEFT + ROW_PLOT_WIDTH + 16
) -> list[str]:
    out = [_text(ROW_LEFT - 8, y + 4, _clip(label), anchor="end")]
    for k, (words, extra) in enumerate(right):
        out.append(_text(right_x, y - 1 + 11 * k, words, size=FONT_SIZE - 2 * k, extra=extra))
    return out


@dataclass(frozen=True)
class Panel:
    """One metric of an interval chart: a value and an interval per group (in the chart's group
    order), its axis, and the dashed reference line, a value or a (label, value) pair."""

    metric: str
    rows: list[dict]
    domain: tuple[float, float] = (0.0, 1.0)
    reference: float | tuple[str, float] | None = None


PANEL_WIDTH, PANEL_GAP, PANELS_RIGHT = 170, 22, 96  # several metrics side by side, one row per group


def interval_chart(rows, *, metric, chart_id, title, reference=None, domain=(0.0, 1.0)) -> str:
    """One metric per group with its confidence interval, so overlap between groups is visible.
    ``reference`` is a value or a (label, value) pair drawn as a dashed line (e.g. the overall value)."""
    return interval_panels([Panel(metric, rows, domain, reference)], chart_id=chart_id, title=title)


def interval_panels(panels: list[Panel], *, chart_id, title) -> str:
    """Several metrics of the same groups side by side (small multiples), each on its own axis
    with its intervals and reference line; the group names once on the left, sizes once on the
    right. A PDF page holds a grouping's metrics in one chart instead of one chart a metric."""
    what = " and ".join(str(panel.metric) for panel in panels)
    if not panels or not panels[0].rows:
        return _no_data(chart_id, title, f"{what} by group")
    single = len(panels) == 1
    width = ROW_PLOT_WIDTH if single else PANEL_WIDTH
    rows = panels[0].rows
    body: list[str] = []
    for k, label in enumerate(row_labels(row["label"] for row in rows)):
        small = not rows[k].get("sufficient", True)
        right = [(f"n={count(rows[k]['count'])}", "")] + ([("small group", "")] if small else [])
        body += _labels(label, right, _row_y(k), right_x=ROW_LEFT + len(panels) * (width + PANEL_GAP) - PANEL_GAP + 16)
    desc = []
    for index, panel in enumerate(panels):
        left = ROW_LEFT + index * (width + PANEL_GAP)
        at, said = _scale(*panel.domain, left=left, width=width), []
        for k, row in enumerate(panel.rows):
            y, small = _row_y(k), not row.get("sufficient", True)
            body += _whisker(at, row.get("interval"), y) + _mark(at, row.get("value"), y, filled=not small, left=left)
            said.append(
                _say(row["label"], row.get("value"), row.get("interval"), at)
                + f", n={count(row['count'])}"
                + (", small group" if small else "")
            )
        low, high = panel.domain
        words = (
            f"{panel.metric} by group on an axis from {_fmt(low)} to {_fmt(high)}; dots are values, whiskers "
            "confidence intervals, hollow dots small groups. " + "; ".join(said) + "."
        )
        if panel.reference is not None:
            name, value = panel.reference if isinstance(panel.reference, tuple) else ("reference", panel.reference)
            x = at(value)[0]
            words_shown = f"{_clip(name, LABEL_CHARS if single else 18)} {_fmt(value)}"
            half = len(words_shown) * SMALL_FONT_SIZE * 0.3  # about half the label's width: it stays over its panel
            label_x = min(max(x, left + half), left + width - half) if not single else x
            body += [
                _line(x, ROW_TOP - 6, x, ROW_TOP + len(panel.rows) * ROW_HEIGHT + 4, dash="5 3", stroke=MUTED),
                _text(label_x, ROW_TOP - 9, words_shown, anchor="middle", size=SMALL_FONT_SIZE),
            ]
            words += f" Dashed line: {name} {_fmt(value)}."
        body += _axis(panel.domain, len(rows), str(panel.metric), left=left, width=width)
        desc.append(words)
    total = ROW_LEFT + len(panels) * (width + PANEL_GAP) - PANEL_GAP + (ROW_RIGHT if single else PANELS_RIGHT)
    return _svg(chart_id, title, " ".join(desc), total, ROW_TOP + len(rows) * ROW_HEIGHT + AXIS_HEIGHT, body)


def _limit_domain(rows) -> tuple[float, float]:
    """Zero, every limit, value and interval end, padded by 5% and rounded out to a 1-2-5 tick
    (a ratio chart ends at 1.2, not 1.21; a difference chart ticks 0, 0.05, 0.1, not 0.085)."""
    numbers = (
        [0.0] + [row["limit"] for row in rows] + [row["observed"] for row in rows if row.get("observed") is not None]
    )
    numbers += [end for row in rows if row.get("interval") for end in row["interval"]]
    return nice_domain(min(numbers) * 1.05, max(numbers) * 1.05)


def _hatch(x0: float, y0: float, w: float, h: float) -> list[str]:
    """45-degree lines clipped by hand: a url(#pattern) fill is not allowed in the output."""
    out, k = [_rect(x0, y0, w, h, SHADE)], -h
    while k < w:
        start, end = max(k, 0.0), min(k + h, w)
        out.append(_line(x0 + start, y0 + h - (start - k), x0 + end, y0 + h - (end - k), width=0.6, stroke=MUTED))
        k += 6.0
    return out


def limit_chart(rows, *, chart_id, title) -> str:
    """Disparities against their limits; the failing side is hatched so a fail reads without colour."""
    if not rows:
        return _no_data(chart_id, title, "Disparities against limits")
    low, high = _limit_domain(rows)
    at, body, said = _scale(low, high), [], []
    shown = row_labels(row["label"] for row in rows)
    for k, row in enumerate(rows):
        y, (x_limit, _) = _row_y(k), at(row["limit"])
        top, status = y - ROW_HEIGHT / 2 + 3, row["status"]
        fail_left = row["op"] in ("<=", "<")
        left, right = (x_limit, ROW_LEFT + ROW_PLOT_WIDTH) if fail_left else (ROW_LEFT, x_limit)
        body += _hatch(left, top, right - left, ROW_HEIGHT - 6)
        body += _whisker(at, row.get("interval"), y) + _mark(
            at, row.get("observed"), y, filled=status != "insufficient-data"
        )
        body.append(_line(x_limit, top - 2, x_limit, top + ROW_HEIGHT - 4, width=2.5))  # on top: never hidden
        words = _STATUS.get(status, str(status))
        body += _labels(
            shown[k],
            [
                (words, ' font-weight="bold"' if status == "fail" else ""),
                (f"limit {row['op']} {_fmt(row['limit'])}", ""),
            ],
            y,
        )
        said.append(
            _say(row["label"], row.get("observed"), row.get("interval"), at)
            + f", limit {_OP_WORDS.get(row['op'], row['op'])} {_fmt(row['limit'])}, {words}"
        )
    desc = (
        f"Disparities against limits on an axis from {_fmt(low)} to {_fmt(high)}; the hatched side of each "
        "limit line fails. " + "; ".join(said) + "."
    )
    body += _axis((low, high), len(rows), "observed disparity")
    return _svg(chart_id, title, desc, ROW_WIDTH, ROW_TOP + len(rows) * ROW_HEIGHT + AXIS_HEIGHT, body)


RATE_FAMILY = "rates and scores, 0 to 1"
BLOCK_HEAD = 18  # the family caption above a block of rows
BLOCK_AXIS = 26  # the tick axis below it


def _numbers(row) -> list[float]:
    numbers = [row["target"], *(b["value"] for b in row.get("baselines") or [])]
    numbers += [row["value"]] if row.get("value") is not None else []
    return numbers + list(row.get("interval") or [])


def target_families(rows) -> list[tuple[str, tuple[float, float], list]]:
    """Rows that share a scale: every row whose numbers (value, target, interval, baselines) all lie
    in 0..1 on one 0-to-1 axis, so rates compare at a glance; any other row (a latency in ms, a
    log loss) on its own axis from 0 (or its lowest number) to a round number past its largest."""
    rates = [row for row in rows if all(0.0 <= x <= 1.0 for x in _numbers(row))]
    out = [(RATE_FAMILY, (0.0, 1.0), rates)] if rates else []
    for row in rows:
        if row not in rates:
            numbers = _numbers(row)
            domain = nice_domain(min(0.0, min(numbers)), max(numbers) * 1.05 if max(numbers) > 0 else 1.0)
            out.append((f"{row['label']}, {_fmt(domain[0])} to {_fmt(domain[1])}", domain, [row]))
    return out


def _target_row(at, y: float, row) -> tuple[list[str], str]:
    """Value bar and dot, interval whisker, target (thick tick) and baselines (hollow diamonds)."""
    value, target, baselines = row.get("value"), row["target"], row.get("baselines") or []
    higher = row.get("direction", "higher") == "higher"
    met = None if value is None else (value >= target if higher else value <= target)
    low_x = at(0.0)[0]
    body = [] if value is None else [_rect(min(low_x, at(value)[0]), y - 5, abs(at(value)[0] - low_x), 10, SHADE, INK)]
    body += _whisker(at, row.get("interval"), y)
    body += [*_mark(at, value, y, filled=True), _line(at(target)[0], y - 11, at(target)[0], y + 11, width=2.5)]
    for baseline in baselines:
        x = at(baseline["value"])[0]
        body += [_diamond(x, y), _text(x, y + 16, _clip(baseline["label"], 14), anchor="middle", size=SMALL_FONT_SIZE)]
    verdict = "undefined" if met is None else "met" if met else "NOT met"
    goal = f"target {'>=' if higher else '<='} {_fmt(target)}"
    body += _labels(row["label"], [(f"{'-' if value is None else _fmt(value)} {verdict}", ""), (goal, "")], y - 4)
    interval = row.get("interval")
    said = (
        f"{row['label']}: value {'undefined' if value is None else _fmt(value)}"
        + (f", interval {_fmt(interval[0])} to {_fmt(interval[1])}" if interval else "")
        + f", target {'at least' if higher else 'at most'} {_fmt(target)}, {verdict}"
        + "".join(f", baseline {b['label']} {_fmt(b['value'])}" for b in baselines)
    )
    return body, said


def _tick_axis(domain, y: float) -> list[str]:
    low, high = domain
    body = [_line(ROW_LEFT, y, ROW_LEFT + ROW_PLOT_WIDTH, y, stroke=MUTED)]
    for value in nice_ticks(low, high):
        x = ROW_LEFT + (value - low) / (high - low) * ROW_PLOT_WIDTH
        body += [
            _line(x, y, x, y + 4, stroke=MUTED),
            _text(x, y + 14, _fmt(value), anchor="middle", size=SMALL_FONT_SIZE),
        ]
    return body


def target_chart(rows, *, chart_id, title) -> str:
    """Objectives against target (thick tick), measured value (bar and dot) with its interval
    (whisker, when the row has one) and baselines (hollow diamonds); rates share one 0-1 axis."""
    if not rows:
        return _no_data(chart_id, title, "Objectives against targets")
    body, said, y = [], [], 4.0
    for caption, domain, members in target_families(rows):
        at = _scale(*domain)
        body.append(_text(ROW_LEFT, y + 12, f"Scale: {caption}", size=SMALL_FONT_SIZE, fill=MUTED))
        y += BLOCK_HEAD
        for row in members:
            drawn, words = _target_row(at, y + TARGET_ROW_HEIGHT / 2, row)
            body += drawn
            said.append(words)
            y += TARGET_ROW_HEIGHT
        body += _tick_axis(domain, y)
        y += BLOCK_AXIS
    families = target_families(rows)
    desc = (
        "Objectives against targets; rows whose numbers all lie between 0 and 1 share one axis from 0 to 1, "
        "any other row has its own axis; bars and dots are measured values, whiskers intervals, thick ticks "
        "targets, hollow diamonds baselines. Axes: "
        + "; ".join(f"{caption} ({', '.join(str(r['label']) for r in members)})" for caption, _, members in families)
        + ". "
        + "; ".join(said)
        + "."
    )
    return _svg(chart_id, title, desc, ROW_WIDTH, y + 4, body)
