"""SVG `<text>` laid out as one line instead of letter by letter, for WeasyPrint 70.

WeasyPrint draws every SVG text as one Pango layout *per character* (so that per-letter `x`, `dx`,
`rotate` lists work): the report's charts carry about 1,300 labels, and that loop was a third of the
PDF's time (issue 15). A chart label here has one `x` and one `y` and nothing per letter, so one
layout of the whole string puts the same glyphs at the same places (with the font's kerning, as a
browser does). Anything else goes to WeasyPrint's own code. The patch replaces one function of a
version it was read against, and nothing when WeasyPrint is another version.

The same holds for colours: WeasyPrint parses the colour of every SVG element anew (tinycss2, about
a tenth of drawing the charts); here each distinct colour string is parsed once and a copy handed
out, because WeasyPrint multiplies the copy's alpha by the element's opacity.
"""

from __future__ import annotations

import copy
import functools
from math import inf
from typing import Any

import weasyprint
import weasyprint.svg as wsvg
from weasyprint.draw.text import draw_emojis, draw_first_line
from weasyprint.matrix import Matrix
from weasyprint.svg.bounding_box import extend_bounding_box
from weasyprint.svg.text import TextBox
from weasyprint.svg.utils import normalize, size
from weasyprint.text.line_break import split_first_line

TESTED_VERSIONS = ("70.",)
PER_LETTER = ("dx", "dy", "rotate", "letter-spacing", "textLength")
ORIGINAL = wsvg.TAGS["text"]
ORIGINAL_COLOR = wsvg.color


def install() -> bool:
    """Use the one-line layout for SVG text; False (and nothing changed) on an untested WeasyPrint."""
    if not weasyprint.__version__.startswith(TESTED_VERSIONS) or wsvg.text is not ORIGINAL:
        return wsvg.text is text
    wsvg.text = text  # `draw_node` compares `TAGS[tag]` with this name for text anchors
    wsvg.color = color
    for tag, function in list(wsvg.TAGS.items()):
        if function is ORIGINAL:
            wsvg.TAGS[tag] = text
    return True


def text(svg: Any, node: Any, font_size: float) -> None:
    """Draw `node` like WeasyPrint, as one layout when no attribute positions single letters."""
    if not _one_line(node):
        return ORIGINAL(svg, node, font_size)
    style = _style(svg, node, font_size)
    layout, _, _, width, height, baseline = split_first_line(node.text, style, svg.context, inf, 0)
    x = _first(node, "x", font_size, svg.inner_width)
    y = _first(node, "y", font_size, svg.inner_height)
    if x:  # as WeasyPrint: an `x` of 0 keeps the running offset
        svg.cursor_d_position[0] = 0
    if y:
        svg.cursor_d_position[1] = 0
    x = svg.cursor_position[0] if x is None else x
    y = svg.cursor_position[1] if y is None else y
    svg.cursor_position = x + width, y
    x_position = x + svg.cursor_d_position[0]
    y_position = y + svg.cursor_d_position[1] + _y_align(node, font_size, height)
    points = ((x_position, y_position - baseline), (x_position + width, y_position - baseline + height))
    node.text_bounding_box = extend_bounding_box(node.text_bounding_box, points)

    svg.stream.push_state()
    fill, stroke = svg.set_graphical_state(node, font_size)
    svg.stream.begin_text()
    layout.reactivate(style)
    svg.fill_stroke(fill, stroke, text=True)
    text_box = TextBox(layout, style)
    text_box.baseline = baseline
    matrix = Matrix(a=1, d=-1, e=x_position, f=y_position)
    emojis = draw_first_line(svg.stream, text_box, "none", "none", matrix)
    svg.stream.end_text()
    svg.stream.pop_state()
    draw_emojis(svg.stream, style, x, y, emojis)
    return None


@functools.lru_cache(maxsize=256)
def _parsed_color(string: str | None) -> Any:
    return ORIGINAL_COLOR(string)


def color(string: str | None) -> Any:
    """WeasyPrint's `svg.utils.color`, parsed once per distinct string; a copy, which the caller
    may change."""
    return copy.copy(_parsed_color(string))


def _one_line(node: Any) -> bool:
    if not node.text or any(node.get(name) is not None for name in PER_LETTER):
        return False
    return all(len(normalize(node.attrib.get(name, "")).split()) <= 1 for name in ("x", "y"))


def _first(node: Any, name: str, font_size: float, reference: float) -> float | None:
    value = normalize(node.attrib.get(name, "")).strip()
    return size(value, font_size, reference) if value else None


def _style(svg: Any, node: Any, font_size: float) -> Any:
    """The style WeasyPrint's `text` builds (same fields, same defaults)."""
    from weasyprint.css.properties import INITIAL_VALUES
    from weasyprint.svg.text import Style

    style = Style()
    style.update(INITIAL_VALUES)
    style.font_config = svg.font_config
    style["font_family"] = [font.strip("\"'") for font in node.get("font-family", "sans-serif").split(",")]
    style["font_style"] = node.get("font-style", "normal")
    style["font_size"] = font_size
    if node.get("direction") in ("ltr", "rtl"):
        style["direction"] = node.get("direction")
    weight = node.get("font-weight", 400)
    try:
        style["font_weight"] = {"normal": 400, "bold": 700}.get(weight) or int(weight)
    except ValueError:
        style["font_weight"] = 400
    return style


def _y_align(node: Any, font_size: float, height: float) -> float:
    """WeasyPrint's vertical alignment of a text box (its own approximations kept)."""
    ascent, descent = font_size * 0.8, font_size * 0.2
    display_anchor = node.get("display-anchor")
    baseline = node.get("dominant-baseline", node.get("alignment-baseline"))
    if display_anchor == "middle":
        return -height / 2
    if display_anchor == "top":
        return 0
    if display_anchor == "bottom":
        return -height
    if baseline in ("central", "middle"):
        return (ascent + descent) / 2 - descent
    if baseline in ("text-before-edge", "before_edge", "top", "hanging", "text-top"):
        return ascent
    if baseline in ("text-after-edge", "after_edge", "bottom", "text-bottom"):
        return -descent
    return 0
