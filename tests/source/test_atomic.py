"""The write path (`planner.source.atomic`): confinement, FIFOs and standard output, SIGTERM, locks.

The end of a process by SIGTERM and locks between processes need real processes: those tests
start interpreters running a few lines against `planner.source.atomic` (no planner command), and
are marked slow; the in-process tests cover the same cleanup in the fast loop.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from planner.errors import PlannerError
from planner.source import atomic
from planner.source.atomic import Terminated, check_confined, is_stdout, locked, terminating, write_atomic

MANIFEST = "project:\n  id: demo\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder (it holds `planner.yaml`) inside tmp_path; `tmp_path / "outside"` is not in it."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "planner.yaml").write_text(MANIFEST)
    (tmp_path / "outside").mkdir()
    return root


def listing(folder: Path) -> list[str]:
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*"))


def outside_code(call) -> str:
    with pytest.raises(PlannerError) as info:
        call()
    (diag,) = info.value.diagnostics
    return diag.code


def test_a_symlinked_reports_folder_leading_out_is_refused_and_nothing_is_written(project, tmp_path):
    (project / "reports").symlink_to(tmp_path / "outside")
    for target in (project / "reports" / "design.html", project / "reports" / "charts" / "c1.svg"):
        with pytest.raises(PlannerError) as info:
            write_atomic(target, "<p>x</p>")
        (diag,) = info.value.diagnostics
        assert (diag.code, diag.file) == (atomic.OUTSIDE, str(target))
        assert f"leads outside the project folder {project}" in diag.message
    assert listing(tmp_path / "outside") == []  # not even the `charts` folder


def test_the_root_a_caller_names_confines_without_a_manifest(tmp_path):
    root = tmp_path / "cache-root"
    root.mkdir()
    (tmp_path / "outside").mkdir()
    (root / ".planner").symlink_to(tmp_path / "outside")
    assert outside_code(lambda: write_atomic(root / ".planner" / "a.json", "{}", root=root)) == atomic.OUTSIDE
    assert outside_code(lambda: check_confined(root / ".planner" / "a.json", root)) == atomic.OUTSIDE
    assert listing(tmp_path / "outside") == []


def test_a_link_in_the_targets_place_is_replaced_not_written_through(project, tmp_path):
    victim = tmp_path / "outside" / "victim.txt"
    victim.write_text("keep")
    (project / "reports").mkdir()
    (project / "reports" / "design.html").symlink_to(victim)
    write_atomic(project / "reports" / "design.html", "<p>new</p>")
    assert victim.read_text() == "keep"
    assert not (project / "reports" / "design.html").is_symlink()
    assert (project / "reports" / "design.html").read_text() == "<p>new</p>"


def test_a_path_outside_every_project_is_written_as_given(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out").symlink_to(tmp_path / "elsewhere")  # `--out /tmp/x` through a link: the user's choice
    write_atomic(tmp_path / "out" / "sub" / "r.html", "ok")
    assert (tmp_path / "elsewhere" / "sub" / "r.html").read_text() == "ok"


def test_links_that_stay_inside_the_project_are_written_through(project):
    (project / "build").mkdir()
    (project / "reports").symlink_to("build")
    write_atomic(project / "reports" / "r.html", "ok")
    assert (project / "build" / "r.html").read_text() == "ok"


def read_fifo(path: Path, into: list[bytes]) -> threading.Thread:
    def reader() -> None:
        with open(path, "rb") as pipe:
            into.append(pipe.read())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    return thread


def test_into_special_writes_to_a_fifo_instead_of_replacing_it(tmp_path):
    fifo = tmp_path / "gate.json"
    os.mkfifo(fifo)
    received: list[bytes] = []
    thread = read_fifo(fifo, received)
    write_atomic(fifo, '{"passed": true}\n', into_special=True)
    thread.join(5)
    assert received == [b'{"passed": true}\n']
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert listing(tmp_path) == ["gate.json"]  # no temporary left beside it


def test_into_special_writes_to_a_device(tmp_path):
    write_atomic("/dev/null", "ignored", into_special=True)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_planners_own_files_replace_a_fifo_without_blocking(project):
    """No reader ever opens this FIFO: writing into it would wait for ever."""
    (project / "reports").mkdir()
    os.mkfifo(project / "reports" / "design.html")
    write_atomic(project / "reports" / "design.html", "<p>x</p>")
    assert (project / "reports" / "design.html").read_text() == "<p>x</p>"
    assert (project / "reports" / "design.html").stat().st_mode & 0o777 == 0o666 & ~current_umask()


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_folder_in_the_targets_place_is_an_error_not_replaced(tmp_path):
    (tmp_path / "out.json").mkdir()
    for special in (False, True):
        with pytest.raises(IsADirectoryError):
            write_atomic(tmp_path / "out.json", "{}", into_special=special)
    assert (tmp_path / "out.json").is_dir()


def test_into_special_still_replaces_a_regular_file(tmp_path):
    (tmp_path / "out.json").write_text("old")
    write_atomic(tmp_path / "out.json", "new", into_special=True)
    assert listing(tmp_path) == ["out.json"] and (tmp_path / "out.json").read_text() == "new"


def test_into_special_refuses_a_special_file_linked_out_of_a_project(project, tmp_path):
    os.mkfifo(tmp_path / "outside" / "pipe")
    (project / "gate.json").symlink_to(tmp_path / "outside" / "pipe")
    assert outside_code(lambda: write_atomic(project / "gate.json", "{}", into_special=True)) == atomic.OUTSIDE


@pytest.mark.parametrize("name", ["-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1", Path("-"), Path("/dev/stdout")])
def test_standard_output_names(name):
    assert is_stdout(name)


@pytest.mark.parametrize("name", ["./-", "--", "out.json", "/dev/stderr", "/dev/stdout/x", "stdout"])
def test_other_names_are_files(name):
    assert not is_stdout(name)


def replace_then_signal(monkeypatch) -> None:
    """SIGTERM arriving mid-write: after the temporary file holds the data, before it replaces the target."""

    def replace(source, target):
        signal.raise_signal(signal.SIGTERM)
        raise AssertionError("the signal did not interrupt the write")

    monkeypatch.setattr(atomic.os, "replace", replace)


def test_sigterm_mid_write_removes_the_temporary_and_is_delivered_to_the_previous_handler(tmp_path, monkeypatch):
    received: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: received.append(signum))
    try:
        (tmp_path / "signoffs.yaml").write_text("old\n")
        replace_then_signal(monkeypatch)
        with pytest.raises(Terminated):  # the handler returned: the write stops anyway
            write_atomic(tmp_path / "signoffs.yaml", "new\n")
        assert received == [signal.SIGTERM]
        assert listing(tmp_path) == ["signoffs.yaml"] and (tmp_path / "signoffs.yaml").read_text() == "old\n"
        assert signal.getsignal(signal.SIGTERM) is not atomic._raise_terminated
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_a_second_signal_during_the_cleanup_does_not_cut_it_short(tmp_path, monkeypatch):
    received: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: received.append(signum))
    unlink = Path.unlink

    def unlink_after_a_second_signal(self: Path, missing_ok: bool = False) -> None:
        signal.raise_signal(signal.SIGTERM)
        unlink(self, missing_ok=missing_ok)

    try:
        replace_then_signal(monkeypatch)
        monkeypatch.setattr(Path, "unlink", unlink_after_a_second_signal)
        with pytest.raises(Terminated):
            write_atomic(tmp_path / "signoffs.yaml", "new\n")
        assert listing(tmp_path) == []  # the temporary file removed all the same
        assert received == [signal.SIGTERM]  # the first delivered once the cleaning is done
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_nested_terminating_delivers_the_signal_once_from_the_outermost(monkeypatch):
    received: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: received.append(signum))
    cleaned: list[str] = []
    try:
        with pytest.raises(Terminated), terminating():
            try:
                with terminating():
                    signal.raise_signal(signal.SIGTERM)
            finally:
                cleaned.append("inner")
        assert (received, cleaned) == ([signal.SIGTERM], ["inner"])
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_an_ignored_signal_stays_ignored():
    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        with terminating():
            signal.raise_signal(signal.SIGTERM)  # nothing happens
            assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGTERM, previous)


def python(script: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args], capture_output=True, text=True, timeout=timeout
    )


SIGTERM_MID_WRITE = """
import os, signal, sys
from planner.source import atomic

