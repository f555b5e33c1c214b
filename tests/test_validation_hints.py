"""Hints written for the mistake made: a percentage, a suffixed number, a foreign date, a misspelt value."""

import pytest

from helpers import run_cli, write_project
from planner.source.hints import date_hint, number_hint

AUDIT = """\
kind: bias-audit
id: A1
predictions: p.csv
label: y
prediction: pred
sensitive_features: [sex]
min_group_size: 1
confidence_level: 0.9
bootstrap: {samples: 100}
limits:
  - {metric: demographic_parity_ratio, op: ">=", value: 0.8}
"""

RISKS = """\
kind: risks
risks:
  - id: R1
    title: Drift
    likelihood: 3
    impact: 4
    owner: ml@example.com
    mitigations: [Monitor drift.]
    review_date: 2027-04-30
"""


def validate(tmp_path, capsys, name: str, text: str) -> str:
    files = {"p.csv": "y,pred,sex\n1,1,f\n0,1,m\n", f"specs/{name}": text}
    code, out, _ = run_cli(capsys, "validate", str(write_project(tmp_path / "p", files)))
    assert code != 0
    return out


def test_a_percentage_in_a_fraction_is_written_as_a_fraction(tmp_path, capsys):
    out = validate(tmp_path, capsys, "a.yaml", AUDIT.replace("confidence_level: 0.9", "confidence_level: 95%"))
    assert "specs/a.yaml:8:19: error[type]" in out
    assert "hint: write 0.95 (a fraction, not a percentage)" in out
    assert "quotes" not in out


def test_a_suffixed_number_is_written_out(tmp_path, capsys):
    out = validate(tmp_path, capsys, "a.yaml", AUDIT.replace("samples: 100", "samples: 10k"))
    assert "specs/a.yaml:9:22: error[type]" in out
    assert "hint: write 10000" in out
    assert "quotes" not in out


def test_a_day_first_date_gets_the_iso_date(tmp_path, capsys):
    out = validate(tmp_path, capsys, "risks.yaml", RISKS.replace("2027-04-30", "30/04/2027"))
    assert "specs/risks.yaml:9:18: error[invalid] '30/04/2027' is not a date" in out
    assert "hint: write the date as YYYY-MM-DD: 2027-04-30" in out


def test_a_misspelt_limit_metric_gets_a_did_you_mean(tmp_path, capsys):
    text = AUDIT.replace("demographic_parity_ratio", "equal_opportunity_diff")
    out = validate(tmp_path, capsys, "a.yaml", text)
    assert "specs/a.yaml:11:14: error[invalid] unknown limit metric 'equal_opportunity_diff'" in out
    assert "did you mean 'equal_opportunity_difference'?" in out


def test_a_misspelt_status_gets_a_did_you_mean(tmp_path, capsys):
    text = AUDIT + "harms:\n  historical: {status: asessed, finding: Found.}\n"
    out = validate(tmp_path, capsys, "a.yaml", text)
    assert "specs/a.yaml:13:24: error[invalid]" in out
    assert "hint: did you mean 'assessed'?" in out


def test_only_quoted_numbers_are_told_to_drop_the_quotes(tmp_path, capsys):
    out = validate(tmp_path, capsys, "risks.yaml", RISKS.replace("impact: 4", "impact: '4'"))
    assert "hint: remove the quotes: numbers are written without them" in out
    out = validate(tmp_path, capsys, "risks.yaml", RISKS.replace("impact: 4", "impact: about thirty"))
    assert "hint: write a number\n" in out


@pytest.mark.parametrize(
    ("text", "fraction", "quoted", "hint"),
    [
        ("95%", True, False, "write 0.95 (a fraction, not a percentage)"),
        ("95%", False, False, "write 95"),
        ("10k", False, False, "write 10000"),
        ("1.5M", False, False, "write 1500000"),
        ("thirty", False, False, "write 30"),
        ("three", False, True, "write 3, without quotes"),
        ("about thirty", False, False, "write a number"),
        ("4", False, True, "remove the quotes: numbers are written without them"),
        ("95%", True, True, "write 0.95 (a fraction, not a percentage), without quotes"),
    ],
)
def test_number_hints(text, fraction, quoted, hint):
    assert number_hint(text, fraction=fraction, quoted=quoted) == hint


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("30/04/2027", "write the date as YYYY-MM-DD: 2027-04-30"),
        ("15.01.2027", "write the date as YYYY-MM-DD: 2027-01-15"),
        ("2027-4-30", "write the date as YYYY-MM-DD: 2027-04-30"),
        ("04/30/2027", "write the date as YYYY-MM-DD: 2027-04-30"),
        ("03/04/2027", "write the date as YYYY-MM-DD"),
        ("2026-02-30", "February 2026 has 28 days"),
        ("31/04/2027", "April 2027 has 30 days"),
        ("next week", "write the date as YYYY-MM-DD"),
    ],
)
def test_date_hints(text, hint):
    assert date_hint(text) == hint


def test_a_rating_in_words_is_placed_on_the_documents_scale(tmp_path, capsys):
    scaled = RISKS.replace("risks:\n", "scale: {likelihood: 10, impact: 5}\nrisks:\n")
    out = validate(tmp_path, capsys, "risks.yaml", scaled.replace("likelihood: 3", "likelihood: high"))
    assert "error[type]" in out
    assert "hint: ratings are numbers from 1 (lowest) to 10 (highest): 'high' is about 8" in out


def test_an_unquoted_comma_in_a_flow_mapping_asks_to_quote_the_text(tmp_path, capsys):
    flow = RISKS.replace(
        "    title: Drift\n", "    residual: {likelihood: 2, impact: 2, note: Drift, about 60 a day.}\n"
    )
    out = validate(tmp_path, capsys, "risks.yaml", flow.replace("  - id: R1\n", "  - id: R1\n    title: Drift\n"))
    assert "unknown key 'about 60 a day.'" in out
    assert "hint: a comma inside unquoted text in `{…}` ends the value: quote the text that holds it: " in out
    assert "note: 'Drift, about 60 a day.'" in out


def test_an_unquoted_colon_in_text_asks_to_quote_the_text(tmp_path, capsys):
    out = validate(tmp_path, capsys, "risks.yaml", RISKS.replace("title: Drift", "title: Risk: drift"))
    assert "error[yaml-syntax] mapping values are not allowed in this context" in out
    assert "quote the text: title: 'Risk: drift'" in out


def test_a_percentage_target_of_a_rate_metric_is_written_as_a_fraction(tmp_path, capsys):
    objectives = (
        "kind: objectives\ngoals:\n  - {id: G1, statement: Find the sick.}\nobjectives:\n"
        "  - {id: O1, goal: G1, statement: Flag cases., metric: {name: Sensitivity, target: 90%}}\n"
        "  - {id: O2, goal: G1, statement: Be quick., metric: {name: latency_ms, target: 90%}}\n"
    )
    out = validate(tmp_path, capsys, "objectives.yaml", objectives)
    o1, o2 = out.split("objectives[O2]")
    assert "hint: write 0.9 (a fraction, not a percentage)" in o1
    assert "hint: write 90\n" in o2  # a metric planner does not know keeps its number
