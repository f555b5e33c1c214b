"""`policy`: what must hold to release (the `require` keys every gated kind declares), custom rules
on the candidate run's metrics, and waivers with approver and expiry.

Waivers are limited at validation: when `approvers` lists emails a waiver's approver must be one of
them (an allow-list, like a code-owners file: who holds the authority is written where it is
reviewed), and `max_waiver_days` caps the days from a waiver's `granted` date (today without one)
to its `expires` date.

Rules are assessed like any measurable item; the gate turns each into a gate item, and the
Assessment carries the policy's terms (requirements, waivers, where they are written) so the gate
never reads the spec again.
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from planner.assess.context import AssessContext, metric_of, no_value_why
from planner.assess.model import Assessment, Status
from planner.errors import Diagnostic
from planner.gate.item import GateItem, Requirement
from planner.kinds.base import Record, Section, SpecKind, item, reference
from planner.kinds.common import gate_item
from planner.numbers import beside, quantity
from planner.project.items import ItemRef, Reference
from planner.project.project import Project, SpecDoc
from planner.spec.base import SpecModel
from planner.spec.policy import Rule, policy_model
from planner.vocab import Outcome

OPS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt, "==": operator.eq}


@dataclass(frozen=True)
class WaiverTerms:
    """A waiver as written in the policy, with where it is written."""

    item: str
    reason: str
    approver: str
    expires: datetime.date
    file: str
    line: int


@dataclass(frozen=True)
class PolicyTerms:
    """The release terms: the `require` mapping (defaults when there is no policy), the waivers, and
    the lines of the required sign-off roles, for locating gate items."""

    require: Any
    waivers: list[WaiverTerms] = field(default_factory=list)
    file: str = ""
    role_lines: list[int] = field(default_factory=list)
    require_lines: dict[str, int] = field(default_factory=dict)
    """The line of each `require` key the policy writes, for gate items of a whole requirement."""


class PolicyKind(SpecKind[Any]):
    name = "policy"
    item_titles: ClassVar[dict[str, str]] = {"policy": "Release policy", "rule": "Policy rules", "waiver": "Waivers"}
    item_models: ClassVar[dict[str, type[SpecModel]]] = {"rule": Rule}
    singleton = True
    requirements = (
        Requirement(
            "rules",
            "Every custom rule of the policy holds on the candidate run.",
            "A rule of the policy compares a metric of the candidate run with a value, and it does not hold.",
            80,
        ),
    )
    sections = (Section("governance", "waivers", "Waivers", "sections/policy.governance.html.j2", 50),)

    def __init__(self, gated: Iterable[SpecKind]):
        """`gated`: every other kind, whose requirements give the policy its `require` keys."""
        found = sorted((r for kind in gated for r in kind.requirements), key=lambda r: (not r.selects, r.position))
        self.selections = [r for r in found if r.selects]
        keys = {name: spec for r in found for name, spec in r.keys.items()}  # selections first, as documented
        self.model = policy_model(keys)  # type: ignore[misc]

    def terms(self, doc: SpecDoc | None) -> PolicyTerms:
        """What the gate enforces: the document's terms, or the strict defaults without one."""
        if doc is None:
            defaults: Any = self.model.model_validate({"kind": "policy"})
            return PolicyTerms(defaults.require)
        spec, document = self.spec(doc), doc.document
        waivers = [
            WaiverTerms(
                w.item, w.reason, w.approver, w.expires, document.file, document.position(("waivers", i, "item"))[0]
            )
            for i, w in enumerate(spec.waivers)
        ]
        lines = [document.position(("require", "signoffs", j))[0] for j in range(len(spec.require.signoffs))]
        written = document.data.get("require") if isinstance(document.data, dict) else None
        keys = [key for key in written if isinstance(key, str)] if isinstance(written, dict) else []
        require_lines = {key: document.position(("require", key))[0] for key in keys}
        return PolicyTerms(spec.require, waivers, document.file, lines, require_lines)

    def items(self, doc: SpecDoc) -> Iterator[ItemRef]:
        for index, rule in enumerate(self.spec(doc).rules):
            yield item(doc, rule.id, "rule", ("rules", index, "id"), rule)

    def references(self, doc: SpecDoc, project: Project) -> Iterator[Reference]:
        spec = self.spec(doc)
        for requirement in self.selections:
            selection = getattr(spec.require, requirement.name)
            for j, target in enumerate(selection if isinstance(selection, list) else []):
                yield reference(
                    doc,
                    None,
                    target,
                    requirement.selects,
                    f"requires-{requirement.name}",
                    "require",
                    requirement.name,
                    j,
                )
        for i, waiver in enumerate(spec.waivers):
            yield reference(doc, None, waiver.item, (), "waives", "waivers", i, "item")

    def check(self, doc: SpecDoc, project: Project) -> Iterator[Diagnostic]:
        bands = {band for spec in project.of_kind("risks") for band in spec.bands}
        band = self.spec(doc).require.max_risk_band
        if bands and band not in bands:
            yield doc.at(
                ("require", "max_risk_band"),
                "unknown-band",
                f"no risk band is named {band!r}",
                f"one of: {', '.join(sorted(bands))}",
            )
        yield from _check_waivers(doc, self.spec(doc), datetime.date.today())

    def assess(self, doc: SpecDoc, context: AssessContext) -> Iterator[Status]:
        """Custom rules on the candidate run's metrics; a missing or NaN metric is no evidence."""
        for rule in self.spec(doc).rules:
            value = metric_of(context.candidate, rule.metric)
            status, why = _rule_outcome(rule, value, context)
            yield Status(rule.id, "rule", status, rule.description, why, value=value, target=rule.value)

    def records(self, doc: SpecDoc) -> Iterator[Record]:
        spec = self.spec(doc)
        yield Record("policy", "require", "release requirements", spec.require.model_dump())
        for rule in spec.rules:
            yield Record(
                "rule",
                rule.id,
                rule.description,
                {"description": rule.description, "metric": rule.metric, "op": rule.op, "value": rule.value},
            )
        for waiver in spec.waivers:
            yield Record(
                "waiver",
                waiver.item,
                f"waiver of {waiver.item}",
                {"reason": waiver.reason, "approver": waiver.approver, "expires": waiver.expires},
            )

    def gate(self, require: Any, assessment: Assessment) -> Iterator[GateItem]:
        for status in assessment.of_kind("rule"):
            yield gate_item(status, "rules", status.status == Outcome.MET, status.why)

    def report(self, assessment: Assessment, pdf: bool) -> dict[str, Any]:
        return {}  # the waivers section shows the gate's Decision


