"""JUnit marks a waived gate item as skipped, saying who waived it, until when and why."""

import xml.etree.ElementTree as ET
from pathlib import Path

from lxml import etree

from planner.gate import Decision, GateItem
from planner.gate.formats import FORMATS, OutputContext

XSD = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "schemas" / "junit-10.xsd")))
WAIVER = {
    "approver": "ro@example.com",
    "expires": "2026-03-10",
    "reason": "Checked by hand.",
    "file": "specs/policy.yaml",
    "line": 5,
}


def _junit(items: list[GateItem]) -> ET.Element:
    xml = FORMATS["junit"](
        Decision(True, items, [], []), OutputContext(project_id="demo", project_name="Demo", project_version="1.0.0")
    )
    assert XSD.validate(etree.fromstring(xml.encode())), XSD.error_log
    return ET.fromstring(xml)


def test_a_waived_item_is_skipped_with_the_waiver_in_its_message():
    tree = _junit(
        [
            GateItem("D1.bias", "checklist", "waived", "Is bias checked?", "unanswered", waiver=WAIVER),
            GateItem("D1.consent", "checklist", "pass", "Is there consent?", "answered yes"),
        ]
    )
    (suite,) = tree.iter("testsuite")
    assert suite.get("skipped") == "1" and suite.get("failures") == "0"
    waived, passed = suite.iter("testcase")
    (skipped,) = waived.findall("skipped")
    assert skipped.get("message") == "waived by ro@example.com until 2026-03-10: Checked by hand."
    assert "specs/policy.yaml:5" in waived.find("system-out").text
    assert waived.find("failure") is None
    assert list(passed) == []  # a passing item has no child: neither skipped nor failed
