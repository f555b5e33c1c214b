"""Design and governance reports: real HTML opened in headless Chromium, real PDFs read back with pypdf."""

import functools
import io
import shutil
from datetime import date
from html.parser import HTMLParser

import pytest
from pypdf import PdfReader

from helpers import EXAMPLES, run_cli
from helpers.chromium import chromium_binary, open_page
from planner import load as load_project
from planner.assess import assess
from planner.audit.cache import audits_for
from planner.errors import PlannerError
from planner.report import render_reports, write_reports
from planner.report.environment import PDF_ROWS

pytestmark = pytest.mark.slow  # renders the examples to HTML and PDF (WeasyPrint), several in Chromium

AS_OF = date(2026, 11, 29)
needs_chromium = pytest.mark.skipif(chromium_binary() is None, reason="chromium is not installed (.ci/run installs it)")


def render(root, **options):
    project = load_project(root)
    assert not project.has_errors, project.diagnostics
    audits, problems = audits_for(project, use_cache=False)
    assert not problems
    return project, audits, render_reports(assess(project, audits=audits), as_of=AS_OF, **options)


@functools.cache
def rendered(name: str):
    """An example rendered once per test session to both kinds, HTML and PDF."""
    return render(next(path for path in EXAMPLES if path.name == name), formats=("html", "pdf"))


@pytest.fixture(params=[path.name for path in EXAMPLES])
def example(request):
    return rendered(request.param)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


class Tags(HTMLParser):
    """Every start tag with its attributes, as a browser's parser sees them."""

    def __init__(self, html: str):
        super().__init__()
        self.tags = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_pdfs_name_every_risk_objective_and_audit_group(example):
    project, audits, outputs = example
    text = pdf_text(outputs["governance.pdf"]) + pdf_text(outputs["design.pdf"])
    wanted = [risk.id for spec in project.of_kind("risks") for risk in spec.risks]
    wanted += [o.id for spec in project.of_kind("objectives") for o in spec.objectives]
    wanted += [
        str(value)
        for audit in audits
        for grouping in audit.result_data["groupings"]
        for group in grouping["groups"]
        for value in group["group"].values()
    ]
    assert wanted and [item for item in wanted if item not in text] == []


def test_pdf_has_contents_page_numbers_and_running_header(example):
    project, _, outputs = example
    reader = PdfReader(io.BytesIO(outputs["governance.pdf"]))
    pages = len(reader.pages)
    info = project.manifest.project
    second = reader.pages[1].extract_text()
    assert f"Page 2 of {pages}" in second
    assert f"{info.name} · version {info.version} · 2026-11-29" in " ".join(second.split())
    first = reader.pages[0].extract_text()
    assert "Contents" in first and "Executive summary" in first
    assert reader.metadata["/CreationDate"].startswith("D:20261129")  # from the report date, not the clock


