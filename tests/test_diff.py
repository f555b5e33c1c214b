"""planner diff as a library: two versions of german-credit, as git revisions and as folders."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from helpers import REPO, run_cli
from planner import diff as diff_sides
from planner import load as load_project
from planner.diff.compare import diff_projects
from planner.diff.render import escape_markdown, render_json, render_markdown, render_text
from planner.diff.revisions import Side, parse_side
from planner.errors import PlannerError

CREDIT = REPO / "examples" / "german-credit"
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}
# (file, old text, new text): raise R9's likelihood (medium -> high), lower O1's target, mark a
# checklist item done, remove goal G2 (and move what referred to it), extend a waiver.
EDITS = [
    (
        "risks.yaml",
        "    likelihood: 2\n    impact: 3\n    owner: consumer.lending@",
        "    likelihood: 4\n    impact: 3\n    owner: consumer.lending@",
    ),
    ("objectives.yaml", "target: 0.85, direction: higher", "target: 0.80, direction: higher"),
    ("data.yaml", "  - id: refresh\n    status: open", "  - id: refresh\n    status: done"),
    ("objectives.yaml", "  - id: G2\n    statement: Decide faster", "  - id: G9\n    statement: Decide faster"),
    ("objectives.yaml", "    goal: G2\n", "    goal: G1\n"),
    ("constraints.yaml", "    links: [G2]\n", "    links: [G1]\n"),
    ("policy.yaml", "expires: 2027-06-30", "expires: 2027-12-31"),
]
G2 = "Decide faster without declining creditworthy applicants more often."
EXPECTED = [
    ("goal", "G2", "removed", None, G2, None),
    ("goal", "G9", "added", None, None, G2),
    ("objective", "O1", "changed", "metric.target", 0.85, 0.8),
    ("objective", "O3", "changed", "goal", "G2", "G1"),
    ("constraint", "C1", "changed", "links", ["G2"], ["G1"]),
    ("risk", "R9", "changed", "likelihood", 2, 4),
    ("risk", "R9", "changed", "score", 6, 12),
    ("risk", "R9", "changed", "band", "medium", "high"),
    ("checklist-item", "D1.refresh", "changed", "status", "open", "done"),
    ("waiver", "C9", "changed", "expires", "2027-06-30", "2027-12-31"),
]


def git(repo, *args):
    return subprocess.run(["git", *args], cwd=repo, env=GIT_ENV, check=True, capture_output=True, text=True).stdout


def edit(project, edits):
    for name, old, new in edits:
        path = project / "specs" / name
        text = path.read_text()
        assert text.count(old) == 1, (name, old)
        path.write_text(text.replace(old, new))


@pytest.fixture(scope="module")
def repo():
    """A repository with the project in `credit/`: tag v1 the example, v2 edited, `broken` invalid."""
    with tempfile.TemporaryDirectory(prefix="test-diff-") as folder:  # outlives other runs' tmp_path clean-up
        yield make_repo(Path(folder))


def make_repo(root):
    repo, old = root / "repo", root / "old"
    shutil.copytree(CREDIT, repo / "credit")
    shutil.copytree(CREDIT, old)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "v1")
    git(repo, "tag", "v1")
    edit(repo / "credit", EDITS)
    git(repo, "commit", "-q", "-am", "v2")
    git(repo, "tag", "v2")
    edit(repo / "credit", [("risks.yaml", "  - id: R9\n", "  - id: R9\n    ownr: x\n")])
    git(repo, "commit", "-q", "-am", "broken")
    git(repo, "tag", "broken")
    git(repo, "reset", "-q", "--hard", "v2")
    return repo, old


def rows(diff):
    return [(c.kind, c.id, c.change, c.field, c.old, c.new) for c in diff.changes]


def test_git_revisions_give_the_exact_changes(repo):
    repo, _ = repo
    diff = diff_sides("HEAD~1:credit", "HEAD:credit", cwd=repo)
    assert rows(diff) == EXPECTED
    summaries = {c.summary for c in diff.changes}
    assert {
        "R9 medium -> high",
        "R9 likelihood 2 -> 4",
        "O1 metric.target 0.85 -> 0.8",
        "D1.refresh status open -> done",
        "C9 expires 2027-06-30 -> 2027-12-31",
        f"G2 removed: {G2[:59]}…",
    } <= summaries
    commit = git(repo, "rev-parse", "v1").strip()
    assert (diff.old.source, diff.old.revision, diff.old.version) == ("HEAD~1:credit", commit, "0.4.0")
    assert diff.counts() == {"added": 1, "removed": 1, "changed": 6, "fields": 8}


def test_folders_give_the_same_changes_as_revisions(repo):
    repo, old = repo
    assert rows(diff_sides(str(old), str(repo / "credit"))) == EXPECTED
    assert rows(diff_sides("v1:credit", "credit/planner.yaml", cwd=repo)) == EXPECTED
    inside = repo / "credit" / "specs"  # REV:PATH is relative to the current folder, like a folder
    assert rows(diff_sides("v1:..", "..", cwd=inside)) == EXPECTED
    assert diff_sides("v1:..", "..", cwd=inside).new.revision is None


def test_assessments_add_status_changes_once(repo):
    repo, _ = repo
    diff = diff_sides("v1:credit", "v2:credit", cwd=repo, with_status=True)
    assert diff.with_status
    status = [("objective", "O1", "changed", "status", "not-met", "met")]
    assert rows(diff) == EXPECTED[:3] + status + EXPECTED[3:]  # D1.refresh's status is listed once
    assert next(c for c in diff.changes if c.field == "status" and c.id == "O1").summary == "O1 not-met -> met"


def test_measured_values_and_limit_outcomes(repo):
    repo, old = repo
    old_project, new_project = load_project(old), load_project(repo / "credit")
    from planner.assess import assess

    before, after = assess(old_project), assess(old_project)
    o1, limit = after.get("O1"), after.get("A1.demographic_parity_ratio.sex")
    o1.value, limit.status = 0.9, "fail"
    before.get("A1.demographic_parity_ratio.sex").status = "pass"
    diff = diff_projects(old_project, old_project, old_assessment=before, new_assessment=after)
    assert [c.summary for c in diff.changes] == [
        "O1 roc_auc 0.826349 -> 0.9",
        "A1.demographic_parity_ratio.sex pass -> fail",
    ]
    with pytest.raises(ValueError):
        diff_projects(old_project, new_project, old_assessment=before)


def test_a_project_against_itself_is_empty(repo):
    repo, old = repo
    assert diff_sides("HEAD:credit", "credit", cwd=repo).empty
    project = load_project(old)
    diff = diff_projects(project, project)
    assert diff.empty and diff.counts()["changed"] == 0
    assert render_text(diff).endswith("\nno changes\n")
    assert render_markdown(diff).endswith("\nNo changes.\n")


@pytest.mark.parametrize(
    "side, code, message",
    [
        ("nope:credit", "unknown-revision", "no commit 'nope' in the repository at {top}"),
        ("--output=x:credit", "bad-revision", "'--output=x' is not a revision"),
        ("-p:credit", "bad-revision", "'-p' is not a revision"),
        ("HEAD:credit/specs", "no-project", "no planner.yaml at credit/specs in revision HEAD"),
        ("HEAD:../elsewhere", "outside-repository", "../elsewhere is outside the repository at {top}"),
    ],
)
def test_bad_sides_are_refused_with_a_hint(repo, side, code, message):
    repo, _ = repo
    with pytest.raises(PlannerError) as error:
        diff_sides(side, "credit", cwd=repo)
    (diagnostic,) = error.value.diagnostics
    assert (diagnostic.code, diagnostic.message, diagnostic.file) == (code, message.format(top=repo.resolve()), side)
    assert diagnostic.hint
    assert not (repo / "x").exists() and not (repo / "--output=x").exists()


def test_an_invalid_revision_is_reported_at_its_revision_path(repo):
    repo, _ = repo
    with pytest.raises(PlannerError) as error:
        diff_sides("broken:credit", "credit", cwd=repo)
    found = {(d.code, d.file, d.line) for d in error.value.diagnostics}
    assert ("unknown-key", "broken:credit/specs/risks.yaml", 152) in found
    assert all(d.file.startswith("broken:credit/specs/") for d in error.value.diagnostics if d.file)


def test_a_folder_outside_any_repository_cannot_take_a_revision(tmp_path):
    (tmp_path / "x").mkdir()
    with pytest.raises(PlannerError) as error:
        diff_sides("HEAD:x", "x", cwd=tmp_path)
    assert error.value.diagnostics[0].code == "not-a-repository"


def test_parse_side_prefers_an_existing_path(tmp_path):
    (tmp_path / "a:b").mkdir()
    assert parse_side("a:b", cwd=tmp_path) == Side("a:b", "a:b")
    assert parse_side("v1.2.0:", cwd=tmp_path) == Side("v1.2.0:", ".", "v1.2.0")
    assert parse_side("HEAD~1:examples/adult-income") == Side(
        "HEAD~1:examples/adult-income", "examples/adult-income", "HEAD~1"
    )


def test_text_and_json_renderings(repo):
    repo, _ = repo
    diff = diff_sides("v1:credit", "v2:credit", cwd=repo)
    text = render_text(diff).splitlines()
    assert text[:3] == [
        f"german-credit 0.4.0 (v1:credit @ {diff.old.revision[:12]}) -> "
        f"german-credit 0.4.0 (v2:credit @ {diff.new.revision[:12]})",
        "1 added, 1 removed, 6 changed (8 fields)",
        "",
    ]
    assert text[3:7] == ["Goals and KPIs", f"  - G2 removed: {G2[:59]}…", f"  + G9 added: {G2[:59]}…", ""]
    assert "Risks" in text and "  ~ R9 medium -> high" in text
    payload = json.loads(render_json(diff))
    assert payload["counts"] == diff.counts() and payload["empty"] is False
    assert payload["changes"][2] == {
        "kind": "objective",
        "id": "O1",
        "change": "changed",
        "field": "metric.target",
        "old": 0.85,
        "new": 0.8,
        "summary": "O1 metric.target 0.85 -> 0.8",
    }


def test_markdown_escapes_hostile_text(repo, tmp_path):
    _, old = repo
    hostile = tmp_path / "hostile"
    shutil.copytree(old, hostile, ignore=shutil.ignore_patterns("mlruns", "data"))
    edit(
        hostile,
        [
            (
                "risks.yaml",
                "title: Reason codes misunderstood by applicants",
                'title: "| x <script>alert(1)</script> `code` [link](http://e.example) \\x1b[2J\\nnext"',
            )
        ],
    )
    markdown = render_markdown(diff_sides(str(old), str(hostile)))
    row = next(line for line in markdown.splitlines() if line.startswith("| R9 "))
    assert row == (
        "| R9 | changed | title | Reason codes misunderstood by applicants | "
        r"\| x &lt;script&gt;alert(1)&lt;/script&gt; \`code\` \[link\](http://e.example) \[2J next |"
    )
    assert markdown.startswith("### planner diff: german-credit 0.4.0 → 0.4.0\n")
    assert "<" not in markdown and "\x1b" not in render_text(diff_sides(str(old), str(hostile)))
    table_rows = [line for line in markdown.splitlines() if line.startswith("|")]
    assert all(line.replace("\\|", "").count("|") == 6 for line in table_rows)
    assert escape_markdown("a|b\r\nc`d<e>&") == r"a\|b c\`d&lt;e&gt;&amp;"


@pytest.mark.slow  # a fresh interpreter
def test_no_pandas_without_assessments(repo):
    repo, _ = repo
    code = (
        "import sys\nfrom planner import diff as diff_sides\nfrom planner.diff.render import render_markdown\n"
        "render_markdown(diff_sides('v1:credit', 'credit'))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pandas', 'numpy', 'duckdb')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.stdout.splitlines()[-1] == "[]"


def test_a_changed_behavioural_test_target_is_one_line_with_both_values(tmp_path, capsys):
    """Evaluation plans are compared field by field: a moved target is one change naming the test."""
    copy = shutil.copytree(CREDIT, tmp_path / "credit", ignore=shutil.ignore_patterns(".planner", "reports"))
    plan = copy / "specs" / "evaluation.yaml"
    text = plan.read_text()
    assert "metric: {name: foreign_swap_flip_rate, target: 0.01," in text
    plan.write_text(
        text.replace(
            "metric: {name: foreign_swap_flip_rate, target: 0.01,",
            "metric: {name: foreign_swap_flip_rate, target: 0.02,",
        )
    )
    code, out, _ = run_cli(capsys, "diff", str(CREDIT), str(copy))
    assert code == 0
    changed = [line for line in out.splitlines() if line.startswith("  ")]
    assert changed == ["  ~ T1 metric.target 0.01 -> 0.02"]
    assert "Behavioural tests" in out.splitlines()
