"""`results`: where experiment runs live (MLflow, tables, W&B, DVC) and how the candidate run is
chosen. Reading the sources is evidence linking (`planner.evidence.link`), before assessment."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from planner.assess.context import AssessContext
from planner.assess.model import Assessment, Status
from planner.errors import Diagnostic
from planner.kinds.base import Record, SpecKind, item, reference
from planner.project.items import ItemRef, Reference
from planner.project.project import Project, SpecDoc
from planner.spec.base import SpecModel
from planner.spec.results import ResultsSpec, Source


class ResultsKind(SpecKind[ResultsSpec]):
    name = "results"
    model = ResultsSpec
    item_titles: ClassVar[dict[str, str]] = {"source": "Result sources", "results": "Candidate run"}
    item_models: ClassVar[dict[str, type[SpecModel]]] = {"source": Source}
    singleton = True

    def items(self, doc: SpecDoc) -> Iterator[ItemRef]:
        for index, source in enumerate(self.spec(doc).sources):
            yield item(doc, source.id, "source", ("sources", index, "id"), source)

    def references(self, doc: SpecDoc, project: Project) -> Iterator[Reference]:
        best = self.spec(doc).candidate.best
        if best and best.source:
            yield reference(doc, None, best.source, ("source",), "candidate-from", "candidate", "best", "source")

    def check(self, doc: SpecDoc, project: Project) -> Iterator[Diagnostic]:
        return iter(())  # sources are read, and their problems reported, when evidence is linked

    def assess(self, doc: SpecDoc, context: AssessContext) -> Iterator[Status]:
        return iter(())  # the candidate run is the Assessment's `candidate`, not an item

    def records(self, doc: SpecDoc) -> Iterator[Record]:
        spec = self.spec(doc)
        for source in spec.sources:
            yield Record(
                "source",
                source.id,
                f"{source.type} {source.path or source.uri}",
                {"type": source.type, "path": source.path, "uri": source.uri, "experiment": source.experiment},
            )
        yield Record(
            "results",
            "candidate",
            "candidate rule",
            {"run": spec.candidate.run, "tag": spec.candidate.tag, "best": spec.candidate.best},
        )

    def report(self, assessment: Assessment, pdf: bool) -> dict[str, Any]:
        return {}  # the executive summary shows the candidate run


KIND = ResultsKind()
