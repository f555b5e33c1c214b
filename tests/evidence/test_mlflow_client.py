"""Tracking URIs through the official client: a real SQLite tracking database and a real `mlflow server`.

The oracle for the client reader is the file-store reader: the same script logs the same runs to
both stores, and the runs must read back the same (run ids and timestamps differ).
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from pydantic import ValidationError

from planner.errors import PlannerError
from planner.evidence import load_runs
from planner.evidence.mlflow_client import read_tracking_server, resolve_uri
from planner.source.uris import redact
from planner.spec.results import Source


def comparable(runs):
    """What two stores of the same logged runs agree on."""
    return sorted(
        (
            run.experiment,
            run.name,
            run.metrics,
            run.params,
            {k: v for k, v in run.tags.items() if not k.startswith("mlflow.")},
            {name: [(step, value) for step, _, value in points] for name, points in run.history.items()},
            run.reproducibility["code_version"],
            run.reproducibility["data_version"],
        )
        for run in runs
    )


def uri_source(uri, **fields):
    return Source(id="srv", type="mlflow", uri=uri, **fields)


@pytest.mark.slow
def test_sqlite_store_reads_like_the_file_store(mlruns, mlflow_db):
    from_db = load_runs(uri_source("sqlite:///mlflow.db"), mlflow_db.parent)
    from_files = load_runs(Source(id="srv", type="mlflow", path="mlruns"), mlruns.parent)
    assert len(from_db) == 3 and {run.source for run in from_db} == {"srv"}
    assert repr(comparable(from_db)) == repr(comparable(from_files))  # repr: NaN == NaN
    only_b = load_runs(uri_source("sqlite:///mlflow.db", experiment="exp-b"), mlflow_db.parent)
    assert [(run.experiment, run.name, run.metrics) for run in only_b] == [("exp-b", "gbm", {"val/auc": 0.85})]


@pytest.mark.slow
def test_unknown_experiment_lists_the_ones_there(mlflow_db):
    with pytest.raises(PlannerError) as info:
        load_runs(uri_source("sqlite:///mlflow.db", experiment="exp-z"), mlflow_db.parent)
    (diag,) = info.value.diagnostics
    assert diag.code == "evidence-no-experiment"
    assert diag.message.endswith("(experiments: Default, exp-a, exp-b)")


def test_a_missing_database_is_reported_and_not_created(tmp_path):
    with pytest.raises(PlannerError) as info:
        load_runs(uri_source("sqlite:///results/mlflow.db"), tmp_path)
    (diag,) = info.value.diagnostics
    assert (diag.code, diag.message, diag.file) == (
        "evidence-missing",
        "MLflow database not found: results/mlflow.db",
        "results/mlflow.db",
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_a_symlinked_database_outside_the_project_is_refused(tmp_path, mlflow_db):
    (tmp_path / "mlflow.db").symlink_to(mlflow_db)
    with pytest.raises(PlannerError) as info:
        load_runs(uri_source("sqlite:///mlflow.db"), tmp_path)
    assert info.value.diagnostics[0].code == "evidence-outside"


def test_placeholders_fill_only_the_credentials_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MLFLOW_USER", "ci")
    monkeypatch.setenv("MLFLOW_PASSWORD", "s3:c/r@t")
    uri = resolve_uri("https://${MLFLOW_USER}:${MLFLOW_PASSWORD}@mlflow.example.com:8443/x", tmp_path)
    assert uri == "https://ci:s3%3Ac%2Fr%40t@mlflow.example.com:8443/x"  # percent-encoded: the URI stays one URI
    assert redact(uri) == "https://mlflow.example.com:8443/x"
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "leak")
    with pytest.raises(PlannerError) as info:
        resolve_uri("https://evil.example/?t=${AWS_SECRET_ACCESS_KEY}", tmp_path)
    assert "may only stand for the user name or the password" in info.value.diagnostics[0].message
    monkeypatch.delenv("MLFLOW_USER")
    with pytest.raises(PlannerError) as info:
        resolve_uri("https://${MLFLOW_USER}@mlflow.example.com", tmp_path)
    assert info.value.diagnostics[0].message == (
        "environment variable MLFLOW_USER is not set (named in tracking URI 'https://mlflow.example.com')"
    )


@pytest.mark.slow
def test_an_unreachable_server_is_an_error_without_the_password(monkeypatch):
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "5")
    with pytest.raises(PlannerError) as info:
        read_tracking_server(f"http://ci:s3cret@127.0.0.1:{free_port()}", source="srv")
    (diag,) = info.value.diagnostics
    assert diag.code == "evidence-tracking"
    assert diag.message.startswith("cannot reach MLflow at http://127.0.0.1:")
    assert "s3cret" not in diag.message


@pytest.mark.slow
def test_without_mlflow_installed_the_error_names_the_extra(tmp_path):
    (tmp_path / "mlflow.db").write_bytes(b"")
    code = f"""
