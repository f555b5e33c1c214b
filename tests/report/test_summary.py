"""The one-page summary for a sign-off meeting (`planner report --kind summary`): one PDF page for
both examples, holding the decision, what blocks it, each waiver with its expiry, each fairness
limit with its interval and each sign-off role."""

import functools
import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from helpers import EXAMPLES, run_cli
from planner import load as load_project
from planner import numbers
from planner.assess import assess
from planner.audit.cache import audits_for
from planner.gate.decision import evaluate
from planner.report import render_reports

pytestmark = pytest.mark.slow  # renders both examples' summaries to PDF (WeasyPrint)

AS_OF = date(2026, 11, 29)


@functools.cache
def summary(name: str):
    root = next(path for path in EXAMPLES if path.name == name)
    project = load_project(root)
    audits, _problems = audits_for(project)
    assessment = assess(project, audits=audits)
    decision = evaluate(assessment, today=AS_OF)
    outputs = render_reports(assessment, kinds=("summary",), formats=("html", "pdf"), as_of=AS_OF, decision=decision)
    return assessment, decision, outputs


@pytest.fixture(params=[path.name for path in EXAMPLES])
def example(request):
    return summary(request.param)


def squeezed(text: str) -> str:
    """Text without any whitespace: a table cell may wrap an id or a sentence anywhere."""
    return re.sub(r"\s+", "", text)


def test_the_summary_pdf_is_one_page(example):
    _assessment, _decision, outputs = example
    assert len(PdfReader(io.BytesIO(outputs["summary.pdf"])).pages) == 1


def test_the_summary_holds_decision_blockers_waivers_limits_and_signoffs(example):
    assessment, decision, outputs = example
    (page,) = PdfReader(io.BytesIO(outputs["summary.pdf"])).pages
    text = squeezed(page.extract_text())
    wanted = ["Releasedecision:" + ("PASS" if decision.passed else "BLOCKED")]
    wanted += [item.id for item in decision.failures]
    wanted += [waiver.item + waiver.expires.isoformat() for waiver in decision.waivers]
    for outcome in (o for audit in assessment.audits for o in audit.limits):
        deciding = next(f for f in outcome.findings if f.status == outcome.status)
        wanted += [outcome.id, numbers.estimate(deciding.observed, deciding.interval)]
    roles = {item.id.removeprefix("signoff:") for item in decision.items if item.id.startswith("signoff:")}
    wanted += sorted(roles | {state.role for state in decision.signoffs})
    assert roles  # both examples' policies require sign-offs
    missing = [want for want in wanted if squeezed(want) not in text]
    assert not missing


def test_the_html_summary_is_one_standalone_page(example):
    _assessment, decision, outputs = example
    html = outputs["summary.html"].decode()
    assert html.count("<h1>") == 1 and 'class="toc"' not in html
    assert ("Release decision: PASS" if decision.passed else "Release decision: BLOCKED") in html


def test_report_kind_summary_writes_only_the_summary(capsys, tmp_path):
    root = next(path for path in EXAMPLES if path.name == "german-credit")
    code, out, _err = run_cli(
        capsys, "report", str(root), "--kind", "summary", "--format", "html", "--out", str(tmp_path)
    )
    assert code == 0 and out.split() == [str(tmp_path / "summary.html")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.html"]
