"""Log the Adult income experiment into `mlruns/` (an MLflow file store) and baselines into results/.

Usage: python log_runs.py [DATA_DIR]   (as train.py: DATA_DIR or env PLANNER_DATA holds adult.data,
adult.test; python examples/fetch_data.py DEST extracts them into DEST/adult).

Four runs of experiment `adult-income`: train.py's logistic regression (tagged candidate=true: its
test predictions are data/predictions.csv, which the bias audit reads), two other C values, and a
histogram gradient boosting model. Metrics on adult.test: roc_auc, accuracy, recall, precision,
p95_latency_ms (one-row predict_proba calls), decision_threshold, false_negative_rate, brier_score,
explained_share (logistic regressions only: rows with three non-zero contributions) and the
behavioural tests of specs/evaluation.yaml:
sex_swap_flip_rate (share of decisions at threshold 0.5 that change when `sex` is swapped, all else
equal), education_step_score_drop_rate and hours_step_score_drop_rate (share of people whose score
falls when given one more year of education, capped at 16, or five more hours a week).
No model artifacts, so the folder stays small.
results/runs.csv holds the zero-rule and the call-centre rule (run `rule-baseline`), computed here.

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
from sklearn.metrics import accuracy_score, brier_score_loss, precision_score, recall_score, roc_auc_score

from train import CATEGORICAL, NUMERIC, SEED, build_model, read_adult, train

HERE = Path(__file__).resolve().parent
MLRUNS, RESULTS = HERE / "mlruns", HERE / "results" / "runs.csv"
LABEL, FEATURES = "income_over_50k", NUMERIC + CATEGORICAL
LATENCY_CALLS = 200


def data_dir(argv: list[str]) -> Path:
    folder = Path(argv[0] if argv else os.environ.get("PLANNER_DATA", "public-datasets/adult"))
    return folder / "adult" if (folder / "adult").is_dir() else folder


def quality(y, score, threshold: float = 0.5) -> dict[str, float]:
    pred = (np.asarray(score) >= threshold).astype(int)
    return {
        "roc_auc": roc_auc_score(y, score),
        "accuracy": accuracy_score(y, pred),
        "recall": recall_score(y, pred, zero_division=0),
        "precision": precision_score(y, pred, zero_division=0),
    }


def governance(y, score, threshold: float = 0.5) -> dict[str, float]:
    """What constraints C8, C10 and policy rule P1 measure: the threshold in use, the share of
    eligible prospects declined, and calibration (Brier score)."""
    recall = recall_score(y, (np.asarray(score) >= threshold).astype(int), zero_division=0)
    return {
        "decision_threshold": threshold,
        "false_negative_rate": 1.0 - recall,
        "brier_score": brier_score_loss(y, score),
    }


def explained_share(fitted, rows, top: int = 3) -> dict[str, float]:
    """Constraint C9: the share of scores that come with their `top` largest feature contributions.

    For the logistic regression a contribution is coefficient x transformed input, so the share is
    that of rows with at least `top` non-zero contributions. Other models log nothing: without an
    explainer there is no evidence, and the constraint reads `no-evidence` for them.
    """
    clf = fitted.named_steps.get("clf")
    if not hasattr(clf, "coef_"):
        return {}
    transformed = fitted.named_steps["pre"].transform(rows)  # sparse when one-hot columns dominate
    contributions = (
        transformed.multiply(clf.coef_[0]) if hasattr(transformed, "multiply") else transformed * clf.coef_[0]
    )
    nonzero = np.asarray((contributions != 0).sum(axis=1)).ravel()
    return {"explained_share": float((nonzero >= top).mean())}


def behaviour(predict_proba, rows, threshold: float = 0.5) -> dict[str, float]:
    """Behavioural tests (CheckList): an invariance and two directional expectations, as rates."""
    score = predict_proba(rows)[:, 1]
    swapped = rows.assign(sex=rows["sex"].map({"Male": "Female", "Female": "Male"}))
    flips = (predict_proba(swapped)[:, 1] >= threshold) != (score >= threshold)
    more_education = rows.assign(education_num=(rows["education_num"] + 1).clip(upper=16))
    more_hours = rows.assign(hours_per_week=rows["hours_per_week"] + 5)
    return {
        "sex_swap_flip_rate": float(flips.mean()),
        "education_step_score_drop_rate": float((predict_proba(more_education)[:, 1] < score).mean()),
        "hours_step_score_drop_rate": float((predict_proba(more_hours)[:, 1] < score).mean()),
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
    mlflow.set_experiment("adult-income")
    train_frame, test = read_adult(folder / "adult.data"), read_adult(folder / "adult.test")
    x_train, x_test = train_frame[FEATURES].fillna("unknown"), test[FEATURES].fillna("unknown")
    common = {
        "data_hash": hashlib.sha256((folder / "adult.data").read_bytes()).hexdigest(),
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
            mlflow.log_metrics(
                quality(test[LABEL], score)
                | governance(test[LABEL], score)
                | behaviour(fitted.predict_proba, x_test)
                | explained_share(fitted, x_test)
            )
            mlflow.log_metric("p95_latency_ms", p95_latency_ms(fitted.predict_proba, x_test))
        print(f"logged {name}: roc_auc {roc_auc_score(test[LABEL], score):.3f}")


def call_centre_rule(frame) -> np.ndarray:
    """Today's rule: a bachelor's degree or higher (13+ years) and 40+ hours a week; a 0-2 score ranks."""
    return ((frame["education_num"] >= 13).astype(int) + (frame["hours_per_week"] >= 40).astype(int)) / 2


def write_baselines(folder: Path) -> None:
    test = read_adult(folder / "adult.test")
    y = test[LABEL]
    majority = read_adult(folder / "adult.data")[LABEL].mode()[0]
    rows = [
        (
            "zero-rule",
            "Always the majority class",
            "zero-rule",
            np.full(len(test), float(majority)),
            lambda row: np.full(len(row), float(majority)),
        ),
        ("rule-baseline", "Call-centre rule", "existing-system", call_centre_rule(test).to_numpy(), call_centre_rule),
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["run_id", "name", "tags.kind", "roc_auc", "accuracy", "recall", "precision", "p95_latency_ms"])
        for run_id, name, kind, score, predict in rows:
            metrics = quality(y, score, threshold=1.0)  # rule: invite only when both conditions hold
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
