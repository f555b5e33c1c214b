"""Every output of `planner gate`: exact on a small project, valid against the real JUnit XSD and
SARIF schema on the examples, and inert for hostile spec text."""

import dataclasses
import datetime
import inspect
import json
import re
import typing
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jsonschema
import pytest
from lxml import etree

from gate_projects import CHECKLIST, OBJECTIVES, TODAY, build, load, policy
from helpers import EXAMPLES, REPO
from planner import __version__
from planner.assess import assess
from planner.audit.project import run_spec_audit
from planner.gate import Decision, GateItem, evaluate
from planner.gate.formats import FORMATS, OutputContext, render_summary
from planner.kinds.signoffs import SignoffState

SCHEMAS = Path(__file__).parent / "schemas"
JUNIT_XSD = etree.XMLSchema(etree.parse(str(SCHEMAS / "junit-10.xsd")))
SUREFIRE_XSD = etree.XMLSchema(etree.parse(str(SCHEMAS / "junit-10-surefire.xsd")))
SARIF_SCHEMA = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text())

WAIVERS = """\
waivers:
  - {item: D1, reason: Bias is checked in the audit., approver: ro@example.com, expires: 2026-03-10}
  - {item: O2, reason: Old., approver: ro@example.com, expires: 2026-01-31}
"""
SMALL = {
    "specs/objectives.yaml": OBJECTIVES.replace("target: 0.7", "target: 0.8"),
    "specs/data.yaml": CHECKLIST + "  - {id: bias, question: Is bias checked?}\n",
    "specs/policy.yaml": policy("  signoffs: [risk-officer]\n", waivers=WAIVERS),
}
HOSTILE = "\0\x1b[31m<![CDATA[ ]]> & \" ' 100% ::error::x\nsecond | `code` <b>"
HOSTILE_YAML = '"' + r"""\0\e[31m<![CDATA[ ]]> & \" ' 100% ::error::x\nsecond | `code` <b>""" + '"'  # YAML escapes
HOSTILE_FILE = "specs/a,b:c.yaml"


@pytest.fixture
def small(tmp_path, monkeypatch):
    """The small project, loaded from inside its folder as `planner gate .` does, and its root: O1
    fails, D1.bias is waived, the risk officer has not signed off, the waiver of O2 has expired."""
    root = build(tmp_path / "small", SMALL)
    monkeypatch.chdir(root)
    project = load(Path("."))
    return evaluate(assess(project), today=TODAY), root


@pytest.fixture
def hostile(tmp_path):
    """A project whose failing objective's title, file name and waiver reason are hostile."""
    objectives = OBJECTIVES.replace("statement: Rank.", f"statement: {HOSTILE_YAML}").replace("0.7", "0.8")
    waiver = f"waivers:\n  - {{item: D1, reason: {HOSTILE_YAML}, approver: a@example.com, expires: 2026-12-31}}\n"
    root = build(
        tmp_path / "hostile",
        {
            "specs/objectives.yaml": None,
            HOSTILE_FILE: objectives,
            "specs/data.yaml": SMALL["specs/data.yaml"],
            "specs/policy.yaml": policy(waivers=waiver),
        },
    )
    project = load(root)
    return evaluate(assess(project), today=TODAY), root


def render(fmt: str, decision: Decision, **context) -> str:
    """`decision` in the format `fmt` (a `--format` choice, or `summary`); the context is the small
    project's (id `demo`, name `Demo`, version 1.0.0) but for the fields given."""
    renderer = render_summary if fmt == "summary" else FORMATS[fmt]
    return renderer(
        decision, OutputContext(**{"project_id": "demo", "project_name": "Demo", "project_version": "1.0.0", **context})
    )


def hand_built(why: str = HOSTILE, file: str = HOSTILE_FILE, line: int = 3) -> Decision:
    return Decision(False, [GateItem("X1", "rules", "fail", HOSTILE + "\ud800\ufffe", why, file, line)], [], [])


@pytest.fixture(scope="module", params=[p.name for p in EXAMPLES])
def example(request):
    project = load(REPO / "examples" / request.param)
    assessment = assess(
        project, audits=[run_spec_audit(doc, project.root) for doc in project.docs_of_kind("bias-audit")]
    )
    return evaluate(assessment, today=TODAY), assessment.info


def of(info) -> dict:
    """The context fields of a project's `planner.yaml` header, as the CLI passes them."""
    return {"project_id": info.id, "project_name": info.name, "project_version": info.version}


# The registry


