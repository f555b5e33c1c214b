"""Project discovery and file reading: from a folder or its `planner.yaml` to YAML documents.

Every file is read through the guard (`planner.source.guard`): inside the project folder once
resolved, a regular file, size-checked before it is read, decoded strictly. So a spec cannot make
planner read `/etc/passwd`, a FIFO or a 50 MB file, and a `**` glob neither follows a link out of
the project nor reads a document twice through a link loop.
"""

from __future__ import annotations

import fnmatch
import glob
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TypedDict

from planner.errors import Diagnostic, PathPart, PlannerError, Severity
from planner.source import guard
from planner.source.yaml_documents import Document, parse_documents

MANIFEST = "planner.yaml"
SIGNOFFS = "signoffs.yaml"
DEFAULT_MAX_BYTES = guard.SPEC.limit or 4 * 1024 * 1024


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
    if candidate.name != MANIFEST or not os.path.lexists(candidate) or is_dir(candidate):
        # a planner.yaml that is there but no regular file (a FIFO, a link out) is the guard's to refuse
        raise PlannerError(
            [Diagnostic("no-project", f"no {MANIFEST} in {path}", str(path), hint="create one with `planner init DIR`")]
        )
    return candidate


SPEC_FILE = guard.SPEC.renamed({guard.TOO_LARGE: "file-too-large", guard.ENCODING: "encoding"})
"""Spec files through the read boundary, with the codes spec diagnostics always had."""


def read_text(path: Path, name: str, max_bytes: int, root: Path | None = None) -> str:
    """A spec file inside the project folder `root` (its own folder when None), checked by the guard."""
    return guard.read_text(path, root=root or path.parent, kind=SPEC_FILE, limit=max_bytes, file_label=name)


def is_dir(path: Path) -> bool:
    """A folder, or a link to one; an unreadable path (a link loop) is none."""
    try:
        return path.is_dir()
    except OSError:
        return False


def expand(root: Path, pattern: str) -> tuple[list[Path], list[Path]]:
    """(entries matching `pattern` below `root` that are not folders, symbolic links to folders out
    of the project that the pattern would enter), both sorted.

    The rules of `glob.glob(..., recursive=True)`: `*`, `?` and `[...]` within a name, `**` for any
    number of folders, names starting with `.` matched only by a part starting with `.`. Unlike
    glob, a symbolic link to a folder is entered only when it resolves inside the project, and each
    real folder once per part of the pattern, so a link loop cannot repeat documents or run forever
    and a link to `/` is not walked.
    """
    parts = [part for part in PurePosixPath(pattern).parts if part not in ("", ".")]
    real_root = root.resolve()
    found: list[Path] = []
    outside: list[Path] = []
    entered: set[tuple[Path, int]] = set()

    def enter(folder: Path, index: int) -> None:
        try:
            real = folder.resolve()
        except (RuntimeError, OSError):
            return
        if not real.is_relative_to(real_root):
            outside.append(folder)
            return
        if (real, index) in entered:
            return
        entered.add((real, index))
        visit(folder, index)

    def names(folder: Path, part: str) -> list[str]:
        try:
            listed = sorted(os.listdir(folder))
        except OSError:
            return []
        hidden_ok = part.startswith(".")
        return [name for name in listed if (hidden_ok or not name.startswith(".")) and fnmatch.fnmatchcase(name, part)]

    def visit(folder: Path, index: int) -> None:
        part, last = parts[index], index == len(parts) - 1
        if part == "**":
            if not last:
                visit(folder, index + 1)
            for name in names(folder, "*"):
                child = folder / name
                if is_dir(child):
                    enter(child, index)
                elif last:
                    found.append(child)
            return
        matches = names(folder, part) if glob.has_magic(part) else [part] * os.path.lexists(folder / part)
        for name in matches:
            child = folder / name
            if last:
                if not is_dir(child):
                    found.append(child)
            elif is_dir(child):
                enter(child, index + 1)

    if parts:
        enter(root, 0)
    return sorted(set(found)), sorted(set(outside))


def spec_files(root: Path, patterns: list[str], manifest: Document) -> tuple[list[Path], list[Diagnostic]]:
    """Files matched by the manifest's globs, each inside the project folder and read once (a file
    reached by several paths, through links, counts once), in a stable order."""
    found: dict[Path, Path] = {}  # resolved path -> the path as matched
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
        matches, links_out = expand(root, pattern)
        for link in links_out:
            diagnostics.append(
                Diagnostic(
                    "outside-project",
                    f"{link} is a link to a folder outside the project folder",
                    hint="do not link to folders outside the project",
                    **where,
                )
            )
        matches = [p for p in matches if p.name != MANIFEST]
        if not matches and not links_out:
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
            real = _real(match)
            if not real.is_relative_to(real_root):
                diagnostics.append(
                    Diagnostic(
                        "outside-project",
                        f"{match} resolves outside the project folder",
                        hint="do not link to files outside the project",
                        **where,
                    )
                )
                continue
            found.setdefault(real, match)
    signoffs = root / SIGNOFFS
    if os.path.lexists(signoffs):
        found.setdefault(_real(signoffs), signoffs)
    return list(found.values()), diagnostics


def _real(path: Path) -> Path:
    """The resolved path; a link loop stays as it is (reading it reports the loop)."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):
        return path


def read_documents(path: Path, max_bytes: int, sources: Sources) -> list[Document]:
    name = str(path)  # as the user typed the project path, so editors and CI can open it
    try:
        text = read_text(path, name, max_bytes, sources.root)
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
