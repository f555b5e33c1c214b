"""Paper layout of the design and governance reports (issue 15), read back from real PDFs.

Words are located with poppler's `pdftotext -bbox` (every word with its box, in points), so a test
can say where a value lies: inside the margins, on the line of its row, under its column's header.
The tables are read from the HTML too, cell by header, so a template that swapped two columns fails
here in both formats.
"""

import functools
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from lxml import etree, html

from helpers import EXAMPLES
from planner import load as load_project
from planner.assess import assess
from planner.audit.cache import audits_for
from planner.numbers import report_number
from planner.report import audit_charts, curves, render_reports

pytestmark = [
    pytest.mark.slow,  # renders both examples to HTML and PDF (WeasyPrint)
    pytest.mark.skipif(
        shutil.which("pdftotext") is None, reason="poppler-utils is not installed (.ci/run installs it)"
    ),
]

AS_OF = date(2026, 11, 29)
CSS = Path(__file__).resolve().parents[2] / "templates" / "report" / "report.css"
MM = 72 / 25.4
XHTML = "{http://www.w3.org/1999/xhtml}"
KINDS = ("design", "governance", "annex-iv", "instructions")
PDFS = [(example.name, kind) for example in EXAMPLES for kind in KINDS]
TIMES = "\N{MULTIPLICATION SIGN}"
AUDIT_SECTION = "Bias audit"
"""The longest section, named when the page count is over."""


def right_margin() -> float:
    """The right page margin in points, as report.css's `@page` rule states it (CSS shorthand)."""
    rule = re.search(r"@page\s*\{[^}]*?\bmargin:\s*([^;]+);", CSS.read_text()).group(1).split()
    values = [float(value.removesuffix("mm")) * MM for value in rule]
    assert all(value.endswith("mm") for value in rule), rule
    return values[1] if len(values) > 1 else values[0]


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class Page:
    number: int
    width: float
    words: list[Word]

    def text(self) -> str:
        return " ".join(word.text for word in self.words)


def pdf_pages(data: bytes) -> list[Page]:
    xml = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=data, capture_output=True, check=True).stdout
    root = etree.fromstring(xml, etree.XMLParser(recover=True, huge_tree=True))
    pages = []
    for number, page in enumerate(root.iter(f"{XHTML}page"), 1):
        words = [
            Word(w.text or "", *(float(w.get(key)) for key in ("xMin", "yMin", "xMax", "yMax")))
            for w in page.iter(f"{XHTML}word")
        ]
        pages.append(Page(number, float(page.get("width")), words))
    return pages


@dataclass(frozen=True)
class Rendered:
    project: object
    assessment: object
    html: dict[str, html.HtmlElement]
    pages: dict[str, list[Page]]

    def item(self, item_id: str):
        return next(item for item in self.assessment.items if item.id == item_id)


@functools.cache
def rendered(name: str) -> Rendered:
    """An example rendered once per test session, every kind of report, HTML and PDF."""
    project = load_project(next(path for path in EXAMPLES if path.name == name))
    assert not project.has_errors, project.diagnostics
    audits, problems = audits_for(project, use_cache=False)
    assert not problems
    assessment = assess(project, audits=audits)
    outputs = render_reports(assessment, as_of=AS_OF, formats=("html", "pdf"), kinds=KINDS)
    return Rendered(
        project,
        assessment,
        {kind: html.fromstring(outputs[f"{kind}.html"]) for kind in KINDS},
        {kind: pdf_pages(outputs[f"{kind}.pdf"]) for kind in KINDS},
    )


def contents(document: html.HtmlElement) -> list[tuple[str, str]]:
    """The contents entries as (anchor, title)."""
    return [
        (a.get("href").removeprefix("#"), a.text_content().strip()) for a in document.xpath("//nav[@class='toc']//li/a")
    ]


def same_line(a: Word, b: Word) -> bool:
    """On one line of text (a small label beside a larger title counts)."""
    return abs((a.y0 + a.y1) / 2 - (b.y0 + b.y1) / 2) < 4


