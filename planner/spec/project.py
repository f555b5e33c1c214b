"""The project manifest (`planner.yaml`): what the project is, why ML, and where its specs live."""

from __future__ import annotations

from pydantic import Field

from planner.spec.base import Email, EntryId, Id, SpecModel, Text

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


class ModelCardDataset(SpecModel):
    """A dataset the model card's metadata names (Hugging Face `datasets` and `model-index`)."""

    name: Text
    """The dataset's name as the card's `datasets` lists it: a Hugging Face Hub dataset id when it has one."""
    split: Text | None = None
    """The split the candidate run was evaluated on (e.g. `test`); by default the evaluation plan's `split`."""
    evaluation_dataset: Id | None = None
    """The evaluation dataset it is (the `id` objectives and tests name as `dataset`): its results in
    the card's `model-index` are filed under this name and split."""


class ModelCard(SpecModel):
    """Metadata of the model card (`planner report --format modelcard`), in Hugging Face's terms."""

    license: Text | None = None
    """The model's licence, as a Hugging Face licence id (`apache-2.0`, `cc-by-4.0`, `other`); left out when not given."""
    library_name: Text | None = None
    """The library the model is built with (`sklearn`, `xgboost`, `transformers`); left out when not given."""
    pipeline_tag: Text | None = None
    """The task (`tabular-classification`, `tabular-regression`); by default `tabular-classification`
    when the project audits binary decisions or measures a classification metric."""
    datasets: list[ModelCardDataset] = Field(default_factory=list)
    """The datasets the card names; by default the data checklists' datasets."""


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
    model_card: ModelCard | None = None
    """Metadata of the model card that the specs do not say (licence, library, task, dataset ids)."""


class Profile(SpecModel):
    """A catalogue the project is held to, with the entries that do not apply to it."""

    not_applicable: dict[EntryId, Text] = Field(default_factory=dict)
    """Entry id to the reason it does not apply (e.g. `art-10.5: no special categories are processed`)."""


class Manifest(SpecModel):
    """The `planner.yaml` at a project's root."""

    project: ProjectInfo
    """Identity and purpose of the project."""
    specs: list[Text] = Field(default_factory=lambda: ["specs/*.yaml"], min_length=1)
    """Glob patterns (relative to the project folder) of the spec files."""
    profiles: dict[Text, Profile] = Field(default_factory=dict)
    """Catalogues the project is held to (`eu-ai-act-high-risk`, `nist-ai-rmf-1.0`, or a project
    catalogue's id): the governance report shows coverage of each, and `planner coverage` marks the
    entries listed under `not_applicable` n/a with their reason."""
