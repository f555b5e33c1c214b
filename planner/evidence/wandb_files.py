"""W&B run folders (`wandb/run-*`, `wandb/offline-run-*`) read without importing wandb.

A run folder is `<kind>-<YYYYMMDD_HHMMSS>-<run id>`. Two layouts are read:

- `files/wandb-summary.json` (summary -> metrics), `files/config.yaml` (each key holds `value:`
  -> params), `files/wandb-metadata.json` (git commit, python, program), and, when present,
  `files/wandb-history.jsonl`: what an online or synced run leaves.
- otherwise `run-<id>.wandb`, the transaction log (see `wandb_log`): all an offline run of wandb-core
  (0.18+) leaves.

Metrics are the numeric summary values (the last logged value of each key unless the run set its
summary); keys starting with `_` (W&B's own `_step`, `_runtime`, ...) are skipped, and nested keys are
joined with `.`. Params are config values as text (strings as they are, other values as JSON). W&B
tags are labels; each label becomes a tag with value "true" (so `{candidate: "true"}` selects it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeGuard

from planner.evidence import wandb_log as log
from planner.evidence.errors import BAD_WANDB_LOG, MISSING, display, error
from planner.evidence.files import parse_json, present, read_json, read_text, read_yaml
from planner.evidence.model import Point, Run, reproducibility
from planner.source.guard import MAX_JSON_DEPTH as MAX_DEPTH
from planner.source.guard import json_depth

RUN_PREFIXES = ("run-", "offline-run-")
ENVIRONMENT_FILES = ("requirements.txt", "conda-environment.yaml")


def read_wandb(folder: Path, *, source: str = "", root: Path | None = None) -> list[Run]:
    """Every run folder in `folder` (a `wandb/` folder, its parent, or one run folder), by start time."""
    if not folder.is_dir():
        raise error(
            MISSING,
            f"W&B folder not found: {display(folder, root)}",
            display(folder, root),
            hint="point `path` at the `wandb` folder the client wrote (WANDB_DIR)",
        )
    if (folder / "wandb").is_dir():
        folder = folder / "wandb"
    run_dirs = (
        [folder]
        if _is_run_dir(folder)
        else sorted(child for child in folder.iterdir() if _is_run_dir(child) and not child.is_symlink())
    )
    within = root if root is not None else folder  # every file read must resolve inside it
    runs = [_read_run(run_dir, source, root, within) for run_dir in run_dirs]
    return sorted(runs, key=lambda run: (run.start_time or 0, run.run_id))


def _is_run_dir(path: Path) -> bool:
    return path.is_dir() and path.name.startswith(RUN_PREFIXES)


def _read_run(run_dir: Path, source: str, root: Path | None, within: Path) -> Run:
    files = run_dir / "files"
    logs = sorted(run_dir.glob("run-*.wandb"))
    if present(files / "wandb-summary.json") or not logs:
        facts = _from_files(files, root, within)
    else:
        facts = _from_log(logs[0], display(logs[0], root), within)
    run_id = facts.pop("run_id", None) or run_dir.name.rsplit("-", 1)[-1]
    env_file = next((files / name for name in ENVIRONMENT_FILES if (files / name).is_file()), None)
    found = facts.pop("found")
    if env_file is not None:
        found["environment"] = display(env_file, root)
    history = facts.pop("history")
    metrics = {key: points[-1][2] for key, points in history.items()}
    metrics.update(facts.pop("summary"))
    return Run(
        source=source,
        run_id=run_id,
        metrics=metrics,
        history=history,
        reproducibility=reproducibility({**facts["params"], **facts["tags"]}, **found),
        **facts,
    )


def _from_files(files: Path, root: Path | None, within: Path) -> dict:
    """The JSON/YAML files an online (or synced) run leaves in `files/`."""
    summary_path = files / "wandb-summary.json"
    if not present(summary_path):
        file = display(summary_path, root)
        raise error(
            MISSING,
            f"file not found: {file}",
            file,
            hint="a W&B run folder holds either files/wandb-summary.json or run-<id>.wandb; this one holds neither",
        )
    summary = read_json(summary_path, display(summary_path, root), within)
    config = _optional(files / "config.yaml", root, within, read_yaml) or {}
    meta = _optional(files / "wandb-metadata.json", root, within, read_json)
    meta = meta if isinstance(meta, dict) else {}  # a file holding a list or a number says nothing
    git = meta.get("git")
    git = git if isinstance(git, dict) else {}
    return {
        "name": None,
        "experiment": None,
        "start_time": _iso_ms(meta.get("startedAt")),
        "params": _params(
            {
                key: item.get("value") if isinstance(item, dict) else item
                for key, item in config.items()
                if key != "wandb_version"
            }
            if isinstance(config, dict)
            else {}
        ),
        "tags": {},
        "summary": _numbers(summary if isinstance(summary, dict) else {}),
        "history": _history_jsonl(files / "wandb-history.jsonl", root, within),
        "found": {
            "code_version": git.get("commit"),
            "python_version": meta.get("python"),
            "entry_point": meta.get("program") or meta.get("codePath"),
        },
    }


def _optional(path: Path, root: Path | None, within: Path, reader: Callable[[Path, str, Path], Any]) -> Any:
    return reader(path, display(path, root), within) if present(path) else None


def _history_jsonl(path: Path, root: Path | None, within: Path) -> dict[str, list[Point]]:
    if not present(path):
        return {}
    file = display(path, root)
    rows = [
        parse_json(line, file, number - 1)
        for number, line in enumerate(read_text(path, file, within).splitlines(), 1)
        if line.strip()
    ]
    for number, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise error(BAD_WANDB_LOG, f"{file}: each line must be a JSON object", file, number, 1)
    history: dict[str, list[Point]] = {}
    for row in rows:
        _add_point(history, {(key,): value for key, value in row.items()})
    return history


def _from_log(path: Path, file: str, within: Path) -> dict:
    """Replay the transaction log: run, config, history, summary and environment records."""
    facts: dict[str, Any] = {
        "name": None,
        "experiment": None,
        "start_time": None,
        "params": {},
        "tags": {},
        "history": {},
        "found": {},
    }
    config: dict[tuple, object] = {}
    summary: dict[tuple, object] = {}
    try:
        _replay(log.read_records(path, file, within), facts, config, summary)
    except ValueError:  # a value_json that is not JSON, or nested too deep
        raise error(BAD_WANDB_LOG, f"{file} is damaged: a logged value is not JSON", file) from None
    facts["params"] = _params(_nest(config))
    facts["summary"] = _numbers(_nest(summary))
    return facts


def _replay(records: list[log.Fields], facts: dict, config: dict, summary: dict) -> None:
    for record in records:
        if 17 in record:
            _apply_run(log.message(record, 17), facts, config)
        if 5 in record:
            _apply_updates(log.message(record, 5), config)
        if 3 in record:
            _apply_updates(log.message(record, 3), summary)
        if 2 in record:
            _add_point(facts["history"], _items(log.messages(log.message(record, 2), 1)))
        if 26 in record:
            _apply_environment(log.message(record, 26), facts["found"])


def _apply_run(run: log.Fields, facts: dict, config: dict) -> None:
    facts["run_id"] = log.text(run, 1)
    facts["experiment"] = log.text(run, 3) or None
    facts["name"] = log.text(run, 8) or None
    facts["tags"].update({label: "true" for label in log.texts(run, 10)})
    for number, tag in ((6, "wandb.group"), (7, "wandb.job_type")):
        if log.text(run, number):
            facts["tags"][tag] = log.text(run, number)
    start = log.message(run, 17)
    if start:
        facts["start_time"] = (log.integer(start, 1) or 0) * 1000 + (log.integer(start, 2) or 0) // 1_000_000
    facts["found"].setdefault("code_version", log.text(log.message(run, 21), 2))
    _apply_updates(log.message(run, 4), config)


def _apply_environment(env: log.Fields, found: dict) -> None:
    if log.text(env, 2):
        found["python_version"] = log.text(env, 2)
    if log.text(env, 6) or log.text(env, 7):
        found["entry_point"] = log.text(env, 7) or log.text(env, 6)
    if log.text(log.message(env, 9), 2):
        found["code_version"] = log.text(log.message(env, 9), 2)


def _items(items: list[log.Fields]) -> dict[tuple, object]:
    """Config, summary and history items -> {key path: value}; the key is `key` or `nested_key`."""
    result = {}
    for item in items:
        key = (log.text(item, 1),) if log.text(item, 1) else tuple(log.texts(item, 2))
        if not key or len(key) > MAX_DEPTH:
            raise ValueError(f"a key path of {len(key)} parts")
        value = log.text(item, 16)
        result[key] = _json_value(value) if value else None
    return result


def _json_value(text: str) -> object:
    """A logged `value_json`; ValueError when it is not JSON or is nested too deep to read back."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError("nested too deep") from None
    if json_depth(value) > MAX_DEPTH:
        raise ValueError("nested too deep")
    return value


