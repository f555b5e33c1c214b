"""The `decide` fixture: a real project on disk, loaded, assessed and evaluated by the gate."""

import itertools

import pytest

from gate_projects import TODAY, build, load
from planner import assess as assess_with_audits
from planner.assess import assess
from planner.gate import evaluate


@pytest.fixture
def decide(tmp_path):
    """Build, load, assess (audits computed unless `audits=False`) and evaluate a fresh project."""
    folders = itertools.count()

    def run(changes: dict | None = None, *, today=TODAY, audits=True):
        project = load(build(tmp_path / f"p{next(folders)}", changes))
        return evaluate(assess_with_audits(project) if audits else assess(project), today=today)

    return run
