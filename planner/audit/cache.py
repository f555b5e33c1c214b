"""Computed bias audits saved under `<project>/.planner/audits/` and reloaded without pandas.

Why: `planner gate`, `status` and `report` need each audit's limit outcomes, threshold analysis
and baselines, not the data frames that produced them. Reading them back from plain JSON keeps
those commands free of pandas, numpy and scikit-learn once `planner audit` (or any of them) has
computed the audits, e.g. in an earlier CI step whose `.planner/` folder is cached.

A cached result is used only while its fingerprint still matches: the sha256 of the predictions
file's bytes, a digest of the audit spec (its canonical JSON without the fields that only
describe it: `title`, `harms`, `links`, which are always read from the current spec), the planner
version, and a digest of the audit engine's own source code. The engine that counted (pandas or
DuckDB) is recorded but not checked: the two are tested to agree. Anything else (no file, a
different fingerprint, a file that does not parse, fails its checksum or lacks a field) makes the
audit stale, with the reason, and it is computed again; a broken cache file never crashes a
command. The checksum catches accidents, not forgery: anyone who can write the project folder can
write a matching file, so a gate that must be trusted runs `planner audit` first (the GitHub
Action does), which recomputes every audit and rewrites the cache.

Why the engine's code and not only the version: `planner.__version__` changes at releases, not
at every edit, so a cache filled before a change to (say) `selection_rate` kept serving the old
number. The digest covers every module of `planner.audit` that computes results (all but this
module and `text`, which only read and render them), so any edit there recomputes.

Why hash every time instead of comparing size and modification time: git sets a file's mtime to
the moment of checkout, and CI restores `.planner/` from a cache into a fresh checkout, so in CI
the pre-check would never hit, while locally an mtime kept by `touch -r`, `rsync -t`, a tar or
cache restore, or a coarse (1-2 s) file system clock lets a rewritten file of the same size look
unchanged: a silently stale fairness result is the one outcome a gate must not produce. Hashing
is cheap next to recomputing: sha256 streamed in 1 MiB chunks ran at 0.5-0.65 GB/s here (2-core
AMD EPYC with SHA extensions, file in the page cache: 1.6-2.2 s for 1 GB), while reading the same
1 GB of CSV into pandas takes several times longer. A file named by several audits is hashed once.

Only `.planner/audits/*.json` under the project root is ever written; a `.planner` folder that
resolves outside the root (a symlink) is neither read nor written.

Hostile caches: a cache file is read through the guard (`planner.source.guard`, `CACHE`: inside
the project, a regular file, at most 256 MiB, strict UTF-8, JSON nested at most 64 levels, no NaN
or Infinity), so a FIFO or `/dev/zero` in its place is a stale reason, not a hang. A file with a
valid checksum is still checked against the shape this planner writes (`_Payload`: every field
the gate, the assessment and the reports read, with its type), so a hand-made or damaged file
whose numbers are strings, or whose finding positions point elsewhere, is stale too and never
crashes a command or fools one with numbers it did not compute. Predictions are hashed through
the guard's `open_file` (confined, a regular file; a FIFO cannot block the hash). Saving holds
an exclusive lock (`planner.source.atomic.locked`) so two commands filling the cache at once do not
interleave.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from planner import __version__
from planner.audit.project import CACHE, ProjectAudit, assemble, audit_spec, run_spec_audit
from planner.errors import Diagnostic, PlannerError
from planner.project.operating import with_threshold
from planner.project.project import Project, SpecDoc
from planner.source import guard
from planner.source.atomic import locked, write_atomic
from planner.spec.bias import BiasAudit

CACHE_FOLDER = Path(".planner") / "audits"
CACHE_FORMAT = 3  # 3: `charts` (score histograms, per-group cost curves) beside the result
CHUNK_BYTES = 1 << 20  # fastest of 64 KiB, 1 MiB and 4 MiB here
DESCRIPTIVE_FIELDS = frozenset({"title", "harms", "links", "satisfies"})  # never change a computed number
RESULT_KEYS = frozenset(
    {
        "status",
        "rows",
        "settings",
        "missing",
        "overall",
        "groupings",
        "findings",
        "slices",
        "thresholds",
        "baselines",
    }
)
ENGINE_PACKAGE = Path(__file__).parent
NOT_ENGINE = frozenset({"cache.py", "text.py"})  # they read and render results, computing none

MISSING = "no cached result"
UNREADABLE = "cache file cannot be read ({error})"
MALFORMED = "cache file is malformed ({error})"
CHECKSUM = "cache file content does not match its checksum"
OLD_FORMAT = "cache file has format {found}, this planner writes {expected}"
SPEC_CHANGED = "the audit spec changed since the result was computed"
VERSION_CHANGED = "computed by planner {found}, this is planner {expected}"
ENGINE_CODE_CHANGED = "the audit engine's code changed since the result was computed"
PREDICTIONS_CHANGED = "predictions file {path} changed since the result was computed"
LIVE_SOURCE = "{source} has no snapshot id, so its rows are counted again"
PREDICTIONS_UNREADABLE = "predictions file {path} cannot be read ({error})"
OUTSIDE = "cache folder {folder} resolves outside the project folder"
NOT_CACHED = "cache not used"
RECOMPUTING = "audit {id}: computing ({reason})"
NOT_SAVED = "audit results not cached: {error}"


class CacheLocationError(OSError):
    """The cache folder would lie outside the project folder."""


def cache_folder(project: Project) -> Path:
    """`<root>/.planner/audits`; raises `CacheLocationError` when it resolves outside the root."""
    folder = project.root / CACHE_FOLDER
    if not folder.resolve().is_relative_to(project.root.resolve()):
        raise CacheLocationError(OUTSIDE.format(folder=folder))
    return folder


def cache_path(project: Project, audit_id: str) -> Path:
    # audit ids match ID_PATTERN (letters, digits, `_`, `.`, `-`, starting with a letter): a plain name
    return cache_folder(project) / f"{audit_id}.json"


class UnreadableInput(OSError):
    """A file the read boundary refused (outside the project, not a regular file...)."""


def file_sha256(path: Path, root: Path | None = None, label: str | None = None) -> str:
    """sha256 of a file's bytes, read in chunks so a file of many GB never sits in memory; through
    the guard (inside `root`, the file's folder when None; a regular file), which raises
    `UnreadableInput` (an `OSError`) with its message."""
    digest = hashlib.sha256()
    try:
        handle = guard.open_file(path, root=root or Path(path).parent, kind=guard.PREDICTIONS, file_label=label)
    except PlannerError as exc:
        raise UnreadableInput(exc.diagnostics[0].message) from None
    with handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


@functools.cache
def code_sha256(package: Path) -> str:
    """sha256 over the name and bytes of each `.py` file of `package` but `NOT_ENGINE`, in name
    order; read once per process (the source of a running engine does not change under it)."""
    digest = hashlib.sha256()
    for path in sorted(package.glob("*.py"), key=lambda path: path.name):
        if path.name not in NOT_ENGINE:
            data = path.read_bytes()
            digest.update(f"{path.name}\0{len(data)}\0".encode())  # lengths keep the stream unambiguous
            digest.update(data)
    return digest.hexdigest()


def engine_code_sha256() -> str:
    """Digest of the audit engine's source code (see `code_sha256`)."""
    return code_sha256(ENGINE_PACKAGE)


def _canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False).encode("utf-8")