def section_pages(pages: list[Page], titles: list[str]) -> dict[str, int]:
    """The page each section starts on, read from the contents' page numbers (`target-counter`):
    the number at the end of the title's line on the first page."""
    lines: list[list[Word]] = []
    for word in sorted(pages[0].words, key=lambda w: (w.y0, w.x0)):
        if lines and same_line(lines[-1][0], word):
            lines[-1].append(word)
        else:
            lines.append([word])
    texts = [(" ".join(w.text for w in line), line[-1].text) for line in lines]
    found = {}
    for title in titles:
        numbers = [last for text, last in texts if f". {title} ." in f" {text}" and last.isdigit()]
        assert numbers, f"the contents do not give a page for {title!r}"
        found[title] = int(numbers[0])
    return found


def audit_pages(pages: list[Page], document: html.HtmlElement) -> set[int]:
    """The pages the bias audit section spans (its first page up to the next section's first)."""
    titles = [title for _, title in contents(document)]
    if AUDIT_SECTION not in titles:
        return set()
    starts = section_pages(pages, titles)
    after = titles.index(AUDIT_SECTION) + 1
    end = starts[titles[after]] if after < len(titles) else len(pages)
    return set(range(starts[AUDIT_SECTION], end + 1))


# Geometry -------------------------------------------------------------------------------------


def test_the_margin_is_read_from_the_stylesheet():
    assert right_margin() == pytest.approx(16 * MM)


@pytest.mark.parametrize(("example", "kind"), PDFS)
def test_no_word_lies_beyond_the_right_margin(example, kind):
    pages = rendered(example).pages[kind]
    beyond = [
        (page.number, word.text, round(word.x1 - (page.width - right_margin()), 1))
        for page in pages
        for word in page.words
        if word.x1 > page.width - right_margin() + 0.5
    ]
    assert beyond == []


def test_adult_income_governance_pdf_fits_in_15_pages_with_every_section_of_the_contents():
    report = rendered("adult-income")
    pages, document = report.pages["governance"], report.html["governance"]
    text = " ".join(" ".join(page.text() for page in pages).split())
    titles = [title for _, title in contents(document)]
    assert titles and [title for title in titles if text.count(title) < 2] == []  # in the contents and as a heading
    # 14 pages until the NIST coverage section (issue 16), which lists 72 obligations in about 25 lines
    assert len(pages) <= 15, f"{len(pages)} pages, {len(audit_pages(pages, document))} of them the {AUDIT_SECTION}"


@pytest.mark.parametrize(("example", "kind"), PDFS)
def test_every_heading_is_in_the_contents_with_its_page(example, kind):
    report = rendered(example)
    document = report.html[kind]
    headings = [(h.get("id"), h.text_content().strip()) for h in document.xpath("//main//h2")]
    assert headings == contents(document)
    starts = section_pages(report.pages[kind], [title for _, title in headings])
    for title, number in starts.items():
        page = report.pages[kind][number - 1]
        assert title in " ".join(page.text().split()), f"{title!r} is not on page {number}"
    assert list(starts.values()) == sorted(starts.values())


# Cells read by their column header ------------------------------------------------------------


def html_cell(document: html.HtmlElement, row_id: str, header: str, *, under: str) -> str:
    """The text of the cell under `header` in the row whose first cell is `row_id`, in the first
    table after the heading `under` that has such a row."""
    heading = next(h for h in document.xpath("//h2 | //h3") if h.text_content().strip() == under)
    for table in heading.itersiblings("table"):
        headers = [th.text_content().strip() for th in table.xpath("thead/tr/th")]
        for row in table.xpath("tbody/tr"):
            cells = [td.text_content().strip() for td in row.xpath("td")]
            if cells and cells[0] == row_id:
                return cells[headers.index(header)]
    raise AssertionError(f"no row {row_id} under {under!r}")