def replace(source, target):
    assert os.path.exists(source)  # the temporary file is there, holding the data
    os.kill(os.getpid(), signal.SIGTERM)
    raise AssertionError("not terminated")

atomic.os.replace = replace
atomic.write_atomic(sys.argv[1], "new\\n" * 100_000)
print("still running")
"""


@pytest.mark.slow  # a fresh interpreter importing planner
def test_sigterm_mid_write_ends_the_process_by_the_signal_without_a_temporary(tmp_path):
    target = tmp_path / "design.html"
    target.write_text("old\n")
    done = python(SIGTERM_MID_WRITE, str(target))
    assert done.returncode == -signal.SIGTERM, done.stderr
    assert "still running" not in done.stdout and "Traceback" not in done.stderr
    assert listing(tmp_path) == ["design.html"] and target.read_text() == "old\n"


COUNTER = """
import sys, time
from pathlib import Path
from planner.source.atomic import locked, write_atomic

path, me = Path(sys.argv[1]), sys.argv[2]
(path.parent / "ready" / me).touch()
while len(list((path.parent / "ready").iterdir())) < 2:  # both start their increments together
    time.sleep(0.001)
for _ in range(20):
    with locked(path):
        value = int(path.read_text()) if path.exists() else 0
        time.sleep(0.002)  # without the lock, the other process reads the same value meanwhile
        write_atomic(path, f"{value + 1}\\n")
