"""Project versions that live in git: `REV:PATH` read from a revision without a checkout.

A git side is materialised into a temporary folder from the blobs of the revision (`git ls-tree`
and `git cat-file`, no checkout filters, no shell), so evidence under the path (mlruns, CSV) comes
along and the old revision can be assessed too. Revisions are checked before git sees them: one
starting with `-` would be read as an option. The temporary copy is removed however the command
ends: normally, on an error, on Ctrl-C, or on SIGTERM/SIGHUP (`planner.source.atomic.terminating`).
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from planner.errors import Diagnostic, PlannerError
from planner.source.atomic import terminating
from planner.source.files import MANIFEST


@dataclass(frozen=True)
class Side:
    """A side as the user wrote it: a folder, or `revision` and `path` inside the repository."""

    text: str
    path: str
    revision: str | None = None


def parse_side(text: str, *, cwd: str | Path = ".") -> Side:
    """`PATH` (a folder or its planner.yaml) or `REV:PATH` (PATH empty means `.`).

    An existing folder or file wins over the git reading, so a folder whose name holds a colon
    still reads as a folder. PATH is relative to `cwd`, like a folder argument (git itself reads
    `REV:path` from the repository root unless it starts with `./`).
    """
    if ":" not in text or (Path(cwd) / text).exists():
        return Side(text, text)
    revision, _, path = text.partition(":")
    return Side(text, path or ".", revision)


def _problem(code: str, message: str, where: str, hint: str) -> PlannerError:
    return PlannerError([Diagnostic(code, message, where, hint=hint)])


def _git(cwd: Path, *args: str, where: str, failure: tuple[str, str, str] | None = None) -> str:
    """git's output; a failure raises `failure` (code, message, hint) with git's own first line of complaint."""
    try:
        done = subprocess.run(
            ["git", "--literal-pathspecs", "-C", str(cwd), *args],
            capture_output=True,
            encoding="utf-8",
            errors="surrogateescape",
            check=False,
        )
    except FileNotFoundError:
        raise _problem(
            "git-missing", "git is not installed", where, "install git, or give both sides as folders"
        ) from None
    if done.returncode != 0:
        code, message, hint = failure or ("git-failed", f"git {args[0]} failed", "check the revision and path")
        complaint = done.stderr.strip().splitlines()[:1]
        raise _problem(code, message + (f" ({complaint[0]})" if complaint else ""), where, hint)
    return done.stdout


def _resolve(side: Side, cwd: Path) -> tuple[Path, str, str]:
    """Repository top folder, full commit id and the project path inside the repository."""
    if not side.revision or side.revision.startswith("-") or any(ch.isspace() or ord(ch) < 32 for ch in side.revision):
        raise _problem(
            "bad-revision",
            f"{side.revision!r} is not a revision",
            side.text,
            "write REV:PATH with a commit, branch or tag, e.g. HEAD~1:examples/adult-income",
        )
    top = Path(
        _git(
            cwd,
            "rev-parse",
            "--show-toplevel",
            where=side.text,
            failure=(
                "not-a-repository",
                f"{cwd} is not inside a git repository",
                "run planner diff inside the repository, or give both sides as folders",
            ),
        ).strip()
    ).resolve()
    commit = _git(
        cwd,
        "rev-parse",
        "--verify",
        "--quiet",
        "--end-of-options",
        f"{side.revision}^{{commit}}",
        where=side.text,
        failure=(
            "unknown-revision",
            f"no commit {side.revision!r} in the repository at {top}",
            "check the name with `git log --oneline` (a branch, tag or commit id)",
        ),
    ).strip()
    target = (cwd / side.path).resolve()  # the path need not exist in the worktree
    if not target.is_relative_to(top):
        raise _problem(
            "outside-repository",
            f"{side.path} is outside the repository at {top}",
            side.text,
            "give a path inside the repository",
        )
    inside = target.relative_to(top)
    return top, commit, (inside.parent if inside.name == MANIFEST else inside).as_posix()


def _blobs(top: Path, commit: str, inside: str, where: str) -> list[tuple[str, str]]:
    """(path relative to the project, blob id) of every regular file under the project path."""
    listing = _git(top, "ls-tree", "-r", "-z", "--full-name", commit, "--", inside, where=where)
    prefix = "" if inside == "." else inside + "/"
    found = []
    for entry in filter(None, listing.split("\0")):
        meta, _, name = entry.partition("\t")
        mode, kind, blob = meta.split()
        if kind != "blob" or mode == "120000" or not name.startswith(prefix):
            continue  # submodules and symbolic links are not followed
        relative = PurePosixPath(name[len(prefix) :])
        if relative.is_absolute() or any(part in ("", ".", "..") for part in relative.parts):
            continue
        found.append((str(relative), blob))
    return found


def _write_blobs(top: Path, blobs: list[tuple[str, str]], root: Path) -> None:
    """One `git cat-file --batch`, asked one blob at a time so neither pipe can fill up."""
    with subprocess.Popen(
        ["git", "-C", str(top), "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    ) as process:
        stdin, stdout = process.stdin, process.stdout
        assert stdin is not None and stdout is not None  # both are subprocess.PIPE above
        for relative, blob in blobs:
            stdin.write(blob.encode() + b"\n")
            stdin.flush()
            size = int(stdout.readline().split()[2])
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as out:
                while size:
                    chunk = stdout.read(min(size, 1 << 20))
                    out.write(chunk)
                    size -= len(chunk)
            stdout.read(1)  # the newline after each blob
        stdin.close()


def renamed(diagnostics, root: Path, label: str) -> list[Diagnostic]:
    """Diagnostics of a materialised revision named `REV:path/file`, not by the temporary folder."""
    prefix = str(root)
    return [replace(d, file=label + d.file[len(prefix) :]) if d.file.startswith(prefix) else d for d in diagnostics]


@contextmanager
def materialise(side: Side, *, cwd: str | Path = ".") -> Iterator[tuple[Path, str | None]]:
    """The project folder of a side and its commit: the folder itself (no commit), or a temporary
    copy of the files the revision holds under the path."""
    cwd = Path(cwd)
    if side.revision is None:
        yield cwd / side.path, None
        return
    top, commit, inside = _resolve(side, cwd)
    blobs = _blobs(top, commit, inside, side.text)
    if not any(relative == MANIFEST for relative, _ in blobs):
        raise _problem(
            "no-project",
            f"no {MANIFEST} at {inside} in revision {side.revision}",
            side.text,
            f"check the path: `git ls-tree --name-only {side.revision} -- {inside}/` lists what is there",
        )
    # SIGTERM or SIGHUP while the copy exists (writing it, or assessing it) removes it before the
    # process ends by that signal; SIGINT does so through KeyboardInterrupt
    with terminating(), tempfile.TemporaryDirectory(prefix="planner-diff-") as folder:
        root = Path(folder) / "project"
        root.mkdir()
        _write_blobs(top, blobs, root)
        yield root, commit