def risk_field(document: html.HtmlElement, risk_id: str, label: str) -> str:
    (block,) = document.xpath("//article[@class='block'][@data-id=$id]", id=risk_id)
    return next(
        field.xpath("dd")[0].text_content().strip()
        for field in block.xpath("div/dl[@class='fields']/div")
        if field.xpath("dt")[0].text_content().strip() == label
    )


def pdf_cell(pages: list[Page], row_id: str, header: str, *, after: str) -> str:
    """The words on the line of `row_id` (its first cell) between the left edge of `header` and the
    left edge of the next header on the header line above: the PDF's cell under that header."""
    start = next(page.number for page in pages[1:] if after in " ".join(page.text().split()))
    for page in pages[start - 1 :]:
        left = min(word.x0 for word in page.words)
        heads = [w for w in page.words if w.text == header]
        rows = [w for w in page.words if w.text == row_id and w.x0 < left + 10 and any(h.y1 < w.y0 for h in heads)]
        if rows:
            row, head = rows[0], max((h for h in heads if h.y1 < rows[0].y0), key=lambda h: h.y0)
            line = sorted((w for w in page.words if same_line(w, head)), key=lambda w: w.x0)
            following = [w.x0 for w in line if w.x0 > head.x1]
            right = following[0] if following else page.width
            return " ".join(w.text for w in page.words if same_line(w, row) and head.x0 - 1 <= w.x0 < right - 1)
    raise AssertionError(f"no row {row_id} under a header {header!r} after {after!r}")


def pdf_field(pages: list[Page], risk_id: str, label: str) -> str:
    """A risk block's labelled field: the words just below the label, from its left edge to the next
    label's."""
    for page in pages[1:]:
        left = min(word.x0 for word in page.words)
        ids = [w for w in page.words if w.text == risk_id and w.x0 < left + 10]
        if ids:
            head = ids[0]
            labels = [w for w in page.words if w.text == label and same_line(w, head)]
            assert labels, f"no {label!r} on the line of {risk_id}"
            mark = labels[0]
            below = [w for w in page.words if mark.y1 < w.y0 < mark.y1 + 14]
            first = min((w for w in below if abs(w.x0 - mark.x0) < 2), key=lambda w: w.y0)
            following = [w.x0 for w in page.words if same_line(w, mark) and w.x0 > mark.x1]
            right = min(following, default=page.width)
            line = sorted(
                (w for w in below if same_line(w, first) and mark.x0 - 1 <= w.x0 < right - 1), key=lambda w: w.x0
            )
            return " ".join(w.text for w in line)
    raise AssertionError(f"no risk block {risk_id}")


@pytest.mark.parametrize("example", [path.name for path in EXAMPLES])
def test_each_objectives_measured_value_sits_under_measured(example):
    report = rendered(example)
    objectives = [item for item in report.assessment.items if item.kind == "objective" and item.value is not None]
    assert objectives
    for item in objectives:
        shown = report_number(item.value, 4)
        for header, wanted in (("Measured", shown), ("Target", report_number(item.target, 4)), ("Id", item.id)):
            cell = html_cell(report.html["design"], item.id, header, under="Objectives, targets and baselines")
            assert cell.endswith(wanted), (item.id, header, cell)
        assert pdf_cell(report.pages["design"], item.id, "Measured", after="Objectives, targets and baselines") == shown
        target = pdf_cell(report.pages["design"], item.id, "Target", after="Objectives, targets and baselines")
        assert target.endswith(report_number(item.target, 4)), (item.id, target)


@pytest.mark.parametrize("example", [path.name for path in EXAMPLES])
def test_the_governance_items_table_reads_by_header(example):
    report = rendered(example)
    item = next(item for item in report.assessment.items if item.kind == "objective" and item.value is not None)
    document = report.html["governance"]
    assert html_cell(document, item.id, "Value", under="Objectives against evidence") == report_number(item.value, 4)
    assert html_cell(document, item.id, "Target", under="Objectives against evidence") == report_number(item.target, 4)
    assert html_cell(document, item.id, "Status", under="Objectives against evidence") == item.status
    assert html_cell(document, item.id, "Statement", under="Objectives against evidence") == item.title
    pages = report.pages["governance"]
    assert pdf_cell(pages, item.id, "Value", after="Objectives against evidence") == report_number(item.value, 4)
    assert item.status in pdf_cell(pages, item.id, "Status", after="Objectives against evidence")