def spec_sha256(spec: BiasAudit) -> str:
    """Digest of what the result depends on: the spec's canonical JSON without its descriptive fields."""
    return hashlib.sha256(_canonical(spec.model_dump(mode="json", exclude=set(DESCRIPTIVE_FIELDS)))).hexdigest()


class LiveSource(Exception):
    """A warehouse source whose data has no version planner can read without counting it again
    (a PostgreSQL table, a query, a Spark table): its cached result is never reused."""


def database_sha256(root: Path, name: str) -> str:
    """A DuckDB database file's snapshot: its sha256, with its write-ahead log's when there is one
    (rows written but not yet checkpointed are in the log, and a reader sees them)."""
    digest = file_sha256(root / name, root, name)
    wal = f"{name}.wal"
    if not (root / wal).exists():
        return digest
    return hashlib.sha256(f"{digest}\0{file_sha256(root / wal, root, wal)}".encode()).hexdigest()


def hashed_file(spec: BiasAudit) -> str | None:
    """The file whose bytes fingerprint the predictions: the predictions file, or a DuckDB
    database file (its sha256 is its snapshot id); None for any other warehouse source."""
    from planner.spec.warehouse import duckdb_file

    if spec.warehouse is None:
        return spec.file
    return duckdb_file(spec.warehouse.connection) if spec.warehouse.scheme == "duckdb" else None


