"""Log the German credit experiment into `mlruns/` (an MLflow file store) and baselines into results/.

Usage: python log_runs.py [DATA_DIR]   (as train.py: DATA_DIR or env PLANNER_DATA holds german.data;
python examples/fetch_data.py DEST extracts it into DEST/german).

Four runs of experiment `german-credit`: train.py's logistic regression (tagged candidate=true: its
test predictions are data/predictions.csv, which the bias audit reads), two other C values, and a
histogram gradient boosting model. Metrics on train.py's seeded 30% test split (positive class: good
credit): roc_auc, accuracy, recall, precision, expected_cost (german.doc's cost matrix: accepting a bad
applicant costs 5, rejecting a good one 1, per application), p95_latency_ms (one-row
predict_proba calls) and the behavioural tests of specs/evaluation.yaml: foreign_swap_flip_rate
(share of decisions at threshold 0.5 that change when foreign-worker status is swapped, all else
equal) and duration_step_score_rise_rate (share of applicants whose chance of repaying rises when
the loan runs 12 months longer). No model artifacts. results/runs.csv holds the zero-rule (accept everyone) and
a points scorecard (run `scorecard-2025`), computed here.

MLflow 3 refuses a file store unless MLFLOW_ALLOW_FILE_STORE=true; this script sets it.
"""

from __future__ import annotations

import csv
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import accuracy_score, precision_score, recall_score, roc_auc_score
from sklearn.model_selection import train_test_split

from train import CATEGORICAL, NUMERIC, SEED, build_model, read_german, train

HERE = Path(__file__).resolve().parent
MLRUNS, RESULTS = HERE / "mlruns", HERE / "results" / "runs.csv"
LABEL, FEATURES = "good_credit", NUMERIC + CATEGORICAL
LATENCY_CALLS = 200


def data_dir(argv: list[str]) -> Path:
    folder = Path(argv[0] if argv else os.environ.get("PLANNER_DATA", "public-datasets/german"))
    return folder / "german" if (folder / "german").is_dir() else folder


def split(folder: Path):
    """train.py's split: 70/30, stratified, seeded."""
    frame = read_german(folder / "german.data")
    return train_test_split(frame, test_size=0.3, random_state=SEED, stratify=frame[LABEL])


def quality(y, score, threshold: float = 0.5) -> dict[str, float]:
    pred = (np.asarray(score) >= threshold).astype(int)
    return {
        "roc_auc": roc_auc_score(y, score),
        "accuracy": accuracy_score(y, pred),
        "recall": recall_score(y, pred, zero_division=0),
        "precision": precision_score(y, pred, zero_division=0),
        "expected_cost": float((5 * ((pred == 1) & (y == 0)) + 1 * ((pred == 0) & (y == 1))).mean()),
    }


def behaviour(predict_proba, rows, threshold: float = 0.5) -> dict[str, float]:
    """Behavioural tests (CheckList): an invariance and a directional expectation, as rates."""
    score = predict_proba(rows)[:, 1]
    swapped = rows.assign(foreign=rows["foreign"].map({"A201": "A202", "A202": "A201"}))
    flips = (predict_proba(swapped)[:, 1] >= threshold) != (score >= threshold)
    longer = rows.assign(duration=rows["duration"] + 12)
    return {
        "foreign_swap_flip_rate": float(flips.mean()),
        "duration_step_score_rise_rate": float((predict_proba(longer)[:, 1] > score).mean()),
    }


def p95_latency_ms(predict, rows) -> float:
    """95th percentile of single-request latency: what a caller of the scoring service waits."""
    times = []
    for index in range(LATENCY_CALLS):
        row = rows.iloc[[index % len(rows)]]
        start = time.perf_counter()
        predict(row)
        times.append((time.perf_counter() - start) * 1000)
    return float(np.percentile(times, 95))


def git_commit() -> str | None:
    result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=HERE, capture_output=True, text=True)
    return result.stdout.strip() or None


