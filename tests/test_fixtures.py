"""Each broken fixture project shows one class of mistake; its first error is exactly as recorded."""

from pathlib import Path

import pytest

from helpers import REPO, run_cli
from planner.source.yaml_documents import parse_documents

FIXTURES = sorted(p for p in (REPO / "tests" / "fixtures" / "broken").iterdir() if p.is_dir())


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_first_error_is_as_recorded(fixture: Path, capsys):
    (expected,) = [doc.data for doc in parse_documents((fixture / "expected.yaml").read_text(), "expected.yaml")]
    code, out, _ = run_cli(capsys, "validate", str(fixture))
    assert code == 2
    errors = [line for line in out.splitlines() if "error[" in line and not line.startswith(" ")]
    head = f"{fixture}/{expected['file']}:{expected['line']}:{expected['column']}: error[{expected['code']}] {expected['message']}"
    assert errors[0] == head
    if "hint" in expected:
        after_head = out.split(head, 1)[1].split("\n" + str(fixture), 1)[0]
        assert f"  hint: {expected['hint']}" in after_head.replace(f"{fixture}/", "")


def test_the_fixtures_cover_every_class_of_mistake():
    assert len(FIXTURES) >= 19
