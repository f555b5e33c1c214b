"""Inline SVG charts for the HTML and PDF reports.

Charts are plain strings so the report stays one self-contained file (no scripts, no fetches)
that WeasyPrint can print. Each chart states its data in words in <title>/<desc>, because a
picture alone shuts out screen-reader users, and never carries meaning by colour alone (text
labels, hollow versus filled markers, dash patterns), so grey-scale prints still read.
"""

from __future__ import annotations

import math
import re
from xml.sax.saxutils import escape

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
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


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


def _svg(chart_id: str, title, desc: str, width: float, height: float, body: list[str]) -> str:
    """The ids must be valid XML names, because aria-labelledby points at them."""
    if not _CHART_ID.match(chart_id):
        raise ValueError(f"chart id {chart_id!r} must start with a letter and use only letters, digits, '_', '.', '-'")
    w, h = _n(width), _n(height)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="sans-serif" font-size="{FONT_SIZE}">'
        f'<title id="{chart_id}-title">{_esc(title)}</title><desc id="{chart_id}-desc">{_esc(desc)}</desc>'
        + "".join(body)
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


def _scale(low: float, high: float):
    """Value to x on the plot, clamped to its ends; the side says where it was clamped (-1, 0, 1)."""
    if not high > low:
        raise ValueError(f"an axis needs low < high, got {low} to {high}")

    def at(value: float) -> tuple[float, int]:
        side = -1 if value < low else 1 if value > high else 0
        inside = min(max(value, low), high)
        return ROW_LEFT + (inside - low) / (high - low) * ROW_PLOT_WIDTH, side

    return at


def _row_y(index: int, row_height: int = ROW_HEIGHT) -> float:
    return ROW_TOP + index * row_height + row_height / 2


