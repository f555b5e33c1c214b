"""The Markdown model card: Hugging Face front matter, Mitchell et al. sections, numbers from the
evidence, spec text made inert, project template overrides, deterministic output."""

import datetime
import functools
import json
import re
import shutil

import pytest
import yaml
from markdown_it import MarkdownIt

from helpers import REPO, write_project
from planner import load as load_project
from planner.assess import assess
from planner.audit.cache import audits_for
from planner.numbers import estimate
from planner.report.modelcard import fmt, front_matter, md, md_inline, model_card

EXAMPLES = {name: REPO / "examples" / name for name in ("adult-income", "german-credit")}
AS_OF = datetime.date(2026, 5, 1)
SECTIONS = [
    "Model details",
    "Intended use",
    "Factors",
    "Metrics",
    "Evaluation data",
    "Training data",
    "Quantitative analyses",
    "Ethical considerations",
    "Caveats and recommendations",
    "Release decision",
]
HOSTILE = "| <script>alert(1)</script> [x](javascript:1)"
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def render(root):
    project = load_project(root)
    assert not project.has_errors, [d.message for d in project.diagnostics if d.is_error]
    audits, problems = audits_for(project, use_cache=False)
    assert problems == []
    assessment = assess(project, audits=audits)
    return project, assessment, audits, model_card(assessment, as_of=AS_OF)


@functools.cache
def example(name: str):
    return render(EXAMPLES[name])


@pytest.fixture(params=sorted(EXAMPLES))
def card(request):
    return example(request.param)


def split(text: str) -> tuple[dict, str]:
    """Front matter (parsed) and the Markdown body of a card."""
    assert text.startswith("---\n")
    meta, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(meta), body


@pytest.mark.slow  # imports mlflow (about 1 s)
def test_front_matter_is_plain_yaml_with_the_mlflow_candidate_metrics(card, monkeypatch):
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # mlflow 3 keeps the file store behind a flag
    mlflow = pytest.importorskip("mlflow")
    project, assessment, _, text = card
    meta, _ = split(text)
    assert meta == front_matter(assessment) and "!!" not in text.split("\n---\n")[0]
    assert "license" not in meta  # no spec states one
    assert meta["tags"] == ["tabular-classification", "fairness-audit"]
    assert meta["datasets"] == [c.dataset for c in project.of_kind("data-checklist")]
    client = mlflow.tracking.MlflowClient(tracking_uri=(project.root / "mlruns").as_uri())
    experiment = client.get_experiment_by_name(project.manifest.project.id)
    (oracle,) = client.search_runs([experiment.experiment_id], "tags.candidate = 'true'")
    (model,) = meta["model-index"]
    assert model["name"] == project.manifest.project.id
    found = {m["type"]: m["value"] for result in model["results"] for m in result["metrics"]}
    assert found and found == oracle.data.metrics  # every metric of the candidate run, not only the objectives'
    assert set(meta["metrics"]) <= set(found)
    assert all(result["task"] == {"type": "tabular-classification"} for result in model["results"])


def test_sections_appear_in_order(card):
    _, body = split(card[3])
    headings = [line[3:] for line in body.splitlines() if line.startswith("## ")]
    assert headings == SECTIONS


def test_every_risk_objective_limit_and_group_appears(card):
    _, assessment, audits, text = card
    for item in assessment.items:
        if item.kind in ("risk", "objective", "limit"):
            assert md(item.id) in text, item.id
    for audit in audits:
        for grouping in audit.result_data["groupings"]:
            for group in grouping["groups"]:
                assert md_inline(" & ".join(map(str, group["group"].values()))) in text


def table_row(text: str, heading: str, first_cell: str) -> list[str]:
    """Cells of the row starting with `first_cell` in the first table after `heading`."""
    section = text.split(f"\n{heading}\n", 1)[1]
    line = next(line for line in section.splitlines() if line.startswith(f"| {first_cell} |"))
    return [cell.strip() for cell in UNESCAPED_PIPE.split(line)[1:-1]]


