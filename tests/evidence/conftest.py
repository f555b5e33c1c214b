"""Real producers: MLflow and W&B write their stores in subprocesses (clean, bounded), once per session."""

import os
import subprocess
import sys

import pytest

MLFLOW_SCRIPT = """
import json, math, os, sys, mlflow, pandas as pd
mlflow.set_tracking_uri(sys.argv[1])
client = mlflow.MlflowClient()
mlflow.set_experiment("exp-a")
with mlflow.start_run(run_name="lr-c1") as run:
    mlflow.log_params({"C": 1.0, "model": "logreg", "features": "a,b"})
    for step, loss in enumerate([0.9, 0.5, 0.4]):
        mlflow.log_metric("loss", loss, step=step)
    mlflow.log_metric("val/auc", 0.81)
    mlflow.log_metric("nested/deep/recall", 0.6, step=2)
    mlflow.set_tags({"candidate": "true", "data_hash": "abc123", "mlflow.source.git.commit": "deadbeef"})
    ds = mlflow.data.from_pandas(pd.DataFrame({"a": [1.0, 2.0]}), name="holdout")
    mlflow.log_metric("holdout_auc", 0.77, step=4, dataset=ds)
with mlflow.start_run(run_name="lr-c10"):
    mlflow.log_param("C", 10)
    mlflow.log_metric("val/auc", 0.83)
    mlflow.log_metric("loss", float("nan"))
with mlflow.start_run(run_name="dropped") as dropped:
    mlflow.log_metric("val/auc", 0.99)
client.delete_run(dropped.info.run_id)
mlflow.set_experiment("exp-b")
with mlflow.start_run(run_name="gbm"):
    mlflow.log_metric("val/auc", 0.85)
gone = client.create_experiment("gone")
with mlflow.start_run(experiment_id=gone):
    mlflow.log_metric("val/auc", 0.5)
client.delete_experiment(gone)
"""

WANDB_SCRIPT = """
import wandb
run = wandb.init(project="credit", name="lr-c1", tags=["candidate"], group="sweep-1",
                 config={"C": 1.0, "model": "logreg", "opt": {"lr": 0.01, "name": "adam"}})
for step in range(3):
    wandb.log({"loss": 1.0 / (step + 1), "val/auc": 0.7 + step / 10, "eval": {"recall": 0.5 + step / 10}})
run.summary["best_auc"] = 0.95
run.finish()
"""


def _produce(script: str, cwd, env: dict, argument: str = "") -> None:
    result = subprocess.run(
        [sys.executable, "-c", script, argument],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
    )
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="session")
def mlruns(tmp_path_factory):
    """A real MLflow 3 file store (MLflow refuses the file store unless MLFLOW_ALLOW_FILE_STORE=true)."""
    root = tmp_path_factory.mktemp("mlflow")
    folder = root / "mlruns"
    folder.mkdir()
    _produce(MLFLOW_SCRIPT, folder, {"MLFLOW_ALLOW_FILE_STORE": "true"}, f"file:{folder}")
    return folder


@pytest.fixture(scope="session")
def mlflow_db(tmp_path_factory):
    """The same runs as `mlruns`, logged to a SQLite tracking database: <root>/mlflow.db."""
    root = tmp_path_factory.mktemp("mlflow-db")
    _produce(MLFLOW_SCRIPT, root, {}, f"sqlite:///{root / 'mlflow.db'}")
    return root / "mlflow.db"


@pytest.fixture(scope="session")
def wandb_root(tmp_path_factory):
    """A real offline W&B run: WANDB_DIR=<root> makes the client write <root>/wandb/offline-run-*."""
    root = tmp_path_factory.mktemp("wandb")
    _produce(
        WANDB_SCRIPT,
        root,
        {
            "WANDB_MODE": "offline",
            "WANDB_DIR": str(root),
            "WANDB_SILENT": "true",
            "WANDB_DISABLE_GIT": "true",
            "WANDB_DISABLE_CODE": "true",
        },
    )
    return root
