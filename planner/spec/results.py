"""Result sources: where experiment runs and their metrics live, and which run is the candidate."""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, StringConstraints, ValidationInfo, model_validator

from planner.spec.base import Direction, Id, Item, ProjectPath, SpecModel, Text, inside_project

# Stores MLflow's client reaches by URI. `file:` is left out on purpose: a file store is read
# directly through `path`, without mlflow.
TRACKING_SCHEMES = ("http", "https", "databricks", "sqlite", "postgresql", "mysql", "mssql")
PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
"""`${NAME}`: an environment variable, allowed only for the user name and password of a URI (a
placeholder in the host or query would let a spec send any secret of the CI job to any host)."""


def split_userinfo(uri: str) -> tuple[str, str]:
    """(user:password, the URI without them); the first part is empty when there is none."""
    scheme, separator, rest = uri.partition("://")
    authority, slash, tail = rest.partition("/")
    if not separator or "@" not in authority:
        return "", uri
    userinfo, _, host = authority.rpartition("@")
    return userinfo, f"{scheme}://{host}{slash}{tail}"


def _tracking_uri(value: str, info: ValidationInfo) -> str:
    """A tracking URI the spec may hold: a known scheme, no password in the text, SQLite files inside the project."""
    parts = urlsplit(value)
    scheme = (parts.scheme or value).split("+")[0]  # plain `databricks` has no colon
    if scheme == "file":
        raise ValueError("a file store is read without mlflow: give its folder as `path` instead")
    if scheme not in TRACKING_SCHEMES:
        raise ValueError(f"must start with one of {', '.join(s + ':' for s in TRACKING_SCHEMES)}")
    if parts.password is not None and not PLACEHOLDER.fullmatch(parts.password):
        raise ValueError("must not hold a password: write ${NAME} and set environment variable NAME")
    if PLACEHOLDER.search(split_userinfo(value)[1]):
        raise ValueError("${NAME} may only stand for the user name or the password")
    if scheme == "sqlite":
        database = value.split(":///", 1)[1] if ":///" in value else ""
        if not database:
            raise ValueError("write sqlite:///<file>, the file relative to the project folder")
        inside_project(database, info)
    return value


TrackingUri = Annotated[str, StringConstraints(min_length=1, max_length=2048), AfterValidator(_tracking_uri)]


class Source(Item):
    """A place runs are read from."""

    type: Literal["mlflow", "table", "wandb", "dvc"]
    """mlflow (an `mlruns` folder, or a tracking server by `uri`), table (CSV, JSON or JSON-lines, one row per run), wandb (a `wandb` folder), dvc (folders with metrics.json and params.yaml)."""
    path: ProjectPath | None = None
    """Folder or file, relative to the project folder (every type but an MLflow `uri` needs one)."""
    uri: TrackingUri | None = None
    """For MLflow instead of `path`: a tracking URI read through the official client (needs `pip install 'planner[mlflow]'`), e.g. `https://mlflow.example.com`, `databricks`, `sqlite:///mlflow.db` (a file relative to the project folder). `${NAME}` is replaced by environment variable NAME when runs are read, so credentials stay out of the spec."""
    experiment: Text | None = None
    """For MLflow: only runs of this experiment (by name)."""
    run_id_column: Text = "run_id"
    """For tables: the column that holds the run id."""

    @model_validator(mode="after")
    def _path_or_uri(self):
        if self.type != "mlflow" and self.uri is not None:
            raise ValueError(f"`uri` is for type mlflow only; a {self.type} source is read from `path`")
        if (self.path is None) == (self.uri is None):
            raise ValueError("give exactly one of path, uri" if self.type == "mlflow" else "give `path`")
        return self


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