def test_group_numbers_equal_the_audit_result(card):
    _, _, audits, text = card
    for audit in audits:
        metrics = list(audit.result_data["overall"]["metrics"])
        for grouping in audit.result_data["groupings"]:
            for group in grouping["groups"]:
                label = md_inline(" & ".join(map(str, group["group"].values())))
                cells = table_row(
                    text, f"#### {md(grouping['name'])}", label + (" (small)" * (not group["sufficient"]))
                )
                assert cells[1] == f"{group['count']:,}"
                for metric, cell in zip(metrics, cells[2:], strict=False):
                    value = group["metrics"][metric]
                    if value["value"] is None:
                        assert cell == "n/a"
                        continue
                    low, high = value["interval"]
                    assert cell == md_inline(estimate(value["value"], (low, high)))


def test_adult_female_selection_rate_to_three_decimals():
    _, _, audits, text = example("adult-income")
    sex = next(g for g in audits[0].result_data["groupings"] if g["name"] == "sex")
    female = next(g for g in sex["groups"] if g["group"] == {"sex": "Female"})
    cells = table_row(text, "#### sex", "Female")
    assert cells[2].startswith(f"{female['metrics']['selection_rate']['value']:.3f}\u00a0\\[")
    assert cells[2].startswith("0.076\u00a0\\[")


def test_limits_show_observed_value_rule_and_status(card):
    _, _, audits, text = card
    for outcome in audits[0].limits:
        cells = table_row(text, "#### Fairness limits", md(outcome.id))
        assert cells[5].startswith(md_inline(f"{outcome.op} {outcome.value:.4g}"))
        assert cells[6].startswith(outcome.findings[0].status)


MINIMAL_OBJECTIVES = """\
kind: objectives
objectives:
  - {id: O1, statement: Rank., metric: {name: roc_auc, target: 0.8}}
"""


def test_sections_without_a_source_say_so(tmp_path):
    root = write_project(tmp_path / "p", {"specs/objectives.yaml": MINIMAL_OBJECTIVES})
    _, _, _, text = render(root)
    meta, body = split(text)
    assert meta == {  # no candidate run: no model-index
        "pipeline_tag": "tabular-classification",
        "tags": ["tabular-classification"],
        "metrics": ["roc_auc"],
    }
    for sentence in (
        "the project has no data checklist",
        "the project has no risk register",
        "the project has no computed bias audit",
        "**Primary use:** not stated in the specs",
        "**Candidate run:** none",
        "**Objective not measured** O1",
        "**No candidate run**",
    ):
        assert sentence in body, sentence


def hostile_copy(tmp_path):
    """The adult project with an attack string in a risk title, a mitigation, an objective statement,
    a harm finding, a checklist answer and a sensitive-group value of the predictions file."""
    root = tmp_path / "hostile"
    shutil.copytree(EXAMPLES["adult-income"], root)
    quoted = json.dumps(HOSTILE)  # a JSON string is a YAML double-quoted scalar
    edits = {
        "specs/risks.yaml": [
            ("title: Selection-rate gap between women and men", f"title: {quoted}"),
            ("- Per-group threshold review if the audit limit is breached.", f"- {quoted}"),
        ],
        "specs/objectives.yaml": [
            ("statement: Rank prospects by the chance their income exceeds 50k USD.", f"statement: {quoted}")
        ],
        "specs/bias-audit.yaml": [("A perfectly accurate model reproduces these gaps in who is invited.", HOSTILE)],
        "specs/data.yaml": [
            (
                "answer: Public download; the data science team and the auditors have it in the project bucket.",
                f"answer: {quoted}",
            )
        ],
        "data/predictions.csv": [("Amer-Indian-Eskimo", HOSTILE)],
    }
    for name, replacements in edits.items():
        path = root / name
        text = path.read_text()
        for old, new in replacements:
            assert old in text, (name, old)
            text = text.replace(old, new)
        path.write_text(text)
    return root


def walk(tokens):
    for token in tokens:
        yield token
        yield from walk(token.children or [])


