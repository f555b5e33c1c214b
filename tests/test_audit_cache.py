"""The audit cache: a fresh cache gives the same Assessment without pandas; anything changed or
damaged makes it stale, with the reason, and it is computed again."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from helpers import REPO
from planner.audit import cache as audit_cache
from planner.api import load_project
from planner.assess import assess
from planner.audit.cache import CachedAudit, audits_for, load_audits, save_audits
from planner.audit.project import ProjectAudit, run_project_audits

GERMAN = REPO / "examples" / "german-credit"
HEAVY = ("pandas", "numpy", "sklearn", "pyarrow", "weasyprint")
CACHED = ".planner/audits/A1.json"


@pytest.fixture(scope="module")
def computed():
    """The example's audits computed once, without the cache."""
    project = load_project(GERMAN)
    audits, problems = run_project_audits(project)
    assert not problems
    return audits


@pytest.fixture
def project(tmp_path, computed):
    """A copy of the example with a fresh cache written from `computed`."""
    root = tmp_path / "german-credit"
    shutil.copytree(GERMAN, root, ignore=shutil.ignore_patterns(".planner"))
    loaded = load_project(root)
    assert save_audits(loaded, computed) == [root / CACHED]
    return loaded


def _reload(project):
    return load_project(project.root)


def _files(root):
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*") if path.is_file()}


def test_a_fresh_cache_gives_the_same_assessment_and_audits(project, computed):
    cached, stale = load_audits(project)
    assert stale == {} and [type(audit) for audit in cached] == [CachedAudit]
    assert assess(project, audits=cached).to_dict() == assess(project, audits=computed).to_dict()
    assert [audit.to_dict() for audit in cached] == [audit.to_dict() for audit in computed]
    assert [audit.status for audit in cached] == [audit.status for audit in computed]


def test_cached_findings_have_the_attributes_of_the_engines(project, computed):
    (cached,), _ = load_audits(project)
    for mine, theirs in zip(cached.limits, computed[0].limits):
        assert (mine.id, mine.status, len(mine.findings)) == (theirs.id, theirs.status, len(theirs.findings))
        for found, expected in zip(mine.findings, theirs.findings):
            for name in ("grouping", "group", "observed", "interval", "compared", "status", "reason"):
                assert getattr(found, name) == getattr(expected, name), name
            assert found.limit.metric == expected.limit.metric and found.to_dict() == expected.to_dict()


