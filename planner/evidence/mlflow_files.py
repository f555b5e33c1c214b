"""MLflow file stores (`mlruns/`) read straight from their files, without importing mlflow.

Layout (MLflow 2.x and 3.x): `<experiment id>/meta.yaml` names the experiment; each run is a folder
`<experiment id>/<run id>/` with `meta.yaml`, and one file per metric, param and tag under `metrics/`,
`params/`, `tags/` (a `/` in a name becomes a sub-folder). A metric file has one line per logged
value, `timestamp value step` (MLflow 1 wrote `timestamp value`; values logged against a dataset add
`dataset_name dataset_digest`). Deleted experiments move to `.trash/`; deleted runs stay in place
with `lifecycle_stage: deleted`. Both are skipped. `artifact_uri` holds an absolute path from the
machine that logged the run and is never used, so a committed `mlruns/` reads the same anywhere.
"""

from __future__ import annotations

import re
from pathlib import Path

from planner.evidence.errors import BAD_META, BAD_METRIC_LINE, MISSING, NO_EXPERIMENT, NOT_NUMERIC, display, error
from planner.evidence.files import parse_number, present, read_text, read_yaml, walk
from planner.evidence.model import Point, Run, reproducibility

INTEGER = re.compile(r"-?[0-9]+")
# Experiment sub-folders that are not runs (MLflow's FileStore.RESERVED_EXPERIMENT_FOLDERS).
RESERVED = {"tags", "datasets", "traces", "models"}
METRIC_LINE = "expected 'timestamp value step', found {found!r}"
HINT_FOLDER = "point `path` at the folder MLflow wrote (MLFLOW_TRACKING_URI=file:<folder>)"


def read_mlruns(
    folder: Path, *, source: str = "", experiment: str | None = None, root: Path | None = None
) -> list[Run]:
    """Active runs of active experiments (or of the one named `experiment`), by start time, then id."""
    if not folder.is_dir():
        raise error(
            MISSING, f"MLflow folder not found: {display(folder, root)}", display(folder, root), hint=HINT_FOLDER
        )
    within = root if root is not None else folder  # every file read must resolve inside it
    experiments = _experiments(folder, root, within)
    if experiment is not None:
        chosen = {eid: name for eid, name in experiments.items() if name == experiment}
        if not chosen:
            found = ", ".join(sorted(experiments.values())) or "none"
            raise error(
                NO_EXPERIMENT,
                f"no experiment named {experiment!r} in {display(folder, root)} (experiments: {found})",
                display(folder, root),
            )
        experiments = chosen
    runs = [run for eid, name in experiments.items() for run in _runs(folder / eid, name, source, root, within)]
    return sorted(runs, key=lambda run: (run.start_time or 0, run.run_id))


def _experiments(folder: Path, root: Path | None, within: Path) -> dict[str, str]:
    """Experiment id -> name of the active experiments (`.trash` and the model registry skipped)."""
    found = {}
    for child in sorted(folder.iterdir()):
        if child.name.startswith(".") or not present(child / "meta.yaml"):
            continue
        meta = _meta(child / "meta.yaml", root, within, "name")
        if meta.get("lifecycle_stage") != "deleted":
            found[child.name] = str(meta["name"])
    return found


def _meta(path: Path, root: Path | None, within: Path, required: str) -> dict:
    file = display(path, root)
    meta = read_yaml(path, file, within)
    if not isinstance(meta, dict) or required not in meta:
        raise error(
            BAD_META,
            f"{file} has no {required!r}",
            file,
            hint="the file is not an MLflow meta.yaml, or it was cut short",
        )
    return meta


def _runs(exp_dir: Path, experiment: str, source: str, root: Path | None, within: Path) -> list[Run]:
    runs = []
    for run_dir in sorted(exp_dir.iterdir()):
        if not run_dir.is_dir() or run_dir.name in RESERVED:
            continue
        if not present(run_dir / "meta.yaml"):
            file = display(run_dir / "meta.yaml", root)
            raise error(
                MISSING,
                f"file not found: {file}",
                file,
                hint="a run folder without meta.yaml is a run MLflow did not finish creating; delete the folder",
            )
        meta = _meta(run_dir / "meta.yaml", root, within, "run_id")
        if meta.get("lifecycle_stage") != "deleted":
            runs.append(_run(run_dir, meta, experiment, source, root, within))
    return runs


def _run(run_dir: Path, meta: dict, experiment: str, source: str, root: Path | None, within: Path) -> Run:
    def files(kind: str) -> list[tuple[str, Path]]:
        return _files(run_dir / kind, root, within)

    history = {name: _history(path, display(path, root), within) for name, path in files("metrics")}
    tags = {name: read_text(path, display(path, root), within) for name, path in files("tags")}
    params = {name: read_text(path, display(path, root), within) for name, path in files("params")}
    start = meta.get("start_time")
    return Run(
        source=source,
        run_id=str(meta["run_id"]),
        name=meta.get("run_name") or tags.get("mlflow.runName") or None,
        experiment=experiment,
        metrics={name: latest(points) for name, points in history.items()},
        params=params,
        tags=tags,
        history=history,
        start_time=start if isinstance(start, int) else None,
        reproducibility=reproducibility(tags),
    )


def _files(folder: Path, root: Path | None, within: Path) -> list[tuple[str, Path]]:
    """(name, path) of every file below `folder`; nested folders join the name with `/`. Links,
    FIFOs and devices are listed too, for the guard to refuse when they are read."""
    if not folder.is_dir():
        return []
    return sorted((path.relative_to(folder).as_posix(), path) for path in walk(folder, within, root))


def _history(path: Path, file: str, within: Path) -> list[Point]:
    points = [
        _point(text, file, number)
        for number, text in enumerate(read_text(path, file, within).splitlines(), 1)
        if text.strip()
    ]
    if not points:
        raise error(
            BAD_METRIC_LINE,
            f"metric file {file} is empty",
            file,
            hint="MLflow writes a line per logged value; the file was cut short",
        )
    return points


def _point(text: str, file: str, line: int) -> Point:
    parts = text.split()
    if len(parts) not in (2, 3, 5) or not all(INTEGER.fullmatch(p) for p in parts[0:3:2]):
        raise error(
            BAD_METRIC_LINE, f"malformed metric line in {file}: " + METRIC_LINE.format(found=text), file, line, 1
        )
    value = parse_number(parts[1])
    if value is None:
        raise error(
            NOT_NUMERIC,
            f"metric value {parts[1]!r} in {file} is not a number",
            file,
            line,
            text.index(parts[1], text.index(parts[0]) + len(parts[0])) + 1,
        )
    step = int(parts[2]) if len(parts) > 2 else 0
    return (step, int(parts[0]), value)


def latest(points: list[Point]) -> float:
    """MLflow's rule: the value at the highest step, then the latest timestamp (then the largest)."""
    return max(points)[2]
