"""adult-income audited where its predictions live: a real PostgreSQL server, a real local Spark
session and a DuckDB database file, each holding the same rows as the example's CSV.

What must hold on every engine: the counts equal the CSV's, every confusion metric equals
fairlearn's to 1e-9, the score metrics are within the reported binning error of scikit-learn's,
the whole audit equals the CSV's audit on the histogram path, and only aggregates came back.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import run_cli

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[2]
ADULT = ROOT / "examples" / "adult-income"
CSV = ADULT / "data" / "predictions.csv"
SCORE_METRICS = ["roc_auc", "brier_score", "expected_calibration_error"]
RATES = ["selection_rate", "true_positive_rate", "false_positive_rate", "accuracy", "precision"]
PASSWORD = "PLANNER_TEST_PG_PASSWORD"


def project(tmp_path: Path, predictions: str, *, extra: str = "") -> Path:
    """A copy of adult-income whose audit reads `predictions` (YAML) and reports the score metrics."""
    root = tmp_path / "adult"
    shutil.copytree(ADULT, root, ignore=shutil.ignore_patterns(".planner", "reports"))
    spec = root / "specs" / "bias-audit.yaml"
    text = spec.read_text()
    start = text.index("predictions: data/predictions.csv")
    end = text.index("\n", start)
    metrics = "metrics: [selection_rate, accuracy, precision, true_positive_rate, false_positive_rate, " + ", ".join(
        SCORE_METRICS
    )
    spec.write_text(text[:start] + predictions + f"\n{metrics}]\n{extra}" + text[end + 1 :])
    return root


def audit_json(capsys, root: Path) -> dict:
    code, out, err = run_cli(capsys, "audit", str(root), "--format", "json")
    assert code == 1, out + err  # adult-income fails two limits on purpose
    return json.loads(out)["audits"][0]


def csv_audits(tmp_path: Path, capsys) -> tuple[dict, dict]:
    """The CSV's audit computed exactly and on the histogram path."""
    exact = audit_json(capsys, project(tmp_path / "exact", "predictions: data/predictions.csv"))
    binned = audit_json(
        capsys, project(tmp_path / "binned", "predictions: data/predictions.csv", extra="score_metrics: histogram\n")
    )
    return exact, binned


def without_source(audit: dict) -> dict:
    out = json.loads(json.dumps(audit))
    for key in ("source", "predictions"):
        out.pop(key, None)
    out["settings"].pop("engine")
    return out


def check_against_oracles(audit: dict, exact: dict, binned: dict) -> None:
    from fairlearn.metrics import MetricFrame, false_positive_rate, selection_rate, true_positive_rate
    from sklearn.metrics import accuracy_score, brier_score_loss, precision_score, roc_auc_score

    frame = pd.read_csv(CSV)
    y, p, s = frame["income_over_50k"], frame["prediction"], frame["score"]
    # 1. the audit equals the CSV's on the same (histogram) path, number for number
    assert without_source(audit) == without_source(binned)
    # 2. counts and confusion metrics equal the exact CSV audit's and fairlearn's to 1e-9
    oracle = {
        "selection_rate": selection_rate,
        "true_positive_rate": true_positive_rate,
        "false_positive_rate": false_positive_rate,
        "accuracy": accuracy_score,
        "precision": lambda a, b: precision_score(a, b, zero_division=0),
    }
    for grouping, exact_grouping in zip(audit["groupings"], exact["groupings"], strict=True):
        assert [g["cells"] for g in grouping["groups"]] == [g["cells"] for g in exact_grouping["groups"]]
        features = grouping["features"]
        by = frame[features[0]] if len(features) == 1 else frame[features]
        mf = MetricFrame(metrics=oracle, y_true=y, y_pred=p, sensitive_features=by).by_group
        for group in grouping["groups"]:
            key = group["group"][features[0]] if len(features) == 1 else tuple(group["group"][f] for f in features)
            for metric in RATES:
                assert group["metrics"][metric]["value"] == pytest.approx(mf.loc[key, metric], abs=1e-9), (key, metric)
    # 3. score metrics within the reported binning error of scikit-learn's (Brier, ECE: 1e-9)
    errors = audit["settings"]["score_metrics"]["roc_auc_error"]
    assert errors["bins"] == 200 and 0 < errors["largest"] < 0.01
    overall = audit["overall"]["metrics"]
    assert abs(overall["roc_auc"]["value"] - roc_auc_score(y, s)) <= errors["overall"]
    assert overall["brier_score"]["value"] == pytest.approx(brier_score_loss(y, s), abs=1e-9)
    for grouping in audit["groupings"]:
        if len(grouping["features"]) != 1:
            continue
        name = grouping["features"][0]
        for group in grouping["groups"]:
            value = group["group"][name]
            rows = frame[frame[name] == value]
            if rows["income_over_50k"].nunique() < 2:
                continue
            bound = errors["groupings"][name][value]
            exact_auc = roc_auc_score(rows["income_over_50k"], rows["score"])
            assert abs(group["metrics"]["roc_auc"]["value"] - exact_auc) <= bound + 1e-12, (name, value)
            brier = brier_score_loss(rows["income_over_50k"], rows["score"])
            assert group["metrics"]["brier_score"]["value"] == pytest.approx(brier, abs=1e-9)
    exact_ece = [g["metrics"]["expected_calibration_error"]["value"] for g in exact["groupings"][0]["groups"]]
    ece = [g["metrics"]["expected_calibration_error"]["value"] for g in audit["groupings"][0]["groups"]]
    assert ece == pytest.approx(exact_ece, abs=1e-9)
    # 4. the cost analysis is the exact one (the grid's thresholds are bin edges)
    assert audit["thresholds"]["overall"] == pytest.approx(exact["thresholds"]["overall"], abs=1e-12)
    # 5. only aggregates came back, and the provenance says what was counted
    source = audit["source"]
    assert source["rows"] == len(frame) and 0 < source["rows_returned"] < 5000
    assert len(source["returned_sha256"]) == 64


