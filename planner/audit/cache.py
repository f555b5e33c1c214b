"""Computed bias audits saved under `<project>/.planner/audits/` and reloaded without pandas.

Why: `planner gate`, `status` and `report` need each audit's limit outcomes, threshold analysis
and baselines, not the data frames that produced them. Reading them back from plain JSON keeps
those commands free of pandas, numpy and scikit-learn once `planner audit` (or any of them) has
computed the audits, e.g. in an earlier CI step whose `.planner/` folder is cached.

A cached result is used only while its fingerprint still matches: the sha256 of the predictions
file's bytes, a digest of the audit spec (its canonical JSON without the fields that only
describe it: `title`, `harms`, `links`, which are always read from the current spec), the planner
version, and the engine that computed it. Anything else (no file, a different fingerprint, a file
that does not parse, fails its checksum or lacks a field) makes the audit stale, with the reason,
and it is computed again; a broken cache file never crashes a command. The checksum catches
accidents, not forgery: anyone who can write the project folder can write a matching file, so a
gate that must be trusted runs `planner audit` first (the GitHub Action does), which recomputes
every audit and rewrites the cache.

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
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from planner import __version__
from planner.audit.findings import Finding, Limit
from planner.audit.project import LimitOutcome, ProjectAudit, run_spec_audit
from planner.errors import Diagnostic, PlannerError
from planner.source.atomic import write_atomic
from planner.spec.bias import BiasAudit
from planner.project.project import Project, SpecDoc

CACHE_FOLDER = Path(".planner") / "audits"
CACHE_FORMAT = 1
CHUNK_BYTES = 1 << 20  # fastest of 64 KiB, 1 MiB and 4 MiB here
DESCRIPTIVE_FIELDS = frozenset({"title", "harms", "links"})  # never change a computed number
RESULT_KEYS = frozenset({"status", "rows", "settings", "missing", "overall", "groupings", "findings",
                         "slices", "thresholds", "baselines"})

MISSING = "no cached result"
UNREADABLE = "cache file cannot be read ({error})"
MALFORMED = "cache file is malformed ({error})"
CHECKSUM = "cache file content does not match its checksum"
OLD_FORMAT = "cache file has format {found}, this planner writes {expected}"
SPEC_CHANGED = "the audit spec changed since the result was computed"
VERSION_CHANGED = "computed by planner {found}, this is planner {expected}"
ENGINE_CHANGED = "computed with engine {found}, engine {expected} asked for"
PREDICTIONS_CHANGED = "predictions file {path} changed since the result was computed"
PREDICTIONS_UNREADABLE = "predictions file {path} cannot be read ({error})"
OUTSIDE = "cache folder {folder} resolves outside the project folder"
NOT_CACHED = "cache not used"
RECOMPUTING = "audit {id}: computing ({reason})"
NOT_SAVED = "audit results not cached: {error}"


class CacheLocationError(OSError):
    """The cache folder would lie outside the project folder."""


@dataclass(frozen=True)
class StoredResult:
    """Stands in for the engine's `AuditResult`: its plain data and its findings."""

    data: dict
    findings: list[Finding] = field(default_factory=list)

    def to_dict(self) -> dict:
        return self.data


@dataclass
class CachedAudit(ProjectAudit):
    """A `ProjectAudit` read from the cache: same `.spec`, `.limits`, `.status`, `.result_data` and
    `.to_dict()`; `.result` is a `StoredResult` of plain data, not the engine's data frames."""


def cache_folder(project: Project) -> Path:
    """`<root>/.planner/audits`; raises `CacheLocationError` when it resolves outside the root."""
    folder = project.root / CACHE_FOLDER
    if not folder.resolve().is_relative_to(project.root.resolve()):
        raise CacheLocationError(OUTSIDE.format(folder=folder))
    return folder


def cache_path(project: Project, audit_id: str) -> Path:
    # audit ids match ID_PATTERN (letters, digits, `_`, `.`, `-`, starting with a letter): a plain name
    return cache_folder(project) / f"{audit_id}.json"


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, read in chunks so a file of many GB never sits in memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False).encode("utf-8")


