"""`risks`: a likelihood x impact register (default 5x5) with bands, owners, mitigations, residual
ratings and statuses.

A risk's current rating is its residual one when given. High and critical risks (the two most
severe bands of the register) need an owner and a mitigation; the gate also keeps every risk that
is not closed within the policy's `max_risk_band`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, ClassVar

from markupsafe import Markup
from pydantic import Field

from planner.assess.context import AssessContext
from planner.assess.model import Assessment, Detail, Status
from planner.errors import Diagnostic, Severity
from planner.gate.item import GateItem, Requirement
from planner.kinds.base import Record, Section, SpecKind, item, reference
from planner.kinds.common import gate_item, target_fields
from planner.project.items import ItemRef, Reference
from planner.project.project import Project, SpecDoc
from planner.spec.base import SpecModel, Text
from planner.spec.risks import Risk, RisksSpec


@dataclass(frozen=True)
class RiskDetail(Detail):
    likelihood: int
    impact: int
    score: int
    band: str | None
    """The band of the inherent score."""
    residual: dict[str, int] | None
    residual_band: str | None
    """The band of the current rating: the residual one when given, else the inherent one."""
    band_rank: int
    bands: int
    owner: str | None
    mitigations: list[str]
    severe: bool
    """Rated, before treatment, in one of the register's two most severe bands."""
    band_order: list[str]
    """The register's bands, least severe first."""

    @property
    def current(self) -> str:
        return f"{'residual' if self.residual else 'inherent'} band {self.residual_band}"


def is_severe(spec: RisksSpec, band: str | None) -> bool:
    """High or critical: one of the two most severe bands of the register."""
    return band is not None and spec.band_rank(band) >= len(spec.bands) - 2


