"""MLflow tracking servers and databases, read through the official client (the optional `mlflow` extra).

A file store is read straight from its files (`mlflow_files`); a server, Databricks or a SQL
database can only be asked through the client. mlflow is imported here and nowhere else, and only
when a source names a `uri`, so every other command works without it. Network retries and timeouts
are MLflow's own (`MLFLOW_HTTP_REQUEST_MAX_RETRIES`, `MLFLOW_HTTP_REQUEST_TIMEOUT`), and so are
credentials (`MLFLOW_TRACKING_USERNAME`/`_PASSWORD`/`_TOKEN`, `DATABRICKS_*`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from planner.errors import PlannerError
from planner.evidence.errors import MISSING, NO_CLIENT, NO_EXPERIMENT, OUTSIDE, TRACKING, error
from planner.evidence.model import Run, reproducibility
from planner.spec.results import PLACEHOLDER, split_userinfo

if TYPE_CHECKING:  # mlflow is an optional extra, imported only to read a tracking server
    from mlflow.entities import Run as MlflowRun
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

PAGE = 1000
HINT_EXTRA = "pip install 'planner[mlflow]' (or read an `mlruns/` folder through `path`, which needs no mlflow)"


def resolve_uri(text: str, root: Path) -> str:
    """The URI the client is given: `${NAME}` in the user name and password replaced from the
    environment (percent-encoded), a SQLite file made absolute.

    MLflow resolves a relative SQLite path against the working directory (the spec means the project
    folder) and creates a missing database, so a reader would write where it should fail.
    """
    userinfo, rest = split_userinfo(text)
    if PLACEHOLDER.search(rest):  # the spec refuses it; a URI built in code must not slip through
        raise error(TRACKING, "${NAME} may only stand for the user name or the password of a tracking URI")

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise error(
                TRACKING,
                f"environment variable {name} is not set (named in tracking URI {redact(text)!r})",
                hint=f"export {name}=... before running planner",
            )
        return quote(os.environ[name], safe="")

    uri = rest if not userinfo else rest.replace("://", f"://{PLACEHOLDER.sub(substitute, userinfo)}@", 1)
    if uri.split(":", 1)[0].split("+")[0] != "sqlite":
        return uri
    name = uri.split(":///", 1)[1]
    database = (root / name).resolve()
    if not database.is_relative_to(root):
        raise error(OUTSIDE, f"{name} leads outside the project folder", name)
    if not database.is_file():  # the client would create an empty database in its place
        raise error(MISSING, f"MLflow database not found: {name}", name)
    return "sqlite:///" + database.as_posix()


def redact(uri: str) -> str:
    """A URI fit for messages and reports: any user and password removed."""
    return split_userinfo(uri)[1]


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
    client = MlflowClient(tracking_uri=uri)
    try:
        experiments = _experiments(client, experiment, redact(uri))
        return sorted(
            (
                _run(client, run, experiments[run.info.experiment_id], source)
                for run in _search_runs(client, list(experiments))
            ),
            key=lambda run: (run.start_time or 0, run.run_id),
        )
    except (MlflowException, OSError) as exc:
        raise _tracking_error(exc, uri) from None


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
        f"MLflow at {redact(uri)}: {_scrub(_first_line(exc.message), uri)}",
        hint="check the URI and the credentials (MLFLOW_TRACKING_* variables)",
    )


def _scrub(text: str, uri: str) -> str:
    """MLflow's messages quote the URL it called, credentials included: take them out."""
    userinfo, shown = split_userinfo(uri)
    text = text.replace(uri, shown)
    for secret in {userinfo, userinfo.partition(":")[2]} - {""}:
        text = text.replace(secret, "***")
    return text


def _first_line(text: str) -> str:
    lines = (text or "").strip().splitlines()
    return lines[0][:300] if lines else "request failed"
