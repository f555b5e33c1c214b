"""The Decision as versioned JSON, for scripts.

`schema_version` (1; raised on any incompatible change), `passed`, `counts`, `items`, `waivers`
and `signoffs` as in `Decision.to_dict`. `planner gate` exits 0 when `passed` is true, 1 when the
release is blocked, and 2 when it could not decide (an invalid project).
"""

from __future__ import annotations

import json

from planner.gate.decision import Decision
from planner.gate.formats.base import OutputContext

SCHEMA_VERSION = 1


def render(decision: Decision, context: OutputContext) -> str:
    """The Decision as JSON (the context adds nothing). A NaN cannot be written: it raises ValueError."""
    data = {"schema_version": SCHEMA_VERSION, **decision.to_dict()}
    return json.dumps(data, indent=2, allow_nan=False, sort_keys=False) + "\n"