class _Hashes:
    """Predictions digests of one call, so a file named by several audits is read once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.digests: dict[Path, str] = {}

    def of(self, spec: BiasAudit) -> str:
        """The file's sha256; raises `LiveSource` for a warehouse source without a snapshot id."""
        name = hashed_file(spec)
        if name is None:
            raise LiveSource(LIVE_SOURCE.format(source=spec.source_label))
        path = (self.root / name).resolve()
        if path not in self.digests:
            database = spec.warehouse is not None
            self.digests[path] = (
                database_sha256(self.root, name) if database else file_sha256(self.root / name, self.root, name)
            )
        return self.digests[path]


def fingerprint(spec: BiasAudit, hashes: _Hashes, *, engine: str) -> dict[str, str]:
    """What a result depends on; raises `OSError` when the predictions file cannot be read, and
    `LiveSource` for a warehouse source without a snapshot id."""
    return fingerprint_of(spec, hashes.of(spec), engine)


def fingerprint_of(spec: BiasAudit, predictions: str, engine: str) -> dict[str, str]:
    """The fingerprint with the predictions' digest given."""
    return {
        "predictions_sha256": predictions,
        "spec_sha256": spec_sha256(spec),
        "planner_version": __version__,
        "engine_code_sha256": engine_code_sha256(),
        "engine": engine,
    }


def _payload(audit: ProjectAudit) -> dict[str, Any]:
    """The engine result as plain data, and each limit with the positions of its findings in it."""
    position = {id(finding): index for index, finding in enumerate(audit.findings)}
    limits = [
        {
            "id": limit.id,
            "metric": limit.metric,
            "op": limit.op,
            "value": limit.value,
            "feature": limit.feature,
            "confident": limit.confident,
            "findings": [position[id(finding)] for finding in limit.findings],
        }
        for limit in audit.limits
    ]
    return {"result": audit.result_data, "limits": limits, "charts": audit.charts}


def _save(project: Project, audit: ProjectAudit, fingerprint_: dict[str, str]) -> Path:
    """Write one audit to `<root>/.planner/audits/<audit id>.json` (atomically)."""
    payload = _payload(audit)
    document = {
        "format": CACHE_FORMAT,
        "id": audit.spec.id,
        "predictions": audit.spec.source_label,
        "fingerprint": fingerprint_,
        "checksum": hashlib.sha256(_canonical(payload)).hexdigest(),
        "audit": payload,
    }
    path = cache_path(project, audit.spec.id)
    write_atomic(path, json.dumps(document, allow_nan=False, separators=(",", ":")))
    return path


Pair = Annotated[list[float], Field(min_length=2, max_length=2)]


class _Shape(BaseModel):
    """A part of the cache document as this planner writes it: types checked strictly (a number
    is a number, not a string or a boolean; no NaN or Infinity); fields it does not read may be there."""

    model_config = ConfigDict(strict=True, extra="allow", allow_inf_nan=False)


