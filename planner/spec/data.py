"""Data checklists: a built-in standard template of data-source and pipeline questions.

A project answers the standard questions, may add its own, and may mark one not applicable with
a reason. Item ids are local to the checklist; across the project they are `CHECKLIST.ITEM`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from planner.spec.base import Email, Item, SpecModel, Text

# (id, section, question): the data-source and pipeline questions every ML project should answer.
STANDARD_TEMPLATE: tuple[tuple[str, str, str], ...] = (
    ("availability", "source", "Does the dataset exist, and can it be obtained in the quantity needed?"),
    ("accuracy", "source", "Is the data accurate and reliable (known error rates, audits, provenance)?"),
    ("access", "source", "Do the stakeholders who need the data have access to it?"),
    ("features", "source", "Can the features the model needs be derived from the data?"),
    ("labelling", "source", "Is labelling needed, and is it resourced (who, cost, quality control)?"),
    ("platform", "source", "Does the data tie the project to a platform or vendor (lock-in)?"),
    ("refresh", "source", "Will the data be refreshed after deployment, and how often?"),
    ("kpi-measurement", "source", "How will the business KPIs be measured from data after deployment?"),
    ("legal", "source", "Are terms of use, purpose limitation, PII handling and legal review settled?"),
    ("flow", "pipeline", "How does data flow from collection to the model (collection flow)?"),
    ("frequency", "pipeline", "How often is data collected?"),
    ("volume", "pipeline", "What volume or period of data is collected?"),
    ("storage", "pipeline", "Where is the data stored, and under which controls?"),
    ("run-time", "pipeline", "What is the expected run time of the workflow?"),
    ("failure-handling", "pipeline", "What happens when a pipeline step fails (alerts, retries, fallbacks)?"),
)
STANDARD_IDS = tuple(item_id for item_id, _, _ in STANDARD_TEMPLATE)


class ChecklistItem(Item):
    """An answer to a standard question (by its id) or a project's own question."""

    question: Text | None = None
    """The question; required for items that are not in the standard template."""
    section: Literal["source", "pipeline", "other"] | None = None
    """Section of the checklist for a project's own items."""
    status: Literal["done", "open", "n/a"] = "open"
    """done (answered with evidence), open, or n/a (not applicable, with a reason)."""
    answer: Text | None = None
    """The answer to the question."""
    evidence: Text | None = None
    """Where the answer can be checked (a document, a query, a dashboard, a file in the project)."""
    reason: Text | None = None
    """Why the item is not applicable; required when status is n/a."""
    owner: Email | None = None
    """Email of the person responsible for the item."""

    @model_validator(mode="after")
    def _status_needs_support(self):
        if self.status == "n/a" and not self.reason:
            raise ValueError("an item marked n/a needs a `reason`")
        if self.status == "done" and not self.answer:
            raise ValueError("an item marked done needs an `answer`")
        return self


class Datasheet(SpecModel):
    """The question groups of Datasheets for Datasets (Gebru et al. 2021), each answered in prose."""

    motivation: Text | None = None
    """Why the dataset was created, by whom, and who funded it."""
    composition: Text | None = None
    """What the instances are, how many, how sampled, the labels, missing data, splits, sensitive content."""
    collection: Text | None = None
    """How, when and by whom the data were collected; consent and ethical review; original purpose."""
    preprocessing: Text | None = None
    """Cleaning, labelling, annotation, enrichment and aggregation; whether the raw data are kept."""
    uses: Text | None = None
    """Past uses, other suitable uses, and uses it must not serve."""
    distribution: Text | None = None
    """How it is shared, under which licence and restrictions."""
    maintenance: Text | None = None
    """Who maintains it, errata, updates, retention and versions."""
    special_categories: Text | None = None
    """Whether special categories of personal data (Article 10(5)) are processed to detect bias, under
    which safeguards (pseudonymisation, access limits) and when they are deleted."""


class DataChecklist(Item):
    """Checklist for one dataset: the standard questions plus the project's own."""

    kind: Literal["data-checklist"]
    """Document kind."""
    dataset: Text
    """Name of the dataset the checklist is about."""
    template: Literal["standard", "none"] = "standard"
    """`standard` includes the built-in questions; `none` uses only the listed items."""
    items: list[ChecklistItem] = Field(default_factory=list)
    """Answers to standard questions (by id) and the project's own questions."""
    datasheet: Datasheet | None = None
    """The dataset's datasheet (Datasheets for Datasets)."""
