"""`planner init`: a complete starter project that validates, with comments teaching each field."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from planner.errors import Diagnostic, PlannerError
from planner.source.atomic import terminating
from planner.source.resources import resource_dir
from planner.spec.schema import write_schemas


def init_project(target: str | Path) -> list[Path]:
    """Write the starter into `target` (new or empty); built aside, then moved, so never half-written.

    A new folder is built beside it and renamed into place. An existing empty folder (`planner init
    .` included) is kept, not replaced, since it may be the shell's working folder: the starter is
    built in a hidden folder inside it and its entries are moved up. The files are returned as paths
    under `target` as given."""
    given = Path(target)
    folder = Path(os.path.abspath(given))  # `.` has no name and no parent to build beside
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise PlannerError(
            [
                Diagnostic(
                    "target-exists",
                    f"{given} exists and is not an empty folder",
                    str(given),
                    hint="choose a new folder",
                )
            ]
        )
    starter = resource_dir("templates") / "starter"
    with terminating():  # SIGTERM removes the staging folder as Ctrl-C does
        if folder.exists():
            with tempfile.TemporaryDirectory(dir=folder, prefix=".planner-init-") as staging:
                built = _build(starter, Path(staging))
                for entry in sorted(built.iterdir()):
                    entry.rename(folder / entry.name)
        else:
            folder.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=folder.parent, prefix=f".{folder.name}.") as staging:
                _build(starter, Path(staging)).rename(folder)
    return sorted(given / path.relative_to(folder) for path in folder.rglob("*") if path.is_file())


def _build(starter: Path, staging: Path) -> Path:
    built = staging / "project"
    shutil.copytree(starter, built)
    write_schemas(built / "schemas")
    return built
