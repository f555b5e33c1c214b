"""`planner init`: a complete starter project that validates, with comments teaching each field."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from planner.errors import Diagnostic, PlannerError
from planner.source.resources import resource_dir
from planner.spec.schema import write_schemas


def init_project(target: str | Path) -> list[Path]:
    """Write the starter into `target` (new or empty); built aside, then moved, so never half-written."""
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise PlannerError(
            [
                Diagnostic(
                    "target-exists",
                    f"{target} exists and is not an empty folder",
                    str(target),
                    hint="choose a new folder",
                )
            ]
        )
    starter = resource_dir("templates") / "starter"
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{target.name}.") as staging:
        built = Path(staging) / "project"
        shutil.copytree(starter, built)
        write_schemas(built / "schemas")
        if target.exists():
            target.rmdir()
        built.rename(target)
    return sorted(p for p in target.rglob("*") if p.is_file())
