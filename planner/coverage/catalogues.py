"""The catalogues a project can be held to: planner's built-in ones (`planner/catalogues/*.yaml`,
shipped in the wheel) and the project's own `catalogue` documents, by id and by prefix.

Built-in catalogues are read with the same YAML reader and model as any spec, once per process.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

from planner.spec.catalogue import CatalogueSpec

FOLDER = Path(__file__).resolve().parent.parent / "catalogues"


@functools.cache
def built_in() -> dict[str, CatalogueSpec]:
    """planner's catalogues by id, validated; a broken one is a bug in planner, so it raises."""
    from planner.source.yaml_documents import parse_documents

    found: dict[str, CatalogueSpec] = {}
    for path in sorted(FOLDER.glob("*.yaml")):
        for document in parse_documents(path.read_text(encoding="utf-8"), path.name):
            catalogue = CatalogueSpec.model_validate(document.data)
            found[catalogue.id] = catalogue
    return found


def available(own: Iterable[CatalogueSpec]) -> dict[str, CatalogueSpec]:
    """Built-in catalogues and the project's own (`own`), by id; a project's may not replace a built-in."""
    found = dict(built_in())
    for catalogue in own:
        found.setdefault(catalogue.id, catalogue)
    return found


def by_prefix(catalogues: dict[str, CatalogueSpec]) -> dict[str, CatalogueSpec]:
    """The same catalogues by the prefix `satisfies` names them with (first one wins)."""
    found: dict[str, CatalogueSpec] = {}
    for catalogue in catalogues.values():
        found.setdefault(catalogue.prefix, catalogue)
    return found