def test_hostile_spec_text_renders_inert(tmp_path):
    _project, _, _, text = render(hostile_copy(tmp_path))
    _, body = split(text)
    assert not re.search(r"(?<!\\)<script", body) and not re.search(r"(?<!\\)\]\(javascript", body)
    assert body.count(md(HOSTILE)) >= 6  # risk title twice, mitigation, objective, finding, answer, groups
    tokens = list(walk(MarkdownIt("commonmark").enable("table").parse(body)))
    assert not [t for t in tokens if t.type in ("html_inline", "html_block")]
    links = [t.attrGet("href") or "" for t in tokens if t.type == "link_open"]
    assert not [href for href in links if "javascript:" in href.lower()]
    assert "<script>" not in MarkdownIt("commonmark").enable("table").render(body)
    for table in re.findall(r"(?:^\|.*\n)+", body, flags=re.M):
        widths = {len(UNESCAPED_PIPE.findall(line)) for line in table.splitlines()}
        assert len(widths) == 1, table  # no row gained or lost a cell


def test_a_project_template_overrides_the_builtin(tmp_path):
    root = tmp_path / "p"
    shutil.copytree(EXAMPLES["adult-income"], root)
    (root / "templates").mkdir()
    (root / "templates" / "modelcard.md.j2").write_text(
        "# {{ project.name|md }}\n{% for o in objectives %}\n{{ o.id }}={{ o.measured }}\n{% endfor %}\n"
    )
    _, assessment, _, text = render(root)
    measured = "".join(f"{o.id}={fmt(o.value)}\n" for o in assessment.of_kind("objective"))
    assert text == f"# Advice-eligibility pre-screen (UCI Adult)\n{measured}"


def test_same_inputs_give_identical_text(card):
    project, assessment, _audits, text = card
    assert model_card(assessment, as_of=AS_OF) == text
    assert render(project.root)[3] == text


@pytest.mark.parametrize(
    "value, shown",
    [
        (None, "n/a"),
        (float("nan"), "n/a"),
        (0.0758162700, "0.076"),
        (16281, "16,281"),
        (23081.048, "23,081.048"),
        (0.5, "0.5"),
        (True, "true"),
    ],
)
def test_numbers_are_formatted_in_the_one_number_style(value, shown):
    assert fmt(value) == shown


LITERAL = [
    "a <= b & c >= d, R&D, 5 < 6",
    "<script>alert(1)</script> <!-- c --> <https://x.example> </p>",
    "&amp; &#60; &#x3c; & amp;",
    "sex_swap_flip_rate and _emphasis_ and __strong__ and snake_case_",
    "*a* **b** `c` ~~d~~ [e](f) ![g](h) | i \\ j",
    "# heading",
    "###### six",
    "- item",
    "+ item",
    "1. ordered",
    "12) ordered",
    "> quote",
    ">= 0.8",
    "---",
    "- - -",
    "===",
    "-0.05 and +0.2 and 3.14",
]


def escape_html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


@pytest.mark.parametrize("text", LITERAL)
def test_md_renders_text_literally_with_backslashes_only(text):
    """Markdown renders the escaped text as the text itself, and the source holds no HTML entity."""
    entity = re.compile(r"&(?:amp|lt|gt|quot);")
    for source in (md(text), md_inline(text)):
        assert entity.findall(source) == entity.findall(text), source
    # md is safe where the text starts a line, md_inline after a line's start and in a table cell
    assert MarkdownIt("commonmark").render(md(text)) == f"<p>{escape_html(text)}</p>\n"
    assert MarkdownIt("commonmark").render("x " + md_inline(text)) == f"<p>x {escape_html(text)}</p>\n"
    table = MarkdownIt("commonmark").enable("table").render(f"| h | h |\n|---|---|\n| {md_inline(text)} | z |\n")
    assert f"<td>{escape_html(text)}</td>\n<td>z</td>" in table


def test_md_escapes_only_what_markdown_reads():
    assert md("a <= b & c") == md_inline("a <= b & c") == "a <= b & c"
    assert md_inline(">= 0.8") == ">= 0.8" and md(">= 0.8") == "\\>= 0.8"
    assert md("sex_swap_flip_rate") == "sex_swap_flip_rate"
    assert md("<b>") == "\\<b>" and md("&amp;") == "\\&amp;"
    assert md("a\x1b[31m\x00b") == "a\\[31mb"  # control characters dropped
    assert md(None) == ""
