"""A catalogue of hostile data: predictions, run files, caches, tracking URIs, scale and templates.

Each case builds its input on the fly (a copy of `examples/german-credit`, or a small project from
`helpers.write_project`) and runs the real CLI in a separate process, as CI would (see
`helpers.hostile.run_case` for what every case must hold: its exit code, no traceback, the file
named, no control character on a terminal, no secret in anything planner prints or writes, and
bounds on time and, for `memory` cases, a 2 GB address space). Spec text and file boundaries are
the other two catalogues (`test_hostile.py`, `test_hostile_files.py`); the in-process audit tests
(`tests/audit/test_audit_hostile.py` and neighbours) pin the messages, these the whole command.
"""

from __future__ import annotations

import hashlib
import json
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv
import pyarrow.parquet as pq
import pytest

from helpers import hostile, run_process, write_project
from helpers.hostile import CANDIDATE_RUN, GERMAN, SECRET, Case, german_copy, run_case

pytestmark = pytest.mark.slow

PREDICTIONS = "data/predictions.csv"
AUDIT_SPEC = "specs/bias-audit.yaml"
DEEP = 100_000
"""Levels of JSON nesting in the deep cases: far past any parser's recursion limit."""


@dataclass
class DataCase(Case):
    env: dict[str, str] = field(default_factory=dict)  # added to the catalogue's environment


# psycopg is installed with the `warehouse` test extra: a folder first on PYTHONPATH whose
# `psycopg` fails to import stands for a machine without the driver.
NO_PSYCOPG = Path(tempfile.gettempdir()) / "planner-test-without-psycopg"
NO_PSYCOPG.mkdir(exist_ok=True)
(NO_PSYCOPG / "psycopg.py").write_text('raise ImportError("no psycopg on this machine", name="psycopg")\n')


# Builders: each writes a project under `root` and returns its folder


def predictions_text(change: Callable[[str], str]) -> Callable[[Path], Path]:
    """german-credit with its predictions CSV rewritten by `change` (text in, text out)."""

    def build(root: Path) -> Path:
        german_copy(root)
        path = root / PREDICTIONS
        path.write_text(change(path.read_text()))
        return root

    return build


def predictions_bytes(make: Callable[[bytes], bytes], name: str = PREDICTIONS) -> Callable[[Path], Path]:
    """german-credit whose audit reads `name`, holding `make(<the CSV's bytes>)`."""

    def build(root: Path) -> Path:
        german_copy(root)
        original = (root / PREDICTIONS).read_bytes()
        (root / name).write_bytes(make(original))
        if name != PREDICTIONS:
            _point_audit_at(root, name)
        return root

    return build


def _point_audit_at(root: Path, name: str) -> None:
    spec = root / AUDIT_SPEC
    spec.write_text(spec.read_text().replace(f"predictions: {PREDICTIONS}", f"predictions: {name}"))


def latin1(text: str) -> bytes:
    """The CSV with a group name that is not ASCII, saved as Latin-1 (as Excel does on Windows)."""
    return text.replace(",female,", ",weiblich-ä,", 3).encode("latin-1")


def random_bytes(_: bytes) -> bytes:
    return random.Random(12).randbytes(8192)


def unclosed_quote(text: str) -> str:
    lines = text.splitlines(keepends=True)
    lines.insert(40, '1,1,0.5,"male,25-44,yes\n')  # data row 40; the quote runs to the end of the file
    return "".join(lines)


def extra_field(text: str) -> str:
    lines = text.splitlines(keepends=True)
    lines[7] = lines[7].rstrip("\n") + ",surplus\n"  # data row 7 (line 8 with the header)
    return "".join(lines)


def duplicate_column(text: str) -> str:
    return text.replace("foreign_worker", "sex", 1)


