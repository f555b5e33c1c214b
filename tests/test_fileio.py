"""Atomic writes: all or nothing, and files readable like any other the user creates."""

import os

import pytest

from planner.source.atomic import write_atomic


def test_new_files_follow_the_umask_and_replaced_files_keep_their_mode(tmp_path):
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "new.html", "<p>x</p>")
    finally:
        os.umask(old)
    assert (tmp_path / "new.html").stat().st_mode & 0o777 == 0o644
    kept = tmp_path / "kept.yaml"
    kept.write_text("a: 1\n")
    kept.chmod(0o600)
    write_atomic(kept, "a: 2\n")
    assert (kept.read_text(), kept.stat().st_mode & 0o777) == ("a: 2\n", 0o600)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "report.pdf"
    target.write_bytes(b"old")
    with pytest.raises(TypeError):
        write_atomic(target, 12)  # not bytes: fails after the temporary file exists
    assert target.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]