def test_every_gate_format_is_registered_with_the_one_signature():
    assert list(FORMATS) == ["text", "json", "junit", "sarif", "github"]
    for renderer in [*FORMATS.values(), render_summary]:
        assert list(inspect.signature(renderer).parameters) == ["decision", "context"]
        assert renderer.__name__ == "render"


def test_the_cli_offers_every_registered_format():
    from planner.cli import cli  # whose choices are a literal: importing the formats would slow its start

    (option,) = [p for p in cli.commands["gate"].params if p.name == "fmt"]
    assert tuple(option.type.choices) == tuple(FORMATS)


def test_the_context_is_frozen_and_defaults_to_the_current_directory():
    context = OutputContext("demo", "Demo", "1.0.0")
    assert (context.root, context.today, context.timestamp, context.width, context.interactive) == (
        ".",
        None,
        None,
        100,
        False,
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        context.width = 80


# Text


def test_text_shows_the_verdict_failing_then_waived_then_a_count_and_the_callouts(small):
    assert (
        render("text", small[0])
        == """\
BLOCKED Demo: 2 failing, 1 waived, 6 passing
FAIL  O1  objectives  specs/objectives.yaml:5  roc_auc = 0.75, target at least 0.8
FAIL  signoff:risk-officer  signoffs  specs/policy.yaml:3  no sign-off for the role 'risk-officer'
WAIVED  D1.bias  checklist  specs/data.yaml:8  open: neither done nor n/a; waived by ro@example.com until 2026-03-10
6 passing items.
Expired waivers
  the waiver of O2 (ro@example.com) expired on 2026-01-31, at specs/policy.yaml:6
"""
    )


def test_text_on_an_interactive_terminal_shows_tables_as_wide_as_it(small):
    assert (
        render("text", small[0], interactive=True)
        == """\
BLOCKED Demo: 2 failing, 1 waived, 6 passing
Failing (2)
┏━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━┓
┃ id                   ┃ requirement ┃ why                               ┃ where                   ┃
┡━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━┩
│ O1                   │ objectives  │ roc_auc = 0.75, target at least   │ specs/objectives.yaml:5 │
│                      │             │ 0.8                               │                         │
│ signoff:risk-officer │ signoffs    │ no sign-off for the role          │ specs/policy.yaml:3     │
│                      │             │ 'risk-officer'                    │                         │
└──────────────────────┴─────────────┴───────────────────────────────────┴─────────────────────────┘
Waived (1)
┏━━━━━━━━━┳━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓
┃ id      ┃ requirement ┃ why                                                  ┃ where             ┃
┡━━━━━━━━━╇━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩
│ D1.bias │ checklist   │ open: neither done nor n/a; waived by ro@example.com │ specs/data.yaml:8 │
│         │             │ until 2026-03-10                                     │                   │
└─────────┴─────────────┴──────────────────────────────────────────────────────┴───────────────────┘
6 passing items.
Expired waivers
  the waiver of O2 (ro@example.com) expired on 2026-01-31, at specs/policy.yaml:6
"""
    )


def test_text_calls_out_stale_signoffs(small):
    decision, _ = small
    stale = SignoffState(
        "risk-officer", "Ann Lee", datetime.date(2026, 2, 1), False, ["specs/risks.yaml"], file="signoffs.yaml", line=4
    )
    text = render("text", dataclasses.replace(decision, signoffs=[stale]), width=200)
    assert text.endswith(
        "Stale sign-offs\n  the sign-off by the risk-officer: signed off by Ann Lee on 2026-02-01, "
        "stale: specs/risks.yaml changed since, at signoffs.yaml:4\n"
    )


def test_text_of_a_passing_decision(decide):
    assert render("text", decide(audits=False)).splitlines() == [
        "PASS Demo: 0 failing, 0 waived, 7 passing",
        "7 passing items.",
    ]


@pytest.mark.parametrize("interactive", [False, True])
def test_text_drops_escape_sequences_and_keeps_rich_markup_inert(hostile, interactive):
    decision, _ = hostile
    text = render("text", decision, project_name="[bold red]Demo\x1b[2J", width=200, interactive=interactive)
    assert "\x1b" not in text and "\0" not in text
    assert text.splitlines()[0].startswith("BLOCKED [bold red]Demo [2J: ")


# JSON


def test_json_is_the_decision_with_a_schema_version(small):
    decision, _ = small
    data = json.loads(render("json", decision))
    assert list(data) == ["schema_version", "passed", "counts", "items", "waivers", "signoffs"]
    assert data == {"schema_version": 1, **decision.to_dict()}


def _floats(value) -> list:
    if isinstance(value, dict):
        return [f for v in value.values() for f in _floats(v)]
    if isinstance(value, list):
        return [f for v in value for f in _floats(v)]
    return [value] if isinstance(value, float) else []


def test_json_holds_no_float_by_construction(example, small):
    """Every field of a gate item is text, an int or a waiver of text, dates and ints: a metric value
    reaches the Decision only inside the `why` sentence, so no NaN can."""
    assert typing.get_type_hints(GateItem) == {
        "id": str,
        "requirement": str,
        "status": str,
        "title": str,
        "why": str,
        "file": str,
        "line": int,
        "waiver": dict | None,
        "group": str | None,
    }
    for decision in (example[0], small[0]):
        assert _floats(decision.to_dict()) == []


def test_json_with_a_nan_fails_loudly_instead_of_writing_nan():
    decision = hand_built(line=float("nan"))
    with pytest.raises(ValueError, match="not JSON compliant"):
        render("json", decision)


# JUnit


def _surefire_shape(xml: str) -> etree._Element:
    """The document without `file`/`line` on test cases, which the Surefire-shaped XSD forbids."""
    tree = etree.fromstring(xml.encode())
    for case in tree.iter("testcase"):
        for name in ("file", "line"):
            case.attrib.pop(name, None)
    return tree


def assert_valid_junit(xml: str) -> None:
    tree = etree.fromstring(xml.encode())
    assert JUNIT_XSD.validate(tree), JUNIT_XSD.error_log
    assert SUREFIRE_XSD.validate(_surefire_shape(xml)), SUREFIRE_XSD.error_log


def test_the_surefire_schema_really_checks():
    assert not SUREFIRE_XSD.validate(etree.fromstring(b'<testsuites><testsuite name="x"/></testsuites>'))
    assert not SUREFIRE_XSD.validate(
        etree.fromstring(
            b'<testsuite name="x" tests="1" failures="0" errors="0"><testcase name="a" file="f"/></testsuite>'
        )
    )
    assert not JUNIT_XSD.validate(etree.fromstring(b'<testsuite tests="1"><testcase/></testsuite>'))


def test_junit_of_the_small_project_exactly(small):
    decision, root = small
    xml = render("junit", decision, root=root)
    assert_valid_junit(xml)
    assert (
        xml
        == """\
<?xml version='1.0' encoding='utf-8'?>
<testsuites name="planner gate: demo" tests="9" failures="2" errors="0">
  <testsuite name="planner gate: demo: objectives" tests="2" failures="1" errors="0" skipped="0">
    <testcase classname="planner.objectives" name="O1: Rank." file="specs/objectives.yaml" line="5">
      <failure message="roc_auc = 0.75, target at least 0.8" type="objectives">roc_auc = 0.75, target at least 0.8
specs/objectives.yaml:5</failure>
    </testcase>
    <testcase classname="planner.objectives" name="O2: Be fast." file="specs/objectives.yaml" line="6" />
  </testsuite>
  <testsuite name="planner gate: demo: constraints" tests="1" failures="0" errors="0" skipped="0">
    <testcase classname="planner.constraints" name="C2: Answer fast." file="specs/constraints.yaml" line="4" />
  </testsuite>
  <testsuite name="planner gate: demo: checklist" tests="3" failures="0" errors="0" skipped="1">
    <testcase classname="planner.checklist" name="D1.consent: Is there consent?" file="specs/data.yaml" line="6" />
    <testcase classname="planner.checklist" name="D1.vendor: Is there a vendor?" file="specs/data.yaml" line="7" />
    <testcase classname="planner.checklist" name="D1.bias: Is bias checked?" file="specs/data.yaml" line="8">
      <skipped message="waived by ro@example.com until 2026-03-10: Bias is checked in the audit." />
      <system-out>waived by ro@example.com until 2026-03-10: Bias is checked in the audit. (waiver at \
specs/policy.yaml:5)</system-out>
    </testcase>
  </testsuite>
  <testsuite name="planner gate: demo: risks" tests="2" failures="0" errors="0" skipped="0">
    <testcase classname="planner.risks" name="R1: Drift." file="specs/risks.yaml" line="3" />
    <testcase classname="planner.risks" name="R2: Outage." file="specs/risks.yaml" line="11" />
  </testsuite>
  <testsuite name="planner gate: demo: signoffs" tests="1" failures="1" errors="0" skipped="0">
    <testcase classname="planner.signoffs" name="signoff:risk-officer: Sign-off by the risk-officer" \
file="specs/policy.yaml" line="3">
      <failure message="no sign-off for the role 'risk-officer'" type="signoffs">no sign-off for the role \
'risk-officer'
specs/policy.yaml:3</failure>
    </testcase>
  </testsuite>
</testsuites>
"""
    )


def test_junit_carries_a_timestamp_only_when_given(small):
    decision, _ = small
    assert "timestamp" not in render("junit", decision) and "hostname" not in render("junit", decision)
    stamped = render("junit", decision, timestamp=datetime.datetime(2026, 3, 1, 12, 0))
    assert_valid_junit(stamped)
    assert {s.get("timestamp") for s in ET.fromstring(stamped).iter("testsuite")} == {"2026-03-01T12:00:00"}


def test_junit_keeps_hostile_text_as_text(hostile):
    decision, root = hostile
    xml = render("junit", decision, project_id="demo\x07", root=root)
    assert_valid_junit(xml)
    tree = ET.fromstring(xml)
    (case,) = [c for c in tree.iter("testcase") if c.get("name").startswith("O1")]
    assert case.get("name") == "O1: " + HOSTILE.replace("\0", "").replace("\x1b", "")
    assert case.get("file") == HOSTILE_FILE
    (waived,) = [c for c in tree.iter("testcase") if c.get("name").startswith("D1.bias")]
    assert HOSTILE.replace("\0", "").replace("\x1b", "") in waived.find("system-out").text
    assert tree.get("name") == "planner gate: demo"


def test_junit_strips_what_xml_forbids_from_text_and_attributes():
    xml = render("junit", hand_built(why=HOSTILE + "\ud800\uffff"))
    assert_valid_junit(xml)
    failure = ET.fromstring(xml).find(".//failure")
    expected = HOSTILE.replace("\0", "").replace("\x1b", "")
    assert failure.get("message") == expected
    assert failure.text.startswith(expected + "\n")
    assert ET.fromstring(xml).find(".//testcase").get("name") == "X1: " + expected


# SARIF


def assert_valid_sarif(text: str) -> dict:
    log = json.loads(text)
    validator = jsonschema.Draft4Validator(SARIF_SCHEMA, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(log), key=str)
    assert not errors, errors[0]
    return log


def test_the_sarif_schema_really_checks():
    validator = jsonschema.Draft4Validator(SARIF_SCHEMA)
    assert not validator.is_valid({"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]})
    assert not validator.is_valid(
        {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"level": "fatal"}]}]}
    )


