"""The gate's outputs for CI systems: JUnit XML, SARIF 2.1.0 and GitHub Actions workflow commands.

Each is a pure function of a `Decision` (plus the project's id where a format names it) returning
text. Every value that came from a spec is neutralised for its format: JUnit drops the characters
XML 1.0 forbids, GitHub commands escape what could end a property or start a new command, and
SARIF relies on JSON's own escaping.

File paths: `GateItem.file` holds a spec's path as the project was loaded, so relative to the
directory planner ran in (or absolute when the project path was). Code scanning and annotations
need paths relative to the repository root, so every format here takes `root` (default: the
current directory, which is the checkout's root when CI runs `planner gate` from there) and
writes each path relative to it; a file outside `root` keeps its absolute path (an absolute
`file:` URI in SARIF).
"""

from __future__ import annotations

import datetime
import json
import os
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from planner import __version__
from planner.gate.decision import Decision
from planner.gate.item import FAIL, PASS, WAIVED, GateItem, requirements

# XML 1.0 allows tab, LF, CR and these ranges only; a lone surrogate is outside them too.
XML_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
EXPIRY_WARNING_DAYS = 14
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
HELP_WAIVER = "A failing item may be waived by a dated waiver in the policy, naming an approver and a reason."


def xml_safe(text) -> str:
    """Text without the characters XML 1.0 forbids (most control characters, lone surrogates, U+FFFE/F)."""
    return XML_FORBIDDEN.sub("", str(text))


def repo_path(file: str, root: str | os.PathLike | None = None) -> str:
    """`file` as a POSIX path relative to `root` (default: the current directory); absolute outside it."""
    if not file:
        return ""
    path = Path(os.path.abspath(file))
    try:
        return path.relative_to(os.path.abspath(root or os.curdir)).as_posix()
    except ValueError:
        return path.as_posix()


def counts(decision: Decision) -> Counter:
    return Counter(item.status for item in decision.items)


def waiver_note(waiver: dict, root) -> str:
    """The waiver of a waived item, as one sentence."""
    return (f"waived by {waiver['approver']} until {waiver['expires']}: {waiver['reason']} "
            f"(waiver at {repo_path(waiver['file'], root)}:{waiver['line']})")


def policy_file(decision: Decision) -> str:
    """The policy document's file when the Decision shows it (policy rules, sign-offs, waivers)."""
    files = [item.file for item in decision.items if item.requirement in ("rules", "signoffs")]
    return next(filter(None, [*files, *(w.file for w in decision.waivers)]), "")


# JUnit XML


def _element(parent: ET.Element | None, tag: str, text: str | None = None, **attributes) -> ET.Element:
    safe = {name: xml_safe(value) for name, value in attributes.items() if value is not None}
    element = ET.Element(tag, safe) if parent is None else ET.SubElement(parent, tag, safe)
    if text is not None:
        element.text = xml_safe(text)
    return element


def _testcase(suite: ET.Element, item: GateItem, root) -> None:
    file = repo_path(item.file, root)
    case = _element(suite, "testcase", classname=f"planner.{item.requirement}", name=f"{item.id}: {item.title}",
                    file=file or None, line=str(item.line) if item.line else None)
    if item.status == FAIL:
        _element(case, "failure", f"{item.why}\n{file}:{item.line}", message=item.why, type=item.requirement)
    elif item.status == WAIVED:
        _element(case, "system-out", waiver_note(item.waiver, root))


def render_junit(decision: Decision, project_id: str, *, root: str | os.PathLike | None = None,
                 timestamp: datetime.datetime | None = None) -> str:
    """JUnit XML: a `<testsuite>` per requirement that has items, a `<testcase>` per item.

    Failing items carry a `<failure>`; waived items pass with the waiver in `<system-out>`. The
    output is the same for the same Decision: no hostname, and a timestamp only when given.
    """
    total = counts(decision)
    suites = _element(None, "testsuites", name=f"planner gate: {project_id}", tests=str(len(decision.items)),
                      failures=str(total[FAIL]), errors="0")
    for requirement in (r.name for r in requirements()):
        items = [item for item in decision.items if item.requirement == requirement]
        if not items:
            continue
        suite = _element(suites, "testsuite", name=f"planner gate: {project_id}: {requirement}",
                         tests=str(len(items)), failures=str(sum(i.status == FAIL for i in items)),
                         errors="0", skipped="0", timestamp=timestamp.isoformat() if timestamp else None)
        for item in items:
            _testcase(suite, item, root)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


# SARIF 2.1.0


