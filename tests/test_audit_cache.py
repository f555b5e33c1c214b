"""The audit cache: a fresh cache gives the same Assessment without pandas; anything changed or
damaged makes it stale, with the reason, and it is computed again."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from helpers import REPO
from planner import load as load_project
from planner.assess import assess
from planner.audit import cache as audit_cache
from planner.audit.cache import audits_for

GERMAN = REPO / "examples" / "german-credit"
HEAVY = ("pandas", "numpy", "sklearn", "pyarrow", "weasyprint")
CACHED = ".planner/audits/A1.json"
ENGINE_CODE_CHANGED = "audit A1: computing (the audit engine's code changed since the result was computed)"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """A copy of the example whose cache `audits_for` filled once, and the audits it computed."""
    root = tmp_path_factory.mktemp("seeded") / "german-credit"
    shutil.copytree(GERMAN, root, ignore=shutil.ignore_patterns(".planner"))
    lines = []
    audits, problems = audits_for(load_project(root), report=lines.append)
    assert not problems and lines == ["audit A1: computing (no cached result)"]
    assert (root / CACHED).is_file()
    return root, audits


@pytest.fixture(scope="module")
def computed(seeded):
    """The example's audits, computed once."""
    audits = seeded[1]
    assert [audit.origin for audit in audits] == ["computed"]
    return audits


@pytest.fixture
def project(tmp_path, seeded):
    """A copy of the example with a fresh cache."""
    root = tmp_path / "german-credit"
    shutil.copytree(seeded[0], root)
    return load_project(root)


def _reload(project):
    return load_project(project.root)


def _files(root):
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*") if path.is_file()}


def _cached(project, **options):
    """The audits `audits_for` gives, asserting that every one came from the cache."""
    lines = []
    audits, problems = audits_for(project, report=lines.append, **options)
    assert lines == [] and problems == [] and [audit.origin for audit in audits] == ["cache"]
    return audits


def test_a_fresh_cache_gives_the_same_assessment_and_audits(project, computed):
    cached = _cached(project)
    assert assess(project, audits=cached).to_dict() == assess(project, audits=computed).to_dict()
    assert [audit.to_dict() for audit in cached] == [audit.to_dict() for audit in computed]
    assert [audit.status for audit in cached] == [audit.status for audit in computed]
    assert [audit.result_data for audit in cached] == [audit.result_data for audit in computed]


def test_cached_findings_have_the_attributes_of_the_engines(project, computed):
    (cached,) = _cached(project)
    assert [f.to_dict() for f in cached.findings] == [f.to_dict() for f in computed[0].findings]
    for mine, theirs in zip(cached.limits, computed[0].limits, strict=True):
        assert (mine.id, mine.status, len(mine.findings)) == (theirs.id, theirs.status, len(theirs.findings))
        for found, expected in zip(mine.findings, theirs.findings, strict=True):
            for name in ("grouping", "group", "observed", "interval", "compared", "status", "reason"):
                assert getattr(found, name) == getattr(expected, name), name
            assert found.limit.metric == expected.limit.metric and found.to_dict() == expected.to_dict()


