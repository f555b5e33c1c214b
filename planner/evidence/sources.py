"""Reading a `results` spec: each source's runs, and the candidate run chosen among them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from planner.evidence.dvc_files import read_dvc
from planner.evidence.errors import AMBIGUOUS_CANDIDATE, NO_CANDIDATE, OUTSIDE, error
from planner.evidence.mlflow_files import read_mlruns
from planner.evidence.model import Run, RunSet
from planner.evidence.tables import read_table
from planner.evidence.wandb_files import read_wandb
from planner.spec.results import Candidate, Source

Reader = Callable[[Path, Source, Path], list[Run]]
"""Reads the runs of a source of one `type` from its `path` (resolved inside the project `root`)."""

READERS: dict[str, Reader] = {
    "mlflow": lambda path, spec, root: read_mlruns(path, source=spec.id, experiment=spec.experiment, root=root),
    "table": lambda path, spec, root: read_table(path, source=spec.id, run_id_column=spec.run_id_column, root=root),
    "wandb": lambda path, spec, root: read_wandb(path, source=spec.id, root=root),
    "dvc": lambda path, spec, root: read_dvc(path, source=spec.id, root=root),
}
"""Every file-based source type; a new one is a reader module and a line here (and its name in the
`type` of `planner.spec.results.Source`; `tests/evidence/test_sources.py` holds the two equal)."""


def load_runs(source_spec: Source, root: Path) -> RunSet:
    """The runs of one `results` source (`type`, `path` or `uri`, `experiment`, `run_id_column`, `id`)."""
    root = Path(root).resolve()
    if source_spec.uri is not None:
        from planner.evidence.mlflow_client import read_tracking_server, resolve_uri

        uri = resolve_uri(source_spec.uri, root)
        return RunSet(read_tracking_server(uri, source=source_spec.id, experiment=source_spec.experiment))
    assert source_spec.path is not None  # the spec holds exactly one of `path` and `uri`
    path = (root / source_spec.path).resolve()
    if not path.is_relative_to(root):  # the spec checks the text; a symlink can still lead out
        raise error(
            OUTSIDE,
            f"source {source_spec.id!r}: {source_spec.path} leads outside the project folder",
            source_spec.path,
            hint="keep result files inside the project folder",
        )
    runs = READERS[source_spec.type](path, source_spec, root)
    return RunSet(runs)


def select_candidate(runs: list[Run], candidate_spec: Candidate) -> Run:
    """The run `candidate_spec` names (exactly one of `run`, `tag`, `best`); a diagnostic otherwise."""
    runs = RunSet(runs)
    if candidate_spec.run is not None:
        found = [run for run in runs if run.run_id == candidate_spec.run]
        wanted = f"run id {candidate_spec.run!r}"
    elif candidate_spec.tag is not None:
        found = runs.with_tags(candidate_spec.tag)
        wanted = "tags " + ", ".join(f"{k}={v}" for k, v in candidate_spec.tag.items())
    else:
        rule = candidate_spec.best
        assert rule is not None  # the spec holds exactly one of `run`, `tag` and `best`
        best = runs.best(rule.metric, rule.direction, rule.source)
        found = [best] if best else []
        wanted = f"a value of metric {rule.metric!r}" + (f" in source {rule.source!r}" if rule.source else "")
    if not found:
        raise error(
            NO_CANDIDATE,
            f"no run has {wanted} (among {_count(runs)})",
            hint="check the results spec's candidate against the runs the sources hold",
        )
    if len(found) > 1:
        names = ", ".join(f"{run.run_id} ({run.source})" for run in found)
        raise error(
            AMBIGUOUS_CANDIDATE,
            f"{len(found)} runs have {wanted}: {names}",
            hint="tag only the candidate run, or choose it by run id",
        )
    return found[0]


def _count(runs: list[Run]) -> str:
    return f"{len(runs)} run{'s' * (len(runs) != 1)}"