def test_html_is_self_contained_with_a_strict_content_security_policy(example):
    html = example[2]["governance.html"].decode()
    tags = Tags(html).tags
    csp = next(attrs["content"] for tag, attrs in tags if attrs.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert not [tag for tag, _ in tags if tag in ("script", "img", "link", "iframe", "object")]
    assert "<svg" in html and "url(" not in html.replace("url(#", "")


@pytest.mark.browser
@needs_chromium
@pytest.mark.parametrize("kind", ["design", "governance"])
def test_chromium_opens_the_html_without_errors_or_requests(example, kind, tmp_path):
    path = tmp_path / f"{kind}.html"
    path.write_bytes(example[2][f"{kind}.html"])
    page = open_page(path)
    assert page.requests == [path.as_uri()] and page.failed == []
    assert page.console == [] and page.errors == []
    (tmp_path / f"{kind}.png").write_bytes(page.screenshot)
    assert page.screenshot.startswith(b"\x89PNG") and len(page.screenshot) > 20_000
    assert example[0].manifest.project.name in page.text


def test_same_inputs_give_byte_identical_reports():
    project, _, first = rendered(EXAMPLES[-1].name)
    second = render(project.root, formats=("html", "pdf"))[2]
    assert first.keys() == second.keys() == {"design.html", "governance.html", "design.pdf", "governance.pdf"}
    assert [name for name in first if first[name] != second[name]] == []


HOSTILE = {
    "script": "<script>alert(1)</script>",
    "image": "<img src=file:///etc/passwd>",
    "css": "</style><style>body{background:url(file:///etc/passwd)}</style>",
    "link": "[click](javascript:alert(1))",
}


def hostile_project(tmp_path):
    """An example with hostile strings in a risk title, a mitigation, the problem text and a finding."""
    root = shutil.copytree(EXAMPLES[-1], tmp_path / "hostile")
    risks = root / "specs" / "risks.yaml"
    text = risks.read_text()
    title = next(line for line in text.splitlines() if line.strip().startswith("title:"))
    text = text.replace(title, title.split("title:")[0] + "title: " + repr(HOSTILE["script"] + HOSTILE["image"]), 1)
    risks.write_text(text.replace("    mitigations:\n", "    mitigations:\n      - " + repr(HOSTILE["css"]) + "\n", 1))
    manifest = root / "planner.yaml"
    manifest.write_text(
        manifest.read_text().replace(
            "problem: >-", "problem: >-\n    " + HOSTILE["link"] + " " + HOSTILE["image"] + " ", 1
        )
    )
    return root


def test_hostile_strings_are_shown_as_text_and_never_load(tmp_path):
    root = hostile_project(tmp_path)
    outputs = {**render(root, formats=("html",))[2], **render(root, formats=("pdf",), kinds=("governance",))[2]}
    html = outputs["governance.html"].decode() + outputs["design.html"].decode()
    tags = Tags(html).tags
    assert not [tag for tag, _ in tags if tag in ("script", "img")]
    assert [a["href"] for tag, a in tags if tag == "a" and "javascript" in a.get("href", "").lower()] == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;/style&gt;&lt;style&gt;" in html
    assert "[click](javascript:alert(1))" in html  # the refused link stays visible as text
    text = pdf_text(outputs["governance.pdf"]).replace("\n", "")
    assert HOSTILE["script"] in text and "url(file:///etc/passwd)" in text


@pytest.mark.browser
@needs_chromium
def test_hostile_html_makes_no_request_in_chromium(tmp_path):
    outputs = render(hostile_project(tmp_path), formats=("html",))[2]
    path = tmp_path / "governance.html"
    path.write_bytes(outputs["governance.html"])
    page = open_page(path)
    assert page.requests == [path.as_uri()] and page.errors == [] and page.console == []
    assert HOSTILE["script"] in page.text


def test_a_template_that_fetches_outside_the_project_stops_the_pdf_and_writes_nothing(tmp_path):
    root = shutil.copytree(EXAMPLES[-1], tmp_path / "p")
    (root / "templates").mkdir()
    (root / "templates" / "design.html.j2").write_text(
        '{% extends "base.html.j2" %}{% block title %}Design{% endblock %}'
        '{% block content %}<img src="file:///etc/passwd"><a rel="attachment" href="file:///etc/hostname">x</a>'
        "{% endblock %}"
    )
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("old")
    with pytest.raises(PlannerError) as info:
        write_reports(render(root, formats=("html", "pdf"), kinds=("design",))[2], out)
    (diag,) = info.value.diagnostics
    assert diag.code == "report-fetch" and "file:///etc/passwd" in diag.message
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]


def test_files_inside_the_project_may_be_used_by_a_template(tmp_path):
    from PIL import Image

    root = shutil.copytree(EXAMPLES[-1], tmp_path / "p")
    (root / "templates").mkdir()
    Image.new("RGB", (40, 20), "#336699").save(root / "templates" / "logo.png")
    (root / "templates" / "design.html.j2").write_text(
        '{% extends "base.html.j2" %}{% block title %}Overridden design{% endblock %}'
        '{% block content %}<img src="templates/logo.png" alt="logo">{% endblock %}'
    )
    outputs = render(root, formats=("pdf",), kinds=("design",))[2]
    reader = PdfReader(io.BytesIO(outputs["design.pdf"]))
    assert "Overridden design" in reader.pages[0].extract_text()
    assert [image.name for page in reader.pages for image in page.images]


