"""`planner coverage` output: text for a terminal, JSON for machines, Markdown for a pull request.

Titles and reasons come from specs and catalogues, so each reaches the terminal inert, Markdown
escaped, and every format has credentials scrubbed.
"""

from __future__ import annotations

import json

from planner.coverage.model import STATES, Coverage
from planner.text import escape_inline, inert, scrub_credentials


def _heading(found: Coverage) -> str:
    counts = found.counts()
    return f"{found.title} ({found.profile} {found.version}): " + ", ".join(f"{counts[s]} {s}" for s in STATES)


def render_text(found: Coverage) -> str:
    width = max((len(o.ref) for o in found.obligations), default=0)
    lines = [inert(_heading(found))]
    for o in found.obligations:
        lines.append(f"  {o.state:<9}  {o.ref:<{width}}  {inert(o.title)}: {inert(o.why)}")
    lines.append(_signed(found))
    return scrub_credentials("\n".join(lines)) + "\n"


def _signed(found: Coverage) -> str:
    if not found.signoffs:
        return "no valid sign-off covers these items"
    names = "; ".join(f"{s['role']}: {s['name']} on {s['date']} ({s['digest'][:19]})" for s in found.signoffs)
    return inert(f"signed off: {names}")


def render_json(found: Coverage) -> str:
    return scrub_credentials(json.dumps(found.to_dict(), indent=2, allow_nan=False)) + "\n"


def render_markdown(found: Coverage) -> str:
    rows = [
        f"## {escape_inline(_heading(found))}",
        "",
        "| Obligation | Title | State | Evidence |",
        "|---|---|---|---|",
    ]
    for o in found.obligations:
        rows.append(f"| `{o.ref}` | {escape_inline(o.title)} | {o.state} | {escape_inline(o.why)} |")
    rows += ["", escape_inline(_signed(found)), ""]
    return scrub_credentials("\n".join(rows))


RENDERERS = {"text": render_text, "json": render_json, "markdown": render_markdown}