def literal_missing(text: str) -> str:
    """A literal `(missing)` sex beside blank ones: both would be reported as one group."""
    lines = text.splitlines(keepends=True)
    for number in (3, 9):
        lines[number] = lines[number].replace(",female,", ",(missing),").replace(",male,", ",(missing),")
    for number in (5, 11):
        lines[number] = lines[number].replace(",female,", ",,").replace(",male,", ",,")
    return "".join(lines)


def _german_parquet(root: Path, table: pa.Table | None = None) -> Path:
    """german-credit reading `data/predictions.parquet`: the CSV's rows, or `table`."""
    german_copy(root)
    if table is None:
        table = pyarrow.csv.read_csv(root / PREDICTIONS)
    pq.write_table(table, root / "data" / "predictions.parquet")
    _point_audit_at(root, "data/predictions.parquet")
    return root


def truncated_parquet(root: Path) -> Path:
    _german_parquet(root)
    path = root / "data" / "predictions.parquet"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return root


def nested_parquet(kind: str) -> Callable[[Path], Path]:
    """The sensitive feature `sex` as a list or a struct column."""

    def build(root: Path) -> Path:
        table = pyarrow.csv.read_csv(GERMAN / PREDICTIONS)
        sex = table.column("sex").to_pylist()
        nested = [[value] for value in sex] if kind == "list" else [{"code": value} for value in sex]
        table = table.set_column(table.schema.get_field_index("sex"), "sex", pa.array(nested))
        return _german_parquet(root, table)

    return build


def deep(depth: int = DEEP) -> str:
    return "[" * depth + "]" * depth


RUN_TABLE = """\
kind: results
sources:
  - {{id: S1, type: table, path: {path}}}
candidate: {{run: r1}}
"""


def run_table(name: str, text: str) -> Callable[[Path], Path]:
    def build(root: Path) -> Path:
        return write_project(root, {"specs/results.yaml": RUN_TABLE.format(path=name), name: text.encode()})

    return build


def wandb_deep_summary(root: Path) -> Path:
    """A W&B run folder whose summary holds a value nested 100,000 levels deep."""
    results = "kind: results\nsources:\n  - {id: W, type: wandb, path: wandb}\ncandidate: {run: abc123}\n"
    summary = '{"auc": 0.8, "deep": ' + deep() + "}"
    return write_project(
        root,
        {"specs/results.yaml": results, "wandb/run-20250101_120000-abc123/files/wandb-summary.json": summary.encode()},
    )


def _cache_file(root: Path) -> Path:
    return root / ".planner" / "audits" / "A1.json"


def deep_cache(root: Path) -> Path:
    german_copy(root)
    _cache_file(root).parent.mkdir(parents=True)
    _cache_file(root).write_text('{"format": 2, "audit": ' + deep() + "}")
    return root


def scalar_cache(root: Path) -> Path:
    german_copy(root)
    _cache_file(root).parent.mkdir(parents=True)
    _cache_file(root).write_text("42")
    return root


