"""Group-level limits name each group by its value, in every output, and say what was judged.

A project with one five-group feature (`age_band`) and a per-group limit: the terminal
(`planner audit`, `planner status`), the JSON, the governance HTML and its charts must name all
five groups as `age_band=<value>` and never print a Python dict.
"""

import json
import re
from datetime import date

import pytest

from helpers import run_cli, write_project
from planner import load as load_project
from planner.assess import assess
from planner.audit.cache import audits_for
from planner.report import render_reports
from planner.report.charts import LABEL_CHARS, row_labels

# group -> false negatives among its 50 positives (FNR 0.08, 0.04, 0, 0.12, 0.20)
FALSE_NEGATIVES = {"18-29": 4, "30-39": 2, "40-49": 0, "50-59": 6, "60+": 10}
NAMES = [f"age_band={group}" for group in FALSE_NEGATIVES]

AUDIT = """\
kind: bias-audit
id: A1
predictions: predictions.csv
label: y
prediction: yhat
sensitive_features: [age_band]
reference_groups: {age_band: 30-39}
min_group_size: 20
bootstrap: {samples: 200, seed: 1}
limits:
  - {metric: false_negative_rate, op: "<=", value: 0.1, feature: age_band}
  - {id: A1.fnr-confident, metric: false_negative_rate, op: "<=", value: 0.3, feature: age_band, confident: true}
"""


def predictions() -> str:
    rows = ["y,yhat,age_band"]
    for group, fn in FALSE_NEGATIVES.items():
        rows += [f"1,{0 if i < fn else 1},{group}" for i in range(50)]
        rows += [f"0,{1 if i < 5 else 0},{group}" for i in range(50)]
    return "\n".join(rows) + "\n"


@pytest.fixture
def project(tmp_path):
    return write_project(tmp_path / "p", {"predictions.csv": predictions(), "specs/audit.yaml": AUDIT})


def _assert_names_all_groups(text: str, where: str) -> None:
    for name in NAMES:
        assert name in text, f"{where} lacks {name}"
    assert "{'" not in text, f"{where} prints a Python dict"


def test_terminal_audit_names_every_group_and_the_judged_bound(project, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")  # one finding a line
    code, out, _ = run_cli(capsys, "audit", str(project))
    assert code == 1
    limits = out[out.index("limits") :]
    _assert_names_all_groups(limits, "planner audit")
    assert "age_band=50-59: 0.12 > 0.1 fail" in limits and "age_band=30-39: 0.04 <= 0.1 pass" in limits
    assert re.search(r"age_band=60\+: upper 0\.3\d* > 0\.3 fail", limits)  # the Wilson upper bound, not 0.2


def test_status_names_every_group(project, capsys):
    code, out, _ = run_cli(capsys, "status", str(project), "--format", "json")
    assert code in (0, 1)
    text = json.dumps(json.loads(out))
    _assert_names_all_groups(text, "planner status")
    code, out, _ = run_cli(capsys, "status", str(project))
    assert "age_band=40-49" in out and "{'" not in out


def test_json_findings_carry_the_group_label_and_judgement(project, capsys):
    code, out, _ = run_cli(capsys, "audit", str(project), "--format", "json")
    assert code == 1
    assert "{'" not in out
    (audit,) = json.loads(out)["audits"]
    first, confident = audit["limits"]
    assert [f["label"] for f in first["findings"]] == NAMES
    assert [f["status"] for f in first["findings"]] == ["pass", "pass", "pass", "fail", "fail"]
    worst = confident["findings"][-1]
    assert worst["observed"] == pytest.approx(0.2)
    assert worst["compared"] == worst["interval"][1] and worst["judged"].startswith("upper ")


def test_html_report_and_charts_name_every_group(project):
    loaded = load_project(project)
    audits, problems = audits_for(loaded, use_cache=False)
    assert not problems
    html = render_reports(
        assess(loaded, audits=audits), kinds=("governance",), formats=("html",), as_of=date(2026, 1, 1)
    )
    text = html["governance.html"].decode()
    section = text[text.index('id="fairness"') :]
    _assert_names_all_groups(section, "the governance HTML")
    assert "{&#39;" not in section and "&#39;age_band&#39;" not in section
    assert "upper 0.3" in section  # the judged bound of the confident limit
    limit_chart = re.search(r'<svg[^>]*aria-labelledby="c-A1-limits-title.*?</svg>', section, re.S).group(0)
    labels = re.findall(r'text-anchor="end"[^>]*>([^<]*)</text>', limit_chart)
    assert len(labels) == 10 and len(set(labels)) == 10  # two limits by five groups, every row told apart
    assert all(len(label) <= LABEL_CHARS for label in labels)
    # the group chart's dashed line is the configured reference group, and says so
    assert "Dashed line: reference 30-39 0.04." in section  # the chart title names the feature


def test_group_charts_without_a_reference_say_overall(project):
    spec = project / "specs" / "audit.yaml"
    spec.write_text(spec.read_text().replace("reference_groups: {age_band: 30-39}\n", ""))
    loaded = load_project(project)
    audits, _ = audits_for(loaded, use_cache=False)
    html = render_reports(
        assess(loaded, audits=audits), kinds=("governance",), formats=("html",), as_of=date(2026, 1, 1)
    )
    assert "Dashed line: overall 0.088." in html["governance.html"].decode()


def test_row_labels_keep_rows_apart():
    long = [f"A1.false_negative_rate.age_band age_band={g}" for g in FALSE_NEGATIVES]
    shown = row_labels(long)
    assert len(set(shown)) == 5 and all(len(s) <= LABEL_CHARS for s in shown)
    assert all(s.endswith(g) for s, g in zip(shown, FALSE_NEGATIVES, strict=True))
    assert row_labels(["short", "also short"]) == ["short", "also short"]