def test_sarif_of_the_small_project(small):
    decision, root = small
    log = assert_valid_sarif(render("sarif", decision, root=root))
    (run,) = log["runs"]
    assert (log["$schema"], log["version"]) == ("https://json.schemastore.org/sarif-2.1.0.json", "2.1.0")
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("planner", __version__)
    assert [r["id"] for r in driver["rules"]] == [
        "planner/objectives",
        "planner/constraints",
        "planner/checklist",
        "planner/risks",
        "planner/audits",
        "planner/tests",
        "planner/thresholds",
        "planner/rules",
        "planner/coverage",
        "planner/signoffs",
        "planner/evidence",
    ]
    assert all(r["shortDescription"]["text"] and r["help"]["text"] for r in driver["rules"])
    assert run["properties"] == {"project": "demo", "projectVersion": "1.0.0", "passed": False}
    assert [(r["ruleId"], r["level"], r["message"]["text"], r["locations"]) for r in run["results"]] == [
        (
            "planner/objectives",
            "error",
            "roc_auc = 0.75, target at least 0.8",
            [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": "specs/objectives.yaml", "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": 5},
                    }
                }
            ],
        ),
        (
            "planner/checklist",
            "note",
            "open: neither done nor n/a; waived by ro@example.com until 2026-03-10",
            [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": "specs/data.yaml", "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": 8},
                    }
                }
            ],
        ),
        (
            "planner/signoffs",
            "error",
            "no sign-off for the role 'risk-officer'",
            [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": "specs/policy.yaml", "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": 3},
                    }
                }
            ],
        ),
    ]
    assert [r.get("suppressions") for r in run["results"]] == [
        None,
        [{"kind": "external", "justification": "Bias is checked in the audit.", "status": "accepted"}],
        None,
    ]
    rules = driver["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])
    assert len({json.dumps(r["partialFingerprints"]) for r in run["results"]}) == 3


def test_sarif_paths_are_relative_to_the_root_and_percent_encoded(hostile):
    decision, root = hostile
    log = assert_valid_sarif(render("sarif", decision, root=root))
    (result,) = [r for r in log["runs"][0]["results"] if r["properties"]["item"] == "O1"]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "specs/a%2Cb%3Ac.yaml", "uriBaseId": "%SRCROOT%"}
    assert urlsplit(location["uri"]).scheme == "" and unquote(location["uri"]) == HOSTILE_FILE
    assert result["properties"]["title"] == HOSTILE
    (waived,) = [r for r in log["runs"][0]["results"] if r["level"] == "note"]
    assert waived["suppressions"][0]["justification"] == HOSTILE