def _canonical(data: object) -> bytes:
    """The bytes the cache's checksum is taken of (as `planner.audit.cache._canonical`)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False).encode("utf-8")


def retyped_cache(change: Callable[[dict], None]) -> Callable[[Path], Path]:
    """german-credit with a real cache file whose payload `change` edits, the checksum made to match."""

    def build(root: Path) -> Path:
        german_copy(root)
        result = run_process("audit", str(root), timeout=120)
        assert result.returncode == 1, result.stderr
        document = json.loads(_cache_file(root).read_text())
        change(document["audit"])
        document["checksum"] = hashlib.sha256(_canonical(document["audit"])).hexdigest()
        _cache_file(root).write_text(json.dumps(document))
        return root

    return build


def rows_as_strings(audit: dict) -> None:
    audit["result"]["rows"] = str(audit["result"]["rows"])


def overall_as_list(audit: dict) -> None:
    audit["result"]["overall"] = [audit["result"]["overall"]]


def findings_as_numbers(audit: dict) -> None:
    audit["result"]["findings"] = [1] * len(audit["result"]["findings"])


def short_histogram(audit: dict) -> None:
    histograms = audit["charts"]["score_histograms"]
    histograms["overall"]["negatives"] = histograms["overall"]["negatives"][:3]


def negative_counts(audit: dict) -> None:
    histogram = next(iter(next(iter(audit["charts"]["score_histograms"]["groupings"].values())).values()))
    histogram["positives"][0] = -5


def more_positives_than_rows(audit: dict) -> None:
    calibration = audit["charts"]["score_histograms"]["overall"]["calibration"]
    calibration["positives"][0] = calibration["rows"][0] + 1


def short_cost_curve(audit: dict) -> None:
    curves = audit["charts"]["group_curves"]
    feature = next(iter(curves))
    group = next(iter(curves[feature]))
    curves[feature][group] = curves[feature][group][:-1]


def candidate_metric(value: str) -> Callable[[Path], Path]:
    """german-credit whose candidate's roc_auc was logged as `value` (MLflow writes inf and nan)."""

    def build(root: Path) -> Path:
        german_copy(root)
        (root / CANDIDATE_RUN / "metrics" / "roc_auc").write_text(f"1795977520705 {value} 0\n")
        return root

    return build


def dvc_metric(text: str) -> Callable[[Path], Path]:
    """german-credit whose only results source is a DVC run folder with `text` as metrics.json."""

    def build(root: Path) -> Path:
        german_copy(root)
        (root / "specs" / "results.yaml").write_text(
            "kind: results\nsources:\n  - {id: S1, type: dvc, path: dvc}\ncandidate: {run: exp1}\n"
        )
        (root / "dvc" / "exp1").mkdir(parents=True)
        (root / "dvc" / "exp1" / "metrics.json").write_text(text)
        return root

    return build


MLFLOW_RESULTS = "kind: results\nsources:\n  - id: S1\n    type: mlflow\n    uri: {uri}\ncandidate: {{run: r1}}\n"


def tracking(uri: str, files: dict[str, bytes] | None = None) -> Callable[[Path], Path]:
    def build(root: Path) -> Path:
        return write_project(root, {"specs/results.yaml": MLFLOW_RESULTS.format(uri=json.dumps(uri)), **(files or {})})

    return build


AUDIT = """\
kind: bias-audit
id: A1
title: Scale
predictions: predictions.csv
label: y
prediction: p
positive_label: 1
sensitive_features: [{feature}]
min_group_size: 1
limits:
  - {{metric: demographic_parity_ratio, op: ">=", value: 0.8, feature: {feature}}}
"""


def many_groups(rows: int, groups: int) -> Callable[[Path], Path]:
    """A predictions file of `rows` rows whose sensitive feature `member` has `groups` values."""

    def build(root: Path) -> Path:
        pick = random.Random(3)
        lines = ["y,p,member\n"] + [f"{pick.randint(0, 1)},{pick.randint(0, 1)},m{i % groups}\n" for i in range(rows)]
        return write_project(
            root, {"specs/audit.yaml": AUDIT.format(feature="member"), "predictions.csv": "".join(lines).encode()}
        )

    return build


def template(name: str, text: str) -> Callable[[Path], Path]:
    """german-credit with its own `templates/<name>`."""

    def build(root: Path) -> Path:
        german_copy(root)
        (root / "templates").mkdir()
        (root / "templates" / name).write_text(text)
        return root

    return build


# Checks beyond the common ones


def _strict_json(out: str) -> object:
    def refuse(constant: str) -> object:
        raise AssertionError(f"{constant} in JSON output")

    return json.loads(out, parse_constant=refuse)


def status_o1_no_evidence(out: str) -> None:
    (item,) = [item for item in _strict_json(out)["items"] if item["id"] == "O1"]  # type: ignore[index]
    assert item["status"] == "no-evidence" and item["value"] is None and item["margin"] is None, item