def _uri(path: str) -> dict:
    if path.startswith("/"):
        return {"uri": Path(path).as_uri()}
    # percent-encoded, so that a `:` in a first segment is not read as a URI scheme
    return {"uri": quote(path, safe="/"), "uriBaseId": "%SRCROOT%"}


def _locations(item: GateItem, fallback: str, root) -> list[dict]:
    file = repo_path(item.file or fallback, root)
    if not file:
        return []
    physical = {"artifactLocation": _uri(file)}
    if item.file and item.line >= 1:
        physical["region"] = {"startLine": item.line}
    return [{"physicalLocation": physical}]


def _result(item: GateItem, fallback: str, project_id: str, root) -> dict:
    result = {"ruleId": f"planner/{item.requirement}", "ruleIndex": [r.name for r in requirements()].index(item.requirement),
              "level": "error" if item.status == FAIL else "note", "message": {"text": item.why},
              "locations": _locations(item, fallback, root),
              "partialFingerprints": {"plannerGateItem/v1": f"{project_id}/{item.requirement}/{item.id}"},
              "properties": {"item": item.id, "title": item.title, "status": item.status}}
    if item.status == WAIVED:
        result["suppressions"] = [{"kind": "external", "justification": item.waiver["reason"],
                                   "status": "accepted"}]
    return result


def _rule(requirement) -> dict:
    short, why = requirement.summary, requirement.description
    return {"id": f"planner/{requirement.name}", "name": requirement.name, "shortDescription": {"text": short},
            "fullDescription": {"text": why}, "help": {"text": f"{why} {HELP_WAIVER}"},
            "defaultConfiguration": {"level": "error"}}


def render_sarif(decision: Decision, project_id: str, version: str, *,
                 root: str | os.PathLike | None = None) -> str:
    """SARIF 2.1.0 for code scanning: a rule per requirement, a result per failing (error) or waived
    (note, with an external suppression) item. `version` is the project's version; the tool's is
    planner's `__version__`. Paths are relative to `root` under `%SRCROOT%`; an item without a file
    points at the policy file when the Decision shows one, else has no location."""
    fallback = policy_file(decision)
    run = {"tool": {"driver": {"name": "planner", "version": __version__,
                               "rules": [_rule(requirement) for requirement in requirements()]}},
           "automationDetails": {"id": f"planner-gate/{project_id}/"},
           "results": [_result(item, fallback, project_id, root) for item in decision.items if item.status != PASS],
           "properties": {"project": project_id, "projectVersion": version, "passed": decision.passed}}
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


# GitHub Actions workflow commands


def escape_data(text) -> str:
    """A command's message, as GitHub's toolkit escapes it: nothing in it can end the line."""
    return xml_safe(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text) -> str:
    """A command's property value: also no `:` or `,`, which would end the value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, *, file: str = "", line: int = 0, title: str = "") -> str:
    properties = [(name, value) for name, value in (("file", file), ("line", str(line) if line else ""),
                                                    ("title", title)) if value]
    listed = ",".join(f"{name}={escape_property(value)}" for name, value in properties)
    return f"::{kind}{' ' + listed if listed else ''}::{escape_data(message)}"


def _waiver_warnings(decision: Decision, today: datetime.date | None, root) -> list[str]:
    lines = []
    for waiver in decision.waivers:
        days = (waiver.expires - today).days if today else None
        if waiver.expired:
            message = f"the waiver of {waiver.item} expired on {waiver.expires.isoformat()}: it waives nothing"
        elif days is not None and days <= EXPIRY_WARNING_DAYS:
            message = f"the waiver of {waiver.item} expires on {waiver.expires.isoformat()}, in {days} days"
        else:
            continue
        lines.append(command("warning", message, file=repo_path(waiver.file, root), line=waiver.line,
                             title=f"planner gate: waiver of {waiver.item}"))
    return lines


def render_github(decision: Decision, *, today: datetime.date | None = None,
                  root: str | os.PathLike | None = None) -> str:
    """GitHub Actions annotations, one line each: an `error` per failing item, a `notice` per waived
    item, a `warning` per expired waiver and, when `today` is given, per waiver expiring within
    14 days of it (the Decision does not carry its date)."""
    kinds = {FAIL: "error", WAIVED: "notice"}
    lines = [command(kinds[item.status], item.why, file=repo_path(item.file, root), line=item.line,
                     title=f"{item.id}: {item.title}")
             for item in decision.items if item.status in kinds]
    lines += _waiver_warnings(decision, today, root)
    return "".join(line + "\n" for line in lines)
