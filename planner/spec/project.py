"""The project manifest (`planner.yaml`): what the project is, why ML, and where its specs live."""

from __future__ import annotations

from pydantic import Field

from planner.spec.base import Email, Id, SpecModel, Text

VERSION_PATTERN = r"^\d+(\.\d+){0,2}([-+.][0-9A-Za-z.-]+)?$"


class MLFit(SpecModel):
    """Why machine learning is the right tool here, and what the simpler alternative is."""

    pattern: Text
    """The learnable pattern: what regularity the model can pick up."""
    objective_function: Text | None = None
    """What the model optimises, and how it relates to the business goal."""
    data_availability: Text | None = None
    """Which data exist to learn the pattern from."""
    repetition: Text | None = None
    """How often the decision is made (ML pays off on repeated decisions)."""
    simpler_alternative: Text
    """The simplest non-ML solution, usually kept as a baseline."""
    cost_of_error: Text | None = None
    """What a wrong prediction costs, and to whom."""
    explainability: Text | None = None
    """Whether and to whom predictions must be explained."""


class ProjectInfo(SpecModel):
    """Identity and purpose of the project."""

    id: Id
    """Short identifier of the project."""
    name: Text
    """Human-readable name."""
    owner: Email
    """Email of the accountable product owner."""
    version: str = Field(pattern=VERSION_PATTERN)
    """Version of the specs (e.g. 1.3.0)."""
    problem: Text
    """The problem to solve, in business terms."""
    ml_fit: MLFit
    """Why ML fits the problem."""
    intended_use: Text | None = None
    """Primary uses and users of the model."""
    out_of_scope: list[Text] = Field(default_factory=list)
    """Uses the model is not meant for."""


class Manifest(SpecModel):
    """The `planner.yaml` at a project's root."""

    project: ProjectInfo
    """Identity and purpose of the project."""
    specs: list[Text] = Field(default_factory=lambda: ["specs/*.yaml"], min_length=1)
    """Glob patterns (relative to the project folder) of the spec files."""
