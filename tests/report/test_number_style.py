"""One number style, from one formatter (issue 15): `planner.numbers`, the report filters, and
every reader-facing output of both examples free of scientific notation."""

import functools
import io
import re
from datetime import date

import pytest
from lxml import html as lxml_html
from rich.console import Console

from helpers import EXAMPLES, run_cli
from planner import load as load_project
from planner import numbers
from planner.assess import assess
from planner.audit.cache import audits_for
from planner.audit.text import print_audits
from planner.gate.decision import evaluate
from planner.report import render_reports
from planner.report.environment import environment

AS_OF = date(2026, 11, 29)
NBSP = "\u00a0"
# a number written with an exponent (`1e+04`, `+1.453e-05`), not a digest or an id (`2e6fcc`, `E1`)
SCIENTIFIC = re.compile(r"(?<![\w.])[+-]?\d+(?:\.\d+)?[eE][+-]?\d+(?!\w)")
# an interval whose two ends a line may split: `[0.335, 0.559]` with an ordinary space
WRAPPING_INTERVAL = re.compile(r"[\[(]-?[\d,]+\.\d+, -?\d")


@pytest.mark.parametrize(
    "value, shown",
    [
        (1e-05, "<0.001"),  # not 0 but rounds to it: never `0.000`, never `1e-05`
        (-1e-05, ">-0.001"),
        (0.0, "0.000"),
        (0.3354, "0.335"),
        (0.006333, "0.006"),
        (1, "1.000"),  # beside 0.006 in one column
        (0.5, "0.500"),
        (None, "n/a"),
        (float("nan"), "n/a"),
    ],
)
def test_rates_have_three_decimals(value, shown):
    assert numbers.rate(value) == shown


@pytest.mark.parametrize(
    "value, shown",
    [
        (10000, "10,000"),
        (1e4, "10,000"),
        (16281, "16,281"),
        (0.85, "0.85"),
        (56.2, "56.2"),
        (0.4067, "0.407"),
        (23081.048, "23,081.048"),
        (1.453e-05, "<0.001"),
        (1e20, "100,000,000,000,000,000,000"),
        (float("inf"), "∞"),
        (True, "true"),
        (None, "n/a"),
    ],
)
def test_other_numbers_have_at_most_three_decimals_and_never_an_exponent(value, shown):
    assert numbers.quantity(value) == shown
    assert numbers.report_number(value, 4) == shown  # `number(4)`: one style whatever the digits asked


def test_counts_have_thousands_separators():
    assert [numbers.count(n) for n in (0, 999, 10000, 1234567)] == ["0", "999", "10,000", "1,234,567"]


def test_measured_values_are_rates_within_one_and_quantities_beyond():
    assert [numbers.measured(v) for v in (0.0913, -0.25, 1.0, 1.5, 56.2, 12000.0)] == [
        "0.091",
        "-0.250",
        "1.000",
        "1.5",
        "56.2",
        "12,000",
    ]


def test_a_cost_carries_its_unit_when_there_is_one():
    assert numbers.cost(60) == "60"
    assert numbers.cost(15.9412, "EUR") == f"15.941{NBSP}EUR"
    assert numbers.cost(None, "EUR") == "n/a"


def test_intervals_are_held_together_by_no_break_spaces():
    assert numbers.interval((0.3351, 0.5589)) == f"[0.335,{NBSP}0.559]"
    assert numbers.estimate(0.812, (0.78, 0.84)) == f"0.812{NBSP}[0.780,{NBSP}0.840]"
    assert numbers.estimate(0.812, None) == "0.812"
    assert numbers.estimate(None, (0.1, 0.2)) == "n/a"
    assert numbers.interval(None) == ""


def test_a_diff_summary_keeps_six_digits_without_an_exponent():
    assert [numbers.short(v) for v in (0.123456789, 1.453e-05, 1234567.891)] == ["0.123457", "0.00001453", "1,234,568"]


def test_terminal_cells_are_measured_values():
    assert [numbers.cell(v) for v in (None, 0.8263, 100.0)] == ["-", "0.826", "100"]