def spec_sha256(spec: BiasAudit) -> str:
    """Digest of what the result depends on: the spec's canonical JSON without its descriptive fields."""
    return hashlib.sha256(_canonical(spec.model_dump(mode="json", exclude=set(DESCRIPTIVE_FIELDS)))).hexdigest()


class _Hashes:
    """Predictions digests of one call, so a file named by several audits is read once."""

    def __init__(self, root: Path):
        self.root, self.digests = root, {}

    def of(self, spec: BiasAudit) -> str:
        path = (self.root / spec.predictions).resolve()
        if path not in self.digests:
            self.digests[path] = file_sha256(path)
        return self.digests[path]


def fingerprint(spec: BiasAudit, root: Path, *, engine: str, hashes: _Hashes | None = None) -> dict:
    """What a result depends on; raises `OSError` when the predictions file cannot be read."""
    hashes = hashes if hashes is not None else _Hashes(root)
    return {"predictions_sha256": hashes.of(spec), "spec_sha256": spec_sha256(spec),
            "planner_version": __version__, "engine": engine}


def _payload(audit: ProjectAudit) -> dict:
    """The engine result as plain data, and each limit with the positions of its findings in it."""
    position = {id(finding): index for index, finding in enumerate(audit.result.findings)}
    limits = [{"id": limit.id, "metric": limit.metric, "op": limit.op, "value": limit.value,
               "feature": limit.feature, "confident": limit.confident,
               "findings": [position[id(finding)] for finding in limit.findings]} for limit in audit.limits]
    return {"result": audit.result_data, "limits": limits}


def _save(project: Project, audit: ProjectAudit, fingerprint_: dict) -> Path:
    payload = _payload(audit)
    document = {"format": CACHE_FORMAT, "id": audit.spec.id, "predictions": audit.spec.predictions,
                "fingerprint": fingerprint_, "checksum": hashlib.sha256(_canonical(payload)).hexdigest(),
                "audit": payload}
    path = cache_path(project, audit.spec.id)
    write_atomic(path, json.dumps(document, allow_nan=False, separators=(",", ":")))
    return path


def save_audits(project: Project, audits: list[ProjectAudit], *, engine: str = "pandas") -> list[Path]:
    """Write each audit's result to `<root>/.planner/audits/<audit id>.json` (atomically), with the
    fingerprint of its inputs as they are now: call it right after computing the audits."""
    hashes = _Hashes(project.root)
    return [_save(project, audit, fingerprint(audit.spec, project.root, engine=engine, hashes=hashes))
            for audit in audits]


def _finding(data: dict) -> Finding:
    interval = tuple(data["interval"]) if data["interval"] else None
    return Finding(**(data | {"limit": Limit(**data["limit"]), "interval": interval}))


def _rebuild(spec: BiasAudit, payload: dict) -> CachedAudit:
    """A `CachedAudit` from the stored payload; raises on any shape it was not written with."""
    data = payload["result"]
    lacking = RESULT_KEYS - data.keys()
    if lacking:
        raise KeyError(", ".join(sorted(lacking)))
    findings = [_finding(item) for item in data["findings"]]
    limits = [LimitOutcome(item["id"], item["metric"], item["op"], item["value"], item["feature"],
                           item["confident"], [findings[index] for index in item["findings"]])
              for item in payload["limits"]]
    if [limit.id for limit in limits] != [spec.limit_id(index) for index in range(len(spec.limits))]:
        raise ValueError("its limits are not the spec's")
    return CachedAudit(spec, StoredResult(data, findings), limits)


def _read(path: Path) -> dict | str:
    """The parsed cache document, or why it cannot be used."""
    try:
        document = json.loads(path.read_bytes())
    except FileNotFoundError:
        return MISSING
    except (OSError, ValueError) as exc:  # ValueError: bad UTF-8 or JSON, e.g. a truncated file
        return UNREADABLE.format(error=exc)
    if not isinstance(document, dict):
        return MALFORMED.format(error="not a JSON object")
    if document.get("format") != CACHE_FORMAT:
        return OLD_FORMAT.format(found=document.get("format"), expected=CACHE_FORMAT)
    return document


