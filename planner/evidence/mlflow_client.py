"""MLflow tracking servers and databases, read through the official client (the optional `mlflow` extra).

A file store is read straight from its files (`mlflow_files`); a server, Databricks or a SQL
database can only be asked through the client. mlflow is imported here and nowhere else, and only
when a source names a `uri`, so every other command works without it. Credentials are MLflow's own
(`MLFLOW_TRACKING_USERNAME`/`_PASSWORD`/`_TOKEN`, `DATABRICKS_*`) or `${NAME}` placeholders in the
URI's user information.

Bounds: a tracking server that does not answer cannot hang planner. While a source is read,
`MLFLOW_HTTP_REQUEST_TIMEOUT` (seconds per request), `MLFLOW_HTTP_REQUEST_MAX_RETRIES` and
`MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR` are set to `REQUEST_TIMEOUT`, `REQUEST_RETRIES` and
`REQUEST_BACKOFF` unless the environment sets them, and the whole read runs in a worker thread
given `DEADLINE` seconds of wall-clock time (`PLANNER_TRACKING_TIMEOUT` changes it): some clients
ignore their own retry settings (the Databricks one ran past 7 minutes with retries off), so only a
deadline planner keeps itself bounds them. Past it, the source is a diagnostic.

Secrets: every message quotes the URI through `redact` (no user information, no `token`,
`access_token`, `password`, `key` or `secret` query value) and the client's own messages are
scrubbed the same way, the substituted user name and password included. A database store whose
driver is not installed, a `sqlite:///` file that is not an SQLite database and any other failure
of the client are diagnostics (exit 2), not crashes.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from planner.errors import Diagnostic, PlannerError
from planner.evidence.errors import MISSING, NO_CLIENT, NO_EXPERIMENT, OUTSIDE, TRACKING, error
from planner.evidence.model import Run, reproducibility
from planner.source import guard
from planner.source.uris import fill_placeholders, redact, scrub
from planner.spec.results import PLACEHOLDER, split_userinfo

if TYPE_CHECKING:  # mlflow is an optional extra, imported only to read a tracking server
    from mlflow.entities import Run as MlflowRun
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

PAGE = 1000
REQUEST_TIMEOUT = 10
"""Seconds one HTTP request may take (`MLFLOW_HTTP_REQUEST_TIMEOUT` unless set; MLflow's default is 120)."""
REQUEST_RETRIES = 2
"""Retries of a failed request (`MLFLOW_HTTP_REQUEST_MAX_RETRIES` unless set; MLflow's default is 7)."""
REQUEST_BACKOFF = 1
"""Backoff factor between retries (`MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR` unless set; MLflow's default is 2)."""
DEADLINE = 20.0
"""Seconds of wall-clock time reading one tracking source may take (`PLANNER_TRACKING_TIMEOUT`): a
command that cannot reach its tracker ends within the issue's 30 s (interpreter start and the
other sources included); a large server read in full may need more, and the variable gives it."""
DEADLINE_VARIABLE = "PLANNER_TRACKING_TIMEOUT"
SQLITE_HEADER = b"SQLite format 3\x00"
DATABASE_FILE = guard.EVIDENCE.renamed({guard.OUTSIDE: OUTSIDE, guard.MISSING: MISSING}, limit=None)
DRIVERS = {"psycopg": "psycopg[binary]", "psycopg2": "psycopg2-binary", "MySQLdb": "mysqlclient", "pymysql": "pymysql"}
"""Database driver module -> the package that installs it (for the hint of a missing driver)."""
T = TypeVar("T")
HINT_EXTRA = "pip install 'planner[mlflow]' (or read an `mlruns/` folder through `path`, which needs no mlflow)"


def resolve_uri(text: str, root: Path) -> str:
    """The URI the client is given: `${NAME}` in the user name and password replaced from the
    environment (percent-encoded), a SQLite file made absolute.

    MLflow resolves a relative SQLite path against the working directory (the spec means the project
    folder) and creates a missing database, so a reader would write where it should fail.
    """
    if PLACEHOLDER.search(split_userinfo(text)[1]):  # the spec refuses it; a URI built in code must not slip through
        raise error(TRACKING, "${NAME} may only stand for the user name or the password of a tracking URI")

    def unset(name: str) -> PlannerError:
        return error(
            TRACKING,
            f"environment variable {name} is not set (named in tracking URI {redact(text)!r})",
            hint=f"export {name}=... before running planner",
        )

    uri = fill_placeholders(text, unset)
    if uri.split(":", 1)[0].split("+")[0] != "sqlite":
        return uri
    name = uri.split(":///", 1)[1]
    database = (root / name).resolve()
    if not database.is_relative_to(root):
        raise error(OUTSIDE, f"{name} leads outside the project folder", name)
    if not os.path.lexists(root / name):  # the client would create an empty database in its place
        raise error(MISSING, f"MLflow database not found: {name}", name)
    with guard.open_file(root / name, root=root, kind=DATABASE_FILE, file_label=name) as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header and header != SQLITE_HEADER:  # an empty file is refused once mlflow is known to be there
        raise error(
            TRACKING, f"{name} is not an SQLite database", name, hint="name the file MLflow's SQLite store wrote"
        )
    return "sqlite:///" + database.as_posix()


def _deadline() -> float:
    text = os.environ.get(DEADLINE_VARIABLE, "").strip()
    try:
        value = float(text) if text else DEADLINE
    except ValueError:
        return DEADLINE
    return value if 0 < value < float("inf") else DEADLINE


@contextlib.contextmanager
def _request_bounds() -> Iterator[None]:
    """MLflow's own per-request timeout and retries, set for the call unless the user set them."""
    defaults = {
        "MLFLOW_HTTP_REQUEST_TIMEOUT": str(REQUEST_TIMEOUT),
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": str(REQUEST_RETRIES),
        "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": str(REQUEST_BACKOFF),
    }
    added = [name for name in defaults if name not in os.environ]
    os.environ.update({name: defaults[name] for name in added})
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


def bounded(call: Callable[[], T], uri: str, deadline: float | None = None) -> T:
    """`call()` in a daemon worker thread, given `deadline` seconds; past them a diagnostic (the
    thread is left to finish or to end with the process: a blocked socket cannot be interrupted)."""
    limit = _deadline() if deadline is None else deadline
    outcome: dict[str, object] = {}

    def work() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc

    worker = threading.Thread(target=work, name="planner-mlflow", daemon=True)
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        raise error(
            TRACKING,
            f"MLflow at {redact(uri)} did not answer within {limit:g} s",
            hint=f"check the URI and the network; {DEADLINE_VARIABLE} sets how long planner waits "
            "(MLFLOW_HTTP_REQUEST_TIMEOUT and MLFLOW_HTTP_REQUEST_MAX_RETRIES how long the client keeps trying)",
        )
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


def read_tracking_server(uri: str, *, source: str = "", experiment: str | None = None) -> list[Run]:
    """Active runs of active experiments (or of the one named `experiment`), by start time, then id."""
    try:
        from mlflow.exceptions import MlflowException
        from mlflow.tracking import MlflowClient
    except ImportError:
        raise error(
            NO_CLIENT,
            f"source {source!r} names a tracking URI, and reading one needs mlflow, which is not installed",
            hint=HINT_EXTRA,
        ) from None
    _check_database(uri)

    def read() -> list[Run]:
        client = MlflowClient(tracking_uri=uri)
        experiments = _experiments(client, experiment, redact(uri))
        return sorted(
            (
                _run(client, run, experiments[run.info.experiment_id], source)
                for run in _search_runs(client, list(experiments))
            ),
            key=lambda run: (run.start_time or 0, run.run_id),
        )

    try:
        with _request_bounds():
            return bounded(read, uri)
    except PlannerError as exc:
        raise PlannerError([_scrubbed(d, uri) for d in exc.diagnostics]) from None
    except (MlflowException, OSError) as exc:
        raise _tracking_error(exc, uri) from None
    except ImportError as exc:  # a database store's driver (psycopg2, pymysql...) is not installed
        raise error(
            TRACKING,
            f"reading MLflow at {redact(uri)} needs the Python module {exc.name or 'of its driver'}, which is not installed",
            hint=f"pip install {DRIVERS.get(exc.name or '', exc.name or 'the database driver')}",
        ) from None
    except Exception as exc:  # the client's database layer (SQLAlchemy) and anything else it raises
        raise error(
            TRACKING,
            f"MLflow at {redact(uri)}: {type(exc).__name__}: {scrub(_first_line(str(exc)), uri)}",
            hint="check the URI, the database and the credentials",
        ) from None


def _scrubbed(diagnostic: Diagnostic, uri: str) -> Diagnostic:
    return replace(diagnostic, message=scrub(diagnostic.message, uri), hint=scrub(diagnostic.hint, uri))


def _check_database(uri: str) -> None:
    """An empty SQLite file would be made an MLflow database by the client: refused (`resolve_uri`
    refused a file that is not SQLite, and confined it)."""
    if uri.split(":", 1)[0].split("+")[0] != "sqlite" or ":///" not in uri:
        return
    path = uri.split(":///", 1)[1]
    with contextlib.suppress(OSError):
        if os.path.getsize(path) == 0:
            raise error(
                TRACKING,
                f"MLflow database {path} is empty",
                path,
                hint="name the file MLflow's SQLite store wrote (an empty file would be written to)",
            )


def _experiments(client: MlflowClient, name: str | None, shown: str) -> dict[str, str]:
    """Experiment id -> name: the active ones, or just the one called `name`."""
    if name is not None:
        named = client.get_experiment_by_name(name)
        if named is not None and named.lifecycle_stage == "active":
            return {named.experiment_id: named.name}
    found: dict[str, str] = {}
    token: str | None = None
    while True:
        page = client.search_experiments(max_results=PAGE, page_token=token)
        found.update((e.experiment_id, e.name) for e in page)
        token = page.token
        if not token:
            break
    if name is not None:
        names = ", ".join(sorted(found.values())) or "none"
        raise error(NO_EXPERIMENT, f"no experiment named {name!r} at {shown} (experiments: {names})")
    return found


def _search_runs(client: MlflowClient, experiment_ids: list[str]) -> Iterator[MlflowRun]:
    token = None
    while experiment_ids:
        page = client.search_runs(experiment_ids, max_results=PAGE, page_token=token)
        yield from page
        token = page.token
        if not token:
            return


def _run(client: MlflowClient, run: MlflowRun, experiment: str, source: str) -> Run:
    info, data = run.info, run.data
    history = {
        key: sorted(
            ((m.step, m.timestamp, m.value) for m in client.get_metric_history(info.run_id, key)),
            key=lambda point: (point[1], point[0]),
        )  # recorded order, as in a file store
        for key in sorted(data.metrics)
    }
    tags = dict(sorted(data.tags.items()))
    return Run(
        source=source,
        run_id=info.run_id,
        name=info.run_name or tags.get("mlflow.runName") or None,
        experiment=experiment,
        metrics=dict(sorted(data.metrics.items())),
        params=dict(sorted(data.params.items())),
        tags=tags,
        history=history,
        start_time=info.start_time,
        reproducibility=reproducibility(tags),
    )


def _tracking_error(exc: MlflowException | OSError, uri: str) -> PlannerError:
    """The client's failure as one line: unreachable (a connection error, which requests makes an
    OSError and MLflow wraps as its context) or what the server answered."""
    if isinstance(exc, OSError) or isinstance(exc.__context__, OSError):
        cause = exc if isinstance(exc, OSError) else exc.__context__
        return error(
            TRACKING,
            f"cannot reach MLflow at {redact(uri)} ({type(cause).__name__})",
            hint="check the URI and the network; MLFLOW_HTTP_REQUEST_MAX_RETRIES and "
            "MLFLOW_HTTP_REQUEST_TIMEOUT set how long the client keeps trying",
        )
    return error(
        TRACKING,
        f"MLflow at {redact(uri)}: {scrub(_first_line(exc.message), uri)}",
        hint="check the URI and the credentials (MLFLOW_TRACKING_* variables)",
    )


def _first_line(text: str) -> str:
    lines = (text or "").strip().splitlines()
    return lines[0][:300] if lines else "request failed"
