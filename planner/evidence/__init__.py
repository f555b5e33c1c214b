"""Evidence: experiment runs read from result sources, and the candidate run among them.

Every source is read into the same `Run` (metrics at their latest value, full metric history,
params, tags, and the reproducibility facts the source records). Readers parse the files trackers
leave (MLflow `mlruns/`, W&B `wandb/` folders, run tables, DVC metrics) directly, without mlflow or
wandb; only an MLflow tracking `uri` goes through the official client (the optional `mlflow` extra).
Bad or missing files raise `PlannerError` with a diagnostic naming the file.
"""

from planner.evidence.model import REPRODUCIBILITY_KEYS, Run, RunSet
from planner.evidence.sources import load_runs, select_candidate

__all__ = ["REPRODUCIBILITY_KEYS", "Run", "RunSet", "load_runs", "select_candidate"]
