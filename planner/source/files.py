"""Project discovery and file reading: from a folder or its `planner.yaml` to YAML documents.

Files are size-checked before they are read and must lie inside the project folder (globs and
symlinks included), so a spec cannot make planner read `/etc/passwd` or a 50 MB file.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from planner.errors import Diagnostic, PathPart, PlannerError, Severity
from planner.source.yaml_documents import Document, decode, parse_documents

MANIFEST = "planner.yaml"
SIGNOFFS = "signoffs.yaml"
DEFAULT_MAX_BYTES = 4 * 1024 * 1024


class _Where(TypedDict):
    """The place fields of a `Diagnostic` about one `specs` pattern of the manifest."""

    file: str
    line: int
    column: int
    path: tuple[PathPart, ...]


@dataclass
class Sources:
    """Everything read from disk: documents per file, the text of each file, and problems found."""

    root: Path
    manifest: Document | None = None
    documents: list[Document] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def find_manifest(path: str | Path) -> Path:
    """`PATH` is a project folder or its `planner.yaml`."""
    path = Path(path)
    candidate = path / MANIFEST if path.is_dir() else path
    if candidate.name != MANIFEST and path.is_file():
        raise PlannerError(
            [
                Diagnostic(
                    "no-project",
                    f"{path} is not a {MANIFEST}",
                    str(path),
                    hint=f"give the project folder or its {MANIFEST}",
                )
            ]
        )
    if not candidate.is_file():
        raise PlannerError(
            [Diagnostic("no-project", f"no {MANIFEST} in {path}", str(path), hint="create one with `planner init DIR`")]
        )
    return candidate


def read_text(path: Path, name: str, max_bytes: int) -> str:
    size = path.stat().st_size
    if size > max_bytes:
        raise PlannerError(
            [
                Diagnostic(
                    "file-too-large",
                    f"file is {size:,} bytes, more than the limit of {max_bytes:,}",
                    name,
                    hint="split the specs into smaller files or raise --max-file-size",
                )
            ]
        )
    with path.open("rb") as handle:
        return decode(handle.read(max_bytes + 1), name)


def spec_files(root: Path, patterns: list[str], manifest: Document) -> tuple[list[Path], list[Diagnostic]]:
    """Files matched by the manifest's globs, each inside the project folder, in a stable order."""
    found: dict[Path, None] = {}
    diagnostics = []
    real_root = root.resolve()
    for index, pattern in enumerate(patterns):
        line, column = manifest.position(("specs", index))
        where: _Where = {"file": manifest.file, "line": line, "column": column, "path": ("specs", index)}
        if Path(pattern).is_absolute() or ".." in Path(pattern).parts:
            diagnostics.append(
                Diagnostic(
                    "outside-project",
                    f"pattern {pattern!r} leaves the project folder",
                    hint="use a pattern relative to the project folder",
                    **where,
                )
            )
            continue
        matches = sorted(Path(p) for p in glob.glob(str(root / pattern), recursive=True))
        matches = [p for p in matches if p.is_file() and p.name != MANIFEST]
        if not matches:
            diagnostics.append(
                Diagnostic(
                    "empty-glob",
                    f"pattern {pattern!r} matches no file",
                    severity=Severity.WARNING,
                    hint="check the pattern",
                    **where,
                )
            )
        for match in matches:
            if not match.resolve().is_relative_to(real_root):
                diagnostics.append(
                    Diagnostic(
                        "outside-project",
                        f"{match} resolves outside the project folder",
                        hint="do not link to files outside the project",
                        **where,
                    )
                )
                continue
            found[match] = None
    signoffs = root / SIGNOFFS
    if signoffs.is_file():
        found[signoffs] = None
    return list(found), diagnostics


def read_documents(path: Path, max_bytes: int, sources: Sources) -> list[Document]:
    name = str(path)  # as the user typed the project path, so editors and CI can open it
    try:
        text = read_text(path, name, max_bytes)
        sources.texts[name] = text
        return parse_documents(text, name)
    except PlannerError as exc:
        sources.diagnostics.extend(exc.diagnostics)
        return []


def read_sources(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Sources:
    """Read the manifest and every spec file; per-file problems are collected, not raised."""
    manifest_path = find_manifest(path)
    root = manifest_path.parent
    sources = Sources(root=root)
    manifests = read_documents(manifest_path, max_bytes, sources)
    manifest_data = manifests[0].data if len(manifests) == 1 else None
    if not isinstance(manifest_data, dict):
        if not sources.diagnostics:
            sources.diagnostics.append(
                Diagnostic(
                    "bad-manifest",
                    f"{MANIFEST} must hold exactly one mapping",
                    str(manifest_path),
                    1,
                    1,
                    hint="see `planner init` for an example",
                )
            )
        return sources
    sources.manifest = manifests[0]
    patterns = manifest_data.get("specs", ["specs/*.yaml"])
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        return sources  # the manifest model reports the bad `specs` value
    files, problems = spec_files(root, patterns, sources.manifest)
    sources.diagnostics.extend(problems)
    for file in files:
        sources.documents.extend(read_documents(file, max_bytes, sources))
    return sources
