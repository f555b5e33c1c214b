"""JUnit XML: a `<testsuite>` per requirement that has items, a `<testcase>` per item.

Failing items carry a `<failure>`; waived items are `<skipped>` (neither passed nor failed), the
message naming who waived them until when and why, the waiver's place in `<system-out>`. The
output is the same for the same Decision: no hostname, and a timestamp only when the context has
one. Spec text loses the characters XML 1.0 forbids (`planner.text.xml_safe`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from planner.gate.decision import Decision
from planner.gate.formats.base import OutputContext, StrPath
from planner.gate.formats.shared import counts, repo_path, waiver_note, waiver_of
from planner.gate.item import FAIL, WAIVED, GateItem, requirements
from planner.text import xml_safe


def _element(parent: ET.Element | None, tag: str, text: str | None = None, **attributes: str | None) -> ET.Element:
    safe = {name: xml_safe(value) for name, value in attributes.items() if value is not None}
    element = ET.Element(tag, safe) if parent is None else ET.SubElement(parent, tag, safe)
    if text is not None:
        element.text = xml_safe(text)
    return element


def _testcase(suite: ET.Element, item: GateItem, root: StrPath) -> None:
    file = repo_path(item.file, root)
    case = _element(
        suite,
        "testcase",
        classname=f"planner.{item.requirement}",
        name=f"{item.id}: {item.title}",
        file=file or None,
        line=str(item.line) if item.line else None,
    )
    if item.status == FAIL:
        _element(case, "failure", f"{item.why}\n{file}:{item.line}", message=item.why, type=item.requirement)
    elif item.status == WAIVED:
        waiver = waiver_of(item)
        _element(
            case, "skipped", message=f"waived by {waiver['approver']} until {waiver['expires']}: {waiver['reason']}"
        )
        _element(case, "system-out", waiver_note(waiver, root))


def render(decision: Decision, context: OutputContext) -> str:
    """The JUnit XML document, suites in the order of `requirements()`."""
    project_id, timestamp = context.project_id, context.timestamp
    total = counts(decision)
    suites = _element(
        None,
        "testsuites",
        name=f"planner gate: {project_id}",
        tests=str(len(decision.items)),
        failures=str(total[FAIL]),
        errors="0",
    )
    for requirement in (r.name for r in requirements()):
        items = [item for item in decision.items if item.requirement == requirement]
        if not items:
            continue
        suite = _element(
            suites,
            "testsuite",
            name=f"planner gate: {project_id}: {requirement}",
            tests=str(len(items)),
            failures=str(sum(i.status == FAIL for i in items)),
            errors="0",
            skipped=str(sum(i.status == WAIVED for i in items)),
            timestamp=timestamp.isoformat() if timestamp else None,
        )
        for item in items:
            _testcase(suite, item, context.root)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