def test_audits_for_uses_the_fresh_cache_and_reports_nothing(project, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("computed although the cache is fresh")

    monkeypatch.setattr(audit_cache, "run_spec_audit", refuse)
    _cached(project)


def _assert_recomputed(project, reason, computed):
    lines = []
    audits, problems = audits_for(project, report=lines.append)
    assert lines == [f"audit A1: computing ({reason})"] and problems == []
    assert [audit.origin for audit in audits] == ["computed"]
    cached = _cached(project)
    assert [a.to_dict() for a in cached] == [a.to_dict() for a in audits]


def test_one_changed_byte_of_the_predictions_makes_it_stale(project, computed):
    path = project.root / "data" / "predictions.csv"
    data = bytearray(path.read_bytes())
    at = data.rindex(b"0.")  # a score digit: same size, same shape, another value
    data[at + 2] = ord("1") if data[at + 2] != ord("1") else ord("2")
    path.write_bytes(bytes(data))
    _assert_recomputed(project, "predictions file data/predictions.csv changed since the result was computed", computed)


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
    cached = _cached(changed)
    assert cached[0].to_dict()["title"].startswith("Retitled")


def test_another_planner_version_makes_it_stale(project, monkeypatch, computed):
    version = audit_cache.__version__
    monkeypatch.setattr(audit_cache, "__version__", "9.9.9")
    _assert_recomputed(project, f"computed by planner {version}, this is planner 9.9.9", computed)


def _engine_copy(tmp_path, name, *edited):
    """A copy of the engine's source folder with a harmless comment line appended to `edited` files."""
    folder = tmp_path / name
    shutil.copytree(audit_cache.ENGINE_PACKAGE, folder, ignore=shutil.ignore_patterns("__pycache__"))
    for file in edited:
        with open(folder / file, "a", encoding="utf-8") as handle:
            handle.write("# an edit that changes no result\n")
    return folder


def test_the_engine_digest_covers_the_modules_that_compute(tmp_path):
    digest = audit_cache.engine_code_sha256()
    assert audit_cache.code_sha256(_engine_copy(tmp_path, "copy")) == digest
    assert audit_cache.code_sha256(_engine_copy(tmp_path, "renderers", "cache.py", "text.py")) == digest
    for module in ("metrics.py", "project.py", "__init__.py"):
        assert audit_cache.code_sha256(_engine_copy(tmp_path, f"edited-{module}", module)) != digest, module


def test_a_changed_engine_code_makes_it_stale(project, monkeypatch, tmp_path, computed):
    original = audit_cache.engine_code_sha256()
    edited = _engine_copy(tmp_path, "edited", "metrics.py")
    monkeypatch.setattr(audit_cache, "ENGINE_PACKAGE", edited)
    assert audit_cache.engine_code_sha256() != original
    _assert_recomputed(project, "the audit engine's code changed since the result was computed", computed)
    stored = json.loads((project.root / CACHED).read_text())["fingerprint"]
    assert stored["engine_code_sha256"] == audit_cache.code_sha256(edited)


def test_a_missing_cache_is_reported_as_such(project, computed):
    (project.root / CACHED).unlink()
    _assert_recomputed(project, "no cached result", computed)


def test_a_result_of_either_engine_is_used(project, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("computed although the cache is fresh")

    monkeypatch.setattr(audit_cache, "run_spec_audit", refuse)
    assert json.loads((project.root / CACHED).read_text())["fingerprint"]["engine"] == "pandas"
    _cached(project, engine="pandas")
    _cached(project, engine="duckdb")


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
    "old-format": "cache file has format 0, this planner writes 3",
}


@pytest.mark.parametrize("how", DAMAGE)
def test_a_damaged_cache_file_is_stale_with_its_reason(project, computed, how):
    _damage(project.root / CACHED, how)
    lines = []
    audits, problems = audits_for(project, report=lines.append)
    assert problems == [] and len(lines) == 1 and lines[0].startswith(f"audit A1: computing ({DAMAGE[how]}"), lines
    assert [a.origin for a in audits] == ["computed"]
    assert [a.to_dict() for a in audits] == [a.to_dict() for a in computed]
    _cached(project)  # rewritten


def test_use_cache_false_computes_and_refreshes(project, monkeypatch):
    (project.root / CACHED).write_text("{}")
    lines = []
    audits, _ = audits_for(project, use_cache=False, report=lines.append)
    assert [a.origin for a in audits] == ["computed"] and lines == []
    _cached(project)


def test_a_missing_predictions_file_is_a_diagnostic_not_a_crash(project):
    (project.root / "data" / "predictions.csv").unlink()
    lines = []
    audits, problems = audits_for(project, report=lines.append)
    assert len(lines) == 1 and lines[0].startswith(
        "audit A1: computing (predictions file data/predictions.csv cannot be read ("
    )
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
    assert not problems and [a.origin for a in audits] == ["computed"]
    assert (
        lines[0]
        == f"audit A1: computing (cache folder {root / '.planner' / 'audits'} resolves outside the project folder)"
    )
    assert lines[1].startswith("audit results not cached: cache folder")
    assert list(outside.iterdir()) == []
    with pytest.raises(audit_cache.CacheLocationError):
        audit_cache.cache_path(project, "A1")  # where every write goes


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
import planner
assessment = planner.assess(planner.load(sys.argv[1]), report=print)
assert not assessment.audit_problems and [a.origin for a in assessment.audits] == ["cache"]
decision = planner.gate(assessment, today=datetime.date(2026, 3, 1))
json.dumps(decision.to_dict(), allow_nan=False)
print(sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r}))
"""


@pytest.mark.slow
def test_the_gate_on_a_fresh_cache_imports_nothing_heavy(project):
    result = subprocess.run(
        [sys.executable, "-c", GATE.format(heavy=HEAVY), str(project.root)], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines() == ["[]"]


def _run(*args, cwd, pythonpath):
    environment = os.environ | {"PYTHONPATH": str(pythonpath)}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=environment, capture_output=True, text=True)


def _engine_digest(root):
    return json.loads((root / CACHED).read_text())["fingerprint"]["engine_code_sha256"]


@pytest.mark.slow
def test_an_edit_to_the_engine_recomputes_in_the_next_command(tmp_path):
    """End to end, in fresh processes: a copy of the package, its cache filled by `planner audit`,
    then an edit to `metrics.py`: `planner gate` computes the audit again and says why."""
    package = tmp_path / "pkg"
    shutil.copytree(REPO / "planner", package / "planner", ignore=shutil.ignore_patterns("__pycache__"))
    for folder in ("templates", "schemas"):  # beside the package, as in the editable checkout
        shutil.copytree(REPO / folder, package / folder)
    root = tmp_path / "german-credit"
    shutil.copytree(GERMAN, root, ignore=shutil.ignore_patterns(".planner"))
    imported = _run("-c", "import planner; print(planner.__file__)", cwd=tmp_path, pythonpath=package)
    assert imported.stdout.strip() == str(package / "planner" / "__init__.py"), imported.stderr
    audited = _run("-m", "planner", "audit", str(root), cwd=tmp_path, pythonpath=package)
    assert audited.returncode == 1, audited.stderr  # a limit is breached; the cache is filled anyway
    before = _engine_digest(root)
    digest = audit_cache.code_sha256.__wrapped__  # uncached: the folder's bytes change below
    assert before == digest(package / "planner" / "audit")
    with open(package / "planner" / "audit" / "metrics.py", "a", encoding="utf-8") as handle:
        handle.write("# an edit that changes no result\n")
    gated = _run("-m", "planner", "gate", str(root), cwd=tmp_path, pythonpath=package)
    assert gated.returncode in (0, 1), gated.stderr
    assert ENGINE_CODE_CHANGED in gated.stderr.splitlines()
    after = _engine_digest(root)
    assert after != before and after == digest(package / "planner" / "audit")
