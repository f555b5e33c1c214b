"""load_runs dispatch, candidate selection, RunSet helpers."""

import math

import pytest

from planner.errors import PlannerError
from planner.evidence import Run, RunSet, load_runs, select_candidate
from planner.spec.results import Candidate, Source


@pytest.mark.slow
def test_load_runs_dispatches_and_names_the_source(mlruns, wandb_root, tmp_path):
    (tmp_path / "runs.csv").write_text("run_id,auc\nb1,0.5\n")
    assert [r.source for r in load_runs(Source(id="t", type="table", path="runs.csv"), tmp_path)] == ["t"]
    runs = load_runs(Source(id="ml", type="mlflow", path=mlruns.name, experiment="exp-b"), mlruns.parent)
    assert [(r.source, r.name) for r in runs] == [("ml", "gbm")]
    assert [r.source for r in load_runs(Source(id="wb", type="wandb", path="wandb"), wandb_root)] == ["wb"]


def test_symlink_out_of_the_project(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    project = tmp_path / "project"
    project.mkdir()
    (project / "mlruns").symlink_to(outside)
    with pytest.raises(PlannerError) as info:
        load_runs(Source(id="ml", type="mlflow", path="mlruns"), project)
    (diag,) = info.value.diagnostics
    assert (diag.code, diag.message) == ("evidence-outside", "source 'ml': mlruns leads outside the project folder")


def test_missing_table_through_load_runs(tmp_path):
    with pytest.raises(PlannerError) as info:
        load_runs(Source(id="t", type="table", path="results/runs.csv"), tmp_path)
    assert info.value.diagnostics[0].message == "run table not found: results/runs.csv"


RUNS = RunSet(
    [
        Run("a", "r1", metrics={"auc": 0.8, "loss": 0.3}, tags={"candidate": "true"}),
        Run("a", "r2", metrics={"auc": math.nan, "loss": 0.2}),
        Run("b", "r3", metrics={"auc": 0.7}, tags={"stage": "baseline"}),
        Run("b", "r4", tags={"stage": "baseline"}),
    ]
)


def test_runset_helpers():
    assert [r.run_id for r in RUNS.with_tags({"stage": "baseline"})] == ["r3", "r4"]
    assert RUNS.best("auc").run_id == "r1"  # NaN never wins
    assert RUNS.best("auc", "lower").run_id == "r3"
    assert RUNS.best("loss", "lower").run_id == "r2"
    assert RUNS.best("auc", source="b").run_id == "r3"
    assert RUNS.best("f1") is None
    assert all(value is None for value in RUNS[0].reproducibility.values())


@pytest.mark.parametrize(
    "spec, expected",
    [
        ({"run": "r3"}, "r3"),
        ({"tag": {"candidate": "true"}}, "r1"),
        ({"best": {"metric": "loss", "direction": "lower"}}, "r2"),
        ({"best": {"metric": "auc", "source": "b"}}, "r3"),
    ],
)
def test_select_candidate(spec, expected):
    assert select_candidate(RUNS, Candidate.model_validate(spec)).run_id == expected


@pytest.mark.parametrize(
    "spec, code, message",
    [
        ({"run": "r9"}, "candidate-none", "no run has run id 'r9' (among 4 runs)"),
        ({"tag": {"candidate": "yes"}}, "candidate-none", "no run has tags candidate=yes (among 4 runs)"),
        ({"best": {"metric": "f1"}}, "candidate-none", "no run has a value of metric 'f1' (among 4 runs)"),
        (
            {"best": {"metric": "auc", "source": "c"}},
            "candidate-none",
            "no run has a value of metric 'auc' in source 'c' (among 4 runs)",
        ),
        ({"tag": {"stage": "baseline"}}, "candidate-ambiguous", "2 runs have tags stage=baseline: r3 (b), r4 (b)"),
    ],
)
def test_select_candidate_errors(spec, code, message):
    with pytest.raises(PlannerError) as info:
        select_candidate(RUNS, Candidate.model_validate(spec))
    (diag,) = info.value.diagnostics
    assert (diag.code, diag.message) == (code, message)


def test_every_source_type_has_a_reader():
    import typing

    from planner.evidence.sources import READERS

    assert set(typing.get_args(Source.model_fields["type"].annotation)) == set(READERS)


def test_a_source_that_cannot_be_read_names_its_spec_line_and_is_not_followed_by_a_candidate_error(tmp_path):
    from helpers import write_project
    from planner.api import load
    from planner.evidence.link import link_evidence

    results = "kind: results\nsources:\n  - {id: T, type: table, path: runs.csv}\ncandidate: {run: cand}\n"
    project = load(write_project(tmp_path / "p", {"specs/results.yaml": results}))
    problems = link_evidence(project).problems
    assert [p.code for p in problems] == ["evidence-missing"]  # no candidate-none: it may be in runs.csv
    assert problems[0].hint.endswith(f"read for results source T ({project.root / 'specs/results.yaml'}:3)")


def test_a_missing_candidate_among_readable_sources_is_still_an_error(tmp_path):
    from helpers import write_project
    from planner.api import load
    from planner.evidence.link import link_evidence

    results = "kind: results\nsources:\n  - {id: T, type: table, path: runs.csv}\ncandidate: {run: cand}\n"
    project = load(write_project(tmp_path / "p", {"specs/results.yaml": results, "runs.csv": "run_id\nother\n"}))
    assert [p.code for p in link_evidence(project).problems] == ["candidate-none"]
