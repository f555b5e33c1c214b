"""The audit's two aggregations as Ibis expressions: one text, compiled for every engine.

Why Ibis: the same expression runs on DuckDB, PostgreSQL, Spark, BigQuery and Snowflake, and
prints as any dialect sqlglot knows (`planner audit --emit-sql TABLE --dialect ...`), so no SQL is
written by hand per dialect (`GROUP BY ALL` and `VARCHAR` are not PostgreSQL, nor BigQuery).

- `counts`: one row per (group columns..., label, prediction) cell with its row count: every
  confusion metric of every feature, intersection and slice follows, in one scan.
- `histogram`: one row per (sensitive features..., label, score bin, calibration bin) with the
  count, the sum of scores and of squared scores (`planner.audit.binned`).

For planner's own run the label and prediction come back *raw* and are mapped and checked on the
small result by the same code (and messages) as a file's. Group keys come back as `g0, g1, ...`,
so no column name can collide with the computed ones. The emitted query (`emitted_counts`) is
the same count for a job of the user's own, its result read back as a counts file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

NAN_BIN = -1
"""`tbin` of a missing or NaN score."""
RANGE_BIN = -2
"""`tbin` of a score outside [0, 1]."""


def group_key(i: int) -> str:
    return f"g{i}"


def flag(condition: Any) -> Any:
    """1 where `condition` holds, else 0 (PostgreSQL casts a boolean to INTEGER only, not BIGINT)."""
    import ibis

    return ibis.ifelse(condition, 1, 0)


def counts(
    table: Any,
    *,
    groups: Sequence[str],
    label: str,
    prediction: str | None,
    score: str | None,
    threshold: float,
) -> Any:
    """Raw cells: group columns, label, prediction (`score >= threshold` without one), `at_threshold`
    (the prediction the score gives, when both columns exist: the threshold agreement), `count`."""
    import ibis

    keys = [table[name].name(group_key(i)) for i, name in enumerate(groups)]
    keys.append(table[label].name("label"))
    at = None
    if score is not None:  # NULL for a score the histogram refuses (NaN >= 0.5 is true in SQL)
        s = table[score]
        at = ibis.ifelse(valid_score(s), flag(s >= ibis.literal(float(threshold), type="float64")), ibis.null())
        at = at.cast("int64")
    if prediction is not None:
        keys.append(table[prediction].name("prediction"))
        if at is not None:
            keys.append(at.name("at_threshold"))
    elif at is not None:
        keys.append(at.name("prediction"))
    return table.group_by(keys).aggregate(count=ibis._.count())


def histogram(table: Any, *, features: Sequence[str], label: str, score: str, bins: int, ece_bins: int) -> Any:
    """Cells of (features..., raw label, `tbin`, `cbin`) with `count`, `score_sum`, `score_sq`
    (the sums in fixed point, `planner.audit.binned.FIXED_POINT`).

    The bin is ``floor(score * bins)`` corrected by one against ``k / bins`` in double precision,
    so a score on an edge lands where `planner.audit.binned.bin_of` puts it on every engine.
    """
    import ibis

    from planner.audit.binned import FIXED_POINT

    s = table[score].cast("float64")
    valid = valid_score(s)  # an invalid score bins and sums as 0: its bin (NAN_BIN, RANGE_BIN) refuses it
    k = ibis.ifelse(valid, (s * bins).floor(), 0).cast("int64")  # NaN cannot be cast
    k = k - flag(s < k.cast("float64") / bins)
    k = k + flag((k < bins) & (s >= (k + 1).cast("float64") / bins))
    tbin = ibis.cases((s.isnull() | s.isnan(), NAN_BIN), ((s < 0) | (s > 1), RANGE_BIN), else_=k)
    inner = np.linspace(0.0, 1.0, ece_bins + 1)[1:-1]  # `planner.audit.scores`' calibration edges
    cbin = ibis.literal(0, type="int64")
    for edge in inner:
        cbin = cbin + flag(s > ibis.literal(float(edge), type="float64"))
    keys = [table[name].name(group_key(i)) for i, name in enumerate(features)]
    keys += [table[label].name("label"), tbin.name("tbin"), cbin.name("cbin")]
    fixed_sum = ibis.ifelse(valid, (s * FIXED_POINT).floor().cast("int64"), 0).sum()
    fixed_sq = ibis.ifelse(valid, ((s * s) * FIXED_POINT).floor().cast("int64"), 0).sum()
    return table.group_by(keys).aggregate(count=ibis._.count(), score_sum=fixed_sum, score_sq=fixed_sq)


def valid_score(s: Any) -> Any:
    """A score that is neither missing nor NaN, and within [0, 1]."""
    return s.notnull() & ~s.isnan() & (s >= 0) & (s <= 1)


def emitted_counts(
    table_name: str,
    *,
    dialect: str,
    groups: Sequence[str],
    label: str,
    prediction: str | None,
    score: str | None,
    threshold: float,
    where: str | None = None,
    query: str | None = None,
) -> str:
    """The grouped count for `table_name` (or the spec's `query`, with its `where`) in `dialect`,
    for a job of the user's own; its result is a counts file (`format: counts`).

    Label, prediction and groups come back raw, as in planner's own run: the counts reader maps
    them through the positive label and refuses what is not binary or missing, so the job cannot
    turn a NULL label or a misspelt positive label into plausible 0/1 counts. A prediction derived
    from the score is NULL where the score is missing, NaN or outside [0, 1] (refused likewise).
    """
    import ibis
    import sqlglot
    from sqlglot import exp

    schema = {name: "string" for name in groups}
    schema[label] = "string"
    if prediction is not None:
        schema[prediction] = "string"
    if score is not None:
        schema[score] = "float64"
    parts = table_name.split(".")
    database = tuple(parts[:-1]) if len(parts) > 2 else (parts[0] if len(parts) == 2 else None)
    table = ibis.table(schema, name=parts[-1], database=database)
    keys = [table[name].name(name) for name in groups]
    keys.append(table[label].name("label"))
    if prediction is not None:
        keys.append(table[prediction].name("prediction"))
    elif score is not None:
        s = table[score]
        derived = ibis.ifelse(valid_score(s), flag(s >= ibis.literal(float(threshold), type="float64")), ibis.null())
        keys.append(derived.cast("int64").name("prediction"))
    expression = table.group_by(keys).aggregate(count=ibis._.count()).order_by([k.get_name() for k in keys])
    if dialect == "pyspark":
        ibis.pyspark  # noqa: B018 - registers the backend's options, which its compiler reads
    read = "spark" if dialect == "pyspark" else dialect
    tree = sqlglot.parse_one(str(ibis.to_sql(expression, dialect=dialect)), read=read)
    source = next(t for t in tree.find_all(exp.Table) if t.name == parts[-1])
    if query is not None:  # the spec's query in place of the table, under the table's alias
        source.replace(exp.Subquery(this=sqlglot.parse_one(query, read=read), alias=source.args.get("alias")))
    if where is not None:
        select = source.parent_select if query is None else tree.find(exp.Select)
        assert select is not None  # the compiled count is a SELECT
        select.where(where, dialect=read, copy=False)
    return tree.sql(dialect=read, pretty=True)
