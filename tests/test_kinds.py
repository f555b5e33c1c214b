"""The kind registry: every registered kind provides every stage, and a kind that forgets one fails here."""

import shutil
import subprocess
import sys
from collections.abc import Iterator
from typing import ClassVar

import pytest

from helpers import EXAMPLES, REPO
from planner import load
from planner.assess.build import assess as assess_items
from planner.kinds import KINDS, item_titles
from planner.kinds.base import Record, Section, SpecKind
from planner.kinds.completeness import missing
from planner.kinds.constraints import ConstraintsKind
from planner.spec.constraints import ConstraintsSpec


@pytest.mark.parametrize("name", list(KINDS))
def test_every_registered_kind_provides_every_stage(name):
    assert missing(KINDS[name]) == []


def test_a_kind_missing_stages_is_named_with_what_it_lacks():
    class Half(SpecKind):
        name = "constraints"
        model = ConstraintsSpec
        item_titles: ClassVar[dict[str, str]] = {"constraint": "Constraints"}
        requirements = ConstraintsKind.requirements
        sections = (Section("governance", "half", "Half", "sections/half.governance.html.j2", 5),)

        def items(self, doc) -> Iterator:
            return iter(())

    assert missing(Half()) == [
        "stage 'references' is not implemented",
        "stage 'check' is not implemented",
        "stage 'assess' is not implemented",
        "stage 'records' is not implemented",
        "it has gate requirements but no stage 'gate'",
        "it has report sections but no stage 'report'",
        "section 'half' has no template templates/report/sections/half.governance.html.j2",
    ]


def test_a_kind_whose_model_is_of_another_kind_is_refused():
    class Wrong(ConstraintsKind):
        name = "limits"

    assert missing(Wrong()) == ["its model's `kind` is not the literal 'limits'"]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_item_status_and_record_of_the_examples_has_a_heading(example):
    project = load(example)
    titles = item_titles()
    assessment = assess_items(project)
    records: list[Record] = [r for doc in project.docs for r in KINDS[doc.kind].records(doc)]
    assert {i.kind for i in assessment.items} <= set(titles)
    assert {r.kind for r in records} <= set(titles)
    assert {i.kind for doc in project.docs for i in KINDS[doc.kind].items(doc)} <= set(titles)


def test_every_kind_item_kind_belongs_to_one_kind():
    seen = [kind for spec_kind in KINDS.values() for kind in spec_kind.item_titles]
    assert len(seen) == len(set(seen))


@pytest.mark.slow
@pytest.mark.parametrize(("example", "passed"), [("german-credit", "False"), ("adult-income", "True")])
def test_the_library_api_end_to_end(tmp_path, example, passed):
    """The README's five lines, in a fresh interpreter on a copy (so no cached audit is used)."""
    root = shutil.copytree(REPO / "examples" / example, tmp_path / example, ignore=shutil.ignore_patterns(".planner"))
    code = (
        f"import planner; p = planner.load({str(root)!r}); a = planner.assess(p); d = planner.gate(a); print(d.passed)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines()[-1] == passed
