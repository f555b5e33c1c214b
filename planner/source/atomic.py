"""The one write path: atomic writes, confined to the project, cleaned up on a signal, locked for
read-modify-write.

- Atomic: a reader never sees a half-written file, and a failure leaves the old one. The data goes
  to a temporary file beside the target, which then replaces it.
- Confined: a file that lies (as written) inside a project folder, one holding `planner.yaml`, or
  inside the `root` a caller names, is written only where it resolves inside that folder too. A
  `reports/` or `.planner/` that is a symbolic link out of the project is refused (`output-outside`),
  so a pull request cannot make `planner report` write anywhere else. A path outside every project
  (`--out /tmp/x`) is the user's choice and written as given.
- Not replacing what is not a file, where the user named it (`into_special`, `gate --output`): an
  existing target that is a FIFO, a terminal or another device (`--output /dev/stderr`, a named
  pipe a CI step reads) is written to directly, not replaced by a regular file. `-` and
  `/dev/stdout` mean standard output (`is_stdout`), which the caller prints to. Planner's own files
  (reports, caches, sign-offs) replace whatever is in their place.
- Cleaned up: SIGTERM and SIGHUP raise `Terminated` while a temporary file exists (`terminating`),
  so it is removed, and the signal is delivered again afterwards: the process still ends the way
  its sender expects. SIGINT raises KeyboardInterrupt, which cleans up the same way.
- Locked: `locked(path)` holds an exclusive `flock` on `.<name>.lock` beside `path` for a
  read-modify-write (`signoffs.yaml`, the audit cache), so two runs at once keep both changes.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from planner.errors import Diagnostic, PlannerError

MANIFEST = "planner.yaml"
OUTSIDE = "output-outside"
LOCKED = "output-locked"
LOCK_TIMEOUT = 120.0
"""Seconds `locked` waits for another planner holding the same lock before giving up."""
STDOUT_NAMES = frozenset({"-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"})
SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class Terminated(BaseException):
    """A termination signal arrived while planner had temporary files to remove (see `terminating`)."""

    def __init__(self, signum: int):
        super().__init__(f"terminated by signal {signum}")
        self.signum = signum


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    for other in SIGNALS:  # a second signal (a CI runner's, a shell's) must not cut the cleaning-up short
        signal.signal(other, signal.SIG_IGN)
    raise Terminated(signum)


@contextlib.contextmanager
def terminating() -> Iterator[None]:
    """While active, SIGTERM and SIGHUP raise `Terminated` (in the main thread), so `finally`
    blocks and `with` exits remove temporary files and folders; on the way out the signal is
    delivered again under the handler there was before (by default: the process ends by that
    signal). Further signals are ignored until then. Nested uses share the outermost one; an
    ignored signal stays ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for signum in SIGNALS:
        handler = signal.getsignal(signum)
        if handler in (signal.SIG_IGN, _raise_terminated):
            continue
        previous[signum] = signal.SIG_DFL if handler is None else handler
        signal.signal(signum, _raise_terminated)
    try:
        yield
    except Terminated as exc:
        if exc.signum not in previous:  # an outer `terminating` delivers it
            raise
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        previous = {}
        signal.raise_signal(exc.signum)  # by default the process ends here
        raise  # a handler of the caller's returned: stop what was being done anyway
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def is_stdout(path: str | Path) -> bool:
    """`-` and `/dev/stdout` (and its aliases) name standard output, not a file to replace."""
    return str(path) in STDOUT_NAMES


def _projects_around(path: Path) -> list[Path]:
    """Folders holding a `planner.yaml` that `path` lies in as written (its absolute form, not resolved)."""
    return [folder for folder in path.parents if os.path.lexists(folder / MANIFEST)]


def _resolved(path: Path) -> Path | None:
    try:
        return path.resolve()
    except (RuntimeError, OSError):  # a symbolic link loop
        return None