def test_audits_for_uses_the_fresh_cache_and_reports_nothing(project, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("computed although the cache is fresh")
    monkeypatch.setattr(audit_cache, "run_spec_audit", refuse)
    lines = []
    audits, problems = audits_for(project, report=lines.append)
    assert [type(audit) for audit in audits] == [CachedAudit] and problems == [] and lines == []


def _assert_recomputed(project, reason, computed):
    _, stale = load_audits(project)
    assert stale == {"A1": reason}
    lines = []
    audits, problems = audits_for(project, report=lines.append)
    assert lines == [f"audit A1: computing ({reason})"] and problems == []
    assert [type(audit) for audit in audits] == [ProjectAudit]
    cached, stale = load_audits(project)
    assert stale == {} and [a.to_dict() for a in cached] == [a.to_dict() for a in audits]


def test_one_changed_byte_of_the_predictions_makes_it_stale(project, computed):
    path = project.root / "data" / "predictions.csv"
    data = bytearray(path.read_bytes())
    at = data.rindex(b"0.")  # a score digit: same size, same shape, another value
    data[at + 2] = ord("1") if data[at + 2] != ord("1") else ord("2")
    path.write_bytes(bytes(data))
    _assert_recomputed(project, "predictions file data/predictions.csv changed since the result was computed",
                       computed)


def test_a_changed_limit_value_makes_it_stale(project, computed):
    spec = project.root / "specs" / "bias-audit.yaml"
    text = spec.read_text()
    spec.write_text(text.replace("    value: 0.1\n    feature: sex", "    value: 0.2\n    feature: sex", 1))
    changed = _reload(project)
    assert changed.of_kind("bias-audit")[0].limits[3].value == 0.2
    _assert_recomputed(changed, "the audit spec changed since the result was computed", computed)


def test_descriptive_fields_do_not_make_it_stale(project):
    spec = project.root / "specs" / "bias-audit.yaml"
    spec.write_text(spec.read_text().replace("title: Instalment-loan", "title: Retitled instalment-loan", 1))
    changed = _reload(project)
    cached, stale = load_audits(changed)
    assert stale == {} and cached[0].to_dict()["title"].startswith("Retitled")


def test_another_planner_version_makes_it_stale(project, monkeypatch, computed):
    monkeypatch.setattr(audit_cache, "__version__", "9.9.9")
    _assert_recomputed(project, "computed by planner 0.1.0, this is planner 9.9.9", computed)


def test_a_missing_cache_is_reported_as_such(project, computed):
    (project.root / CACHED).unlink()
    _assert_recomputed(project, "no cached result", computed)


def test_an_engine_is_required_only_when_named(project):
    assert load_audits(project, engine="pandas")[1] == {}
    assert load_audits(project, engine="duckdb")[1] == {
        "A1": "computed with engine pandas, engine duckdb asked for"}


def _damage(path, how):
    text = path.read_text()
    document = json.loads(text)
    if how == "truncated":
        path.write_text(text[: len(text) // 2])
    elif how == "empty":
        path.write_text("")
    elif how == "binary":
        path.write_bytes(b"\xff\xfe\x00garbage")
    elif how == "not-an-object":
        path.write_text("[1, 2]")
    elif how == "edited":  # valid JSON, right fingerprint, a number changed by hand
        document["audit"]["limits"][0]["value"] = 0.1
        path.write_text(json.dumps(document))
    elif how == "no-fingerprint":
        del document["fingerprint"]
        path.write_text(json.dumps(document))
    elif how == "bad-finding-index":  # consistent checksum, impossible content
        document["audit"]["limits"][0]["findings"] = [10_000]
        document["checksum"] = audit_cache.hashlib.sha256(audit_cache._canonical(document["audit"])).hexdigest()
        path.write_text(json.dumps(document))
    elif how == "old-format":
        document["format"] = 0
        path.write_text(json.dumps(document))


DAMAGE = {
    "truncated": "cache file cannot be read (",
    "empty": "cache file cannot be read (",
    "binary": "cache file cannot be read (",
    "not-an-object": "cache file is malformed (not a JSON object)",
    "edited": "cache file content does not match its checksum",
    "no-fingerprint": "cache file is malformed (KeyError: 'fingerprint')",
    "bad-finding-index": "cache file is malformed (IndexError: list index out of range)",
    "old-format": "cache file has format 0, this planner writes 1",
}


@pytest.mark.parametrize("how", DAMAGE)
def test_a_damaged_cache_file_is_stale_with_its_reason(project, computed, how):
    _damage(project.root / CACHED, how)
    cached, stale = load_audits(project)
    assert cached == [] and stale["A1"].startswith(DAMAGE[how]), stale
    lines = []
    audits, problems = audits_for(project, report=lines.append)
    assert problems == [] and lines == [f"audit A1: computing ({stale['A1']})"]
    assert [a.to_dict() for a in audits] == [a.to_dict() for a in computed]
    assert load_audits(project)[1] == {}  # rewritten


def test_use_cache_false_computes_and_refreshes(project, monkeypatch):
    (project.root / CACHED).write_text("{}")
    lines = []
    audits, _ = audits_for(project, use_cache=False, report=lines.append)
    assert [type(a) for a in audits] == [ProjectAudit] and lines == []
    assert load_audits(project)[1] == {}


def test_a_missing_predictions_file_is_a_diagnostic_not_a_crash(project):
    (project.root / "data" / "predictions.csv").unlink()
    _, stale = load_audits(project)
    assert stale["A1"].startswith("predictions file data/predictions.csv cannot be read (")
    audits, problems = audits_for(project)
    assert audits == [] and [p.code for p in problems] == ["missing-file"]


def test_the_cache_writes_only_under_dot_planner(tmp_path, computed):
    root = tmp_path / "german-credit"
    shutil.copytree(GERMAN, root, ignore=shutil.ignore_patterns(".planner"))
    before = _files(tmp_path)
    audits, problems = audits_for(load_project(root))
    assert not problems and audits
    after = _files(tmp_path)
    changed = {name for name in after.keys() | before.keys() if after.get(name) != before.get(name)}
    assert changed == {f"german-credit/{CACHED}"}


def test_a_planner_folder_linking_outside_is_neither_read_nor_written(tmp_path, computed):
    root = tmp_path / "german-credit"
    shutil.copytree(GERMAN, root, ignore=shutil.ignore_patterns(".planner"))
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    os.symlink(outside, root / ".planner")
    project = load_project(root)
    lines = []
    audits, problems = audits_for(project, report=lines.append)
    assert not problems and [type(a) for a in audits] == [ProjectAudit]
    assert lines[0] == f"audit A1: computing (cache folder {root / '.planner' / 'audits'} resolves outside the project folder)"
    assert lines[1].startswith("audit results not cached: cache folder")
    assert list(outside.iterdir()) == []
    with pytest.raises(audit_cache.CacheLocationError):
        save_audits(project, audits)


def test_an_unwritable_cache_never_fails_the_command(project, computed, monkeypatch):
    def refuse(path, data):
        raise PermissionError(13, "Permission denied", str(path))
    monkeypatch.setattr(audit_cache, "write_atomic", refuse)
    (project.root / CACHED).unlink()
    lines = []
    audits, problems = audits_for(project, report=lines.append)
    assert not problems and len(audits) == 1
    assert lines[-1].startswith("audit results not cached: [Errno 13] Permission denied")


GATE = """\
import datetime, json, sys
from planner.api import load_project
from planner.assess import assess
from planner.audit.cache import audits_for
from planner.gate import evaluate
project = load_project(sys.argv[1])
audits, problems = audits_for(project, report=print)
assert not problems and audits, problems
decision = evaluate(project, assess(project, audits=audits), today=datetime.date(2026, 3, 1))
json.dumps(decision.to_dict(), allow_nan=False)
print(sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r}))
"""


def test_the_gate_on_a_fresh_cache_imports_nothing_heavy(project):
    result = subprocess.run([sys.executable, "-c", GATE.format(heavy=HEAVY), str(project.root)],
                            capture_output=True, text=True, check=True)
    assert result.stdout.splitlines() == ["[]"]