class _Metric(_Shape):
    value: float | None
    undefined: bool
    interval: Pair | None
    reference_ratio: float | None = None


class _Overall(_Shape):
    count: int
    cells: dict[str, int]
    metrics: dict[str, _Metric]


class _Group(_Shape):
    group: dict[str, str]
    count: int
    share: float | None
    sufficient: bool
    cells: dict[str, int]
    metrics: dict[str, _Metric]


class _FourFifths(_Shape):
    ratio: float | None
    passed: bool | None


class _Grouping(_Shape):
    name: str
    features: list[str]
    reference: dict[str, str] | None
    groups: list[_Group]
    insufficient_groups: list[dict[str, str]]
    disparities: dict[str, dict[str, _Metric]]
    four_fifths_rule: _FourFifths


class _Limit(_Shape):
    metric: str
    op: str
    value: float
    confident: bool
    method: str


class _Finding(_Shape):
    limit: _Limit
    grouping: str
    group: dict[str, str] | None
    observed: float | None
    interval: Pair | None
    compared: float | None
    status: str
    reason: str | None


class _SliceGroup(_Shape):
    slice: str
    group: str
    metrics: dict[str, float | None]


class _Slice(_Shape):
    slice_column: str
    feature: str
    groups: list[_SliceGroup]
    reversals: list[dict[str, Any]]


class _Cost(_Shape):
    best_threshold: float | None
    best_cost: float | None
    cost_in_use: float | None


class _Thresholds(_Shape):
    cost_fp: float
    cost_fn: float
    candidates: str
    thresholds: list[float]
    overall_curve: list[float | None]
    overall: _Cost
    groupings: dict[str, dict[str, _Cost]]


class _Baseline(_Shape):
    overall: dict[str, float | None]
    groups: dict[str, dict[str, float | None]] | None = None


class _Calibration(_Shape):
    rows: list[int]
    positives: list[int]
    score_sum: list[float]


class _Histogram(_Shape):
    negatives: list[int]
    positives: list[int]
    calibration: _Calibration


class _Histograms(_Shape):
    edges: list[float]
    calibration_bins: int
    overall: _Histogram
    groupings: dict[str, dict[str, _Histogram]]


class _Result(_Shape):
    status: str
    rows: int
    settings: dict[str, Any]
    missing: dict[str, int]
    overall: _Overall
    groupings: list[_Grouping]
    findings: list[_Finding]
    slices: list[_Slice]
    thresholds: _Thresholds | None
    baselines: dict[str, _Baseline]


class _StoredLimit(_Shape):
    id: str
    metric: str
    op: str
    value: float
    feature: str | None
    confident: bool
    findings: list[int]


class _Charts(_Shape):
    score_histograms: _Histograms | None
    group_curves: dict[str, dict[str, list[float | None]]] | None


class _Payload(_Shape):
    result: _Result
    limits: list[_StoredLimit]
    charts: _Charts


def _shape_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "the document"
    return f"{where}: {first['msg']}"


EDGE_COUNT = 101  # `planner.audit.histograms.EDGES` (0, 0.01, ..., 1), not imported: it brings numpy
MAX_CALIBRATION_BINS = 10_000


def _check_histogram(histogram: dict[str, Any], bins: int, where: str) -> None:
    counts = (histogram["negatives"], histogram["positives"])
    if any(len(c) != EDGE_COUNT or min(c, default=0) < 0 for c in counts):
        raise ValueError(f"{where}: a score histogram needs {EDGE_COUNT} counts of at least 0")
    calibration = histogram["calibration"]
    rows, positives, scores = calibration["rows"], calibration["positives"], calibration["score_sum"]
    if not len(rows) == len(positives) == len(scores) == bins:
        raise ValueError(f"{where}: the calibration needs {bins} bins")
    for n, k, total in zip(rows, positives, scores, strict=True):
        if not (0 <= k <= n and 0 <= total <= n):  # also false for NaN
            raise ValueError(f"{where}: a calibration bin holds {k} positives and scores {total} in {n} rows")


