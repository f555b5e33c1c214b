"""Result sources: where experiment runs and their metrics live, and which run is the candidate."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import Direction, Id, Item, ProjectPath, SpecModel, Text


class Source(Item):
    """A place runs are read from."""

    type: Literal["mlflow", "table", "wandb", "dvc"]
    """mlflow (an `mlruns` folder), table (CSV, JSON or JSON-lines, one row per run), wandb (a `wandb` folder), dvc (folders with metrics.json and params.yaml)."""
    path: ProjectPath
    """Folder or file, relative to the project folder."""
    experiment: Text | None = None
    """For MLflow: only runs of this experiment (by name)."""
    run_id_column: Text = "run_id"
    """For tables: the column that holds the run id."""


class BestRule(SpecModel):
    """Pick the candidate as the best run on a metric."""

    metric: Text
    """Metric to rank runs by."""
    direction: Direction = "higher"
    """Whether higher or lower is better."""
    source: Id | None = None
    """Only runs of this source."""


class Candidate(SpecModel):
    """How the candidate run (the one up for release) is chosen: exactly one of run, tag, best."""

    run: Text | None = None
    """Run id of the candidate."""
    tag: dict[Text, Text] | None = None
    """Tags the candidate run carries (e.g. {candidate: "true"})."""
    best: BestRule | None = None
    """Rule: best run on a metric."""

    @model_validator(mode="after")
    def _exactly_one(self):
        given = [name for name in ("run", "tag", "best") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of run, tag, best (given: {', '.join(given) or 'none'})")
        return self


class ResultsSpec(SpecModel):
    """Experiment result sources and the choice of candidate run."""

    kind: Literal["results"]
    """Document kind."""
    sources: list[Source] = Field(min_length=1)
    """Where runs are read from."""
    candidate: Candidate
    """How the candidate run is chosen."""