def gate_o1_fails(out: str) -> None:
    document = _strict_json(out)
    (item,) = [item for item in document["items"] if item["id"] == "O1"]  # type: ignore[index]
    assert item["status"] == "fail" and not document["passed"], item  # type: ignore[index]


def o1_no_evidence(out: str) -> None:
    (line,) = [line for line in out.splitlines() if " O1 " in f" {line} " and "roc_auc" in line]
    assert "no-evidence" in line or "no evidence" in line, line


AUDIT_AND_REPORT = (("audit", "{root}"), ("report", "{root}", "--format", "html"))


def both(case_id: str, build: Callable[[Path], Path], **kw) -> list[DataCase]:
    """The same input through `planner audit` and `planner report` (which computes the audits)."""
    return [DataCase(f"{case_id}-{args[0]}", build, args, **kw) for args in AUDIT_AND_REPORT]


LATIN1 = predictions_bytes(lambda raw: latin1(raw.decode()))
RANDOM_CSV = predictions_bytes(random_bytes)
UNCLOSED = predictions_text(unclosed_quote)
EXTRA_FIELD = predictions_text(extra_field)
DUPLICATE = predictions_text(duplicate_column)
LITERAL_MISSING = predictions_text(literal_missing)
RANDOM_PARQUET = predictions_bytes(random_bytes, "data/predictions.parquet")
NESTED_LIST, NESTED_STRUCT = nested_parquet("list"), nested_parquet("struct")
TOO_MANY_GROUPS = many_groups(200_000, 100_000)
JUST_UNDER = many_groups(50_000, 999)
SLOW = {"memory": True, "seconds": 30}  # the bounds: 30 s and 2 GB

