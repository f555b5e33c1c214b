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
so no column name can collide with the computed ones. The emitted query (`emitted_counts`) maps
label and prediction itself, as the counts file it produces is read (`format: counts`).
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
    at = flag(table[score] >= ibis.literal(float(threshold), type="float64")) if score else None
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

    s = table[score].cast("float64")
    k = (s * bins).floor().cast("int64")
    k = k - flag(s < k.cast("float64") / bins)
    k = k + flag((k < bins) & (s >= (k + 1).cast("float64") / bins))
    tbin = ibis.cases((s.isnull() | s.isnan(), NAN_BIN), ((s < 0) | (s > 1), RANGE_BIN), else_=k)
    inner = np.linspace(0.0, 1.0, ece_bins + 1)[1:-1]  # `planner.audit.scores`' calibration edges
    cbin = ibis.literal(0, type="int64")
    for edge in inner:
        cbin = cbin + flag(s > ibis.literal(float(edge), type="float64"))
    keys = [table[name].name(group_key(i)) for i, name in enumerate(features)]
    keys += [table[label].name("label"), tbin.name("tbin"), cbin.name("cbin")]
    from planner.audit.binned import FIXED_POINT

    fixed_sum = (s * FIXED_POINT).floor().cast("int64").sum()
    fixed_sq = ((s * s) * FIXED_POINT).floor().cast("int64").sum()
    return table.group_by(keys).aggregate(count=ibis._.count(), score_sum=fixed_sum, score_sq=fixed_sq)


def _literal(value: Any) -> Any:
    import ibis

    if isinstance(value, bool):
        return ibis.literal(value, type="boolean")
    if isinstance(value, int):
        return ibis.literal(value, type="int64")
    return ibis.literal(str(value), type="string")


def emitted_counts(
    table_name: str,
    *,
    dialect: str,
    groups: Sequence[str],
    label: str,
    prediction: str | None,
    score: str | None,
    positive_label: Any,
    threshold: float,
) -> str:
    """The grouped count for `table_name`, with label and prediction mapped to 0/1 through the
    positive label (as `planner.audit.inputs` maps them) and groups as text, in `dialect`.

    The columns are declared with the types the spec implies; each is cast where its real type may
    differ, so the text runs whatever the warehouse stored (a 0/1 prediction beside text labels).
    """
    import ibis

    from planner.audit.inputs import _zero_one_value

    positive = 1 if positive_label is None else positive_label
    text_label = isinstance(positive, str)
    schema = {name: "int64" for name in groups}
    schema[label] = "string" if text_label else ("boolean" if isinstance(positive, bool) else "int64")
    if prediction is not None:
        schema[prediction] = "int64"
    if score is not None:
        schema[score] = "float64"
    parts = table_name.split(".")
    database = tuple(parts[:-1]) if len(parts) > 2 else (parts[0] if len(parts) == 2 else None)
    table = ibis.table(schema, name=parts[-1], database=database)
    keys = [table[name].cast("string").name(name) for name in groups]
    keys.append(flag(table[label] == _literal(positive)).name("label"))
    if prediction is not None:
        column = table[prediction]
        zero_one = _zero_one_value(positive)
        if zero_one == 1 or positive_label is None:
            mapped = column.cast("int64")
        elif zero_one == 0:
            mapped = flag(column.cast("int64") == 0)
        elif text_label:
            text = column.cast("string")
            mapped = flag(text.isin([str(positive), "1", "1.0", "true"]))
        else:
            mapped = flag(column == _literal(positive))
        keys.append(mapped.name("prediction"))
    elif score is not None:
        keys.append(flag(table[score] >= ibis.literal(float(threshold), type="float64")).name("prediction"))
    expression = table.group_by(keys).aggregate(count=ibis._.count()).order_by([k.get_name() for k in keys])
    if dialect == "pyspark":
        ibis.pyspark  # noqa: B018 - registers the backend's options, which its compiler reads
    return str(ibis.to_sql(expression, dialect=dialect))