"""


@pytest.mark.slow  # two fresh interpreters importing planner, then 40 waits on each other's lock
def test_two_processes_incrementing_under_locked_keep_every_increment(tmp_path):
    counter = tmp_path / "counter.txt"
    (tmp_path / "ready").mkdir()
    processes = [
        subprocess.Popen([sys.executable, "-c", COUNTER, str(counter), str(me)], stderr=subprocess.PIPE, text=True)
        for me in range(2)
    ]
    errors = [process.communicate(timeout=60)[1] for process in processes]
    assert [process.returncode for process in processes] == [0, 0], errors
    assert counter.read_text() == "40\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["counter.txt", "ready"]  # the lock file is removed


def test_a_held_lock_times_out_with_a_diagnostic(tmp_path):
    target = tmp_path / "signoffs.yaml"
    with locked(target):
        assert (tmp_path / ".signoffs.yaml.lock").is_file()
        with pytest.raises(PlannerError) as info, locked(target, timeout=0.1):
            pass
    (diag,) = info.value.diagnostics
    assert diag.code == atomic.LOCKED and "locked by another planner process" in diag.message
    with locked(target):  # released: free again
        pass


def test_a_lock_file_that_is_a_fifo_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / ".signoffs.yaml.lock")
    with pytest.raises(PlannerError) as info, locked(tmp_path / "signoffs.yaml"):
        pass
    assert info.value.diagnostics[0].code == atomic.LOCKED


def test_a_lock_folder_linked_out_of_the_project_is_refused(project, tmp_path):
    (project / ".planner").symlink_to(tmp_path / "outside")
    with pytest.raises(PlannerError) as info, locked(project / ".planner" / "audits" / "A1.json"):
        pass
    assert info.value.diagnostics[0].code == atomic.OUTSIDE
    assert listing(tmp_path / "outside") == []