class RisksKind(SpecKind[RisksSpec]):
    name = "risks"
    model = RisksSpec
    item_titles: ClassVar[dict[str, str]] = {"risk": "Risks"}
    item_models: ClassVar[dict[str, type[SpecModel]]] = {"risk": Risk}
    requirements = (
        Requirement(
            "risks",
            "No open risk sits above the allowed band, and severe risks are owned and mitigated.",
            "A risk that is not closed is rated above the policy's `max_risk_band`, or a high or "
            "critical risk has no owner or no mitigation.",
            40,
            keys={
                "max_risk_band": (
                    Text,
                    Field(
                        "medium",
                        description="No risk still open may sit above this band (its residual rating when given).",
                    ),
                ),
                "risk_owner_and_mitigation": (
                    bool,
                    Field(
                        True, description="Every high or critical risk must have an owner and at least one mitigation."
                    ),
                ),
            },
        ),
    )
    sections = (Section("governance", "risks", "Risks", "sections/risks.governance.html.j2", 10),)

    def items(self, doc: SpecDoc) -> Iterator[ItemRef]:
        for index, entry in enumerate(self.spec(doc).risks):
            yield item(doc, entry.id, "risk", ("risks", index, "id"), entry)

    def references(self, doc: SpecDoc, project: Project) -> Iterator[Reference]:
        for i, entry in enumerate(self.spec(doc).risks):
            for j, target in enumerate(entry.links):
                yield reference(doc, entry.id, target, (), "links", "risks", i, "links", j)

    def check(self, doc: SpecDoc, project: Project) -> Iterator[Diagnostic]:
        yield from _bands(doc, self.spec(doc))
        spec = self.spec(doc)
        for i, risk in enumerate(spec.risks):
            for prefix, rating in (((), risk), (("residual",), risk.residual)):
                if rating is None:
                    continue
                for axis in ("likelihood", "impact"):
                    found, top = getattr(rating, axis), getattr(spec.scale, axis)
                    if found > top:
                        yield doc.at(
                            ("risks", i, *prefix, axis),
                            "out-of-scale",
                            f"{axis} {found} is above the scale's {top}",
                            f"use 1 to {top}, or enlarge `scale`",
                        )
            band = spec.band_of(risk.score)
            missing = [what for what, given in (("owner", risk.owner), ("mitigation", risk.mitigations)) if not given]
            if missing and is_severe(spec, band) and risk.status != "closed":
                yield doc.at(
                    ("risks", i, "id"),
                    "unmanaged-risk",
                    f"{band} risk {risk.id!r} has no {' and no '.join(missing)}",
                    f"give it {' and '.join('an ' + m if m[0] == 'o' else 'a ' + m for m in missing)}",
                    Severity.WARNING,
                )
            if risk.residual and risk.residual.score > risk.score:
                yield doc.at(
                    ("risks", i, "residual"),
                    "residual-above-inherent",
                    f"residual score {risk.residual.score} is above the inherent score {risk.score}",
                    "mitigations should not raise a risk; check the ratings",
                    Severity.WARNING,
                )

    def assess(self, doc: SpecDoc, context: AssessContext) -> Iterator[Status]:
        spec = self.spec(doc)
        order = [name for name, _ in sorted(spec.band_ranges().items(), key=lambda entry: entry[1])]
        for risk in spec.risks:
            current = risk.residual or risk
            band = spec.band_of(current.score)
            why = f"{risk.status}; {'residual' if risk.residual else 'inherent'} score {current.score} ({band})"
            inherent = spec.band_of(risk.score)
            yield Status(
                risk.id,
                "risk",
                risk.status,
                risk.title,
                why,
                detail=RiskDetail(
                    risk.likelihood,
                    risk.impact,
                    risk.score,
                    inherent,
                    risk.residual.model_dump() if risk.residual else None,
                    band,
                    spec.band_rank(band) if band else -1,
                    len(spec.bands),
                    risk.owner,
                    list(risk.mitigations),
                    is_severe(spec, inherent),
                    order,
                ),
            )

    def records(self, doc: SpecDoc) -> Iterator[Record]:
        spec = self.spec(doc)
        for risk in spec.risks:
            residual = risk.residual
            yield Record(
                "risk",
                risk.id,
                risk.title,
                {
                    "title": risk.title,
                    "likelihood": risk.likelihood,
                    "impact": risk.impact,
                    "score": risk.score,
                    "band": spec.band_of(risk.score),
                    **target_fields("residual", residual, ("likelihood", "impact", "score")),
                    "residual_band": spec.band_of(residual.score) if residual else None,
                    "owner": risk.owner,
                    "status": risk.status,
                    "treatment": risk.treatment,
                    "mitigations": risk.mitigations,
                    "review_date": risk.review_date,
                    "links": risk.links,
                },
            )

    def gate(self, require: Any, assessment: Assessment) -> Iterator[GateItem]:
        """Every risk not closed: its current band within `max_risk_band`, and a severe one managed."""
        for status in assessment.of_kind("risk"):
            if status.status == "closed":
                yield gate_item(status, "risks", True, "closed")
                continue
            detail = status.detail_as(RiskDetail)
            problems = _risk_problems(detail, require)
            fine = f"{detail.current} is not above {require.max_risk_band}"
            yield gate_item(status, "risks", not problems, "; ".join(problems) or fine)

    def report(self, assessment: Assessment, pdf: bool) -> dict[str, Any]:
        from planner.report import charts

        rows = assessment.of_kind("risk")
        specs = assessment.of_spec("risks")
        if not specs:
            return {"risks": {"items": rows, "heat_maps": []}}
        spec = specs[0]  # validation allows one register's scale and bands; the first one draws the matrix
        bands = [(name, low, high) for name, (low, high) in sorted(spec.band_ranges().items(), key=lambda b: b[1])]
        details = {r.id: r.detail_as(RiskDetail) for r in rows}
        inherent = [{"id": i, "likelihood": d.likelihood, "impact": d.impact} for i, d in details.items()]
        residual = [
            {
                "id": r.id,
                **(details[r.id].residual or {"likelihood": details[r.id].likelihood, "impact": details[r.id].impact}),
            }
            for r in rows
            if r.status != "closed"
        ]
        maps = [
            {
                "caption": title,
                "svg": Markup(
                    charts.risk_heat_map(
                        points,
                        likelihood_levels=spec.scale.likelihood,
                        impact_levels=spec.scale.impact,
                        bands=bands,
                        chart_id=name,
                        title=title,
                    )
                ),
            }
            for name, title, points in (
                ("heat-inherent", "Inherent risk (before treatment)", inherent),
                ("heat-residual", "Residual risk (after treatment; closed risks left out)", residual),
            )
        ]
        return {"risks": {"items": rows, "heat_maps": maps, "bands": bands}}


def _risk_problems(detail: RiskDetail, require: Any) -> list[str]:
    limit, problems = require.max_risk_band, []
    if limit not in detail.band_order:
        problems.append(f"its register has no band {limit!r}")
    elif detail.residual_band is None or detail.band_order.index(detail.residual_band) > detail.band_order.index(limit):
        problems.append(f"{detail.current} is above {limit}")
    missing = [what for what, given in (("owner", detail.owner), ("mitigation", detail.mitigations)) if not given]
    if require.risk_owner_and_mitigation and missing and detail.severe:
        problems.append(f"{detail.band} risk has no {' and no '.join(missing)}")
    return problems


def _bands(doc: SpecDoc, spec: RisksSpec) -> Iterator[Diagnostic]:
    """Bands must not overlap and must together cover every score of the matrix."""
    ordered = sorted(spec.band_ranges().items(), key=lambda entry: entry[1])
    for (low_name, (low_lo, low_hi)), (name, (lo, hi)) in pairwise(ordered):
        if lo <= low_hi:
            yield doc.at(
                ("bands", name),
                "overlapping-bands",
                f"bands {low_name!r} ({low_lo}-{low_hi}) and {name!r} ({lo}-{hi}) overlap",
                "each score belongs to exactly one band",
            )
    missing = sorted(score for score in spec.scores() if spec.band_of(score) is None)
    if missing:
        maximum = spec.scale.likelihood * spec.scale.impact
        yield doc.at(
            ("bands",),
            "uncovered-scores",
            f"bands leave scores {missing} (of 1-{maximum}) without a band",
            "extend the bands",
        )


KIND = RisksKind()
