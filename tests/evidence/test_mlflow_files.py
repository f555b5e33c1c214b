"""The MLflow file-store reader against MLflow itself (MlflowClient on the same folder is the oracle)."""

import math
import os
import shutil

import pytest

from planner.errors import PlannerError
from planner.evidence.mlflow_files import read_mlruns

pytestmark = pytest.mark.slow  # every test reads the session's real MLflow store, written by mlflow


@pytest.fixture(scope="module")
def client(mlruns):
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri="file:" + str(mlruns))


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def test_runs_match_mlflow_client(mlruns, client):
    from mlflow.entities import ViewType

    experiments = {e.experiment_id: e.name for e in client.search_experiments(ViewType.ACTIVE_ONLY)}
    expected = client.search_runs(list(experiments), run_view_type=ViewType.ACTIVE_ONLY)
    runs = {run.run_id: run for run in read_mlruns(mlruns, source="ml")}
    assert set(runs) == {run.info.run_id for run in expected}
    for oracle in expected:
        run = runs[oracle.info.run_id]
        assert run.source == "ml"
        assert run.name == oracle.info.run_name
        assert run.experiment == experiments[oracle.info.experiment_id]
        assert run.start_time == oracle.info.start_time
        assert run.params == oracle.data.params
        assert run.tags == oracle.data.tags
        assert run.metrics.keys() == oracle.data.metrics.keys()
        assert all(_same(run.metrics[k], v) for k, v in oracle.data.metrics.items())
        for key in run.history.keys() - {"holdout_auc"}:
            history = [(m.step, m.timestamp, m.value) for m in client.get_metric_history(run.run_id, key)]
            assert len(run.history[key]) == len(history)
            assert all(a[:2] == b[:2] and _same(a[2], b[2]) for a, b in zip(run.history[key], history, strict=False))


def test_reads_names_history_and_reproducibility(mlruns):
    runs = {run.name: run for run in read_mlruns(mlruns)}
    assert sorted(runs) == ["gbm", "lr-c1", "lr-c10"]  # deleted run and deleted experiment skipped
    lr = runs["lr-c1"]
    assert [point[::2] for point in lr.history["loss"]] == [(0, 0.9), (1, 0.5), (2, 0.4)]
    assert lr.metrics["loss"] == 0.4
    assert lr.metrics["nested/deep/recall"] == 0.6  # a '/' in a name is a nested folder
    assert lr.params == {"C": "1.0", "model": "logreg", "features": "a,b"}
    assert lr.reproducibility == {
        "code_version": "deadbeef",
        "data_version": "abc123",
        "python_version": None,
        "environment": None,
        "entry_point": "-c",
    }
    assert math.isnan(runs["lr-c10"].metrics["loss"])


def test_dataset_metric_keeps_its_step(mlruns):
    # MLflow writes `timestamp value step dataset digest`; its own FileStore (3.17) reads step 0 back.
    lr = next(run for run in read_mlruns(mlruns) if run.name == "lr-c1")
    assert [point[::2] for point in lr.history["holdout_auc"]] == [(4, 0.77)]


def test_experiment_filter(mlruns):
    assert [run.name for run in read_mlruns(mlruns, experiment="exp-b")] == ["gbm"]
    with pytest.raises(PlannerError) as info:
        read_mlruns(mlruns, experiment="gone")
    assert info.value.diagnostics[0].message == (
        f"no experiment named 'gone' in {mlruns.as_posix()} (experiments: exp-a, exp-b)"
    )


def test_moved_folder_reads_the_same(mlruns, tmp_path):
    """meta.yaml holds absolute artifact URIs of the machine that logged: they must not matter."""
    moved = shutil.copytree(mlruns, tmp_path / "elsewhere")
    assert "file://" in next(moved.glob("*/*/meta.yaml")).read_text()
    assert repr(read_mlruns(moved)) == repr(read_mlruns(mlruns))  # repr: NaN != NaN


@pytest.fixture
def store(mlruns, tmp_path):
    """A private copy to break; returns (root, one active run folder)."""
    copy = shutil.copytree(mlruns, tmp_path / "mlruns")
    run_dir = next(p.parent for p in copy.glob("*/*/meta.yaml") if "run_name: lr-c1" in p.read_text())
    return tmp_path, run_dir


def _error(folder, root):
    with pytest.raises(PlannerError) as info:
        read_mlruns(folder, root=root)
    (diag,) = info.value.diagnostics
    return diag


def test_missing_folder(tmp_path):
    diag = _error(tmp_path / "mlruns", tmp_path)
    assert (diag.code, diag.message, diag.file) == ("evidence-missing", "MLflow folder not found: mlruns", "mlruns")
    assert diag.hint == "point `path` at the folder MLflow wrote (MLFLOW_TRACKING_URI=file:<folder>)"


def test_malformed_metric_line(store):
    root, run_dir = store
    (run_dir / "metrics" / "loss").write_text("1 0.9 0\n2 0.5\nnot a metric line\n")
    diag = _error(root / "mlruns", root)
    file = (run_dir / "metrics" / "loss").relative_to(root).as_posix()
    assert diag.message == (
        f"malformed metric line in {file}: expected 'timestamp value step', found 'not a metric line'"
    )
    assert (diag.code, diag.file, diag.line, diag.column) == ("evidence-metric-line", file, 3, 1)


def test_non_numeric_metric_value(store):
    root, run_dir = store
    (run_dir / "metrics" / "loss").write_text("1 0.9 0\n2  high 1\n")
    diag = _error(root / "mlruns", root)
    file = (run_dir / "metrics" / "loss").relative_to(root).as_posix()
    assert diag.message == f"metric value 'high' in {file} is not a number"
    assert (diag.code, diag.line, diag.column) == ("evidence-not-numeric", 2, 4)


def test_empty_metric_file(store):
    root, run_dir = store
    (run_dir / "metrics" / "loss").write_text("")
    diag = _error(root / "mlruns", root)
    assert diag.message == f"metric file {(run_dir / 'metrics' / 'loss').relative_to(root).as_posix()} is empty"


def test_meta_without_run_id(store):
    root, run_dir = store
    (run_dir / "meta.yaml").write_text("run_name: x\n")
    diag = _error(root / "mlruns", root)
    file = (run_dir / "meta.yaml").relative_to(root).as_posix()
    assert (diag.code, diag.message, diag.file) == ("evidence-meta", f"{file} has no 'run_id'", file)


def test_meta_yaml_syntax_error_has_position(store):
    root, run_dir = store
    (run_dir / "meta.yaml").write_text("run_id: x\nrun_name: [unclosed\n")
    diag = _error(root / "mlruns", root)
    assert diag.file == (run_dir / "meta.yaml").relative_to(root).as_posix()
    assert diag.line > 0


def test_run_folder_without_meta(store):
    root, run_dir = store
    (run_dir / "meta.yaml").unlink()
    diag = _error(root / "mlruns", root)
    file = (run_dir / "meta.yaml").relative_to(root).as_posix()
    assert (diag.code, diag.message) == ("evidence-missing", f"file not found: {file}")
