"""Golden (normalised) HTML of both examples' reports (issue 15).

A report is read into a readable text, one line a heading, paragraph, list item or table row (cells
joined by " | " under their header line), each chart as its title and description; the embedded
stylesheet and the markup are left out. Any change of what a reader sees, a swapped column, a status
beside the wrong id, a number written another way, changes a line of `tests/report/golden/`.

Refresh after an intended change with `PLANNER_UPDATE_GOLDEN=1 pytest tests/report/test_golden.py`
and review the diff of the golden files like code. Under CI the refresh is refused, so a run can
never pass by writing what it compares against.
"""

import difflib
import functools
import os
import shutil
from datetime import date
from pathlib import Path

import pytest
from lxml import html
from test_layout import html_cell  # tests/report is on the path (rootdir-relative imports, no packages)

from helpers import EXAMPLES
from planner import __version__
from planner import load as load_project
from planner.assess import assess
from planner.audit.cache import audits_for
from planner.gate.decision import evaluate
from planner.report import render_reports

pytestmark = pytest.mark.slow  # runs both examples' audits and renders their reports

AS_OF = date(2026, 11, 29)
GOLDEN = Path(__file__).parent / "golden"
KINDS = ("design", "governance", "summary")
TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "report"
SVG = "{http://www.w3.org/2000/svg}"
BLOCKS = {"h1", "h2", "h3", "h4", "p", "li", "tr", "figcaption", "dt", "dd", "caption"}
SKIPPED = {"style", "script", "head"}
CONTAINERS = {
    "div",
    "section",
    "article",
    "figure",
    "nav",
    "main",
    "body",
    "dl",
    "ul",
    "ol",
    "table",
    "thead",
    "tbody",
    "svg",
    "header",
    "footer",
}
CASES = [(example.name, kind) for example in EXAMPLES for kind in KINDS]


def words(element) -> str:
    """The element's text, its parts (list items of a cell) kept apart by a space."""
    return " ".join(" ".join(element.itertext()).split())


def chart_line(svg) -> str:
    title = next(svg.iter(f"{SVG}title", "title"), None)
    desc = next(svg.iter(f"{SVG}desc", "desc"), None)
    return f"[chart] {words(title) if title is not None else ''} :: {words(desc) if desc is not None else ''}"


def local_name(element) -> str:
    return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""


def holds_blocks(element) -> bool:
    return any(local_name(child) in BLOCKS | CONTAINERS for child in element.iterdescendants())


def normalised(document: str) -> list[str]:
    """The report as lines of what a reader sees, in reading order: text that runs between blocks
    (a decision's bold verdict before its paragraph) is a line of its own."""
    lines: list[str] = []

    def add(text: str, prefix: str = "") -> None:
        text = " ".join(text.split())
        if text:
            lines.append(prefix + text)

    def visit(element) -> None:
        name = local_name(element)
        if name in SKIPPED:
            return
        if name == "svg":
            lines.append(chart_line(element))
        elif name == "tr":
            cells = [words(cell) for cell in element if local_name(cell) in ("td", "th")]
            lines.append(("# " if local_name(element.getparent()) == "thead" else "") + " | ".join(cells))
            lines.extend(chart_line(svg) for svg in element.iter(f"{SVG}svg", "svg"))
        elif name in BLOCKS and not holds_blocks(element):
            add(words(element), "#" * int(name[1]) + " " if name[0] == "h" and name[1:].isdigit() else "")
        else:
            running = element.text or ""
            for child in element:
                if local_name(child) in SKIPPED:
                    running += child.tail or ""
                elif local_name(child) in BLOCKS | CONTAINERS or holds_blocks(child):
                    add(running)
                    visit(child)
                    running = child.tail or ""
                else:  # inline: part of the running text
                    running += words(child) + (child.tail or "")
            add(running)

    visit(html.fromstring(document))
    return [line.replace(__version__, "<version>") for line in lines]


