"""The regulatory documents: the EU AI Act technical documentation laid out by Annex IV's nine
points (`--kind annex-iv`) and a draft of the Article 13 instructions for use (`--kind instructions`).

Both are filled from the specs and the Assessment: each part lists the items that evidence its
obligations, with their statuses, and the text the specs write for it; a part nothing fills is a
"to complete" box naming the spec key that would fill it. Nothing here judges: states come from
the gate's coverage of `eu-ai-act-high-risk` on the report's day (`Decision.coverage`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from planner.assess.model import Assessment
from planner.coverage.model import Coverage, Obligation
from planner.gate.decision import Decision

PROFILE = "eu-ai-act-high-risk"

Texts = Callable[[Assessment], list[tuple[str, Any]]]


@dataclass(frozen=True)
class Part:
    """One part of a document: its heading, the obligations it answers, the spec texts it quotes."""

    number: str
    title: str
    entries: tuple[str, ...]
    texts: Texts = lambda assessment: []
    kinds: tuple[str, ...] = ()
    """Item kinds listed in full (with values) beside the supporting items."""


def _spec(assessment: Assessment, kind: str) -> Any:
    specs = assessment.of_spec(kind)
    return specs[0] if specs else None


def _field(kind: str, *names: str) -> Texts:
    def texts(assessment: Assessment) -> list[tuple[str, Any]]:
        spec = _spec(assessment, kind)
        found = [(f"{kind}.{name}", getattr(spec, name, None)) for name in names] if spec else []
        return [(label, value) for label, value in found if value]

    return texts


def _identity(assessment: Assessment) -> list[tuple[str, Any]]:
    info = assessment.info
    return [
        ("Name and version", f"{info.name}, version {info.version}"),
        ("Provider contact", info.owner),
        ("Intended purpose", info.intended_use or ""),
        ("Out of scope", list(info.out_of_scope)),
    ]


def _design(assessment: Assessment) -> list[tuple[str, Any]]:
    fit = assessment.info.ml_fit
    return [
        ("project.ml_fit.objective_function", fit.objective_function or ""),
        *_field("system", "design_choices")(assessment),
    ]


def _datasheets(assessment: Assessment) -> list[tuple[str, Any]]:
    found = []
    for checklist in assessment.of_spec("data-checklist"):
        sheet = checklist.datasheet
        for name in type(sheet).model_fields if sheet else ():
            if getattr(sheet, name):
                found.append((f"{checklist.id}.datasheet.{name}", getattr(sheet, name)))
    return found


def _monitoring(assessment: Assessment) -> list[tuple[str, Any]]:
    spec = _spec(assessment, "monitoring")
    if spec is None:
        return []
    found: list[tuple[str, Any]] = []
    if spec.review:
        found.append(("monitoring.review", f"{spec.review.cadence} review chaired by {spec.review.owner}"))
    if spec.incidents:
        within = spec.incidents.report_within_days
        found.append(
            (
                "monitoring.incidents",
                f"incidents to {spec.incidents.contact}; serious ones reported within {within} days",
            )
        )
    if spec.feedback:
        found.append(("monitoring.feedback", spec.feedback))
    return found


def _explainability(assessment: Assessment) -> list[tuple[str, Any]]:
    return [("project.ml_fit.explainability", assessment.info.ml_fit.explainability or "")]


ANNEX_IV = (
    Part("1", "General description of the AI system", ("annex-iv.1",), _identity),
    Part(
        "2",
        "Detailed description of the elements of the AI system and of the process for its development",
        (
            "annex-iv.2a",
            "annex-iv.2b",
            "annex-iv.2c",
            "annex-iv.2d",
            "annex-iv.2e",
            "annex-iv.2f",
            "annex-iv.2g",
            "annex-iv.2h",
        ),
    ),
    Part("3", "Monitoring, functioning and control of the AI system", ("annex-iv.3",)),
    Part("4", "Appropriateness of the performance metrics", ("annex-iv.4",)),
    Part("5", "The risk management system", ("annex-iv.5",), kinds=("risk",)),
    Part("6", "Relevant changes made through the lifecycle", ("annex-iv.6",)),
    Part("7", "Harmonised standards and other specifications applied", ("annex-iv.7",), _field("system", "standards")),
    Part("8", "Copy of the EU declaration of conformity", ("annex-iv.8",), _field("system", "declaration")),
    Part("9", "The post-market monitoring plan", ("annex-iv.9",), _monitoring, ("monitored-metric",)),
)
"""Annex IV's nine points in order; point 2's sub-points each come with their own texts (`POINT_TEXTS`)."""

POINT_TEXTS: dict[str, Texts] = {
    "annex-iv.2a": _field("system", "development"),
    "annex-iv.2b": _design,
    "annex-iv.2c": _field("system", "architecture"),
    "annex-iv.2d": _datasheets,
}

INSTRUCTIONS = (
    Part("a", "Identity and contact details of the provider", (), _identity),
    Part(
        "b",
        "Characteristics, capabilities and limitations of performance",
        ("art-13.3", "art-15.1-3", "art-15.4", "art-15.5"),
        kinds=("objective", "test", "threat"),
    ),
    Part("b-risks", "Known and foreseeable risks, including misuse", ("art-9.2b",), kinds=("risk",)),
    Part("b-explain", "Information to explain the output", (), _explainability),
    Part("b-groups", "Performance for specific persons or groups", ("art-10.2f",), kinds=("limit",)),
    Part("c", "Pre-determined changes", ("annex-iv.2f",), kinds=("change",)),
    Part("d", "Human-oversight measures", ("art-14.3-4",), kinds=("oversight-measure",)),
    Part("e", "Computational and hardware resources, lifetime and maintenance", ("annex-iv.2c",), kinds=("compute",)),
    Part("f", "Mechanisms to collect, store and interpret the logs", ("art-12",), kinds=("log-event",)),
)
"""Article 13(3)'s points (a)-(f), point (b) split by its sub-points."""


def _part(part: Part, coverage: Coverage | None, assessment: Assessment, texts: dict[str, Texts]) -> dict[str, Any]:
    obligations = [o for o in (coverage.get(entry) for entry in part.entries) if coverage] if coverage else []
    return {
        "number": part.number,
        "title": part.title,
        "texts": [(label, value) for label, value in part.texts(assessment) if value],
        "obligations": [_obligation(o, assessment, texts.get(o.id)) for o in obligations if o is not None],
        "items": [item for kind in part.kinds for item in assessment.of_kind(kind)],
    }


def _obligation(obligation: Obligation, assessment: Assessment, texts: Texts | None) -> dict[str, Any]:
    return {
        "obligation": obligation,
        "texts": [(label, value) for label, value in (texts(assessment) if texts else []) if value],
    }


def regulatory_context(assessment: Assessment, decision: Decision | None) -> dict[str, Any]:
    """The `annex_iv` and `instructions` entries of the report context; each obligation as the
    gate's `decision` judges it on its day (as assessed without one)."""
    coverage = (decision.coverage if decision is not None else assessment.coverage).get(PROFILE)
    candidate = assessment.candidate
    return {
        "annex_iv": {
            "parts": [_part(part, coverage, assessment, POINT_TEXTS) for part in ANNEX_IV],
            "candidate": candidate.to_dict() if candidate else None,
            "signoffs": [s.to_dict() for s in assessment.signoffs],
            "counts": coverage.counts() if coverage else {},
        },
        "instructions": {"parts": [_part(part, coverage, assessment, {}) for part in INSTRUCTIONS]},
    }