def _apply_updates(record: log.Fields, into: dict) -> None:
    into.update(_items(log.messages(record, 1)))
    for key in _items(log.messages(record, 2)):
        into.pop(key, None)


def _nest(flat: dict[tuple, object]) -> dict:
    nested: dict = {}
    for path, value in flat.items():
        node = nested
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return nested


def _add_point(history: dict[str, list[Point]], items: dict[tuple, object]) -> None:
    flat = {".".join(path): value for path, value in items.items()}
    step = flat.get("_step")
    stamp = flat.get("_timestamp")
    for key, value in _numbers(_nest(items)).items():
        history.setdefault(key, []).append(
            (
                int(step) if _is_number(step) else len(history.get(key, [])),
                round(stamp * 1000) if _is_number(stamp) else 0,
                value,
            )
        )


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _numbers(tree: dict, prefix: str = "") -> dict[str, float]:
    """Numeric leaves, dotted; W&B's own keys (`_step`, `_wandb`...) and media objects skipped."""
    found = {}
    for key, value in tree.items():
        if key.startswith("_"):
            continue
        if isinstance(value, dict) and "_type" not in value:
            found.update(_numbers(value, f"{prefix}{key}."))
        elif _is_number(value):
            found[prefix + key] = float(value)
    return found


def _params(config: dict, prefix: str = "") -> dict[str, str]:
    params = {}
    for key, value in config.items():
        if key.startswith("_"):
            continue
        if isinstance(value, dict):
            params.update(_params(value, f"{prefix}{key}."))
        else:
            params[prefix + key] = value if isinstance(value, str) else json.dumps(value)
    return params


def _iso_ms(value: object) -> int | None:
    if not isinstance(value, str):
        return None
    try:
        return round(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return None