def _check_charts(charts: dict[str, Any], thresholds: dict[str, Any] | None) -> None:
    """What the shape check cannot see: the lengths and bounds the chart code relies on, so a
    forged cache (its checksum recomputed) is recomputed instead of drawing nonsense or failing."""
    histograms = charts["score_histograms"]
    if histograms is not None:
        edges, bins = histograms["edges"], histograms["calibration_bins"]
        if len(edges) != EDGE_COUNT or any(abs(e - k / (EDGE_COUNT - 1)) > 1e-9 for k, e in enumerate(edges)):
            raise ValueError("score histogram edges are not 0, 0.01, ..., 1")
        if not 1 <= bins <= MAX_CALIBRATION_BINS:
            raise ValueError(f"calibration_bins {bins} is not between 1 and {MAX_CALIBRATION_BINS}")
        _check_histogram(histograms["overall"], bins, "overall")
        for feature, groups in histograms["groupings"].items():
            for group, histogram in groups.items():
                _check_histogram(histogram, bins, f"{feature}={group}")
    grid = len(thresholds["thresholds"]) if thresholds else 0
    curves = [("overall", thresholds["overall_curve"])] if thresholds else []
    curves += [(f"by {f}", curve) for f, groups in (charts["group_curves"] or {}).items() for curve in groups.values()]
    for name, curve in curves:
        if not thresholds or len(curve) != grid or any(c is not None and not 0 <= c < math.inf for c in curve):
            raise ValueError(f"the cost curve {name} does not follow the thresholds with finite costs")


def _rebuild(spec: BiasAudit, payload: dict[str, Any]) -> ProjectAudit:
    """The audit from the stored payload; raises on any shape it was not written with."""
    data = payload["result"]
    lacking = RESULT_KEYS - data.keys()
    if lacking:
        raise KeyError(", ".join(sorted(lacking)))
    if [item["id"] for item in payload["limits"]] != [spec.limit_id(index) for index in range(len(spec.limits))]:
        raise ValueError("its limits are not the spec's")
    _Payload.model_validate(payload, strict=True)  # raises ValidationError, a ValueError
    _check_charts(payload["charts"], data.get("thresholds"))
    positions = [item["findings"] for item in payload["limits"]]
    if any(not 0 <= at < len(data["findings"]) for found in positions for at in found):
        raise IndexError("list index out of range")  # a negative one would pick another finding
    return assemble(spec, data, positions, CACHE, payload["charts"])


def _read(path: Path, root: Path) -> dict[str, Any] | str:
    """The parsed cache document, or why it cannot be used."""
    label = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    try:
        text = guard.read_text(path, root=root, kind=guard.CACHE, file_label=label)
        document = guard.parse_json(text, label, kind=guard.CACHE, allow_nan=False)
    except PlannerError as exc:  # missing, a FIFO, a link out, too large, bad UTF-8 or JSON, too deep
        diagnostic = exc.diagnostics[0]
        return MISSING if diagnostic.code == guard.MISSING else UNREADABLE.format(error=diagnostic.message)
    if not isinstance(document, dict):
        return MALFORMED.format(error="not a JSON object")
    if document.get("format") != CACHE_FORMAT:
        return OLD_FORMAT.format(found=document.get("format"), expected=CACHE_FORMAT)
    return document


def _stale_reason(stored: dict[str, Any], spec: BiasAudit) -> str | None:
    """Why the stored fingerprint no longer holds, leaving out the predictions; None when it holds."""
    if stored["spec_sha256"] != spec_sha256(spec):
        return SPEC_CHANGED
    if stored["planner_version"] != __version__:
        return VERSION_CHANGED.format(found=stored["planner_version"], expected=__version__)
    if stored["engine_code_sha256"] != engine_code_sha256():
        return ENGINE_CODE_CHANGED
    return None


