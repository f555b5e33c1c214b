"""`planner audit --export-counts FILE`: the grouped count an audit was computed from, with its provenance.

Why: a counts file is what a team hands on when the rows may not travel (another audit, another
tool, an auditor's own check). It is only as good as the record of where it came from, so the
provenance goes with it: in a parquet file's key-value metadata (key `planner`), beside a CSV as
`FILE.provenance.json`. The file reads back as a counts table (`format: counts`).
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from planner.source.atomic import write_atomic

if TYPE_CHECKING:
    from planner.audit.project import ProjectAudit

METADATA_KEY = b"planner"
SIDECAR = ".provenance.json"


def counts_record(audit_id: str, provenance: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    """What a counts file says of itself: the audit, where the rows were, and how to read it back
    (`label: label`, `prediction: prediction`, `positive_label: 1`: the cells are mapped already;
    the spec's own columns and positive label are kept under `mapped_from`)."""
    return {
        "audit": audit_id,
        "source": provenance,
        "label": "label",
        "prediction": "prediction",
        "positive_label": 1,
        "columns": "group columns, then label and prediction (already mapped: 1 = positive), then count",
        "mapped_from": {
            "label": settings.get("label"),
            "prediction": settings.get("prediction"),
            "score": settings.get("score"),
            "positive_label": settings.get("positive_label"),
            "threshold": settings.get("threshold"),
        },
    }


def write_counts(path: Path, counts: pd.DataFrame, record: dict[str, Any], *, root: Path | None = None) -> list[Path]:
    """Write the counts (parquet by the `.parquet`/`.pq` ending, else CSV with a sidecar); the paths written."""
    text = json.dumps(record, sort_keys=True, allow_nan=False)
    if path.suffix.lower() in (".parquet", ".pq"):
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(counts, preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), METADATA_KEY: text.encode()})
        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        write_atomic(path, buffer.getvalue(), root=root)
        return [path]
    write_atomic(path, counts.to_csv(index=False), root=root)
    sidecar = path.with_name(path.name + SIDECAR)
    write_atomic(sidecar, text + "\n", root=root)
    return [path, sidecar]


def read_record(path: Path) -> dict[str, Any] | None:
    """The provenance record of a counts file planner wrote, or None."""
    if path.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        metadata = pq.read_schema(path).metadata or {}
        raw = metadata.get(METADATA_KEY)
        return None if raw is None else json.loads(raw)
    sidecar = path.with_name(path.name + SIDECAR)
    return json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.is_file() else None


def export_counts(audits: Sequence[ProjectAudit], pattern: str) -> list[Path]:
    """Write each computed audit's counts to `pattern` (its `{id}` replaced by the audit id)."""
    written: list[Path] = []
    for audit in audits:
        if audit.counts is None:
            continue
        provenance = audit.result_data.get("source") or {"file": audit.spec.file, "rows": audit.result_data["rows"]}
        record = counts_record(audit.spec.id, provenance, audit.result_data["settings"])
        written += write_counts(Path(pattern.replace("{id}", audit.spec.id)), audit.counts, record)
    return written
