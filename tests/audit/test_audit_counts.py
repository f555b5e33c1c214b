"""The grouped count: pandas, DuckDB and a precomputed counts table agree."""

import json

import numpy as np
import pandas as pd
import pytest

from helpers.predictions import make_predictions
from planner.audit import (
    count_cells,
    duckdb_cell_counts,
    emitted_counts,
    prepare_counts,
    prepare_predictions,
    read_counts,
    run_audit,
)
from planner.audit.inputs import MISSING_GROUP

duckdb = pytest.importorskip("duckdb")


@pytest.mark.parametrize("seed", [0, 1])
def test_duckdb_counts_equal_pandas_counts(tmp_path, seed):
    frame = make_predictions(seed, n=3000)
    frame.loc[frame.index[::97], "race"] = None
    path = tmp_path / "p.parquet"
    frame.to_parquet(path)
    data = prepare_predictions(frame, label="y", prediction="pred", sensitive_features=["sex", "race"])
    expected = count_cells(data, ["sex", "race"])
    got = duckdb_cell_counts(path, label="y", prediction="pred", sensitive_features=["sex", "race"])
    pd.testing.assert_frame_equal(got, expected)
    assert expected.loc[expected.race == MISSING_GROUP, "count"].sum() == len(frame.index[::97])
    via_score = duckdb_cell_counts(path, label="y", score="score", threshold=0.6, sensitive_features=["sex"])
    data = prepare_predictions(frame, label="y", score="score", threshold=0.6, sensitive_features=["sex"])
    pd.testing.assert_frame_equal(via_score, count_cells(data, ["sex"]))


def test_counts_are_a_plain_crosstab(seeded):
    data = prepare_predictions(seeded, label="y", prediction="pred", sensitive_features=["sex", "race"])
    got = count_cells(data, ["sex", "race"]).set_index(["sex", "race", "label", "prediction"])["count"]
    expected = seeded.groupby(["sex", "race", "y", "pred"]).size()
    assert got.to_dict() == {k: v for k, v in expected.items()}


def test_emitted_sql_runs_in_duckdb_and_reads_back_as_the_counts(seeded):
    frame = seeded.assign(y=np.where(seeded.y == 1, "yes", "no"))
    sql = emitted_counts(
        "preds", dialect="duckdb", groups=["sex"], label="y", prediction="pred", score=None, threshold=0.5
    )
    assert "GROUP BY ALL" not in sql
    con = duckdb.connect()
    con.register("preds", frame)
    got = prepare_counts(
        con.execute(sql).df(), group_columns=["sex"], label="label", prediction="prediction", count="count",
        positive_label="yes",
    )  # fmt: skip
    data = prepare_predictions(frame, label="y", prediction="pred", sensitive_features=["sex"], positive_label="yes")
    pd.testing.assert_frame_equal(got, count_cells(data, ["sex"]))


def test_sql_quotes_hostile_names():
    sql = emitted_counts(
        'a"; DROP TABLE x; --', dialect="duckdb", groups=['s"x'], label="y", prediction="p", score=None, threshold=0.5
    )
    assert '"a""; DROP TABLE x; --"' in sql and '"s""x"' in sql


def test_audit_from_counts_table_equals_audit_from_rows(tmp_path, seeded):
    rows = run_audit(seeded, label="y", prediction="pred", sensitive_features=["sex", "race"], seed=3)
    table = seeded.groupby(["sex", "race", "y", "pred"]).size().rename("n").reset_index()
    table.to_csv(tmp_path / "counts.csv", index=False)
    counts = run_audit(
        str(tmp_path / "counts.csv"),
        label="y",
        prediction="pred",
        count="n",
        sensitive_features=["sex", "race"],
        seed=3,
    )
    assert json.dumps(counts.to_dict()["groupings"]) == json.dumps(rows.to_dict()["groupings"])
    assert read_counts(str(tmp_path / "counts.csv"), group_columns=["sex"], label="y", prediction="pred", count="n")[
        "count"
    ].sum() == len(seeded)


def test_duckdb_engine_in_run_audit(tmp_path, seeded):
    path = tmp_path / "p.parquet"
    seeded.to_parquet(path)
    a = run_audit(str(path), label="y", prediction="pred", sensitive_features=["sex", "race"], engine="duckdb")
    b = run_audit(
        str(path), label="y", prediction="pred", sensitive_features=["sex", "race"], metrics=[m for m in a.metrics]
    )
    assert json.dumps(a.to_dict()["groupings"]) == json.dumps(b.to_dict()["groupings"])
