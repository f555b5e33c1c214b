"""DVC-style run folders: each holds `metrics.json` (nested keys joined with `.`) and `params.yaml`.

`path` is either one run folder or a folder of run folders (e.g. one per `dvc exp` checkout); the
folder name is the run id. Numbers in metrics.json are metrics; other values are ignored (DVC
metrics files may hold labels). Params are the values of params.yaml as text, nested keys dotted.
"""

from __future__ import annotations

import json
from pathlib import Path

from planner.evidence.errors import BAD_JSON, MISSING, display, error
from planner.evidence.files import present, read_json, read_yaml
from planner.evidence.model import Run, reproducibility

METRICS, PARAMS = "metrics.json", "params.yaml"


def read_dvc(folder: Path, *, source: str = "", root: Path | None = None) -> list[Run]:
    """One run per folder holding metrics.json or params.yaml, by folder name."""
    if not folder.is_dir():
        raise error(
            MISSING,
            f"DVC run folder not found: {display(folder, root)}",
            display(folder, root),
            hint="`path` is a folder with metrics.json and params.yaml, or a folder of those",
        )
    run_dirs = [folder] if _is_run_dir(folder) else sorted(c for c in folder.iterdir() if _is_run_dir(c))
    if not run_dirs:
        raise error(
            MISSING, f"no {METRICS} or {PARAMS} in {display(folder, root)} or its sub-folders", display(folder, root)
        )
    within = root if root is not None else folder  # every file read must resolve inside it
    return [_read_run(run_dir, source, root, within) for run_dir in run_dirs]


def _is_run_dir(path: Path) -> bool:
    return path.is_dir() and (present(path / METRICS) or present(path / PARAMS))


def _read_run(run_dir: Path, source: str, root: Path | None, within: Path) -> Run:
    metrics_file, params_file = run_dir / METRICS, run_dir / PARAMS
    metrics = read_json(metrics_file, display(metrics_file, root), within) if present(metrics_file) else {}
    if not isinstance(metrics, dict):
        raise error(
            BAD_JSON,
            f"{display(metrics_file, root)} must hold a JSON object of metrics",
            display(metrics_file, root),
            1,
            1,
        )
    params = read_yaml(params_file, display(params_file, root), within) if present(params_file) else {}
    params = {
        key: value if isinstance(value, str) else json.dumps(value, default=str)
        for key, value in _flatten(params if isinstance(params, dict) else {}).items()
    }
    return Run(
        source=source,
        run_id=run_dir.name,
        name=run_dir.name,
        metrics={
            key: float(value)
            for key, value in _flatten(metrics).items()
            if isinstance(value, (int, float)) and not isinstance(value, bool)
        },
        params=params,
        reproducibility=reproducibility(params),
    )


def _flatten(tree: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[prefix + str(key)] = value
    return flat
