"""Reading every kind of source imports neither mlflow nor wandb (they are test dependencies only)."""

import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # a fresh interpreter, and the session's real MLflow and W&B stores


def test_readers_import_no_tracker(mlruns, wandb_root, tmp_path):
    (tmp_path / "runs.csv").write_text("run_id,auc\na,0.5\n")
    (tmp_path / "dvc").mkdir()
    (tmp_path / "dvc" / "metrics.json").write_text('{"auc": 0.5}')
    code = f"""
import sys
from pathlib import Path
from planner.evidence import load_runs
from planner.spec.results import Source
checks = [("mlflow", {str(mlruns.parent)!r}, "mlruns"), ("wandb", {str(wandb_root)!r}, "wandb"),
          ("table", {str(tmp_path)!r}, "runs.csv"), ("dvc", {str(tmp_path)!r}, "dvc")]
for kind, root, path in checks:
    runs = load_runs(Source(id="s", type=kind, path=path), Path(root))
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("mlflow", "wandb", "google"))
    print(kind, len(runs), loaded)
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["mlflow 3 []", "wandb 1 []", "table 1 []", "dvc 1 []"]
