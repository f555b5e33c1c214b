"""Bad input: each error names file and column, with the exact message asserted."""

import numpy as np
import pandas as pd
import pytest

from helpers.predictions import make_predictions
from planner.audit import AuditInputError, count_cells, prepare_counts, read_predictions, run_audit
from planner.audit.inputs import MISSING_GROUP


@pytest.fixture
def csv(tmp_path):
    def write(frame, name="preds.csv"):
        path = tmp_path / name
        frame.to_csv(path, index=False)
        return str(path)

    return write


def error(call):
    with pytest.raises(AuditInputError) as info:
        call()
    return info.value


def read(path, **kw):
    kw.setdefault("label", "y")
    kw.setdefault("prediction", "pred")
    kw.setdefault("sensitive_features", ["sex"])
    return read_predictions(path, **kw)


def test_missing_column_names_file_and_suggests_close_name(csv):
    path = csv(make_predictions(0, n=50))
    e = error(lambda: read(path, sensitive_features=["sexx"]))
    assert e.message == f"column 'sexx' not found in {path}"
    assert (e.file, e.column, e.hint) == (path, "sexx", "did you mean 'sex'?")


def test_missing_column_without_close_name_lists_columns(csv):
    path = csv(make_predictions(0, n=50))
    e = error(lambda: read(path, label="outcome"))
    assert e.hint == "columns are: y, pred, score, sex, race, edu"


def test_labels_not_binary(csv):
    frame = make_predictions(0, n=50)
    frame.loc[3, "y"] = 2
    path = csv(frame)
    assert error(lambda: read(path)).message == (
        f"label column 'y' in {path} is not binary: found 3 distinct values (0, 1, 2)"
    )


def test_label_strings_need_positive_label(csv):
    frame = make_predictions(0, n=50).assign(y=lambda f: np.where(f.y == 1, ">50K", "<=50K"))
    path = csv(frame)
    e = error(lambda: read(path))
    assert e.message == f"label column 'y' in {path} holds '<=50K', '>50K', not 0/1"
    assert e.hint == "set positive_label to the value that means positive"
    data = read(path, positive_label=">50K")
    assert np.array_equal(data.y_true, (frame.y == ">50K").to_numpy().astype(int))


def test_positive_label_not_found(csv):
    frame = make_predictions(0, n=50).assign(y=lambda f: np.where(f.y == 1, ">50K.", "<=50K."))
    path = csv(frame)
    assert error(lambda: read(path, positive_label=">50K")).message == (
        f"positive label '>50K' not found in label column 'y' in {path}: values are '<=50K.', '>50K.'"
    )


def test_label_missing_values_report_row(csv):
    frame = make_predictions(0, n=50).astype({"y": float})
    frame.loc[[4, 9], "y"] = np.nan
    path = csv(frame)
    assert error(lambda: read(path)).message == (f"label column 'y' in {path} has 2 missing value(s), first at row 5")


def test_predictions_not_binary(csv):
    frame = make_predictions(0, n=50)
    frame["pred"] = frame["score"]
    path = csv(frame)
    assert error(lambda: read(path)).message.startswith(f"prediction column 'pred' in {path} is not binary")


def test_scores_out_of_range_and_nan(csv):
    frame = make_predictions(0, n=50)
    frame.loc[7, "score"] = 1.5
    path = csv(frame)
    assert error(lambda: read(path, prediction=None, score="score")).message == (
        f"score column 'score' in {path} has 1 value(s) outside [0, 1], first 1.5 at row 8"
    )
    frame.loc[2, "score"] = np.nan
    path = csv(frame, "nan.csv")
    assert error(lambda: read(path, prediction=None, score="score")).message == (
        f"score column 'score' in {path} has 1 missing value(s), first at row 3"
    )


def test_score_not_numeric(csv):
    path = csv(make_predictions(0, n=50).assign(score="high"))
    assert error(lambda: read(path, score="score")).message.startswith(f"score column 'score' in {path} is not numeric")


def test_prediction_derived_from_score_with_threshold(csv):
    frame = make_predictions(0, n=200)
    data = read(csv(frame), prediction=None, score="score", threshold=0.7)
    assert np.array_equal(data.y_pred, (frame.score >= 0.7).astype(int))


def test_missing_sensitive_values_become_explicit_group(csv):
    frame = make_predictions(0, n=100)
    frame.loc[[1, 2, 3], "sex"] = np.nan
    data = read(csv(frame))
    assert data.missing == {"sex": 3} and data.n_rows == 100
    counts = count_cells(data, ["sex"])
    assert counts.loc[counts.sex == MISSING_GROUP, "count"].sum() == 3
    assert counts["count"].sum() == 100


def test_frame_errors_say_frame_and_other_cases(tmp_path):
    frame = make_predictions(0, n=20)
    e = error(lambda: run_audit(frame, label="y", sensitive_features=["sex"]))
    assert e.message == "neither a prediction column nor a score column was given"
    e = error(lambda: run_audit(frame, label="y", prediction="pred", sensitive_features=["nope"]))
    assert e.message == "column 'nope' not found in the predictions frame"
    e = error(lambda: run_audit(frame.iloc[:0], label="y", prediction="pred", sensitive_features=["sex"]))
    assert e.message == "the predictions frame has no rows"
    e = error(lambda: read_predictions(tmp_path / "x.xlsx", label="y", sensitive_features=[]))
    assert e.message == f"predictions file {tmp_path / 'x.xlsx'} not found"
    (tmp_path / "x.xlsx").write_text("")
    e = error(lambda: read_predictions(tmp_path / "x.xlsx", label="y", sensitive_features=[]))
    assert e.message == f"cannot read {tmp_path / 'x.xlsx'}: unsupported file type '.xlsx'"
    e = error(lambda: run_audit(frame, label="y", prediction="pred", sensitive_features=["sex"], metrics=["acuracy"]))
    assert (e.message, e.hint) == ("unknown metric 'acuracy'", "did you mean 'accuracy'?")
    e = error(lambda: run_audit(frame, label="y", prediction="pred", sensitive_features=["sex"], metrics=["roc_auc"]))
    assert e.message == "metric 'roc_auc' needs a score column and row-level predictions"


def test_counts_table_validation():
    table = pd.DataFrame({"g": ["a", "a", "b"], "y": [0, 1, 1], "p": [0, 1, 0], "n": [3, -1, 2]})
    e = error(lambda: prepare_counts(table, group_columns=["g"], label="y", prediction="p", count="n"))
    assert (
        e.message
        == "count column 'n' in the counts table has 1 negative, missing or non-integer value(s), first at row 2"
    )