def test_sarif_paths_outside_the_root_are_absolute_file_uris(small, tmp_path):
    decision, root = small
    log = assert_valid_sarif(render("sarif", decision, root=tmp_path / "elsewhere"))
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri == {"uri": (root / "specs/objectives.yaml").as_uri()}


def test_sarif_items_without_a_file_point_at_the_policy_or_nowhere():
    item = GateItem("evidence:unreadable", "evidence", "fail", "Evidence can be read", "cannot read runs.csv")
    signoff = GateItem("signoff:qa", "signoffs", "fail", "Sign-off by the qa", "no sign-off", "specs/policy.yaml", 0)
    with_policy = assert_valid_sarif(render("sarif", Decision(False, [item, signoff], [], []), project_version="1"))
    assert [r["locations"] for r in with_policy["runs"][0]["results"]] == [
        [{"physicalLocation": {"artifactLocation": {"uri": "specs/policy.yaml", "uriBaseId": "%SRCROOT%"}}}]
    ] * 2
    alone = assert_valid_sarif(render("sarif", Decision(False, [item], [], []), project_version="1"))
    assert alone["runs"][0]["results"][0]["locations"] == []


# GitHub Actions


def decode_data(text: str) -> str:
    return text.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")


def decode_property(text: str) -> str:
    return decode_data(text.replace("%3A", ":").replace("%2C", ","))