def test_postgres_audit_equals_the_csv_audit(tmp_path, capsys, monkeypatch, postgres_server, load_csv_postgres):
    load_csv_postgres(postgres_server, CSV, "loan_scores")
    monkeypatch.setenv(PASSWORD, postgres_server.password)
    url = f"postgresql://{postgres_server.user}:${{{PASSWORD}}}@127.0.0.1:{postgres_server.port}/{postgres_server.database}"
    root = project(tmp_path, f"predictions:\n  connection: {url}\n  table: loan_scores")
    audit = audit_json(capsys, root)
    exact, binned = csv_audits(tmp_path, capsys)
    check_against_oracles(audit, exact, binned)
    assert audit["source"]["engine"] == "postgresql" and audit["source"]["snapshot"] is None
    assert postgres_server.password not in json.dumps(audit)
    assert audit["source"]["connection"] == f"postgresql://127.0.0.1:{postgres_server.port}/scores"
    code, _, err = run_cli(capsys, "status", str(root))  # no snapshot id: counted again, and said so
    assert code in (0, 1) and "has no snapshot id, so its rows are counted again" in err


def test_spark_audit_equals_the_csv_audit(tmp_path, capsys, spark, load_csv_spark):
    load_csv_spark(spark, CSV, "loan_scores")
    root = project(tmp_path, "predictions:\n  connection: spark\n  table: loan_scores")
    audit = audit_json(capsys, root)
    exact, binned = csv_audits(tmp_path, capsys)
    check_against_oracles(audit, exact, binned)
    assert audit["source"]["engine"] == "spark"


def test_duckdb_file_audit_equals_the_csv_audit_and_is_cached_by_its_bytes(tmp_path, capsys, load_csv_duckdb):
    root = project(tmp_path, "predictions:\n  connection: duckdb:data/scores.duckdb\n  table: loan_scores")
    load_csv_duckdb(CSV, root / "data" / "scores.duckdb", "loan_scores")
    audit = audit_json(capsys, root)
    exact, binned = csv_audits(tmp_path, capsys)
    check_against_oracles(audit, exact, binned)
    assert audit["source"]["snapshot"]["kind"] == "file-sha256"
    code, _, err = run_cli(capsys, "status", str(root))  # the file's sha256 is its snapshot: the cache holds
    assert code in (0, 1) and "audit A1: computing" not in err