def test_report_filters_are_the_formatter():
    env = environment()
    template = env.from_string(
        "{{ 10000|number }} {{ 10000|count }} {{ 0.3|rate }} {{ 1e-05|measured }} {{ [0.3351, 0.5589]|interval }}"
        " {{ 0.4|estimate([0.3, 0.5]) }} {{ 60|cost('EUR') }}"
    )
    assert template.render() == (
        f"10,000 10,000 0.300 &lt;0.001 [0.335,{NBSP}0.559] 0.400{NBSP}[0.300,{NBSP}0.500] 60{NBSP}EUR"
    )


@functools.cache
def outputs(name: str) -> dict[str, str]:
    """Every reader-facing text of an example: its reports' HTML text, its model card."""
    root = next(path for path in EXAMPLES if path.name == name)
    project = load_project(root)
    audits, _problems = audits_for(project)
    assessment = assess(project, audits=audits)
    rendered = render_reports(
        assessment,
        kinds=("design", "governance", "summary"),
        formats=("html", "modelcard"),
        as_of=AS_OF,
        decision=evaluate(assessment, today=AS_OF),
    )
    texts = {"model-card.md": rendered["model-card.md"].decode()}
    for kind in ("design", "governance", "summary"):
        tree = lxml_html.fromstring(rendered[f"{kind}.html"])
        for hidden in tree.xpath("//style | //script"):
            hidden.drop_tree()
        texts[f"{kind}.html"] = " ".join(tree.itertext())  # text nodes apart: `2027-03-31` `E1` is no `1E1`
    return texts


EXAMPLE_NAMES = [path.name for path in EXAMPLES]


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_no_report_or_model_card_text_has_scientific_notation(name):
    for document, text in outputs(name).items():
        assert not SCIENTIFIC.findall(text), document


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_intervals_in_reports_and_model_card_never_wrap(name):
    texts = outputs(name)
    for document, text in texts.items():
        assert not WRAPPING_INTERVAL.findall(text), document
    assert f",{NBSP}" in texts["governance.html"] and f",{NBSP}" in texts["model-card.md"]


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
@pytest.mark.parametrize("command", ["status", "audit", "gate"])
def test_no_terminal_output_has_scientific_notation(capsys, name, command):
    root = next(path for path in EXAMPLES if path.name == name)
    _code, out, _err = run_cli(capsys, command, str(root))
    assert out.strip() and not SCIENTIFIC.findall(out)


def test_the_pattern_finds_exponents_and_spares_digests_and_ids():
    assert SCIENTIFIC.findall("1e+04 and +1.453e-05 and 2E3") == ["1e+04", "+1.453e-05", "2E3"]
    assert not SCIENTIFIC.findall("b62712e6fcc 2027-03-31 E1 A1.e2 v1.2e")


@pytest.mark.parametrize("width", [80, 200])
def test_terminal_audit_tables_never_split_an_interval(width):
    root = next(path for path in EXAMPLES if path.name == "adult-income")
    audits, _problems = audits_for(load_project(root))
    console = Console(file=io.StringIO(), width=width, color_system=None)
    print_audits(audits, console)
    lines = console.file.getvalue().splitlines()
    intervals = [line for line in lines if "[0." in line]
    assert intervals and all(re.search(r"\[-?[\d.]+,\s-?[\d.]+\]", line) for line in intervals)
    assert all("…" not in line for line in intervals)


@pytest.mark.parametrize(
    "value, target, direction, shown",
    [
        (1.453e-05, 0.01, "lower", "error_rate = <0.001, target at most 0.01"),
        (1e4, 5000, "higher", "error_rate = 10,000, target at least 5,000"),
        (0.0999, 0.1, "higher", "error_rate = 0.0999, target at least 0.1"),  # never "0.1 ... at least 0.1"
        (0.10004, 0.1, "higher", "error_rate = 0.10004, target at least 0.1"),
        (0.4007, 0.45, "lower", "error_rate = 0.401, target at most 0.45"),
    ],
)
def test_a_why_sentence_uses_the_one_number_style_and_tells_a_value_from_its_target(value, target, direction, shown):
    from types import SimpleNamespace

    from planner.kinds.objectives import measured_why

    metric = SimpleNamespace(name="error_rate", target=target, direction=direction)
    why = measured_why(metric, value, "met", candidate=object())
    assert why == shown and not SCIENTIFIC.search(why)


def test_significant_digits_never_use_an_exponent():
    assert numbers.significant(1.453e-05, 4) == "0.00001453"
    assert numbers.significant(1234567.9, 6) == "1,234,568"
    assert numbers.significant(0.0999, 3) == "0.0999"