COMMAND = re.compile(r"^::(error|notice|warning)(?: ([^:]*))?::(.*)$")


def parse_commands(text: str) -> list[tuple[str, dict, str]]:
    """Each line as GitHub's runner reads it: the command, its properties, its message."""
    commands = []
    for line in text.splitlines():
        kind, listed, message = COMMAND.match(line).groups()
        properties = dict(p.split("=", 1) for p in listed.split(",")) if listed else {}
        commands.append((kind, {k: decode_property(v) for k, v in properties.items()}, decode_data(message)))
    return commands


def test_github_commands_of_the_small_project_exactly(small):
    decision, root = small
    assert render("github", decision, root=root) == (
        "::error file=specs/objectives.yaml,line=5,title=O1%3A Rank.::roc_auc = 0.75, target at least 0.8\n"
        "::notice file=specs/data.yaml,line=8,title=D1.bias%3A Is bias checked?::open: neither done nor n/a; "
        "waived by ro@example.com until 2026-03-10\n"
        "::error file=specs/policy.yaml,line=3,title=signoff%3Arisk-officer%3A Sign-off by the risk-officer::"
        "no sign-off for the role 'risk-officer'\n"
        "::warning file=specs/policy.yaml,line=6,title=planner gate%3A waiver of O2::the waiver of O2 expired "
        "on 2026-01-31: it waives nothing\n"
    )


def test_github_warns_of_waivers_expiring_within_14_days_when_the_date_is_known(small):
    decision, root = small
    soon = [c for c in parse_commands(render("github", decision, today=TODAY, root=root)) if "expires" in c[2]]
    assert soon == [
        (
            "warning",
            {"file": "specs/policy.yaml", "line": "5", "title": "planner gate: waiver of D1"},
            "the waiver of D1 expires on 2026-03-10, in 9 days",
        )
    ]
    assert "in 14 days" in render("github", decision, today=datetime.date(2026, 2, 24))
    assert "expires on" not in render("github", decision, today=datetime.date(2026, 2, 23))
    assert "expires on" not in render("github", decision)


def test_github_hostile_text_cannot_start_a_command(hostile):
    decision, root = hostile
    text = render("github", decision, root=root)
    failing = [i for i in decision.items if i.status in ("fail", "waived")]
    assert len(text.splitlines()) == len(failing) and "\r" not in text
    (o1,) = [c for c in parse_commands(text) if c[1]["title"].startswith("O1")]
    clean = HOSTILE.replace("\0", "").replace("\x1b", "")
    assert o1 == (
        "error",
        {"file": HOSTILE_FILE, "line": "5", "title": f"O1: {clean}"},
        "roc_auc = 0.75, target at least 0.8",
    )


