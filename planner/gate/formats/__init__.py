"""Every output of `planner gate`: a registry of formats with one renderer signature.

Each format is one module with `render(decision: Decision, context: OutputContext) -> str`, a pure
function from the Decision (and the little a format needs besides it: the project's id, name and
version, the root paths are relative to, the date, a timestamp, the terminal width) to text:

- `text`: what a terminal shows.
- `json`: the Decision as versioned JSON, for scripts.
- `junit`: JUnit XML, a suite per requirement.
- `sarif`: SARIF 2.1.0 for code scanning, a rule per requirement.
- `github`: GitHub Actions annotations.

`FORMATS` lists them by their `planner gate --format` name. The Markdown job summary
(`render_summary`, from `summary`) is written beside any format when `$GITHUB_STEP_SUMMARY` is set,
so it is not a `--format` choice.

To add a format: write one module here with its `render`, and add one line to `FORMATS`; the CLI's
`--format` choices are the keys of `FORMATS`.

Spec text is user input: each module neutralises it with the policy of its format from
`planner.text`. Helpers several formats share are in `shared`.
"""

from __future__ import annotations

from planner.gate.formats import github, json, junit, sarif, summary, text
from planner.gate.formats.base import OutputContext, Renderer

__all__ = ["FORMATS", "OutputContext", "Renderer", "render_summary"]

FORMATS: dict[str, Renderer] = {
    "text": text.render,
    "json": json.render,
    "junit": junit.render,
    "sarif": sarif.render,
    "github": github.render,
}

render_summary: Renderer = summary.render
