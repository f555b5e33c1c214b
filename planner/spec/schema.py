"""JSON Schema of every spec kind, generated from the models (for editors and other tools)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from planner.source.atomic import write_atomic
from planner.spec import Manifest

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_files() -> dict[str, str]:
    """File name to JSON text: `planner.spec.schema.json` for the manifest, `KIND.schema.json` per kind."""
    from planner.kinds import KINDS

    models: dict[str, type[BaseModel]] = {"planner": Manifest, **{name: kind.model for name, kind in KINDS.items()}}
    files = {}
    for name, model in models.items():
        schema = {"$schema": DIALECT, **model.model_json_schema()}
        files[f"{name}.schema.json"] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return files


def write_schemas(out_dir: str | Path) -> list[Path]:
    written = []
    for name, text in schema_files().items():
        write_atomic(Path(out_dir) / name, text)
        written.append(Path(out_dir) / name)
    return written
