"""The Assessment: objectives, KPIs and constraints against the candidate run and baselines."""

import json
from dataclasses import asdict

import networkx as nx
import pytest

from helpers import REPO, run_cli, write_project
from planner import load as load_project
from planner.assess import assess

ADULT = REPO / "examples" / "adult-income"

RESULTS = """\
kind: results
sources:
  - {id: T, type: table, path: runs.csv}
candidate: {run: cand}
"""

OBJECTIVES = """\
kind: objectives
goals:
  - {id: G1, statement: Grow., kpi: {name: revenue, target: 10, baseline: 8}}
objectives:
  - id: O1
    goal: G1
    statement: Rank.
    metric: {name: roc_auc, target: 0.7}
    baselines: [B0]
  - id: O2
    goal: G1
    statement: Be right.
    metric: {name: accuracy, target: 0.6}
    baselines: [B1]
  - id: O3
    goal: G1
    statement: Be fast.
    metric: {name: latency_ms, target: 50, direction: lower}
  - id: O4
    goal: G1
    statement: Calibrate.
    metric: {name: brier, target: 0.2, direction: lower}
baselines:
  - {id: B0, kind: random, value: 0.5}
  - {id: B1, kind: zero-rule, run: majority}
"""

RUNS = "run_id,roc_auc,accuracy,latency_ms,brier\ncand,0.75,0.62,80,nan\nmajority,0.5,0.65,1,0.3\n"


def _assessment(tmp_path, runs=RUNS):
    root = write_project(tmp_path / "p", {"specs/o.yaml": OBJECTIVES, "specs/r.yaml": RESULTS, "runs.csv": runs})
    project = load_project(root)
    assert not project.has_errors, project.diagnostics
    return assess(project)


def test_objectives_against_targets_and_baselines(tmp_path):
    result = _assessment(tmp_path)
    assert result.diagnostics == []
    found = {i.id: (i.status, i.value, i.margin) for i in result.of_kind("objective")}
    assert found["O1"] == ("met", 0.75, pytest.approx(0.05))
    assert found["O3"] == ("not-met", 80.0, pytest.approx(-30))
    o1 = result.get("O1")
    assert [asdict(row) for row in o1.baselines] == [
        {
            "id": "B0",
            "kind": "random",
            "value": 0.5,
            "origin": "stated in the spec",
            "improvement": pytest.approx(0.25),
            "beaten": True,
        }
    ]


def test_losing_to_zero_rule_fails_whatever_the_target(tmp_path):
    o2 = _assessment(tmp_path).get("O2")
    assert (o2.status, o2.value) == ("not-met", 0.62)
    assert o2.why.startswith("does not beat its zero-rule baseline B1; accuracy = 0.62")


def test_nan_and_missing_metrics_are_no_evidence(tmp_path):
    result = _assessment(tmp_path)
    assert (result.get("O4").status, result.get("O4").why) == (
        "no-evidence",
        "the candidate run's brier is nan, not a finite number",
    )
    assert result.get("G1").status == "no-evidence"


def test_missing_run_table_is_named(tmp_path, capsys):
    root = write_project(tmp_path / "p", {"specs/o.yaml": OBJECTIVES, "specs/r.yaml": RESULTS})
    code, out, _ = run_cli(capsys, "status", str(root))
    assert code == 2 and "runs.csv" in out.splitlines()[0]


def test_adult_status_json_reads_the_mlflow_candidate(capsys, monkeypatch):
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # mlflow 3 keeps the file store behind a flag
    mlflow = pytest.importorskip("mlflow")
    code, out, _ = run_cli(capsys, "status", str(ADULT), "--format", "json")
    assert code == 0
    payload = json.loads(out)
    client = mlflow.tracking.MlflowClient(tracking_uri=(ADULT / "mlruns").as_uri())
    experiment = client.get_experiment_by_name("adult-income")
    (oracle,) = client.search_runs([experiment.experiment_id], "tags.candidate = 'true'")
    assert payload["candidate"]["run_id"] == oracle.info.run_id
    items = {i["id"]: i for i in payload["items"]}
    assert items["O1"]["value"] == pytest.approx(oracle.data.metrics["roc_auc"], abs=1e-12)
    assert {items[o]["status"] for o in ("O1", "O2", "O3")} <= {"met", "not-met"}
    assert items["A1.demographic_parity_ratio.sex"]["status"] == "fail"


def test_trace_follows_goal_objective_metric_run(capsys):
    code, out, _ = run_cli(capsys, "trace", str(ADULT), "O1", "--format", "json")
    assert code == 0
    found = json.loads(out)
    upstream = {n["id"]: n["kind"] for n in found["upstream"]}
    assert upstream["G1"] == "goal" and upstream["metric:roc_auc"] == "metric"
    assert any(kind == "run" for kind in upstream.values())
    code, out, _ = run_cli(capsys, "trace", str(ADULT), "O1", "--format", "graphml")
    graph = nx.read_graphml(__import__("io").StringIO(out))
    assert graph.has_edge("O1", "metric:roc_auc") and graph.has_edge("O1", "G1")
    code, out, _ = run_cli(capsys, "trace", str(ADULT), "O1", "--format", "dot")
    assert out.startswith("digraph trace {") and '"O1" -> "G1" [label="serves"];' in out


def test_trace_unknown_item_suggests(capsys):
    code, out, _ = run_cli(capsys, "trace", str(ADULT), "O11")
    assert code == 2 and out.startswith("error[unknown-item] no item 'O11'")


def test_an_unreachable_tracking_server_is_reported_at_its_uri_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    results = RESULTS.replace(
        "{id: T, type: table, path: runs.csv}",
        "{id: T, type: table, path: runs.csv}\n  - id: S\n    type: mlflow\n    uri: http://127.0.0.1:9\n",
    )  # port 9 (discard): nothing listens
    root = write_project(tmp_path / "p", {"specs/o.yaml": OBJECTIVES, "specs/r.yaml": results, "runs.csv": RUNS})
    code, out, _ = run_cli(capsys, "status", str(root))
    assert code == 2
    assert out.splitlines()[0] == (
        f"{root}/specs/r.yaml:6:10: error[evidence-tracking] cannot reach MLflow at"
        " http://127.0.0.1:9 (ConnectionError)"
    )