def check_confined(path: str | Path, root: str | Path | None = None, *, follow: bool = False) -> None:
    """Refuse (`output-outside`) a target inside `root` or a project folder that resolves out of it.

    The target itself is not followed unless `follow`: a link there is replaced, not written through."""
    target = Path(os.path.abspath(path))
    roots = ([Path(os.path.abspath(root))] if root is not None else []) + _projects_around(target)
    if not roots:
        return
    parent = _resolved(target) if follow else _resolved(target.parent)
    real = None if parent is None else parent if follow else parent / target.name
    for folder in roots:
        inside = _resolved(folder)
        if target.is_relative_to(folder) and (real is None or inside is None or not real.is_relative_to(inside)):
            raise PlannerError(
                [
                    Diagnostic(
                        OUTSIDE,
                        f"{path} leads outside the project folder {folder} (through a symbolic link)",
                        str(path),
                        hint="remove the link, or write elsewhere with --out",
                    )
                ]
            )


def write_atomic(
    path: str | Path, data: str | bytes, *, root: str | Path | None = None, into_special: bool = False
) -> None:
    """Write `data` to `path` atomically; with `into_special` (an output the user names, such as
    `gate --output`), an existing FIFO or device is written to directly instead of being replaced.
    Without it (planner's own files: reports, caches, sign-offs), whatever is there is replaced, so
    a FIFO put in place of a report cannot block the write.

    `root`, when given, is a folder the target must resolve inside (as project folders always are)."""
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    check_confined(path, root)
    try:
        mode = os.stat(path).st_mode
    except OSError:  # none there, a dangling link or a link loop: replaced
        mode = None
    if mode is not None and stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "Is a directory", str(path))
    if into_special and mode is not None and not stat.S_ISREG(mode):
        check_confined(path, root, follow=True)
        with open(path, "wb") as out:  # a FIFO, a terminal, /dev/null: written to, never replaced
            out.write(raw)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    check_confined(path, root)  # the folders made just now are plain folders; a link raced in is not
    with terminating():
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(raw)
            os.chmod(temporary, _mode(path))  # mkstemp makes 0600; a report or spec is shared like any file
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _mode(path: Path) -> int:
    """The replaced file's permissions, or what `open()` would give a new file under the umask (also
    in place of a FIFO or device, whose permissions say nothing about a file)."""
    try:
        info = path.stat()
        if stat.S_ISREG(info.st_mode):
            return info.st_mode & 0o777
    except OSError:
        pass
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def lock_path(path: str | Path) -> Path:
    path = Path(path)
    return path.parent / f".{path.name}.lock"


@contextlib.contextmanager
def locked(path: str | Path, *, root: str | Path | None = None, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """An exclusive `flock` on `.<name>.lock` beside `path` while the block runs (a read-modify-write
    of `path`). The lock file is removed on release; a waiter that then holds a removed file's lock
    notices (the name no longer leads to it) and locks the new one. Raises `OSError` when the lock
    file cannot be made (a read-only folder), `PlannerError` after `timeout` seconds of waiting."""
    lock = lock_path(path)
    check_confined(lock, root)
    lock.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    flags = os.O_RDWR | os.O_CREAT | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    while True:
        fd = os.open(lock, flags, 0o666)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise PlannerError([Diagnostic(LOCKED, f"{lock} is not a regular file", str(lock))])
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise PlannerError(
                            [
                                Diagnostic(
                                    LOCKED,
                                    f"{path} is locked by another planner process (waited {timeout:g} s)",
                                    str(path),
                                    hint=f"wait for it to finish; if none runs, remove {lock}",
                                )
                            ]
                        ) from None
                    time.sleep(0.05)
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(lock, follow_symlinks=False))
            except FileNotFoundError:
                same = False
            if not same:  # the holder before removed it: lock the file that is there now
                os.close(fd)
                continue
        except BaseException:
            with contextlib.suppress(OSError):
                os.close(fd)
            raise
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                lock.unlink()
            os.close(fd)  # closing releases the lock
        return