@pytest.mark.parametrize("example", [path.name for path in EXAMPLES])
def test_each_risks_status_and_ratings_are_in_their_labelled_fields(example):
    report = rendered(example)
    risks = [item for item in report.assessment.items if item.kind == "risk"]
    assert risks
    for item in risks:
        detail = item.detail
        inherent = f"{detail.likelihood}{TIMES}{detail.impact} = {detail.score} ({detail.band})"
        document = report.html["governance"]
        assert risk_field(document, item.id, "Status") == item.status
        assert risk_field(document, item.id, "Inherent") == inherent
        assert pdf_field(report.pages["governance"], item.id, "Status").endswith(item.status), item.id
        assert pdf_field(report.pages["governance"], item.id, "Inherent") == inherent, item.id


# The decision charts, in both formats -----------------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"


def charts_by_id(document: html.HtmlElement) -> dict[str, tuple[str, str]]:
    """Every inline chart of the HTML as id -> (title, description)."""
    out = {}
    for svg in document.iter(f"{SVG}svg", "svg"):
        title = next(svg.iter(f"{SVG}title", "title"))
        desc = next(svg.iter(f"{SVG}desc", "desc"))
        out[title.get("id").removesuffix("-title")] = (title.text_content().strip(), desc.text_content().strip())
    return out


def expected_charts(audit: dict) -> dict[str, list[str]]:
    """The chart ids issue 15 asks for, from the audit's own data (features and groupings)."""
    features = list(audit["score_histograms"]["groupings"])
    assert features, "the example's audit has score histograms per feature"
    a = audit["id"]
    return {
        "cost": [f"c-{a}-cost", *(f"c-{a}-cost-{f}" for f in audit["thresholds"]["group_curves"])],
        "roc": [f"c-{a}-roc-{f}" for f in ["overall", *features]],
        "precision-recall": [f"c-{a}-pr-{f}" for f in ["overall", *features]],
        "reliability": [f"c-{a}-reliability-{f}" for f in ["overall", *features]],
        "confusion": [audit_charts.chart_id(a, "cm", g["name"]) for g in audit["groupings"]],
        "limits": [f"c-{a}-limits"],
        "objectives": ["objectives"],
    }


# What a chart draws as text in the PDF (an SVG's title and description are not printed there):
# the axis captions, once per chart of the kind.
PDF_CAPTIONS = {
    "cost": "decision threshold",
    "roc": "false positive rate",
    "precision-recall": "recall (true positive rate)",
    "reliability": "mean predicted score in the bin",
    "confusion": "predicted +",
    "limits": "observed disparity",
}


@pytest.mark.parametrize("example", [path.name for path in EXAMPLES])
def test_each_decision_chart_is_in_both_formats_with_its_title_and_description(example):
    report = rendered(example)
    (audit,) = [a.to_dict() for a in report.assessment.audits]
    found = charts_by_id(report.html["governance"])
    wanted = expected_charts(audit)
    for kind, ids in wanted.items():
        for chart in ids:
            assert chart in found, (kind, chart, sorted(found))
            title, desc = found[chart]
            assert title and len(desc) > 40, (chart, title, desc)
    overall = audit["thresholds"]["overall"]
    assert f"cost-optimal at {report_number(overall['best_threshold'])}" in found[f"c-{audit['id']}-cost"][1]
    ece = curves.ece(audit["score_histograms"]["overall"])
    assert f"(ECE {ece:.3f})" in found[f"c-{audit['id']}-reliability-overall"][1]
    slices = report.html["governance"].xpath("//h3[starts-with(normalize-space(), 'Slices: ')]")
    assert len(slices) == len(audit["slices"]) > 0
    text = " ".join(" ".join(page.text() for page in report.pages["governance"]).split())
    for kind, caption in PDF_CAPTIONS.items():
        drawn = len(re.findall(rf"(?<![\w(]){re.escape(caption)}", text))
        assert drawn >= len(wanted[kind]), (kind, caption, drawn)  # at least once a chart
    assert all(f"Slices: {s['feature']} within {s['slice_column']}" in text for s in audit["slices"])
    assert "Scale: rates and scores" in text  # the objectives chart's shared rate scale


