"""What a registered kind must provide, checked by `tests/test_kinds.py`: a kind that forgets a stage
fails a test instead of being skipped silently by that stage."""

from __future__ import annotations

import typing

from planner.kinds.base import STAGES, SpecKind
from planner.source.resources import resource_dir

REPORTS = ("design", "governance")


def missing(kind: SpecKind) -> list[str]:
    """Every stage, declaration or template `kind` lacks, in words; empty when it is complete."""
    problems = [f"stage {stage!r} is not implemented" for stage in STAGES if not _overrides(kind, stage)]
    if kind.requirements and not _overrides(kind, "gate"):
        problems.append("it has gate requirements but no stage 'gate'")
    if kind.sections and not _overrides(kind, "report"):
        problems.append("it has report sections but no stage 'report'")
    problems += _declarations(kind)
    problems += _sections(kind)
    return problems


def _overrides(kind: SpecKind, stage: str) -> bool:
    return getattr(type(kind), stage) is not getattr(SpecKind, stage)


def _declarations(kind: SpecKind) -> list[str]:
    problems = []
    for attribute in ("name", "model", "item_titles"):
        if not hasattr(kind, attribute):
            problems.append(f"it declares no {attribute!r}")
    if hasattr(kind, "model") and hasattr(kind, "name"):
        field = kind.model.model_fields.get("kind")
        if field is None or typing.get_args(field.annotation) != (kind.name,):
            problems.append(f"its model's `kind` is not the literal {kind.name!r}")
    for requirement in kind.requirements:
        if not (requirement.summary and requirement.description):
            problems.append(f"requirement {requirement.name!r} has no summary or description for CI outputs")
        if requirement.selects and requirement.name not in requirement.keys:
            problems.append(f"requirement {requirement.name!r} selects items but adds no `require.{requirement.name}`")
    return problems


def _sections(kind: SpecKind) -> list[str]:
    folder = resource_dir("templates") / "report"
    problems = []
    for section in kind.sections:
        if section.report not in REPORTS:
            problems.append(f"section {section.anchor!r} is for an unknown report {section.report!r}")
        if not (folder / section.template).is_file():
            problems.append(f"section {section.anchor!r} has no template templates/report/{section.template}")
    return problems