UNKNOWN_APPROVER = "{approver} is not one of the policy's approvers"
TOO_LONG = "the waiver lasts {days} days (from {start} to {expires}), longer than max_waiver_days: {most}"


def _check_waivers(doc: SpecDoc, spec: Any, today: datetime.date) -> Iterator[Diagnostic]:
    """Each waiver's approver is one of `approvers` (when listed), and it lasts at most
    `max_waiver_days` from its `granted` day (today when it has none) to its `expires` day."""
    approvers, most = spec.approvers, spec.max_waiver_days
    for i, waiver in enumerate(spec.waivers):
        if approvers and waiver.approver not in approvers:
            message = UNKNOWN_APPROVER.format(approver=waiver.approver)
            yield doc.at(("waivers", i, "approver"), "unknown-approver", message, f"one of: {', '.join(approvers)}")
        start = waiver.granted or today
        days = (waiver.expires - start).days
        if most is not None and days > most:
            text = TOO_LONG.format(days=days, start=start.isoformat(), expires=waiver.expires.isoformat(), most=most)
            hint = "shorten the waiver, or renew it when it expires" + (
                "" if waiver.granted else " (no `granted` date: counted from today)"
            )
            yield doc.at(("waivers", i, "expires"), "waiver-too-long", text, hint)


def _rule_outcome(rule: Any, value: float | None, context: AssessContext) -> tuple[Outcome, str]:
    if context.candidate is None:
        return Outcome.NO_EVIDENCE, "no candidate run"
    if value is None:
        return Outcome.NO_EVIDENCE, no_value_why(context.candidate, rule.metric)
    met = OPS[rule.op](value, rule.value)
    return (
        Outcome.MET if met else Outcome.NOT_MET
    ), f"{rule.metric} = {beside(value, rule.value)}, rule {rule.op} {quantity(rule.value)}"