def test_a_filter_and_a_query_are_pushed_down(tmp_path, capsys, monkeypatch, postgres_server, load_csv_postgres):
    load_csv_postgres(postgres_server, CSV, "loan_scores_q")
    monkeypatch.setenv(PASSWORD, postgres_server.password)
    url = f"postgresql://auditor:${{{PASSWORD}}}@127.0.0.1:{postgres_server.port}/scores"
    filtered = audit_json(
        capsys,
        project(
            tmp_path / "f",
            f"predictions:\n  connection: {url}\n  table: loan_scores_q\n  where: education_level = 'bachelors'",
        ),
    )
    queried = audit_json(
        capsys,
        project(
            tmp_path / "q",
            f"predictions:\n  connection: {url}\n  query: SELECT * FROM loan_scores_q WHERE education_level = 'bachelors'",
        ),
    )
    frame = pd.read_csv(CSV)
    bachelors = int((frame["education_level"] == "bachelors").sum())
    assert filtered["rows"] == queried["rows"] == bachelors
    assert filtered["source"]["where"] == "education_level = 'bachelors'" and queried["source"]["query"].startswith(
        "SELECT"
    )
    assert [g["cells"] for g in filtered["groupings"][0]["groups"]] == [
        g["cells"] for g in queried["groupings"][0]["groups"]
    ]


def test_histogram_bins_bound_the_auc_error_and_more_bins_shrink_it():
    from sklearn.metrics import roc_auc_score

    from planner.audit import binned
    from planner.audit.inputs import prepare_predictions

    for example, label in (("adult-income", "income_over_50k"), ("german-credit", "good_credit")):
        frame = pd.read_csv(ROOT / "examples" / example / "data" / "predictions.csv")
        data = prepare_predictions(frame, label=label, score="score", sensitive_features=["sex"])
        exact = roc_auc_score(frame[label], frame["score"])
        bounds = []
        for bins in (100, 200, 1000):
            cells = binned.cells_from_rows(data.y_true, data.score, data.factors, bins=bins, ece_bins=10)
            table = binned.score_table(cells, [], ["roc_auc"])
            auc, bound = table["roc_auc"].iloc[0], table[binned.AUC_ERROR].iloc[0]
            assert abs(auc - exact) <= bound
            bounds.append(bound)
        assert bounds[0] > bounds[1] > bounds[2]
        default = binned.cells_from_rows(data.y_true, data.score, data.factors, bins=200, ece_bins=10)
        assert abs(binned.score_table(default, [], ["roc_auc"])["roc_auc"].iloc[0] - exact) < 1e-3


def test_scores_on_bin_edges_are_binned_as_every_engine_bins_them():
    from planner.audit import binned

    bins = 200
    edges = binned.bin_edges(bins)
    score = np.concatenate([edges, np.nextafter(edges, -1)[1:], [0.29, 0.35, 0.57, 1.0]])
    k = binned.bin_of(score, bins)
    expected = np.searchsorted(edges, score, side="right") - 1
    assert (k == expected).all()


def test_exported_counts_carry_the_provenance_and_audit_alike(tmp_path, capsys, load_csv_duckdb):
    from planner.audit.export import read_record

    root = project(tmp_path, "predictions:\n  connection: duckdb:data/scores.duckdb\n  table: loan_scores")
    load_csv_duckdb(CSV, root / "data" / "scores.duckdb", "loan_scores")
    for name in ("counts.parquet", "counts.csv"):
        code, out, err = run_cli(capsys, "audit", str(root), "--format", "json", "--export-counts", str(root / name))
        assert code == 1 and f"wrote {root / name}" in err, err
        record = read_record(root / name)
        assert (
            record is not None
            and record["audit"] == "A1"
            and record["positive_label"] == 1
            and record["mapped_from"]["label"] == "income_over_50k"
        )
        assert record["source"] == json.loads(out)["audits"][0]["source"]
    warehouse = json.loads(out)["audits"][0]
    counts = project(tmp_path / "c", "predictions: counts.parquet\nformat: counts")
    shutil.copy(root / "counts.parquet", counts / "counts.parquet")
    spec = counts / "specs" / "bias-audit.yaml"
    text = spec.read_text().replace("score: score", "").replace("label: income_over_50k", "label: label")
    spec.write_text(text.split("\ncosts:")[0] + "\n")  # a counts file has no scores: no cost analysis
    from_counts = audit_json(capsys, counts)
    assert [g["cells"] for grouping in from_counts["groupings"] for g in grouping["groups"]] == [
        g["cells"] for grouping in warehouse["groupings"] for g in grouping["groups"]
    ]


def duckdb_project(tmp_path: Path, predictions: str, setup: str = "") -> Path:
    """adult-income reading `predictions` from a DuckDB file that holds its CSV as table
    loan_scores, after the SQL `setup` ran on it (rows changed, views added)."""
    import duckdb

    root = project(tmp_path, predictions)
    database = root / "data" / "scores.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute(f"CREATE TABLE loan_scores AS SELECT * FROM read_csv('{CSV}')")
        if setup:
            con.execute(setup)
    return root