def _stale_reason(stored: dict, spec: BiasAudit, engine: str | None) -> str | None:
    """Why the stored fingerprint no longer holds, leaving out the predictions; None when it holds."""
    if stored["spec_sha256"] != spec_sha256(spec):
        return SPEC_CHANGED
    if stored["planner_version"] != __version__:
        return VERSION_CHANGED.format(found=stored["planner_version"], expected=__version__)
    if engine is not None and stored["engine"] != engine:
        return ENGINE_CHANGED.format(found=stored["engine"], expected=engine)
    return None


def _predictions_reason(stored: dict, spec: BiasAudit, hashes: _Hashes) -> str | None:
    """Hashing the predictions is the one costly check, so it comes last."""
    try:
        current = hashes.of(spec)
    except OSError as exc:
        return PREDICTIONS_UNREADABLE.format(path=spec.predictions, error=exc.strerror or exc)
    return None if stored["predictions_sha256"] == current else PREDICTIONS_CHANGED.format(path=spec.predictions)


def _load_one(project: Project, spec: BiasAudit, engine: str | None, hashes: _Hashes) -> CachedAudit | str:
    try:
        document = _read(cache_path(project, spec.id))
    except CacheLocationError as exc:
        return str(exc)
    if isinstance(document, str):
        return document
    try:
        reason = _stale_reason(document["fingerprint"], spec, engine)
        if reason is None and document["checksum"] != hashlib.sha256(_canonical(document["audit"])).hexdigest():
            reason = CHECKSUM
        reason = reason or _predictions_reason(document["fingerprint"], spec, hashes)
        return reason or _rebuild(spec, document["audit"])
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        return MALFORMED.format(error=f"{type(exc).__name__}: {exc}")


def _lookup(project: Project, engine: str | None, hashes: _Hashes) -> dict[str, CachedAudit | str]:
    return {spec.id: _load_one(project, spec, engine, hashes) for spec in project.of_kind("bias-audit")}


def load_audits(project: Project, *, engine: str | None = None) -> tuple[list[CachedAudit], dict[str, str]]:
    """The cached result of every `bias-audit` whose fingerprint still matches, in spec order, and
    `{audit id: why it is missing or stale}` for the others. `engine=None` accepts a result from
    either engine (they are tested to agree); a name requires that engine."""
    found = _lookup(project, engine, _Hashes(project.root))
    return ([audit for audit in found.values() if not isinstance(audit, str)],
            {audit_id: reason for audit_id, reason in found.items() if isinstance(reason, str)})


def _compute(doc: SpecDoc, project: Project, engine: str, hashes: _Hashes) -> tuple[ProjectAudit, dict | None]:
    """The computed audit and the fingerprint of its inputs, taken before computing so that a file
    rewritten meanwhile leaves a stale entry rather than a wrong one (None when it cannot be read)."""
    try:
        taken = fingerprint(doc.model, project.root, engine=engine, hashes=hashes)
    except OSError:
        taken = None  # computing reports the missing file at its spec line
    return run_spec_audit(doc, project.root, engine=engine), taken


def audits_for(project: Project, *, engine: str = "pandas", use_cache: bool = True,
               report: Callable[[str], None] | None = None) -> tuple[list[ProjectAudit], list[Diagnostic]]:
    """Every audit of the project: cached where fresh, computed where not (importing the engine only
    then) and saved for next time; the drop-in for `run_project_audits`.

    `use_cache=False` computes every audit and refreshes the cache. `report` receives one line per
    audit computed because its cache was missing or stale, and one if the cache cannot be written
    (a read-only checkout): the cache never fails a command.
    """
    hashes = _Hashes(project.root)
    found = _lookup(project, None, hashes) if use_cache else {}
    audits, problems, computed = [], [], []
    for doc in project.docs_of_kind("bias-audit"):
        cached = found.get(doc.model.id, NOT_CACHED)
        if not isinstance(cached, str):
            audits.append(cached)
            continue
        if report and use_cache:
            report(RECOMPUTING.format(id=doc.model.id, reason=cached))
        try:
            audit, taken = _compute(doc, project, engine, hashes)
        except PlannerError as exc:
            problems.extend(exc.diagnostics)
            continue
        audits.append(audit)
        computed += [(audit, taken)] if taken else []
    try:
        for audit, taken in computed:
            _save(project, audit, taken)
    except OSError as exc:
        if report:
            report(NOT_SAVED.format(error=exc))
    return audits, problems