def test_long_tables_are_summarised_in_the_pdf_only(tmp_path):
    root = shutil.copytree(EXAMPLES[-1], tmp_path / "p")
    extra = "".join(
        f"  - {{id: X{n}, title: Extra risk {n}, likelihood: 1, impact: 1, status: closed}}\n" for n in range(120)
    )
    risks = root / "specs" / "risks.yaml"
    risks.write_text(risks.read_text().rstrip("\n") + "\n" + extra)
    outputs = render(root, kinds=("governance",), formats=("html", "pdf"))[2]
    total = len(load_project(root).of_kind("risks")[0].risks)
    assert f"{total - PDF_ROWS} more risks are left out of the PDF" in pdf_text(outputs["governance.pdf"])
    assert all(f"X{n}<" in outputs["governance.html"].decode() for n in range(120))


def test_cli_writes_the_requested_documents(tmp_path, capsys):
    root = shutil.copytree(EXAMPLES[-1], tmp_path / "p")
    code, out, _ = run_cli(
        capsys, "report", str(root), "--format", "html,modelcard", "--kind", "design", "--out", str(tmp_path / "out")
    )
    assert code == 0, out
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["design.html", "model-card.md"]
    code, out, err = run_cli(capsys, "report", str(root), "--format", "html,docx")
    assert code == 2 and "docx is not one of html, pdf, modelcard" in out + err


def test_templates_that_lead_outside_the_project_are_not_used(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANNER_TEST_SECRET", "hunter2")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "design.html.j2").write_text("{{ 1 + 1 }} leaked")
    root = shutil.copytree(EXAMPLES[-1], tmp_path / "p")
    (root / "templates").symlink_to(outside)  # the whole folder is a link out: ignored
    assert "leaked" not in render(root, formats=("html",), kinds=("design",))[2]["design.html"].decode()
    (root / "templates").unlink()
    (root / "templates").mkdir()
    (root / "templates" / "design.html.j2").symlink_to("/proc/self/environ")  # one file is a link out
    with pytest.raises(PlannerError) as info:
        render(root, formats=("html",), kinds=("design",))
    assert info.value.diagnostics[0].code == "report-template" and "hunter2" not in str(info.value.diagnostics)


@pytest.mark.parametrize("href", [".git/config", "templates/.secret", "specs/risks.yaml"])
def test_the_pdf_fetches_only_visible_files_of_the_templates_folder(tmp_path, href):
    root = shutil.copytree(EXAMPLES[-1], tmp_path / "p")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[http]\n\textraheader = AUTHORIZATION: basic c2VjcmV0\n")
    (root / "templates").mkdir()
    (root / "templates" / ".secret").write_text("token")
    (root / "templates" / "design.html.j2").write_text(
        '{% extends "base.html.j2" %}{% block title %}D{% endblock %}'
        f'{{% block content %}}<a rel="attachment" href="{href}">x</a>{{% endblock %}}'
    )
    with pytest.raises(PlannerError) as info:
        render(root, formats=("pdf",), kinds=("design",))
    assert info.value.diagnostics[0].code == "report-fetch"


def test_control_characters_in_spec_text_do_not_reach_the_html(tmp_path):
    root = shutil.copytree(EXAMPLES[-1], tmp_path / "p")
    risks = root / "specs" / "risks.yaml"
    text = risks.read_text()
    title = next(line for line in text.splitlines() if line.strip().startswith("title:"))
    risks.write_text(text.replace(title, title.split("title:")[0] + 'title: "\\e[31mred\\a\\x85 text"', 1))
    html = render(root, formats=("html",), kinds=("governance",))[2]["governance.html"].decode()
    assert "[31mred text" in html and not any(ch in html for ch in "\x1b\x07\x85")
