"""Chart labels laid out as one line (planner/report/svgtext.py) land where WeasyPrint puts them."""

import io

import pytest
import weasyprint
import weasyprint.svg as wsvg
from pypdf import PdfReader

from planner.report import pdf, svgtext

pytestmark = [
    pytest.mark.slow,  # renders PDFs with WeasyPrint
    pytest.mark.skipif(not weasyprint.__version__.startswith("70."), reason="the patch is for WeasyPrint 70"),
]

SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="400" height="140" font-family="sans-serif" font-size="11">
<text x="10" y="20">start fi office</text>
<text x="10" y="40" font-weight="bold">Bold <tspan fill="red">tspan part</tspan> tail</text>
<text x="10 20 30" y="60">per letter</text>
<text x="50" y="80" dominant-baseline="middle" font-size="9">n=5421 middle</text>
</svg>"""


def glyph_runs(data: bytes) -> list[tuple[str, float, float]]:
    """(text without spaces, x, y) of each text run, as drawn."""
    runs = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            runs.append((text.replace(" ", ""), round(tm[4], 1), round(tm[5], 1)))

    PdfReader(io.BytesIO(data)).pages[0].extract_text(visitor_text=visit)
    return runs


def render(tmp_path) -> bytes:
    return pdf.html_to_pdf(f"<html><body>{SVG}</body></html>", tmp_path)


def test_the_patch_is_installed_with_the_pdf_module():
    assert wsvg.TAGS["text"] is svgtext.text and wsvg.text is svgtext.text


def test_one_line_labels_sit_where_weasyprint_puts_them_letter_by_letter(tmp_path, monkeypatch):
    fast = render(tmp_path)
    monkeypatch.setattr(wsvg, "text", svgtext.ORIGINAL)
    for tag in ("a", "text", "textPath", "tspan"):
        monkeypatch.setitem(wsvg.TAGS, tag, svgtext.ORIGINAL)
    slow = render(tmp_path)
    # the leading space of " tail" is part of its run now: it starts one space earlier
    expected = [run if run[0] != "tail" else ("tail", pytest.approx(run[1], abs=4), run[2]) for run in glyph_runs(slow)]
    assert glyph_runs(fast) == expected


def test_one_line_labels_keep_their_spaces_for_search_and_copy(tmp_path):
    text = PdfReader(io.BytesIO(render(tmp_path))).pages[0].extract_text()
    assert "start fi office" in text
    assert "n=5421 middle" in text


def test_colours_are_parsed_once_and_each_caller_gets_its_own_copy():
    assert wsvg.color is svgtext.color
    first, second = svgtext.color("#222222"), svgtext.color("#222222")
    assert first == svgtext.ORIGINAL_COLOR("#222222") and first is not second
    first.alpha *= 0.5  # what set_graphical_state does with an opacity
    assert svgtext.color("#222222").alpha == 1.0
    assert svgtext.color(None) == svgtext.ORIGINAL_COLOR(None) == svgtext.ORIGINAL_COLOR("black")