def test_github_escapes_messages_and_properties_as_documented():
    text = render("github", hand_built(why="50% done\r\n::error::injected", file="a,b:c.yaml"))
    assert text.count("\n") == 1
    assert text.endswith("::50%25 done%0D%0A::error::injected\n")
    ((kind, properties, message),) = parse_commands(text)
    assert (kind, properties["file"], message) == ("error", "a,b:c.yaml", "50% done\r\n::error::injected")


# Markdown job summary


def test_markdown_summary_of_the_small_project_exactly(small):
    decision, _ = small
    assert (
        render("summary", decision)
        == """\
## ❌ planner gate: BLOCKED: Demo

2 failing, 1 waived, 6 passing.

### Failing

| Item | Requirement | Why | Where |
|---|---|---|---|
| O1 | objectives | roc\\_auc = 0.75, target at least 0.8 | specs/objectives.yaml:5 |
| signoff:risk-officer | signoffs | no sign-off for the role 'risk-officer' | specs/policy.yaml:3 |

### Waived

| Item | Requirement | Why | Reason |
|---|---|---|---|
| D1.bias | checklist | open: neither done nor n/a; waived by ro@example.com until 2026-03-10 | Bias is checked in \
the audit. |

### Sign-offs

| Role | Status | Why |
|---|---|---|
| risk-officer | fail | no sign-off for the role 'risk-officer' |

### Attention

- Note: the waiver of O2 (ro@example.com) expired on 2026-01-31, at specs/policy.yaml:6
"""
    )


def test_markdown_summary_escapes_user_text(hostile):
    decision, root = hostile
    text = render("summary", decision, project_name="<script>alert(1)</script> | x", root=root)
    assert "<" not in text.replace("<br>", "") and "\0" not in text and "\x1b" not in text
    assert text.startswith("## ❌ planner gate: BLOCKED: &lt;script&gt;alert(1)&lt;/script&gt; \\| x\n")
    rows = [line for line in text.splitlines() if line.startswith("| D1.bias")]
    assert len(rows) == 1 and len(re.findall(r"(?<!\\)\|", rows[0])) == 5
    assert "\\`code\\`" in rows[0] and "&amp;" in rows[0]


# Both examples, every format


def test_every_format_on_the_examples(example):
    decision, info = example
    counts = decision.to_dict()["counts"]
    text = render("text", decision, **of(info))
    assert text.splitlines()[0] == (
        f"{'PASS' if decision.passed else 'BLOCKED'} {info.name}: {counts['fail']} "
        f"failing, {counts['waived']} waived, {counts['pass']} passing"
    )
    assert json.loads(render("json", decision))["counts"] == counts
    junit = render("junit", decision, **of(info), root=REPO)
    assert_valid_junit(junit)
    suites = ET.fromstring(junit)
    assert sum(int(s.get("failures")) for s in suites) == counts["fail"]
    assert sum(int(s.get("tests")) for s in suites) == len(decision.items)
    assert all(c.get("file").startswith(f"examples/{info.id}/") for c in suites.iter("testcase"))
    sarif = assert_valid_sarif(render("sarif", decision, **of(info), root=REPO))
    results = sarif["runs"][0]["results"]
    assert len(results) == counts["fail"] + counts["waived"]
    assert all(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith(f"examples/{info.id}/")
        for r in results
    )
    commands = parse_commands(render("github", decision, **of(info), today=TODAY, root=REPO))
    assert [k for k, _, _ in commands].count("error") == counts["fail"]
    assert [k for k, _, _ in commands].count("notice") == counts["waived"]
    summary = render("summary", decision, **of(info), root=REPO)
    rows = [
        line for line in summary.splitlines() if line.startswith("| ") and not line.startswith(("| Item", "| Role"))
    ]
    assert len(rows) == counts["fail"] + counts["waived"] + sum(i.requirement == "signoffs" for i in decision.items)


def test_a_relative_project_path_gives_the_same_paths_as_a_root(monkeypatch, small):
    decision, root = small
    monkeypatch.chdir(root)
    relative = load(Path("."))
    decision = evaluate(assess(relative), today=TODAY)
    assert render("github", decision) == render("github", small[0], root=root)
