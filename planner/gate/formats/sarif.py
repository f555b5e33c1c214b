"""SARIF 2.1.0 for code scanning: a rule per requirement, a result per failing (error) or waived
(note, with an external suppression) item.

The rules are `planner.gate.item.requirements()`, so no requirement lacks its rule text. Paths
are relative to the context's root under `%SRCROOT%` (percent-encoded), or absolute `file:` URIs
outside it; an item without a file points at the policy file when the Decision shows one, else
has no location. Spec text needs no escaping beyond JSON's own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from planner import __version__
from planner.gate.decision import Decision
from planner.gate.formats.base import OutputContext, StrPath
from planner.gate.formats.shared import policy_file, repo_path, waiver_of
from planner.gate.item import FAIL, PASS, WAIVED, GateItem, Requirement, requirements

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
HELP_WAIVER = "A failing item may be waived by a dated waiver in the policy, naming an approver and a reason."


def _uri(path: str) -> dict[str, str]:
    if path.startswith("/"):
        return {"uri": Path(path).as_uri()}
    # percent-encoded, so that a `:` in a first segment is not read as a URI scheme
    return {"uri": quote(path, safe="/"), "uriBaseId": "%SRCROOT%"}


def _locations(item: GateItem, fallback: str, root: StrPath) -> list[dict[str, Any]]:
    file = repo_path(item.file or fallback, root)
    if not file:
        return []
    physical: dict[str, Any] = {"artifactLocation": _uri(file)}
    if item.file and item.line >= 1:
        physical["region"] = {"startLine": item.line}
    return [{"physicalLocation": physical}]


def _result(item: GateItem, fallback: str, context: OutputContext) -> dict[str, Any]:
    rule_index = [r.name for r in requirements()].index(item.requirement)
    result: dict[str, Any] = {
        "ruleId": f"planner/{item.requirement}",
        "ruleIndex": rule_index,
        "level": "error" if item.status == FAIL else "note",
        "message": {"text": item.why},
        "locations": _locations(item, fallback, context.root),
        "partialFingerprints": {"plannerGateItem/v1": f"{context.project_id}/{item.requirement}/{item.id}"},
        "properties": {"item": item.id, "title": item.title, "status": item.status},
    }
    if item.status == WAIVED:
        result["suppressions"] = [
            {"kind": "external", "justification": waiver_of(item)["reason"], "status": "accepted"}
        ]
    return result


def _rule(requirement: Requirement) -> dict[str, Any]:
    short, why = requirement.summary, requirement.description
    return {
        "id": f"planner/{requirement.name}",
        "name": requirement.name,
        "shortDescription": {"text": short},
        "fullDescription": {"text": why},
        "help": {"text": f"{why} {HELP_WAIVER}"},
        "defaultConfiguration": {"level": "error"},
    }


def render(decision: Decision, context: OutputContext) -> str:
    """The SARIF log: one run, tool planner at its `__version__`, the project's id and version."""
    fallback = policy_file(decision)
    run = {
        "tool": {
            "driver": {
                "name": "planner",
                "version": __version__,
                "rules": [_rule(requirement) for requirement in requirements()],
            }
        },
        "automationDetails": {"id": f"planner-gate/{context.project_id}/"},
        "results": [_result(item, fallback, context) for item in decision.items if item.status != PASS],
        "properties": {
            "project": context.project_id,
            "projectVersion": context.project_version,
            "passed": decision.passed,
        },
    }
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, allow_nan=False, ensure_ascii=False) + "\n"