def models():
    """(run name, params, unfitted model) of the runs beside train.py's own."""
    for c in (0.01, 100.0):
        yield f"logreg-c{c:g}", {"model": "logistic_regression", "C": c}, build_model().set_params(clf__C=c)
    gbm = build_model().set_params(clf=HistGradientBoostingClassifier(max_iter=200, random_state=SEED))
    gbm.set_params(pre__cat__sparse_output=False)
    yield "hist-gbm", {"model": "hist_gradient_boosting", "max_iter": 200}, gbm


def log_models(folder: Path) -> None:
    import mlflow

    mlflow.set_tracking_uri("file:" + str(MLRUNS))
    mlflow.set_experiment("german-credit")
    train_frame, test = split(folder)
    x_train, x_test = train_frame[FEATURES], test[FEATURES]
    common = {
        "data_hash": hashlib.sha256((folder / "german.data").read_bytes()).hexdigest(),
        "python_version": platform.python_version(),
        "mlflow.source.name": "log_runs.py",
    }
    if git_commit():
        common["mlflow.source.git.commit"] = git_commit()
    model, _, _ = train(folder)  # train.py's model: its predictions are what the audit reads
    runs = [("logreg-c1", {"model": "logistic_regression", "C": 1.0}, model, {"candidate": "true"})]
    runs += [(name, params, m.fit(x_train, train_frame[LABEL]), {}) for name, params, m in models()]
    for name, params, fitted, tags in runs:
        score = fitted.predict_proba(x_test)[:, 1]
        with mlflow.start_run(run_name=name):
            mlflow.log_params({**params, "threshold": 0.5, "features": len(FEATURES), "seed": SEED})
            mlflow.set_tags({**common, **tags})
            mlflow.log_metrics(quality(test[LABEL], score) | behaviour(fitted.predict_proba, x_test))
            mlflow.log_metric("p95_latency_ms", p95_latency_ms(fitted.predict_proba, x_test))
        print(f"logged {name}: roc_auc {roc_auc_score(test[LABEL], score):.3f}")


def scorecard(frame) -> np.ndarray:
    """A paper scorecard: points for account, history, savings, duration; 0-1 after scaling."""
    points = (
        frame["checking"].map({"A11": -2, "A12": 0, "A13": 1, "A14": 2})
        + frame["history"].map({"A30": -2, "A31": -1, "A32": 0, "A33": 0, "A34": 1})
        + frame["savings"].map({"A61": -1, "A62": 0, "A63": 1, "A64": 1, "A65": 0})
        + (frame["duration"] <= 24).astype(int)
    )
    return ((points + 5) / 10).to_numpy()  # points range from -5 to 5


def write_baselines(folder: Path) -> None:
    train_frame, test = split(folder)
    y = test[LABEL]
    majority = train_frame[LABEL].mode()[0]
    rows = [
        (
            "zero-rule",
            "Accept everyone (the majority class)",
            "zero-rule",
            np.full(len(test), float(majority)),
            lambda row: np.full(len(row), float(majority)),
        ),
        ("scorecard-2025", "Paper scorecard", "existing-system", scorecard(test), scorecard),
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            [
                "run_id",
                "name",
                "tags.kind",
                "roc_auc",
                "accuracy",
                "recall",
                "precision",
                "expected_cost",
                "p95_latency_ms",
            ]
        )
        for run_id, name, kind, score, predict in rows:
            metrics = quality(y, score, threshold=0.5)  # scorecard: accept at 0 points or more
            writer.writerow(
                [run_id, name, kind, *(round(v, 6) for v in metrics.values()), round(p95_latency_ms(predict, test), 6)]
            )
    print(f"wrote {RESULTS}")


def main(argv: list[str] | None = None) -> int:
    folder = data_dir(sys.argv[1:] if argv is None else argv)
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"  # MLflow 3 refuses a file store without it
    shutil.rmtree(MLRUNS, ignore_errors=True)  # run ids are random: start afresh, not append
    log_models(folder)
    write_baselines(folder)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
