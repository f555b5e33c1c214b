"""Kinds that document the system rather than measure it (`system`, `oversight`, `security`,
`monitoring`, `impact-assessment`): lists of items, each judged done when what the regulation asks
of it is written down, or by the status of the items it names as its tests.

A kind lists its `Listing`s; items, references, assessment, diff records and the report's rows
all come from them, so the five kinds share one implementation and differ only in their data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from planner.assess.context import AssessContext
from planner.assess.model import Assessment, Detail, Status
from planner.errors import Diagnostic
from planner.kinds.base import Record, SpecKind, item, reference
from planner.project.items import ItemRef, Reference
from planner.project.project import Project, SpecDoc
from planner.spec.base import SpecModel
from planner.vocab import SHOWN, Outcome

BAD = frozenset({Outcome.NOT_MET, Outcome.FAIL})

Judgement = tuple[Outcome, str]


@dataclass(frozen=True)
class Listing:
    """One list of a document: its attribute, the item kind of its entries and how each is judged.

    `needs(entry)` names what is still to be written for the entry to be done (empty when done);
    `links` names the attributes holding ids of items whose status decides the entry's (tests),
    with the item kinds they may name (any when empty)."""

    attribute: str
    kind: str
    title: str
    model: type[SpecModel]
    heading: Callable[[Any], str]
    needs: Callable[[Any], list[str]] = lambda entry: []
    links: dict[str, tuple[str, ...]] = field(default_factory=dict)
    tests: str | None = None
    """The attribute of `links` whose items' statuses decide the entry's, when it names any."""
    tests_required: bool = False
    """An entry naming no test is open (a threat's controls must be shown), not done."""


@dataclass(frozen=True)
class DocumentedDetail(Detail):
    """What the report shows of a documented item: its fields as written, and its tests."""

    listing: str
    fields: dict[str, Any]
    tests: list[tuple[str, str]] = field(default_factory=list)
    """Each test the entry names with its status."""


def judge(needs: list[str], tests: list[tuple[str, str]] | None) -> Judgement:
    """Done when nothing is missing and every named test is met, passes or is done.

    Without tests (`None`) a complete entry is done; with an empty list of tests it is open, since
    it claims no test shows it; one failing test fails it; tests not yet assessed leave it unshown."""
    if needs:
        return Outcome.OPEN, f"to write: {', '.join(needs)}"
    if tests is None:
        return Outcome.DONE, "documented"
    if not tests:
        return Outcome.OPEN, "no test shows it"
    failed = [test for test, status in tests if status in BAD]
    if failed:
        return Outcome.NOT_MET, f"{', '.join(failed)} not met"
    unshown = [test for test, status in tests if status not in SHOWN]
    if unshown:
        return Outcome.NO_EVIDENCE, f"{', '.join(unshown)} not shown yet"
    return Outcome.DONE, f"shown by {', '.join(test for test, _ in tests)}"


def missing(entry: Any, *names: str) -> list[str]:
    """The `names` of `entry` that are unset or empty."""
    return [name for name in names if getattr(entry, name) in (None, "", [], {})]


class DocumentedKind(SpecKind[Any]):
    """A kind whose items are entries of `listings`; subclasses set the class attributes."""

    listings: ClassVar[tuple[Listing, ...]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.item_titles = {listing.kind: listing.title for listing in cls.listings}
        cls.item_models = {listing.kind: listing.model for listing in cls.listings}

    def entries(self, spec: Any) -> Iterator[tuple[Listing, int, Any]]:
        for listing in self.listings:
            for index, entry in enumerate(getattr(spec, listing.attribute)):
                yield listing, index, entry

    def items(self, doc: SpecDoc) -> Iterator[ItemRef]:
        for listing, index, entry in self.entries(self.spec(doc)):
            yield item(doc, entry.id, listing.kind, (listing.attribute, index, "id"), entry)

    def references(self, doc: SpecDoc, project: Project) -> Iterator[Reference]:
        for listing, index, entry in self.entries(self.spec(doc)):
            for name, kinds in listing.links.items():
                for j, target in enumerate(getattr(entry, name)):
                    yield reference(doc, entry.id, target, kinds, name, listing.attribute, index, name, j)

    def check(self, doc: SpecDoc, project: Project) -> Iterator[Diagnostic]:
        return iter(())  # the model checks each entry; references are checked with every other

    def assess(self, doc: SpecDoc, context: AssessContext) -> Iterator[Status]:
        for listing, _, entry in self.entries(self.spec(doc)):
            named = getattr(entry, listing.tests) if listing.tests else []
            tests = [(test, _status_of(context, test)) for test in named]
            outcome, why = judge(listing.needs(entry), tests if named or listing.tests_required else None)
            fields = entry.model_dump(mode="json", exclude={"id", "satisfies"}, exclude_none=True)
            detail = DocumentedDetail(listing.kind, fields, tests or [])
            yield Status(entry.id, listing.kind, outcome, listing.heading(entry), why, detail=detail)

    def records(self, doc: SpecDoc) -> Iterator[Record]:
        for listing, _, entry in self.entries(self.spec(doc)):
            fields = entry.model_dump(mode="json", exclude={"id"})
            yield Record(listing.kind, entry.id, listing.heading(entry), fields)

    def shown(self, assessment: Assessment) -> bool:
        """Only for a project that writes the document: its absence is a gap the coverage table names."""
        return bool(assessment.of_spec(self.name))

    def report(self, assessment: Assessment, pdf: bool) -> dict[str, Any]:
        specs = assessment.of_spec(self.name)
        return {
            self.name.replace("-", "_"): {
                "spec": specs[0] if specs else None,
                "listings": [
                    {"title": listing.title, "kind": listing.kind, "items": assessment.of_kind(listing.kind)}
                    for listing in self.listings
                ],
            }
        }


def _status_of(context: AssessContext, item_id: str) -> str:
    status = context.statuses.get(item_id)
    return status.status if status is not None else "not assessed"
