"""Run tables: CSV, JSON, JSON lines, and MLflow's search_runs export."""

import os
import subprocess
import sys
import textwrap

import pytest

from planner.errors import PlannerError
from planner.evidence.mlflow_files import read_mlruns
from planner.evidence.tables import read_table

CSV = """\
run_id,name,roc_auc,params.C,param.model,tags.candidate,tag.data_hash,kind,start_time
lr,Logistic,0.81,1.0,logreg,true,abc,model,1735732800000
zero,Zero rule,0.5,,,,,baseline,
"""


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_csv_convention(tmp_path):
    lr, zero = read_table(_write(tmp_path, "runs.csv", CSV), source="t")
    assert (lr.source, lr.run_id, lr.name, lr.start_time) == ("t", "lr", "Logistic", 1735732800000)
    assert lr.metrics == {"roc_auc": 0.81}
    assert lr.params == {"C": "1.0", "model": "logreg"}
    assert lr.tags == {"candidate": "true", "data_hash": "abc", "kind": "model"}
    assert lr.reproducibility["data_version"] == "abc"
    assert (zero.metrics, zero.params, zero.tags, zero.start_time) == ({"roc_auc": 0.5}, {}, {"kind": "baseline"}, None)


def test_json_list_nested_objects(tmp_path):
    path = _write(
        tmp_path,
        "runs.json",
        """\
        [{"id": "a", "metrics": {"auc": 0.8, "val": {"recall": 0.6}}, "params": {"C": 1, "deep": true},
          "tags": {"candidate": "true"}},
         {"id": "b", "auc": 0.7, "experiment": "exp"}]""",
    )
    a, b = read_table(path, run_id_column="id")
    assert a.metrics == {"auc": 0.8, "val.recall": 0.6}
    assert a.params == {"C": "1", "deep": "true"}
    assert (b.metrics, b.experiment) == ({"auc": 0.7}, "exp")


def test_json_lines(tmp_path):
    path = _write(tmp_path, "runs.jsonl", '{"run_id": "a", "auc": 0.8}\n\n{"run_id": "b", "auc": 0.9}\n')
    assert [(r.run_id, r.metrics) for r in read_table(path)] == [("a", {"auc": 0.8}), ("b", {"auc": 0.9})]


@pytest.mark.slow
def test_mlflow_search_runs_export(mlruns, tmp_path):
    """`mlflow.search_runs(...).to_csv()` reads back as the file store does (metrics, params, tags)."""
    out = tmp_path / "export.csv"
    code = (
        "import sys, mlflow\n"
        f"mlflow.set_tracking_uri('file:' + {str(mlruns)!r})\n"
        "mlflow.search_runs(search_all_experiments=True).to_csv(sys.argv[1], index=False)\n"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(out)],
        check=True,
        timeout=120,
        capture_output=True,
        env={**os.environ, "MLFLOW_ALLOW_FILE_STORE": "true"},
    )
    table = {run.run_id: run for run in read_table(out)}
    store = {run.run_id: run for run in read_mlruns(mlruns)}
    assert table.keys() == store.keys()
    for run_id, run in store.items():
        assert table[run_id].params == run.params
        assert table[run_id].tags == run.tags
        assert table[run_id].name == run.name
        assert table[run_id].start_time == run.start_time
        # pandas writes NaN as an empty cell, so a NaN metric is simply not in the export
        assert table[run_id].metrics == {k: v for k, v in run.metrics.items() if v == v}


def _diag(path, **kwargs):
    with pytest.raises(PlannerError) as info:
        read_table(path, root=path.parent, **kwargs)
    (diag,) = info.value.diagnostics
    return diag


def test_missing_file(tmp_path):
    diag = _diag(tmp_path / "runs.csv")
    assert (diag.code, diag.message, diag.file) == ("evidence-missing", "run table not found: runs.csv", "runs.csv")


def test_no_run_id_column(tmp_path):
    diag = _diag(_write(tmp_path, "runs.csv", "id,auc\na,0.8\n"))
    assert diag.message == "runs.csv has no run id column 'run_id' (columns: id, auc)"
    assert diag.hint == "name the column with `run_id_column` in the results spec"


def test_empty_run_id(tmp_path):
    diag = _diag(_write(tmp_path, "runs.csv", "run_id,auc\na,0.8\n,0.9\n"))
    assert (diag.message, diag.line) == ("line 3 of runs.csv has no run id (column 'run_id' is empty)", 3)


def test_non_numeric_prefixed_metric(tmp_path):
    diag = _diag(_write(tmp_path, "runs.csv", "run_id,metrics.auc\na,0.8\nb,high\n"))
    assert (diag.code, diag.message, diag.line) == (
        "evidence-not-numeric",
        "metric 'auc' of run 'b' in runs.csv is not a number: 'high'",
        3,
    )


def test_duplicate_run(tmp_path):
    diag = _diag(_write(tmp_path, "runs.csv", "run_id,auc\na,0.8\nb,0.7\na,0.9\n"))
    assert (diag.message, diag.line) == ("run id 'a' appears twice in runs.csv (line 2 and line 4)", 4)


def test_bad_json_has_line_and_column(tmp_path):
    diag = _diag(_write(tmp_path, "runs.json", '[\n  {"run_id": "a",}\n]'))
    assert (diag.code, diag.message, diag.line, diag.column) == (
        "evidence-json",
        "invalid JSON: Expecting property name enclosed in double quotes",
        2,
        18,
    )


def test_json_not_a_list(tmp_path):
    diag = _diag(_write(tmp_path, "runs.json", '{"run_id": "a"}'))
    assert diag.message == "runs.json must hold a list of objects, one per run"


def test_bad_json_line(tmp_path):
    diag = _diag(_write(tmp_path, "runs.jsonl", '{"run_id": "a"}\n{"run_id": \n'))
    assert (diag.message, diag.line, diag.column) == ("invalid JSON: Expecting value", 2, 12)


def test_bad_start_time(tmp_path):
    diag = _diag(_write(tmp_path, "runs.csv", "run_id,start_time\na,yesterday\n"))
    assert diag.message == "start_time 'yesterday' in runs.csv is neither epoch milliseconds nor an ISO date-time"


def test_not_utf8(tmp_path):
    path = tmp_path / "runs.csv"
    path.write_bytes(b"run_id,auc\n\xff,1\n")
    diag = _diag(path)
    assert (diag.code, diag.message, diag.line, diag.column) == (
        "evidence-unreadable",
        "byte 0xff is not valid UTF-8",
        2,
        1,
    )
