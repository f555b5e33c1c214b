"""The JSON Schemas are generated from the models, kept current, and describe every field."""

import json

import jsonschema
import pytest

from helpers import EXAMPLES, REPO
from planner.source.yaml_documents import parse_documents
from planner.spec.schema import schema_files


def test_committed_schemas_are_current():
    committed = {p.name: p.read_text() for p in (REPO / "schemas").glob("*.schema.json")}
    assert committed == schema_files(), "schemas/ is stale: run `planner schema --out schemas`"


def _properties(node):
    if isinstance(node, dict):
        yield from node.get("properties", {}).items()
        for value in node.values():
            yield from _properties(value)
    elif isinstance(node, list):
        for value in node:
            yield from _properties(value)


@pytest.mark.parametrize("name", sorted(schema_files()))
def test_every_field_has_a_description(name):
    schema = json.loads(schema_files()[name])
    undocumented = [field for field, prop in _properties(schema) if "description" not in prop and "$ref" not in prop]
    assert undocumented == []


STARTER = REPO / "templates" / "starter"


def _spec_files():
    for project in [*EXAMPLES, STARTER]:
        yield from sorted([project / "planner.yaml", *project.glob("specs/*.yaml")])


@pytest.mark.parametrize("path", list(_spec_files()), ids=lambda p: str(p.relative_to(REPO)))
def test_spec_files_point_editors_at_their_schema_and_conform(path):
    first = path.read_text().splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    schema_path = (path.parent / first.split("$schema=", 1)[1]).resolve()
    if STARTER in path.parents:  # `planner init` writes the schemas beside the starter's files
        schema_path = REPO / "schemas" / schema_path.name
    assert schema_path.is_file()
    schema = json.loads(schema_path.read_text())
    for document in parse_documents(path.read_text(), str(path)):
        data = json.loads(json.dumps(document.data, default=str))
        jsonschema.validate(data, schema)
