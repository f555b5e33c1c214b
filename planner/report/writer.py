"""Rendering reports in memory and writing them out, all or nothing.

Every requested document is rendered before the first file is written, so a failure (a bad
template, a blocked fetch) leaves the output folder as it was; each file is then replaced atomically.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from planner.assess.model import Assessment
from planner.diff.compare import ProjectDiff
from planner.errors import Diagnostic, PlannerError
from planner.gate.decision import Decision
from planner.report.context import report_context
from planner.report.environment import environment, render_template
from planner.report.summary import summary_context
from planner.source.atomic import write_atomic

KINDS = ("design", "governance", "summary", "annex-iv", "instructions")
"""Every report: the design and governance reports and the one-page summary for a sign-off meeting."""
DEFAULT_KINDS = ("design", "governance")
FORMATS = ("html", "pdf", "modelcard")
MODEL_CARD = "model-card.md"
PDF_VARIANTS = ("pdf/a-3b", "pdf/a-2b", "pdf/ua-1")
"""Archival (PDF/A) and accessible (PDF/UA) PDFs WeasyPrint writes on request."""


def report_date(today: date | None = None) -> date:
    """The date reports are stamped with: `SOURCE_DATE_EPOCH` when set (reproducible builds), else today."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return today or date.today()
    try:
        return datetime.fromtimestamp(int(epoch), tz=UTC).date()
    except (ValueError, OverflowError, OSError):
        raise PlannerError(
            [
                Diagnostic(
                    "bad-source-date-epoch",
                    f"SOURCE_DATE_EPOCH={epoch[:40]!r} is not a date",
                    hint="give whole seconds since 1970-01-01 UTC, e.g. $(git log -1 --format=%ct)",
                )
            ]
        ) from None


def render_reports(
    assessment: Assessment,
    *,
    kinds: Sequence[str] = DEFAULT_KINDS,
    formats: Sequence[str] = FORMATS,
    as_of: date,
    decision: Decision | None = None,
    changes: ProjectDiff | None = None,
    pdf_variant: str | None = None,
) -> dict[str, bytes]:
    """File name -> content of every requested document; `pdf_variant` is one of `PDF_VARIANTS`."""
    if pdf_variant is not None and pdf_variant not in PDF_VARIANTS:
        raise ValueError(f"{pdf_variant[:40]!r} is not a PDF variant planner writes: one of {', '.join(PDF_VARIANTS)}")
    root = assessment.root
    env = environment(root)
    outputs: dict[str, bytes] = {}
    for pdf in sorted({fmt == "pdf" for fmt in formats if fmt in ("html", "pdf")}):
        context = report_context(assessment, as_of=as_of, decision=decision, changes=changes, pdf=pdf)
        if "summary" in kinds:
            context["summary"] = summary_context(assessment, decision)
        if {"annex-iv", "instructions"} & set(kinds):
            from planner.report.regulatory import regulatory_context

            context.update(regulatory_context(assessment, decision))
        for kind in kinds:
            html = render_template(env, f"{kind}.html.j2", context)
            if pdf:
                from planner.report.pdf import html_to_pdf

                outputs[f"{kind}.pdf"] = html_to_pdf(html, root, variant=pdf_variant)
            else:
                outputs[f"{kind}.html"] = html.encode("utf-8")
    if "modelcard" in formats:
        from planner.report.modelcard import model_card

        outputs[MODEL_CARD] = model_card(assessment, as_of=as_of).encode("utf-8")
    return outputs


def write_reports(outputs: dict[str, bytes], out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in outputs.items():
        write_atomic(out_dir / name, data)
        written.append(out_dir / name)
    return written
