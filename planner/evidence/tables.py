"""Run tables: CSV, JSON (a list of objects) or JSON lines, one row per run.

Column convention (also MLflow's `mlflow.search_runs` export):

- the run id column (`run_id` unless the source names another);
- `metric.x` / `metrics.x` -> metric `x`; a value that is not a number is an error;
- `param.x` / `params.x` -> param `x`; `tag.x` / `tags.x` -> tag `x` (kept as text);
- `name` or `run_name` (else tag `mlflow.runName`) -> the run name; `experiment` -> the experiment;
  `start_time` -> the start time (epoch milliseconds, or an ISO date-time as MLflow exports it);
- `experiment_id`, `status`, `end_time`, `artifact_uri`, `lifecycle_stage` are ignored;
- any other column is a metric when every non-empty value in it is a number, else a tag.

In JSON, nested objects are flattened with `.`, so `{"metrics": {"auc": 0.8}}` is column
`metrics.auc`. Empty cells (and JSON null) mean "not recorded".
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

from planner.evidence.errors import BAD_CSV, BAD_JSON, DUPLICATE_RUN, MISSING, NO_RUN_ID, NOT_NUMERIC, display, error
from planner.evidence.files import parse_json, parse_number, present, read_text
from planner.evidence.model import Run, reproducibility

PREFIXES = {
    "metric": "metrics",
    "metrics": "metrics",
    "param": "params",
    "params": "params",
    "tag": "tags",
    "tags": "tags",
}
NAME_COLUMNS = ("name", "run_name")
IGNORED = {"experiment_id", "status", "end_time", "artifact_uri", "lifecycle_stage"}
Row = tuple[int, dict[str, str]]  # (line number, or 1-based index in a JSON list; cells as text)


def read_table(path: Path, *, source: str = "", run_id_column: str = "run_id", root: Path | None = None) -> list[Run]:
    """One run per row, in file order."""
    file = display(path, root)
    if not present(path):
        raise error(MISSING, f"run table not found: {file}", file, hint="`path` is relative to the project folder")
    text = read_text(path, file, root if root is not None else path.parent)
    suffix = path.suffix.lower()
    rows = (
        _json_rows(text, file)
        if suffix == ".json"
        else _jsonl_rows(text, file)
        if suffix in (".jsonl", ".ndjson")
        else _csv_rows(text, file)
    )
    columns = list(dict.fromkeys(column for _, cells in rows for column in cells))
    if run_id_column not in columns:
        raise error(
            NO_RUN_ID,
            f"{file} has no run id column {run_id_column!r} (columns: {', '.join(columns) or 'none'})",
            file,
            1 if suffix != ".json" else 0,
            hint="name the column with `run_id_column` in the results spec",
        )
    kinds = _column_kinds(rows, columns, run_id_column)
    runs: list[Run] = []
    seen: dict[str, int] = {}
    for line, cells in rows:
        run = _run(cells, kinds, run_id_column, source, file, line, suffix == ".json")
        if run.run_id in seen:
            raise error(
                DUPLICATE_RUN,
                f"run id {run.run_id!r} appears twice in {file}"
                f" ({_where(seen[run.run_id], suffix)} and {_where(line, suffix)})",
                file,
                0 if suffix == ".json" else line,
            )
        seen[run.run_id] = line
        runs.append(run)
    return runs


def _where(line: int, suffix: str) -> str:
    return f"item {line}" if suffix == ".json" else f"line {line}"


def _csv_rows(text: str, file: str) -> list[Row]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = []
    try:
        for cells in reader:
            rows.append((reader.line_num, {k: v for k, v in cells.items() if k is not None and v not in (None, "")}))
    except csv.Error as exc:  # a field over csv's size limit, an unterminated quote...
        raise error(BAD_CSV, f"{file} is not a readable CSV table: {exc}", file, reader.line_num + 1) from None
    return rows


def _json_rows(text: str, file: str) -> list[Row]:
    data = parse_json(text, file)
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise error(BAD_JSON, f"{file} must hold a list of objects, one per run", file, 1, 1)
    return [(index, _flatten(item)) for index, item in enumerate(data, 1)]


def _jsonl_rows(text: str, file: str) -> list[Row]:
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        item = parse_json(line, file, number - 1)
        if not isinstance(item, dict):
            raise error(BAD_JSON, f"line {number} of {file} must be a JSON object (one run)", file, number, 1)
        rows.append((number, _flatten(item)))
    return rows


def _flatten(item: dict, prefix: str = "") -> dict[str, str]:
    """Nested objects -> dotted columns; every value as text, as a CSV cell would hold it."""
    cells = {}
    for key, value in item.items():
        if isinstance(value, dict):
            cells.update(_flatten(value, f"{prefix}{key}."))
        elif value is not None:
            cells[prefix + key] = (
                json.dumps(value)
                if isinstance(value, (bool, list))
                else repr(value)
                if isinstance(value, float)
                else str(value)
            )
    return cells


def _column_kinds(rows: list[Row], columns: list[str], run_id_column: str) -> dict[str, tuple[str, str]]:
    """Column -> (kind, key): kind is metrics, params, tags, name, experiment, start_time or ignore."""
    kinds = {}
    for column in columns:
        head, _, rest = column.partition(".")
        if column == run_id_column or column in IGNORED:
            kinds[column] = ("ignore", column)
        elif column in NAME_COLUMNS:
            kinds[column] = ("name", column)
        elif column in ("experiment", "start_time"):
            kinds[column] = (column, column)
        elif head in PREFIXES and rest:
            kinds[column] = (PREFIXES[head], rest)
        elif all(parse_number(cells[column]) is not None for _, cells in rows if column in cells):
            kinds[column] = ("metrics", column)
        else:
            kinds[column] = ("tags", column)
    return kinds


def _run(
    cells: dict[str, str], kinds: dict, run_id_column: str, source: str, file: str, line: int, is_json: bool
) -> Run:
    where = 0 if is_json else line
    run_id = cells.get(run_id_column)
    if not run_id:
        raise error(
            NO_RUN_ID,
            f"{_where(line, '.json' if is_json else '')} of {file} has no run id (column {run_id_column!r} is empty)",
            file,
            where,
        )
    parts: dict[str, dict] = {"metrics": {}, "params": {}, "tags": {}}
    extra: dict[str, str] = {}
    for column, value in cells.items():
        kind, key = kinds[column]
        if kind == "metrics":
            number = parse_number(value)
            if number is None:
                raise error(
                    NOT_NUMERIC,
                    f"metric {key!r} of run {run_id!r} in {file} is not a number: {value!r}",
                    file,
                    where,
                    breadcrumb=f"{run_id}.{column}",
                )
            parts["metrics"][key] = number
        elif kind in parts:
            parts[kind][key] = value
        elif kind != "ignore":
            extra.setdefault(kind, value)
    name = extra.get("name") or parts["tags"].get("mlflow.runName")
    return Run(
        source=source,
        run_id=run_id,
        name=name,
        experiment=extra.get("experiment"),
        metrics=parts["metrics"],
        params=parts["params"],
        tags=parts["tags"],
        start_time=_start_time(extra.get("start_time"), file, where),
        reproducibility=reproducibility(parts["tags"]),
    )


def _start_time(value: str | None, file: str, where: int) -> int | None:
    """Epoch milliseconds as written, or an ISO date-time (search_runs exports) converted."""
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        pass
    try:
        return round(datetime.fromisoformat(value).timestamp() * 1000)
    except ValueError:
        raise error(
            NOT_NUMERIC,
            f"start_time {value!r} in {file} is neither epoch milliseconds nor an ISO date-time",
            file,
            where,
        ) from None