def _predictions_reason(stored: dict[str, Any], spec: BiasAudit, hashes: _Hashes) -> str | None:
    """Hashing the predictions is the one costly check, so it comes last."""
    try:
        current = hashes.of(spec)
    except LiveSource as exc:
        return str(exc)
    except OSError as exc:
        return PREDICTIONS_UNREADABLE.format(path=spec.source_label, error=exc.strerror or exc)
    return None if stored["predictions_sha256"] == current else PREDICTIONS_CHANGED.format(path=spec.source_label)


def _load_one(project: Project, spec: BiasAudit, hashes: _Hashes) -> ProjectAudit | str:
    """The cached audit, or why there is none that can be used."""
    try:
        document = _read(cache_path(project, spec.id), project.root)
    except CacheLocationError as exc:
        return str(exc)
    if isinstance(document, str):
        return document
    try:
        reason = _stale_reason(document["fingerprint"], spec)
        if reason is None and document["checksum"] != hashlib.sha256(_canonical(document["audit"])).hexdigest():
            reason = CHECKSUM
        reason = reason or _predictions_reason(document["fingerprint"], spec, hashes)
        return reason or _rebuild(spec, document["audit"])
    except ValidationError as exc:  # valid checksum, content this planner does not write
        return MALFORMED.format(error=_shape_error(exc))
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        return MALFORMED.format(error=f"{type(exc).__name__}: {exc}")


def _compute(
    doc: SpecDoc, spec: BiasAudit, project: Project, engine: str, hashes: _Hashes
) -> tuple[ProjectAudit, dict[str, str] | None]:
    """The computed audit and the fingerprint of its inputs, taken before computing so that a file
    rewritten meanwhile leaves a stale entry rather than a wrong one (None when it cannot be read)."""
    live = False
    try:
        taken = fingerprint(spec, hashes, engine=engine)
    except LiveSource:
        taken, live = None, True
    except OSError:
        taken = None  # computing reports the missing file at its spec line
    audit = run_spec_audit(doc, project.root, engine=engine, spec=spec)
    if live:  # recorded, never reused: what was counted, by its provenance
        provenance = audit.result_data.get("source") or {}
        taken = fingerprint_of(spec, "provenance:" + hashlib.sha256(_canonical(provenance)).hexdigest(), engine)
    return audit, taken


def audits_for(
    project: Project, *, engine: str = "pandas", use_cache: bool = True, report: Callable[[str], None] | None = None
) -> tuple[list[ProjectAudit], list[Diagnostic]]:
    """Every audit of the project, in spec order: cached where fresh, computed where not (importing
    the engine only then) and saved for next time. A cached result from either engine is used.

    `use_cache=False` computes every audit and refreshes the cache. `report` receives one line per
    audit computed because its cache was missing or stale, and one if the cache cannot be written
    (a read-only checkout): the cache never fails a command. One audit's bad input (a diagnostic
    in the second list) does not stop the others.
    """
    hashes = _Hashes(project.root)
    audits: list[ProjectAudit] = []
    problems: list[Diagnostic] = []
    computed: list[tuple[ProjectAudit, dict[str, str]]] = []
    for doc in project.docs_of_kind("bias-audit"):
        spec = with_threshold(audit_spec(doc), project)  # the plan's threshold is part of what it depends on
        cached = _load_one(project, spec, hashes) if use_cache else NOT_CACHED
        if not isinstance(cached, str):
            audits.append(cached)
            continue
        if report and use_cache:
            report(RECOMPUTING.format(id=spec.id, reason=cached))
        try:
            audit, taken = _compute(doc, spec, project, engine, hashes)
        except PlannerError as exc:
            problems.extend(exc.diagnostics)
            continue
        audits.append(audit)
        computed += [(audit, taken)] if taken else []
    try:
        if computed:
            with locked(cache_folder(project)):
                for audit, taken in computed:
                    _save(project, audit, taken)
    except (OSError, PlannerError) as exc:
        if report:
            report(NOT_SAVED.format(error=exc))
    return audits, problems
