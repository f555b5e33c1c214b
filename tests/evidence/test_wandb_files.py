"""W&B folders: a real offline run (wandb-core writes only the transaction log), and the files layout."""

import json

import pytest

from planner.errors import PlannerError
from planner.evidence.wandb_files import read_wandb
from planner.evidence.wandb_log import read_records, split_records


def _run_dir(root):
    (run_dir,) = (root / "wandb").glob("offline-run-*")
    return run_dir


@pytest.mark.slow
def test_offline_folder_holds_only_the_transaction_log(wandb_root):
    run_dir = _run_dir(wandb_root)
    assert (wandb_root / "wandb" / "latest-run").is_symlink()
    assert not (run_dir / "files" / "wandb-summary.json").exists()
    assert not (run_dir / "files" / "config.yaml").exists()
    assert len(list(run_dir.glob("run-*.wandb"))) == 1


@pytest.mark.slow
def test_offline_run_read_back(wandb_root):
    (run,) = read_wandb(wandb_root, source="wb")  # latest-run symlink not counted twice
    run_dir = _run_dir(wandb_root)
    assert run.run_id == run_dir.name.rsplit("-", 1)[1]
    assert (run.source, run.name, run.experiment) == ("wb", "lr-c1", "credit")
    assert run.params == {"C": "1.0", "model": "logreg", "opt.lr": "0.01", "opt.name": "adam"}
    assert run.tags == {"candidate": "true", "wandb.group": "sweep-1"}
    assert run.metrics == {"loss": 1 / 3, "val/auc": 0.7 + 2 / 10, "eval.recall": 0.5 + 2 / 10, "best_auc": 0.95}
    assert [(step, value) for step, _, value in run.history["loss"]] == [(0, 1.0), (1, 0.5), (2, 1 / 3)]
    assert all(stamp > run.start_time - 60_000 for _, stamp, _ in run.history["loss"])
    assert run.reproducibility["python_version"].startswith("CPython 3.")
    assert run.reproducibility["environment"].endswith("files/requirements.txt")
    assert run.reproducibility["code_version"] is None  # WANDB_DISABLE_GIT


@pytest.mark.slow
def test_log_records_agree_with_wandb_protobuf(wandb_root):
    """The wire-format decoder against wandb's own generated protobuf classes."""
    from wandb.proto.wandb_internal_pb2 import Record

    (log_file,) = _run_dir(wandb_root).glob("run-*.wandb")
    ours = read_records(log_file, "x")
    raw = log_file.read_bytes()
    theirs = [Record.FromString(data) for data in split_records(raw)]
    assert len(ours) == len(theirs)
    runs = [r.run for r in theirs if r.HasField("run")]
    assert [r[17][0] for r in ours if 17 in r] == [r.SerializeToString() for r in runs]
    assert sum(r.HasField("history") for r in theirs) == sum(2 in r for r in ours) == 3


def test_files_layout(tmp_path):
    """What an online run leaves in files/ (no server here, so written as the client writes them)."""
    files = tmp_path / "wandb" / "run-20250101_120000-abc123" / "files"
    files.mkdir(parents=True)
    (files / "wandb-summary.json").write_text(
        json.dumps({"auc": 0.8, "_step": 9, "_wandb": {"runtime": 3}, "plot": {"_type": "image-file"}, "note": "x"})
    )
    (files / "config.yaml").write_text(
        "wandb_version: 1\n\n_wandb:\n  desc: null\n  value: {}\n"
        "C:\n  desc: null\n  value: 0.5\nmodel:\n  desc: null\n  value: lr\n"
    )
    (files / "wandb-metadata.json").write_text(
        json.dumps(
            {
                "python": "CPython 3.11.7",
                "program": "train.py",
                "startedAt": "2025-01-01T12:00:00.000000Z",
                "git": {"remote": "https://example.org/r.git", "commit": "cafe"},
            }
        )
    )
    (run,) = read_wandb(tmp_path)
    assert (run.run_id, run.metrics, run.params) == ("abc123", {"auc": 0.8}, {"C": "0.5", "model": "lr"})
    assert run.start_time == 1735732800000
    assert run.reproducibility == {
        "code_version": "cafe",
        "data_version": None,
        "python_version": "CPython 3.11.7",
        "environment": None,
        "entry_point": "train.py",
    }


def _diag(folder, root):
    with pytest.raises(PlannerError) as info:
        read_wandb(folder, root=root)
    (diag,) = info.value.diagnostics
    return diag


@pytest.mark.slow
def test_damaged_log(wandb_root, tmp_path):
    run_dir = tmp_path / "wandb" / _run_dir(wandb_root).name
    run_dir.mkdir(parents=True)
    (log_file,) = _run_dir(wandb_root).glob("run-*.wandb")
    raw = bytearray(log_file.read_bytes())
    raw[20] ^= 0xFF
    (run_dir / log_file.name).write_bytes(bytes(raw))
    diag = _diag(tmp_path, tmp_path)
    file = f"wandb/{run_dir.name}/{log_file.name}"
    assert (diag.code, diag.message, diag.file) == (
        "evidence-wandb-log",
        f"{file} is damaged: bad chunk at byte 7",
        file,
    )


def test_not_a_log(tmp_path):
    run_dir = tmp_path / "wandb" / "offline-run-20250101_120000-abc123"
    run_dir.mkdir(parents=True)
    (run_dir / "run-abc123.wandb").write_bytes(b"PK\x03\x04")
    diag = _diag(tmp_path, tmp_path)
    assert diag.message == f"wandb/{run_dir.name}/run-abc123.wandb is not a W&B transaction log of a known version"


def test_bad_summary_json(tmp_path):
    files = tmp_path / "wandb" / "run-20250101_120000-abc123" / "files"
    files.mkdir(parents=True)
    (files / "wandb-summary.json").write_text('{"auc": 0.8,\n "x": }')
    diag = _diag(tmp_path, tmp_path)
    assert (diag.code, diag.message, diag.file, diag.line, diag.column) == (
        "evidence-json",
        "invalid JSON: Expecting value",
        f"wandb/{files.parent.name}/files/wandb-summary.json",
        2,
        7,
    )


def test_run_folder_with_neither_layout(tmp_path):
    (tmp_path / "wandb" / "run-20250101_120000-abc123" / "files").mkdir(parents=True)
    diag = _diag(tmp_path, tmp_path)
    assert diag.message == "file not found: wandb/run-20250101_120000-abc123/files/wandb-summary.json"


def test_missing_folder(tmp_path):
    diag = _diag(tmp_path / "wandb", tmp_path)
    assert (diag.code, diag.message) == ("evidence-missing", "W&B folder not found: wandb")