def refused(capsys, root: Path, key: str, *texts: str) -> str:
    code, out, err = run_cli(capsys, "audit", str(root), "--format", "json")
    assert code == 2, out + err
    assert "Traceback" not in out + err and f"at predictions.{key}" in out + err, out + err
    for text in texts:
        assert text in out + err, out + err
    return out + err


@pytest.mark.parametrize(
    "query",
    [
        "SELECT column0 AS sex, 1 AS income_over_50k FROM read_csv('/etc/passwd', header=false)",
        "SELECT * FROM '/etc/passwd'",
        "SELECT *, getenv('HOME') AS h FROM loan_scores",
        "SELECT * FROM loan_scores, duckdb_settings()",
        "SELECT * INTO copy FROM loan_scores",
        "WITH d AS (DELETE FROM loan_scores RETURNING *) SELECT * FROM d",
    ],
)
def test_a_query_that_reaches_beyond_the_tables_is_refused(tmp_path, capsys, query):
    root = duckdb_project(
        tmp_path, f"predictions:\n  connection: duckdb:data/scores.duckdb\n  query: {json.dumps(query)}"
    )
    output = refused(capsys, root, "query", "is not one SELECT statement")
    assert "root:x:0:0" not in output


def test_a_view_over_a_file_outside_the_database_is_not_read(tmp_path, capsys):
    outside = tmp_path / "outside.csv"
    outside.write_text("income_over_50k,prediction,score,sex,race,education_level\n1,1,0.9,x,y,z\n")
    root = duckdb_project(
        tmp_path,
        "predictions:\n  connection: duckdb:data/scores.duckdb\n  table: leaked",
        f"CREATE VIEW leaked AS SELECT * FROM read_csv('{outside}')",
    )
    refused(capsys, root, "table", "disabled")


def test_a_nan_score_gets_the_files_message_not_an_engine_error(tmp_path, capsys):
    root = duckdb_project(
        tmp_path,
        "predictions:\n  connection: duckdb:data/scores.duckdb\n  table: loan_scores",
        "UPDATE loan_scores SET score = 'NaN'::DOUBLE WHERE sex = 'Female' AND race = 'Other'",
    )
    code, out, err = run_cli(capsys, "audit", str(root), "--format", "json")
    assert code == 2 and "missing or NaN value(s)" in out + err and "at score" in out + err, out + err


def test_rows_in_the_write_ahead_log_change_the_snapshot(tmp_path, capsys):
    import duckdb

    root = duckdb_project(tmp_path, "predictions:\n  connection: duckdb:data/scores.duckdb\n  table: loan_scores")
    first = audit_json(capsys, root)["source"]["snapshot"]["value"]
    database = root / "data" / "scores.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("PRAGMA disable_checkpoint_on_shutdown")
        con.execute("DELETE FROM loan_scores WHERE sex = 'Female' AND race = 'Other'")
    assert (root / "data" / "scores.duckdb.wal").exists()
    second = audit_json(capsys, root)
    assert second["source"]["snapshot"]["value"] != first and second["rows"] < 16281


def test_a_query_may_not_turn_the_read_only_session_off(
    tmp_path, capsys, monkeypatch, postgres_server, load_csv_postgres
):
    load_csv_postgres(postgres_server, CSV, "loan_scores_ro")
    monkeypatch.setenv(PASSWORD, postgres_server.password)
    url = f"postgresql://auditor:${{{PASSWORD}}}@127.0.0.1:{postgres_server.port}/scores"
    query = "SELECT *, set_config('default_transaction_read_only', 'off', false) AS c FROM loan_scores_ro"
    root = project(tmp_path, f"predictions:\n  connection: {url}\n  query: {json.dumps(query)}")
    refused(capsys, root, "query", "set_config() is not allowed")


def test_the_examples_warehouse_script_makes_a_source_planner_audits(tmp_path, capsys):
    import subprocess
    import sys

    root = tmp_path / "adult"
    shutil.copytree(ADULT, root, ignore=shutil.ignore_patterns(".planner", "reports"))
    done = subprocess.run([sys.executable, str(root / "warehouse.py"), "duckdb"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    block = done.stdout.split("write:\n", 1)[1]
    spec = root / "specs" / "bias-audit.yaml"
    spec.write_text(spec.read_text().replace("predictions: data/predictions.csv", block.rstrip("\n") + "\n#"))
    audit = audit_json(capsys, root)
    assert audit["rows"] == 16281 and audit["source"]["table"] == "loan_scores"