# The EU AI Act documents (issue 16) ---------------------------------------------------------------

ANNEX_IV_POINTS = [
    "1. General description of the AI system",
    "2. Detailed description of the elements of the AI system and of the process for its development",
    "3. Monitoring, functioning and control of the AI system",
    "4. Appropriateness of the performance metrics",
    "5. The risk management system",
    "6. Relevant changes made through the lifecycle",
    "7. Harmonised standards and other specifications applied",
    "8. Copy of the EU declaration of conformity",
    "9. The post-market monitoring plan",
]


def _missing_points(report: Rendered) -> list:
    found = report.assessment.coverage["eu-ai-act-high-risk"]
    return [o for o in found.obligations if o.id.startswith("annex-iv.") and o.state == "missing"]


@pytest.mark.parametrize("example", [path.name for path in EXAMPLES])
def test_annex_iv_holds_the_nine_points_in_order_and_a_box_for_each_missing_one(example):
    report = rendered(example)
    document, pages = report.html["annex-iv"], report.pages["annex-iv"]
    assert [h.text_content().strip() for h in document.xpath("//main//h2")] == ANNEX_IV_POINTS
    text = " ".join(" ".join(page.text() for page in pages).split())
    text = text[text.index("Drawn up from the specs") :]  # the body, after the contents
    places = [text.find(point) for point in ANNEX_IV_POINTS]
    assert -1 not in places and places == sorted(places), places
    missing = _missing_points(report)
    boxes = document.xpath("//div[@class='to-complete']")
    assert len(boxes) == len(missing) == text.count("To complete") > 0
    for box, obligation in zip(boxes, missing, strict=True):
        said = " ".join(box.text_content().split())
        assert obligation.id in said and all(key.strip("`") in said for key in obligation.fill)


def test_german_credit_annex_iv_misses_just_the_declaration_and_the_change_log():
    assert [o.id for o in _missing_points(rendered("german-credit"))] == ["annex-iv.6", "annex-iv.8"]
    assert len(_missing_points(rendered("adult-income"))) > 2  # no system, monitoring or standards written


def test_annex_iv_point_2g_gives_the_test_log_with_the_candidate_and_the_sign_offs():
    report = rendered("adult-income")  # it has sign-offs; german-credit has none
    document = report.html["annex-iv"]
    (charts,) = document.xpath("//h3[@id='test-charts']")
    titles = [t.text_content() for t in charts.getnext().xpath(".//*[local-name()='svg']/*[local-name()='title']")]
    assert titles[0] == "Objectives against target and baselines" and len(titles) == 1 + len(report.assessment.audits)
    (log,) = document.xpath("//h3[@id='test-log']")
    following = " ".join(" ".join(e.text_content().split()) for e in log.itersiblings())
    assert report.assessment.candidate.run_id in following
    for state in report.assessment.signoffs:
        assert state.name in following and state.date.isoformat() in following and state.digest in following


@pytest.mark.parametrize("example", [path.name for path in EXAMPLES])
def test_the_governance_report_shows_coverage_of_each_enabled_profile(example):
    report = rendered(example)
    document = report.html["governance"]
    for name in report.assessment.profiles:
        found = report.assessment.coverage[name]
        rows = {
            row.xpath("td")[0].text_content().strip(): row.xpath("td")[2].text_content().strip()
            for row in document.xpath("//table[contains(@class, 'coverage')]/tbody/tr")
        }
        assert {o.ref: rows.get(o.ref, "").split()[-1] for o in found.obligations} == {
            o.ref: o.state for o in found.obligations
        }
