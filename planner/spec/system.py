"""The `system` kind: what Annex IV points 1 and 2(a), 2(c), 2(f) and Article 12 ask a provider to
describe, and the NIST AI RMF asks of third-party components (GOVERN 6, MAP 4, MANAGE 3).

Each list holds items with ids, so a planned change can name the checks that keep it compliant and
a coverage report can cite the component that evidences an obligation.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from planner.spec.base import Id, Item, SpecModel, Text, repeated

Origin = Literal["in-house", "third-party", "open-source", "pre-trained"]
EXTERNAL: tuple[str, ...] = ("third-party", "open-source", "pre-trained")
"""Origins whose licence and supplier Annex IV 2(a) and NIST GOVERN 6 ask for."""


class Component(Item):
    """A part of the system: a model, a library, a service, a dataset pipeline, a pre-trained model."""

    name: Text
    """What it is (e.g. `scikit-learn`, `HistGradientBoostingClassifier`, `address-normaliser`)."""
    version: Text | None = None
    """The version in use (a release, a commit, a model registry version)."""
    origin: Origin
    """in-house, third-party (bought or a service), open-source, or pre-trained (a model trained by others)."""
    supplier: Text | None = None
    """Who provides it, for components not built in-house."""
    licence: Text | None = None
    """Its licence (an SPDX id such as `BSD-3-Clause`, or the contract), for components not built in-house."""
    purpose: Text | None = None
    """What it does in the system, and for a pre-trained or third-party component how it is used."""


class Compute(Item):
    """Compute used at one stage of the lifecycle (Annex IV 2(c); NIST MEASURE 2.12)."""

    stage: Literal["training", "evaluation", "inference"]
    """training, evaluation (testing and validation) or inference."""
    hardware: Text
    """The hardware (e.g. `2 vCPU, 8 GB`, `1 x A10G`)."""
    amount: Text | None = None
    """How much (e.g. `3 CPU-minutes per training run`, `50 ms per request at p95`)."""
    energy_kwh: float | None = Field(default=None, ge=0)
    """Energy used, in kWh, where it is measured."""


class Interface(Item):
    """How people or other systems interact with it (Annex IV 1(b), 1(g))."""

    name: Text
    """The interface (e.g. `loan-officer screen`, `score API`)."""
    kind: Literal["user-interface", "api", "batch", "embedded", "other"]
    """user-interface (for deployers or persons), api, batch, embedded (in hardware or another product), other."""
    description: Text
    """What crosses it, and who uses it."""


class Release(Item):
    """A form in which the system is placed on the market or put into service (Annex IV 1(d), 1(e))."""

    form: Text
    """E.g. `internal web service`, `library`, `embedded in the origination system`."""
    hardware: Text | None = None
    """The hardware it is meant to run on."""


class PlannedChange(Item):
    """A change decided beforehand (Annex IV 2(f)): what may change, and how compliance is kept."""

    description: Text
    """What may change (e.g. `monthly retraining on the latest 24 months`)."""
    trigger: Text | None = None
    """When it happens (a schedule, a drift alarm)."""
    checks: list[Id] = Field(default_factory=list)
    """Items re-checked before the changed system is released (objectives, limits, tests)."""


class LogEvent(Item):
    """An event the system records automatically over its lifetime (Article 12)."""

    event: Text
    """What is recorded (e.g. `each score with its inputs, model version and time`)."""
    retention_days: int | None = Field(default=None, ge=1)
    """How long the records are kept, in days."""
    purpose: Text | None = None
    """What the record is for (traceability, monitoring, incident investigation)."""


class SystemSpec(SpecModel):
    """The system around the model: its architecture, components, compute, interfaces and changes."""

    kind: Literal["system"]
    """Document kind."""
    architecture: Text | None = None
    """How the parts fit together and how data flows through them (Annex IV 2(c))."""
    design_choices: Text | None = None
    """Key design choices, their rationale and the assumptions about the persons concerned (Annex IV 2(b))."""
    development: Text | None = None
    """The methods and steps of development (Annex IV 2(a))."""
    components: list[Component] = Field(default_factory=list)
    """Every component, with version and origin; third-party and pre-trained ones with supplier and licence."""
    compute: list[Compute] = Field(default_factory=list)
    """Compute for training, evaluation and inference."""
    interfaces: list[Interface] = Field(default_factory=list)
    """User interfaces and interfaces to other systems."""
    releases: list[Release] = Field(default_factory=list)
    """Forms in which it is released."""
    changes: list[PlannedChange] = Field(default_factory=list)
    """Changes decided beforehand, each with the checks that keep it compliant."""
    logging: list[LogEvent] = Field(default_factory=list)
    """What it records automatically."""
    standards: list[Text] = Field(default_factory=list)
    """Harmonised standards or other specifications applied (Annex IV 7)."""
    declaration: Text | None = None
    """Where the EU declaration of conformity is kept (Annex IV 8), once drawn up."""

    @model_validator(mode="after")
    def _unique_component_names(self):
        duplicated = repeated([component.name for component in self.components])
        if duplicated:
            raise ValueError(f"components named twice: {', '.join(duplicated)}")
        return self
