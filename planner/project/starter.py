"""`planner init`: a complete starter project that validates, with comments teaching each field.

The starter (`templates/starter`) holds every spec kind, a seeded predictions file and a run table,
so `planner audit` computes real numbers; its gate is blocked for reasons its comments name."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from planner.errors import Diagnostic, PlannerError
from planner.source.atomic import terminating
from planner.source.files import MANIFEST
from planner.source.resources import resource_dir
from planner.source.yaml_documents import dump, parse_documents
from planner.spec.base import ID_PATTERN
from planner.spec.schema import write_schemas
from planner.text import TERMINAL_CONTROL_CHAR

DEFAULT_ID = "my-project"
DEFAULT_NAME = "My ML project"
PLACEHOLDER = f"  id: {DEFAULT_ID}\n  name: {DEFAULT_NAME}\n"
"""The lines of the starter's planner.yaml that `--id` and `--name` replace."""
BAD_ID = "{id!r} is not a valid project id"
BAD_ID_HINT = "start with a letter; then up to 63 letters, digits, _ . or -"
MAX_NAME = 20_000
BAD_NAME = "the project name must be one line of text"
BAD_NAME_HINT = (
    "give a name that is not empty, has no line breaks or control characters, and is under 20,000 characters"
)


def init_project(target: str | Path, *, project_id: str | None = None, name: str | None = None) -> list[Path]:
    """Write the starter into `target` (new or empty); built aside, then moved, so never half-written.

    `project_id` defaults to the folder's name when that is a valid id, else `my-project`; `name`
    to `My ML project`. Both are checked before anything is written.

    A new folder is built beside it and renamed into place. An existing empty folder (`planner init
    .` included) is kept, not replaced, since it may be the shell's working folder: the starter is
    built in a hidden folder inside it and its entries are moved up. The files are returned as paths
    under `target` as given."""
    given = Path(target)
    folder = Path(os.path.abspath(given))  # `.` has no name and no parent to build beside
    identity = _identity(folder, project_id, name)
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
                built = _build(starter, Path(staging), identity)
                for entry in sorted(built.iterdir()):
                    entry.rename(folder / entry.name)
        else:
            folder.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=folder.parent, prefix=f".{folder.name}.") as staging:
                _build(starter, Path(staging), identity).rename(folder)
    return sorted(given / path.relative_to(folder) for path in folder.rglob("*") if path.is_file())


def _identity(folder: Path, project_id: str | None, name: str | None) -> dict[str, str]:
    """The project's id and name, or `PlannerError` naming the option that is wrong."""
    if project_id is None:
        project_id = folder.name if re.fullmatch(ID_PATTERN, folder.name) else DEFAULT_ID
    problems = []
    if not re.fullmatch(ID_PATTERN, project_id):
        problems.append(Diagnostic("bad-id", BAD_ID.format(id=project_id), "--id", hint=BAD_ID_HINT))
    if name is not None and (not name.strip() or len(name) > MAX_NAME or TERMINAL_CONTROL_CHAR.search(name)):
        problems.append(Diagnostic("bad-name", BAD_NAME, "--name", hint=BAD_NAME_HINT))
    if problems:
        raise PlannerError(problems)
    return {"id": project_id, "name": DEFAULT_NAME if name is None else name}


def _build(starter: Path, staging: Path, identity: dict[str, str]) -> Path:
    built = staging / "project"
    shutil.copytree(starter, built)
    manifest = built / MANIFEST
    manifest.write_text(_manifest(manifest.read_text(encoding="utf-8"), identity), encoding="utf-8")
    write_schemas(built / "schemas")
    return built


def _manifest(text: str, identity: dict[str, str]) -> str:
    """The starter's manifest with the id and name set; YAML writes them, so any quote, colon or
    `#` in a name stays text (a long name folds onto indented lines, still one value)."""
    lines = "".join(f"  {line}\n" for line in dump(identity).splitlines())
    assert text.count(PLACEHOLDER) == 1, "templates/starter/planner.yaml lost its id and name lines"
    written = text.replace(PLACEHOLDER, lines)
    [document] = parse_documents(written, MANIFEST)
    data = document.data
    assert isinstance(data, dict) and {key: data["project"][key] for key in identity} == identity  # read back as given
    return written