@functools.cache
def rendered(example: str, templates: Path | None = None) -> dict[str, str]:
    """Every kind's HTML of an example, rendered once per session (from a copy of the example with
    `templates` as its own report templates, when given)."""
    source = next(path for path in EXAMPLES if path.name == example)
    project = load_project(source if templates is None else templates.parent)
    assert not project.has_errors, project.diagnostics
    audits, problems = audits_for(project, use_cache=False)
    assert not problems
    assessment = assess(project, audits=audits)
    decision = evaluate(assessment, today=AS_OF)  # as `planner report` does: the summary states the gate's decision
    outputs = render_reports(assessment, kinds=KINDS, formats=("html",), as_of=AS_OF, decision=decision)
    return {kind: outputs[f"{kind}.html"].decode() for kind in KINDS}


def golden_path(example: str, kind: str) -> Path:
    return GOLDEN / f"{example}-{kind}.txt"


@pytest.mark.parametrize(("example", "kind"), CASES)
def test_the_report_reads_as_its_golden_text(example, kind):
    lines = normalised(rendered(example)[kind])
    path = golden_path(example, kind)
    if os.environ.get("PLANNER_UPDATE_GOLDEN"):
        assert os.environ.get("CI") != "true", "golden files are refreshed by a developer, never by CI"
        path.parent.mkdir(exist_ok=True)
        path.write_text("\n".join(lines) + "\n")
        pytest.skip(f"wrote {path.name}: review its diff")
    assert path.is_file(), f"no golden file {path.name}; write it with PLANNER_UPDATE_GOLDEN=1"
    expected = path.read_text().splitlines()
    diff = list(difflib.unified_diff(expected, lines, "golden", "rendered", lineterm="", n=1))
    assert not diff, "\n".join(diff[:80])


def test_normalising_keeps_tables_by_row_and_charts_by_their_words():
    page = (
        "<html><head><style>td { color: red }</style></head><body><h2>Risks</h2><p>One <b>bold</b> word.</p>"
        "<table><thead><tr><th>Id</th><th>Status</th></tr></thead><tbody><tr><td>R1</td><td>open</td></tr>"
        "</tbody></table><figure><svg xmlns='http://www.w3.org/2000/svg'><title id='t'>Heat</title>"
        "<desc id='d'>R1 at 3 x 4</desc><text>3</text></svg></figure></body></html>"
    )
    assert normalised(page) == [
        "## Risks",
        "One bold word.",
        "# Id | Status",
        "R1 | open",
        "[chart] Heat :: R1 at 3 x 4",
    ]


@pytest.fixture(scope="module")
def swapped(tmp_path_factory) -> Path:
    """adult-income with its own copy of the objectives template, the Target and Measured cells
    swapped in every row (the header left as it is): the mistake a template edit can make."""
    root = tmp_path_factory.mktemp("swapped") / "adult-income"
    shutil.copytree(next(path for path in EXAMPLES if path.name == "adult-income"), root)
    name = "objectives.design.html.j2"
    template = (TEMPLATES / "sections" / name).read_text()
    target = '<td class="num">{{ "≥" if o.direction == "higher" else "≤" }} {{ o.target|number(4) }}</td>'
    measured = '<td class="num">{{ o.value|number(4) }}</td>'
    assert template.count(target + measured) == 1, "the objectives row changed shape: update this mutation"
    (root / "templates" / "sections").mkdir(parents=True)
    (root / "templates" / "sections" / name).write_text(template.replace(target + measured, measured + target))
    return root / "templates"


def test_swapping_two_columns_fails_the_golden_text_and_the_cell_reading(swapped):
    good, bad = rendered("adult-income")["design"], rendered("adult-income", swapped)["design"]
    changed = [
        line
        for line in difflib.unified_diff(normalised(good), normalised(bad), lineterm="", n=0)
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    assert changed and all(line[1:].startswith(("O", "KPI")) or " | " in line for line in changed), changed
    document = html.fromstring(bad)
    heading = "Objectives, targets and baselines"
    measured = html_cell(document, "O1", "Measured", under=heading)
    assert measured == html_cell(html.fromstring(good), "O1", "Target", under=heading)  # the target, under Measured
    assert measured != html_cell(html.fromstring(good), "O1", "Measured", under=heading)