def _mark(at, value, y, *, filled: bool) -> list[str]:
    """A marker, an arrow where it was clamped, or the word 'undefined' where there is no value."""
    if value is None:
        return [
            _rect(ROW_LEFT + 1, y - 7, 58, 14, PAPER),
            _text(ROW_LEFT + 4, y + 4, "undefined", fill=MUTED, extra=' font-style="italic"'),
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


def _axis_svg(chart_id, title, desc: str, body: list[str], domain, rows: int, caption: str) -> str:
    """Rows sharing one axis: five ticks under the last row, then the caption."""
    (low, high), y = domain, ROW_TOP + rows * ROW_HEIGHT + 4
    body = [*body, _line(ROW_LEFT, y, ROW_LEFT + ROW_PLOT_WIDTH, y)]
    for k in range(5):
        x, value = ROW_LEFT + k * ROW_PLOT_WIDTH / 4, low + k * (high - low) / 4
        body += [_line(x, y, x, y + 4), _text(x, y + 15, _fmt(value), anchor="middle", size=SMALL_FONT_SIZE)]
    body.append(_text(ROW_LEFT + ROW_PLOT_WIDTH / 2, y + 30, caption, anchor="middle"))
    return _svg(chart_id, title, desc, ROW_WIDTH, y - 4 + AXIS_HEIGHT, body)


def _say(label, value, interval, at) -> str:
    words = f"{label}: " + ("undefined" if value is None else _fmt(value))
    words += f", interval {_fmt(interval[0])} to {_fmt(interval[1])}" if interval else ", no interval"
    return words + (", beyond the axis, drawn at its edge" if value is not None and at(value)[1] else "")


def _labels(label, right: list[tuple[str, str]], y: float) -> list[str]:
    out = [_text(ROW_LEFT - 8, y + 4, _clip(label), anchor="end")]
    for k, (words, extra) in enumerate(right):
        out.append(_text(ROW_LEFT + ROW_PLOT_WIDTH + 16, y - 1 + 11 * k, words, size=FONT_SIZE - 2 * k, extra=extra))
    return out


def interval_chart(rows, *, metric, chart_id, title, reference=None, domain=(0.0, 1.0)) -> str:
    """One metric per group with its confidence interval, so overlap between groups is visible.
    ``reference`` is a value or a (label, value) pair drawn as a dashed line (e.g. the overall value)."""
    if not rows:
        return _no_data(chart_id, title, f"{metric} by group")
    low, high = domain
    at, body, said = _scale(low, high), [], []
    shown = row_labels(row["label"] for row in rows)
    for k, row in enumerate(rows):
        y, small = _row_y(k), not row.get("sufficient", True)
        body += _whisker(at, row.get("interval"), y) + _mark(at, row.get("value"), y, filled=not small)
        body += _labels(shown[k], [(f"n={row['count']}", "")] + ([("small group", "")] if small else []), y)
        said.append(
            _say(row["label"], row.get("value"), row.get("interval"), at)
            + f", n={row['count']}"
            + (", small group" if small else "")
        )
    desc = (
        f"{metric} by group on an axis from {_fmt(low)} to {_fmt(high)}; dots are values, whiskers confidence "
        f"intervals, hollow dots small groups. " + "; ".join(said) + "."
    )
    if reference is not None:
        name, value = reference if isinstance(reference, tuple) else ("reference", reference)
        x = at(value)[0]
        body += [
            _line(x, ROW_TOP - 6, x, ROW_TOP + len(rows) * ROW_HEIGHT + 4, dash="5 3", stroke=MUTED),
            _text(x, ROW_TOP - 9, f"{_clip(name)} {_fmt(value)}", anchor="middle", size=SMALL_FONT_SIZE),
        ]
        desc += f" Dashed line: {name} {_fmt(value)}."
    return _axis_svg(chart_id, title, desc, body, (low, high), len(rows), str(metric))


def _limit_domain(rows) -> tuple[float, float]:
    """Zero, every limit, value and interval end, padded by 5% and rounded out to a step that
    gives round tick labels (a ratio chart ends at 1.2, not 1.21)."""
    numbers = (
        [0.0] + [row["limit"] for row in rows] + [row["observed"] for row in rows if row.get("observed") is not None]
    )
    numbers += [end for row in rows if row.get("interval") for end in row["interval"]]
    low, high = min(numbers) * 1.05, max(numbers) * 1.05
    high = high if high > low else low + 1.0
    unit = 0.2 * 10 ** math.floor(math.log10(high - low))
    return math.floor(round(low / unit, 9)) * unit, math.ceil(round(high / unit, 9)) * unit


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
    return _axis_svg(chart_id, title, desc, body, (low, high), len(rows), "observed disparity")


def _target_row(k: int, row) -> tuple[list[str], str]:
    """Each row on its own scale: latencies in ms and AUCs share no axis."""
    value, target, baselines = row.get("value"), row["target"], row.get("baselines") or []
    top = max([target] + [b["value"] for b in baselines] + ([value] if value is not None else []))
    top = top * 1.1 if top > 0 else 1.0
    at, y = _scale(0.0, top), _row_y(k, TARGET_ROW_HEIGHT)
    higher = row.get("direction", "higher") == "higher"
    met = None if value is None else (value >= target if higher else value <= target)
    body = [] if value is None else [_rect(ROW_LEFT, y - 5, at(value)[0] - ROW_LEFT, 10, SHADE, INK)]
    body += [*_mark(at, value, y, filled=True), _line(at(target)[0], y - 11, at(target)[0], y + 11, width=2.5)]
    for baseline in baselines:
        x = at(baseline["value"])[0]
        body += [_diamond(x, y), _text(x, y + 16, _clip(baseline["label"], 14), anchor="middle", size=SMALL_FONT_SIZE)]
    verdict = "undefined" if met is None else "met" if met else "NOT met"
    goal = f"target {'>=' if higher else '<='} {_fmt(target)}"
    body += _labels(row["label"], [(f"{'-' if value is None else _fmt(value)} {verdict}", ""), (goal, "")], y - 4)
    body.append(_text(ROW_LEFT - 8, y + 12, f"scale 0 to {_fmt(top)}", anchor="end", size=SMALL_FONT_SIZE, fill=MUTED))
    said = (
        f"{row['label']}: value {'undefined' if value is None else _fmt(value)}, "
        f"target {'at least' if higher else 'at most'} {_fmt(target)}, {verdict}, scale 0 to {_fmt(top)}"
        + "".join(f", baseline {b['label']} {_fmt(b['value'])}" for b in baselines)
    )
    return body, said


def target_chart(rows, *, chart_id, title) -> str:
    """Objectives against target (thick tick) and baselines (hollow diamonds)."""
    if not rows:
        return _no_data(chart_id, title, "Objectives against targets")
    drawn = [_target_row(k, row) for k, row in enumerate(rows)]
    desc = (
        "Objectives against targets; each row has its own scale from 0 to 1.1 times its largest number "
        "(value, target or baseline); bars are values, thick ticks targets, hollow diamonds baselines. "
        + "; ".join(said for _, said in drawn)
        + "."
    )
    body = [part for parts, _ in drawn for part in parts]
    return _svg(chart_id, title, desc, ROW_WIDTH, ROW_TOP + len(rows) * TARGET_ROW_HEIGHT + 8, body)
