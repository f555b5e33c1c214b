"""DVC-style run folders: metrics.json and params.yaml."""

import pytest

from planner.errors import PlannerError
from planner.evidence.dvc_files import read_dvc


def _run(folder, metrics=None, params=None):
    folder.mkdir(parents=True)
    if metrics is not None:
        (folder / "metrics.json").write_text(metrics)
    if params is not None:
        (folder / "params.yaml").write_text(params)


def test_folder_of_runs(tmp_path):
    _run(
        tmp_path / "exp" / "a",
        '{"auc": 0.8, "val": {"recall": 0.6}, "label": "x", "ok": true}',
        "train:\n  C: 1.0\n  model: lr\ndata_version: v3\n",
    )
    _run(tmp_path / "exp" / "b", '{"auc": 0.9}')
    a, b = read_dvc(tmp_path / "exp", source="d")
    assert (a.source, a.run_id, a.metrics) == ("d", "a", {"auc": 0.8, "val.recall": 0.6})
    assert a.params == {"train.C": "1.0", "train.model": "lr", "data_version": "v3"}
    assert a.reproducibility["data_version"] == "v3"
    assert (b.run_id, b.params) == ("b", {})


def test_single_run_folder(tmp_path):
    _run(tmp_path / "run1", '{"auc": 1}')
    assert [(r.run_id, r.metrics) for r in read_dvc(tmp_path / "run1")] == [("run1", {"auc": 1.0})]


def _diag(folder, root):
    with pytest.raises(PlannerError) as info:
        read_dvc(folder, root=root)
    (diag,) = info.value.diagnostics
    return diag


def test_errors(tmp_path):
    assert _diag(tmp_path / "dvc", tmp_path).message == "DVC run folder not found: dvc"
    (tmp_path / "empty").mkdir()
    assert _diag(tmp_path / "empty", tmp_path).message == "no metrics.json or params.yaml in empty or its sub-folders"
    _run(tmp_path / "bad" / "a", '{"auc": 0.8')
    diag = _diag(tmp_path / "bad", tmp_path)
    assert (diag.message, diag.file, diag.line, diag.column) == (
        "invalid JSON: Expecting ',' delimiter",
        "bad/a/metrics.json",
        1,
        12,
    )
    _run(tmp_path / "list" / "a", "[1, 2]")
    assert _diag(tmp_path / "list", tmp_path).message == "list/a/metrics.json must hold a JSON object of metrics"
    _run(tmp_path / "yaml" / "a", None, "C: [1\n")
    diag = _diag(tmp_path / "yaml", tmp_path)
    assert (diag.file, diag.line > 0) == ("yaml/a/params.yaml", True)