import sys
sys.modules["mlflow"] = None  # what an environment without the extra sees: ImportError
from pathlib import Path
from planner.errors import PlannerError
from planner.evidence import load_runs
from planner.spec.results import Source
try:
    load_runs(Source(id="srv", type="mlflow", uri="sqlite:///mlflow.db"), Path({str(tmp_path)!r}))
except PlannerError as exc:
    print(exc.diagnostics[0].code, "|", exc.diagnostics[0].hint)
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.startswith("evidence-no-client | pip install 'planner[mlflow]'"), result.stderr


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"uri": "file:///srv/mlruns"}, "a file store is read without mlflow: give its folder as `path` instead"),
        ({"uri": "ftp://host/x"}, "must start with one of http:, https:, databricks:, sqlite:, postgresql:,"),
        ({"uri": "https://ci:hunter2@mlflow.example.com"}, "must not hold a password"),
        (
            {"uri": "https://evil.example/?t=${AWS_SECRET_ACCESS_KEY}"},
            "may only stand for the user name or the password",
        ),
        ({"uri": "https://${HOST}"}, "may only stand for the user name or the password"),
        ({"uri": "sqlite:////etc/mlflow.db"}, "must be a path relative to the project folder"),
        ({"uri": "sqlite:///../mlflow.db"}, "must stay inside the project folder"),
        ({"uri": "sqlite://"}, "write sqlite:///<file>"),
        ({"uri": "https://x.example.com", "path": "mlruns"}, "give exactly one of path, uri"),
        ({}, "give exactly one of path, uri"),
        ({"type": "table", "uri": "https://x.example.com"}, "`uri` is for type mlflow only"),
    ],
)
def test_spec_refuses_uris_it_cannot_read_safely(tmp_path, fields, message):
    with pytest.raises(ValidationError) as info:
        Source.model_validate({"id": "s", "type": "mlflow", **fields}, context={"root": tmp_path})
    assert message in str(info.value)


def test_spec_accepts_placeholders_and_database_uris(tmp_path):
    for uri in (
        "https://ci:${MLFLOW_PASSWORD}@mlflow.example.com",
        "databricks",
        "databricks://profile",
        "postgresql+psycopg2://${DB_USER}:${DB_PASSWORD}@db/mlflow",
        "sqlite:///results/mlflow.db",
    ):
        assert Source.model_validate({"id": "s", "type": "mlflow", "uri": uri}, context={"root": tmp_path}).uri == uri


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def mlflow_server(mlflow_db, tmp_path_factory):
    """A real tracking server (`mlflow server`) over the SQLite database; its URL."""
    port, logs = free_port(), tmp_path_factory.mktemp("mlflow-server")
    command = [
        sys.executable,
        "-m",
        "mlflow",
        "server",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--backend-store-uri",
        f"sqlite:///{mlflow_db}",
        "--default-artifact-root",
        str(logs / "art"),
        "--workers",
        "1",
    ]
    with open(logs / "server.log", "wb") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while not _healthy(url):
            assert server.poll() is None and time.monotonic() < deadline, (logs / "server.log").read_text()[-3000:]
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.mark.server
def test_tracking_server_over_http_reads_what_the_database_holds(mlflow_server, mlflow_db, tmp_path):
    over_http = load_runs(uri_source(mlflow_server), tmp_path)
    from_db = load_runs(uri_source("sqlite:///mlflow.db"), mlflow_db.parent)
    assert repr(list(over_http)) == repr(list(from_db))  # same ids, metrics, history, tags, times
    assert [run.reproducibility["code_version"] for run in over_http] == ["deadbeef", None, None]
