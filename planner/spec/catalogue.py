"""The `catalogue` kind: obligations or controls, each mapped to the spec kinds and item properties
that can evidence it. planner ships the EU AI Act, NIST AI RMF, ISO/IEC 42001 and ISO/IEC 23894
catalogues (`planner/catalogues`); a project may add its own (an internal policy) as a spec document.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from planner.spec.base import PREFIX_PATTERN, EntryId, SpecModel, Text, repeated

CatalogueId = Field(pattern=r"^[a-z][a-z0-9.-]{0,63}$")


class EvidenceRule(SpecModel):
    """Which items evidence an entry: every item of `kind` (an item kind such as `risk`, a document
    kind such as `monitoring`, or `project` for `planner.yaml`), only those whose `property` is set,
    or only those whose `property` equals `value`."""

    kind: Text
    """An item kind (`objective`, `limit`, `risk`, `component`), a document kind (`system`) or `project`."""
    property: Text | None = None
    """A field of that item or document, dotted for nested ones (`datasheet.collection`)."""
    value: Text | None = None
    """The value `property` must have (e.g. `override` for an oversight measure's `capability`)."""

    @model_validator(mode="after")
    def _value_needs_property(self):
        if self.value is not None and self.property is None:
            raise ValueError("`value` needs the `property` it is compared with")
        return self


class Entry(SpecModel):
    """One obligation or control."""

    id: EntryId
    """Stable id within the catalogue (e.g. `art-10.2f`, `MEASURE-2.11`, `A.5`)."""
    title: Text
    """Short title."""
    summary: Text
    """What it asks, in a sentence or two, in this catalogue's own words."""
    source: Text
    """The reference in the source text (article, point, subcategory or clause title)."""
    evidence: list[EvidenceRule] = Field(default_factory=list)
    """Rules selecting the items that evidence it; empty when only a `satisfies` claim can."""


class CatalogueSpec(SpecModel):
    """A catalogue of obligations or controls."""

    kind: Literal["catalogue"]
    """Document kind."""
    id: str = CatalogueId
    """The catalogue's name, which `planner coverage --profile` and `planner.yaml`'s `profiles` use."""
    prefix: str = Field(pattern=PREFIX_PATTERN)
    """The short name items use in `satisfies` (`eu-ai-act` in `eu-ai-act:art-10.2f`)."""
    version: Text
    """Version of the catalogue (its own, not the source text's)."""
    title: Text
    """Title of the catalogue."""
    source: Text
    """The text it summarises (e.g. `Regulation (EU) 2024/1689`)."""
    entries: list[Entry] = Field(min_length=1)
    """The obligations or controls."""

    @model_validator(mode="after")
    def _unique_ids(self):
        duplicated = repeated([entry.id for entry in self.entries])
        if duplicated:
            raise ValueError(f"entry ids used twice: {', '.join(duplicated)}")
        return self