CASES = [
    # 1. predictions CSV: every broken file is exit 2 naming it (and the row or the column)
    *both("csv-latin1", LATIN1, code=2, names="predictions.csv", shows=("not UTF-8 text: byte 0xe4 on line 6",)),
    *both("csv-random-bytes", RANDOM_CSV, code=2, names="predictions.csv"),
    *both("csv-unclosed-quote", UNCLOSED, code=2, names="predictions.csv", shows=("unclosed quote", "row 40")),
    *both("csv-extra-field", EXTRA_FIELD, code=2, names="predictions.csv", shows=("row 7 of",)),
    *both("csv-duplicate-column", DUPLICATE, code=2, names="predictions.csv", shows=("'sex'", "4 and 6")),
    *both("csv-literal-missing", LITERAL_MISSING, code=2, names="predictions.csv", shows=("'(missing)'", "'sex'")),
    DataCase(  # duckdb is installed here (the `duckdb` extra); it streams parquet, and says so
        "csv-duckdb",
        german_copy,
        ("audit", "{root}", "--engine", "duckdb"),
        2,
        names="predictions.csv",
        shows=("reads parquet files only", "use the pandas engine"),
    ),
    # 2. predictions parquet
    *both("parquet-truncated", truncated_parquet, code=2, names="predictions.parquet"),
    *both("parquet-random-bytes", RANDOM_PARQUET, code=2, names="predictions.parquet"),
    *both("parquet-list-feature", NESTED_LIST, code=2, names="predictions.parquet", shows=("nested", "'sex'")),
    *both("parquet-struct-feature", NESTED_STRUCT, code=2, names="predictions.parquet", shows=("nested", "'sex'")),
    *(
        DataCase(f"{name}-duckdb", build, ("audit", "{root}", "--engine", "duckdb"), 2, names="predictions.parquet")
        for name, build in [("parquet-truncated", truncated_parquet), ("parquet-list-feature", NESTED_LIST)]
    ),
    # 3. JSON nested 100,000 levels: a diagnostic for evidence, a stale (recomputed) cache
    DataCase("deep-json-run-table", run_table("runs.json", deep()), ("status", "{root}"), 2, names="runs.json"),
    DataCase(
        "deep-jsonl-run-table",
        run_table("runs.jsonl", '{"run_id": "r1", "auc": 0.5}\n{"run_id": "r2", "x": ' + deep() + "}\n"),
        ("status", "{root}"),
        2,
        names="runs.jsonl:2",
    ),
    DataCase("deep-json-wandb-summary", wandb_deep_summary, ("status", "{root}"), 2, names="wandb-summary.json"),
    DataCase("deep-json-cache-gate", deep_cache, ("gate", "{root}"), 1, shows=("audit A1: computing",)),
    DataCase("deep-json-cache-status", deep_cache, ("status", "{root}"), 0),
    *(
        DataCase(
            f"cache-{change.__name__.replace('_', '-')}",
            retyped_cache(change),
            ("gate", "{root}"),
            1,
            shows=("audit A1: computing (cache file is malformed",),
        )
        for change in (rows_as_strings, overall_as_list, findings_as_numbers)
    ),
    # a forged cache (checksum recomputed) whose chart data the report would draw: recomputed, never exit 3
    *(
        DataCase(
            f"cache-{change.__name__.replace('_', '-')}",
            retyped_cache(change),
            ("report", "{root}", "--format", "html,pdf", "--kind", "governance"),
            0,
            shows=("audit A1: computing (cache file is malformed",),
        )
        for change in (short_histogram, negative_counts, more_positives_than_rows, short_cost_curve)
    ),
    # 4. metrics that are not finite numbers: no evidence, never met, null in JSON
    *(
        case
        for value in ("inf", "-inf", "nan", "Infinity", "NaN")
        for case in (
            DataCase(f"metric-{value}-status", candidate_metric(value), ("status", "{root}"), 0, check=o1_no_evidence),
            DataCase(
                f"metric-{value}-status-json",
                candidate_metric(value),
                ("status", "{root}", "--format", "json"),
                0,
                check=status_o1_no_evidence,
            ),
            DataCase(
                f"metric-{value}-gate-json",
                candidate_metric(value),
                ("gate", "{root}", "--format", "json"),
                1,
                check=gate_o1_fails,
            ),
        )
    ),
    *(
        DataCase(f"dvc-1e400-{'-'.join(args)}", dvc_metric('{"roc_auc": 1e400}'), (args[0], "{root}", *args[1:]), code)
        for args, code in [(("status",), 0), (("gate",), 1)]
    ),
    DataCase(
        "dvc-1e400-status-json",
        dvc_metric('{"roc_auc": 1e400}'),
        ("status", "{root}", "--format", "json"),
        0,
        check=status_o1_no_evidence,
    ),
    DataCase(
        "dvc-1e400-gate-json",
        dvc_metric('{"roc_auc": 1e400}'),
        ("gate", "{root}", "--format", "json"),
        1,
        check=gate_o1_fails,
    ),
    DataCase(
        "dvc-nan-literal",  # Python's json reads NaN; strict JSON does not
        dvc_metric('{"roc_auc": NaN}'),
        ("status", "{root}", "--format", "json"),
        0,
        check=status_o1_no_evidence,
    ),
    # 5. options with absurd values
    DataCase(
        "max-file-size-absurd",
        german_copy,
        ("validate", "{root}", "--max-file-size", str(10**30)),
        0,
        shows=("valid (13 documents",),
    ),
    # 6. tracking URIs: a database that is not one, a driver that is not installed, a host that never answers
    DataCase(
        "sqlite-text-file",
        tracking("sqlite:///x.db", {"x.db": b"not a database\n"}),
        ("status", "{root}"),
        2,
        names="x.db",
        shows=("not an SQLite database",),
    ),
    DataCase(
        "postgres-without-driver",
        tracking("postgresql://u@127.0.0.1:9/db"),
        ("status", "{root}"),
        2,
        names="results.yaml",
        shows=("needs the Python module psycopg", "pip install"),
        env={"PYTHONPATH": str(NO_PSYCOPG)},
    ),
    DataCase(
        "databricks-unreachable",
        tracking("databricks"),
        ("status", "{root}"),
        2,
        names="results.yaml",
        seconds=30,
        env={"DATABRICKS_HOST": "https://10.255.255.1", "DATABRICKS_TOKEN": "x"},
    ),
    *(
        DataCase(
            f"access-token-{'-'.join(args)}",
            tracking(f"http://127.0.0.1:9/mlflow?access_token={SECRET}"),
            (args[0], "{root}", *args[1:]),
            2 if args[0] == "status" else 1,  # the gate fails the evidence item
            names="" if args == ("gate",) else "results.yaml",  # the gate's table wraps a long path
            shows=("access_token=***",),
            terminal=args[-1] != "json",
        )
        for args in [("status",), ("status", "--format", "json"), ("gate",), ("gate", "--format", "json")]
    ),
    # 7. scale: too many groups refused before the work, just under the limit bounded
    *both("groups-100000", TOO_MANY_GROUPS, code=2, names="predictions.csv", shows=("100,000 groups", "1,000"), **SLOW),
    DataCase("groups-999-audit", JUST_UNDER, ("audit", "{root}"), 1, **SLOW),
    DataCase("groups-999-report", JUST_UNDER, ("report", "{root}", "--format", "html"), 0, **SLOW),
    # 8. a project's templates: bounded output and loops
    *(
        DataCase(
            f"template-{name}",
            template("design.html.j2", text),
            ("report", "{root}", "--format", "html", "--kind", "design"),
            2,
            names="design.html.j2",
            **SLOW,
        )
        for name, text in [
            ("string-times-4e9", '{{ "x" * 4000000000 }}'),
            ("string-times-variable", '{% set n = 4000000000 %}{{ "x" * n }}'),
            ("list-times-4e9", "{{ [1] * 4000000000 }}"),
            ("range-1e10", "{% for i in range(10000000000) %}x{% endfor %}"),
            ("nested-loops", "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}"),
            ("huge-output", '{% for i in range(100000) %}{{ "x" * 100000 }}{% endfor %}'),
            ("power", "{{ 2 ** 100000000 }}"),
            ("format-width", '{{ "%2000000000d" % 1 }}'),
            ("center-filter", '{{ "x"|center(4000000000) }}'),
            ("ljust-method", '{{ "x".ljust(4000000000) }}'),
            ("replace-filter", '{{ ("x" * 1000000)|replace("x", "y" * 10000) }}'),
            (
                "doubling-concat",
                '{% set ns = namespace(s="xx") %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}'
                "{% endfor %}{{ ns.s|length }}",
            ),
            ("recursive-macro", "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}"),
            ("type-error", '{{ 1 + "a" }}'),
            ("str-format-width", '{{ "{:>4000000000}".format(1) }}'),  # past the counts: its MemoryError
        ]
    ),
    # 9. beyond the list
    *both(
        "csv-header-only",
        predictions_text(lambda text: text.splitlines(keepends=True)[0]),
        code=2,
        names="predictions.csv",
    ),
    *both("csv-empty", predictions_bytes(lambda raw: b""), code=2, names="predictions.csv"),
    *both(
        "csv-score-inf",
        predictions_text(lambda text: text.replace(",0.54301,", ",inf,", 1)),
        code=2,
        names="predictions.csv",
        shows=("score",),
    ),
    DataCase(
        "metric-garbage",
        candidate_metric("0.8x"),
        ("status", "{root}"),
        2,
        names="roc_auc",
    ),
    DataCase(
        "cache-json-scalar",
        scalar_cache,
        ("gate", "{root}"),
        1,
        shows=("audit A1: computing",),
    ),
]


@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in CASES])
def test_hostile_data(case: DataCase, built, tmp_path, monkeypatch):
    for name, value in case.env.items():
        monkeypatch.setitem(hostile.ENV, name, value)
    run_case(case, built(case.build), tmp_path)
