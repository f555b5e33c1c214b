"""`planner init`: the starter teaches every spec kind, its evidence gives real numbers, its gate
fails for the reasons its comments name, and the tutorial's edits make it pass."""

from __future__ import annotations

import csv
import io
import json
import math
import random
import re
import shlex
import sys
from pathlib import Path

import pytest

import planner
from helpers import REPO, run_cli
from planner.kinds import KINDS
from planner.source.yaml_documents import parse_documents

STARTER = REPO / "templates" / "starter"
TUTORIAL = REPO / "docs" / "tutorial.md"
ROWS, SEED, THRESHOLD = 400, 11, 0.3
BLOCKING = ["D1.legal", "R2", "signoff:product-owner"]
"""What the starter's gate fails on, as the comment atop its policy says."""


def example_predictions() -> list[tuple[int, int, float, str, str, str, str]]:
    """The seeded holdout rows of the starter: (needs_review, prediction, score, sex, age_group,
    region, channel). `random.Random.random` is the same on every Python version and platform."""
    rng = random.Random(SEED)
    rows = []
    for _ in range(ROWS):
        sex = "female" if rng.random() < 0.5 else "male"
        draw = rng.random()
        age_group = "under-30" if draw < 0.3 else "30-59" if draw < 0.8 else "60-plus"
        region = rng.choice(["north", "south", "east", "west"])
        channel = rng.choice(["web", "web", "phone", "branch"])
        label = 1 if rng.random() < 0.3 else 0
        logit = -1.3 + 1.9 * label + 3.6 * (rng.random() - 0.5) + 2.4 * (rng.random() - 0.5)
        score = round(1 / (1 + math.exp(-logit)), 4)
        rows.append((label, int(score >= THRESHOLD), score, sex, age_group, region, channel))
    return rows


def _csv(header: list[str], rows: list[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([header, *rows])
    return out.getvalue()


def starter_files() -> dict[str, str]:
    """data/predictions.csv and runs/runs.csv as the starter holds them: the candidate's metrics are
    measured on the predictions; latency, flip rate and the rule of thumb's metrics are made up."""
    rows = example_predictions()
    positives = [r[2] for r in rows if r[0] == 1]
    negatives = [r[2] for r in rows if r[0] == 0]
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    tp = sum(1 for r in rows if r[0] == 1 and r[1] == 1)
    flagged = sum(r[1] for r in rows)
    correct = sum(1 for r in rows if r[0] == r[1])
    candidate = {
        "roc_auc": wins / (len(positives) * len(negatives)),
        "recall": tp / len(positives),
        "precision": tp / flagged,
        "accuracy": correct / len(rows),
        "brier_score": sum((r[2] - r[0]) ** 2 for r in rows) / len(rows),
    }
    facts = {"code_version": "a1b2c3d", "data_version": "cases-2025q4", "python_version": "3.12"}
    facts |= {"environment": "requirements.txt", "entry_point": "train.py"}  # what `planner status` asks of a run
    header = ["run_id", "name", "tags.candidate", *candidate, "p95_latency_ms", "region_swap_flip_rate"]
    header += [f"tags.{fact}" for fact in facts]
    measured = [f"{value:.4f}" for value in candidate.values()]
    base_rate = f"{1 - len(positives) / len(rows):.4f}"
    runs = [
        ["model-v1", "Logistic regression", "true", *measured, "38.5", "0.004", *facts.values()],
        ["zero-rule", "Always no review", "", "0.5", "0.0", "", base_rate, "", "", "", *[""] * len(facts)],
        [
            "rule-of-thumb",
            "Large amount or new customer",
            "",
            "0.66",
            "0.55",
            "0.41",
            "0.64",
            "",
            "",
            "",
            *[""] * len(facts),
        ],
    ]
    predictions = [[r[0], r[1], f"{r[2]:.4f}", *r[3:]] for r in rows]
    columns = ["needs_review", "prediction", "score", "sex", "age_group", "region", "channel"]
    return {"data/predictions.csv": _csv(columns, predictions), "runs/runs.csv": _csv(header, runs)}


def init(capsys, target: Path, *options: str) -> Path:
    code, out, err = run_cli(capsys, "init", str(target), *options)
    assert code == 0, out + err
    return target


def manifest(root: Path) -> dict:
    [document] = parse_documents((root / "planner.yaml").read_text(), "planner.yaml")
    return document.data["project"]


def gate_items(capsys, root: Path) -> tuple[int, dict[str, dict]]:
    code, out, _ = run_cli(capsys, "gate", str(root), "--format", "json")
    return code, {item["id"]: item for item in json.loads(out)["items"]}


def test_the_committed_evidence_is_the_seeded_data():
    assert {name: (STARTER / name).read_text() for name in starter_files()} == starter_files()


def test_the_starter_holds_every_kind_of_spec(tmp_path, capsys):
    project = planner.load(init(capsys, tmp_path / "p"))
    assert not project.diagnostics or all(not d.is_error for d in project.diagnostics)
    assert sorted(doc.kind for doc in project.docs) == sorted(KINDS)


def test_every_starter_file_teaches_its_keys():
    for path in [STARTER / "planner.yaml", STARTER / "signoffs.yaml", *STARTER.glob("specs/*.yaml")]:
        lines = path.read_text().splitlines()
        assert lines[0].startswith("# yaml-language-server: $schema="), path
        assert sum("#" in line for line in lines) >= 5, f"{path.name} has too few comments"


def test_the_chain_runs_and_the_gate_blocks(tmp_path, capsys):
    root = init(capsys, tmp_path / "x")
    assert run_cli(capsys, "validate", str(root))[0] == 0
    code, out, _ = run_cli(capsys, "audit", str(root))
    assert code == 0 and "A1.demographic_parity_ratio.sex" in out and out.rstrip().endswith("status: pass")
    code, out, _ = run_cli(capsys, "report", str(root))
    assert code == 0
    assert all((root / "reports" / name).stat().st_size > 0 for name in ("design.html", "governance.html"))
    code, out, _ = run_cli(capsys, "gate", str(root))
    assert code == 1 and out.startswith("BLOCKED My ML project: 3 failing, 0 waived, 23 passing\n")


def test_the_gate_fails_for_the_reasons_the_comments_name(tmp_path, capsys):
    code, items = gate_items(capsys, init(capsys, tmp_path / "x"))
    failing = {item_id: item["why"] for item_id, item in items.items() if item["status"] == "fail"}
    assert code == 1
    assert failing == {
        "D1.legal": "open: neither done nor n/a",
        "R2": "inherent band high is above medium; high risk has no mitigation",
        "signoff:product-owner": "no sign-off for the role 'product-owner'",
    }
    policy = (STARTER / "specs" / "policy.yaml").read_text()
    assert all(re.search(rf"^#\s+{re.escape(item)}\s", policy, re.M) for item in BLOCKING)
    assert "planner signoff . --role product-owner" in policy
    for name, item in (("risks.yaml", "R2"), ("data.yaml", "D1.legal")):
        assert f"# {item} FAILS THE GATE on purpose" in (STARTER / "specs" / name).read_text()
    measured = {"O1", "O2", "C1", "T1", "E1.threshold", "P1", "A1.demographic_parity_ratio.sex"}
    assert {item_id for item_id in measured if items[item_id]["status"] == "pass"} == measured  # real evidence


def tutorial_steps() -> list[tuple[str, ...]]:
    """The tutorial's commands (`("run", command, expected exit code)`) and edits (`("edit", file,
    old, new)`), in order: a command is a `$ ` line of a console block, an edit the two yaml blocks
    after an `<!-- edit: FILE -->` marker."""
    text = TUTORIAL.read_text()
    blocks = re.finditer(r"(?:<!-- edit: (?P<file>\S+) -->\n)?```(?P<lang>\w+)\n(?P<body>.*?)```", text, re.S)
    steps: list[tuple[str, ...]] = []
    pending: list[str] = []
    for block in blocks:
        if block["file"]:
            pending = [block["file"], block["body"]]
        elif pending and block["lang"] == "yaml":
            pending.append(block["body"])
            if len(pending) == 3:
                steps.append(("edit", *pending))
                pending = []
        elif block["lang"] == "console":
            for line in block["body"].splitlines():
                if line.startswith("$ "):
                    command, _, comment = line[2:].partition("#")
                    expected = re.match(r"\s*exit code (\d)", comment)
                    steps.append(("run", command.strip(), expected[1] if expected else "0"))
    return steps


def test_following_the_tutorial_makes_the_gate_pass(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    tutorial = TUTORIAL.read_text()
    steps = tutorial_steps()
    assert [step[1] for step in steps if step[0] == "edit"] == ["specs/risks.yaml", "specs/data.yaml"]
    for step in steps:
        if step[0] == "edit":
            _, name, old, new = step
            text = Path(name).read_text()
            assert text.count(old) == 1, f"{name} does not hold the tutorial's lines once:\n{old}"
            Path(name).write_text(text.replace(old, new))
            continue
        args = shlex.split(step[1])
        if args[0] == "cd":
            monkeypatch.chdir(args[1])
            continue
        assert args[0] == "planner"
        code, out, err = run_cli(capsys, *args[1:])
        assert code == int(step[2]), f"{step[1]}: {out}{err}"
        if args[1] == "gate":
            assert all(line in tutorial for line in out.splitlines()), out  # the output shown is the real one
    assert steps[-1] == ("run", "planner gate .", "0")


def test_id_and_name_land_in_the_manifest(tmp_path, capsys):
    name = """Claims: the "fast" track's 'triage' # not a comment"""
    root = init(capsys, tmp_path / "p", "--id", "claims.triage-2", "--name", name)
    assert {key: manifest(root)[key] for key in ("id", "name")} == {"id": "claims.triage-2", "name": name}
    code, out, _ = run_cli(capsys, "validate", str(root))
    assert code == 0 and out.endswith(f"{root}: valid (15 documents; 0 errors, 1 warning)\n")


def test_a_long_name_folds_and_still_reads_back(tmp_path, capsys):
    name = "A name: with colons, " * 12
    root = init(capsys, tmp_path / "p", "--name", name)
    assert manifest(root)["name"] == name
    assert run_cli(capsys, "validate", str(root))[0] == 0


@pytest.mark.parametrize("bad", ["1st", "has space", "a" * 65, "", "ok\n", "ünï"])
def test_a_bad_id_exits_2_and_writes_nothing(tmp_path, capsys, bad):
    code, out, _ = run_cli(capsys, "init", str(tmp_path / "p"), "--id", bad)
    assert code == 2
    assert out.splitlines()[0] == f"--id: error[bad-id] {bad!r} is not a valid project id".replace("\n", " ")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("bad", ["", "  ", "two\nlines", "tab\there"])
def test_a_name_must_be_one_line_of_text(tmp_path, capsys, bad):
    code, out, _ = run_cli(capsys, "init", str(tmp_path / "p"), "--name", bad)
    assert (code, out.splitlines()[0]) == (2, "--name: error[bad-name] the project name must be one line of text")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("folder", "expected"), [("Credit.v2", "Credit.v2"), ("2027-plan", "my-project")])
def test_the_default_id_is_the_folders_name_when_valid(tmp_path, capsys, folder, expected):
    root = init(capsys, tmp_path / folder)
    assert (manifest(root)["id"], manifest(root)["name"]) == (expected, "My ML project")


def test_init_dot_fills_an_empty_working_folder(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "triage"
    folder.mkdir()
    monkeypatch.chdir(folder)
    code, out, _ = run_cli(capsys, "init", ".", "--name", "Triage")
    assert code == 0 and out.endswith("next: planner validate .\n")
    assert sorted(path.name for path in folder.iterdir()) == [
        "data",
        "planner.yaml",
        "runs",
        "schemas",
        "signoffs.yaml",
        "specs",
    ]
    assert (manifest(folder)["id"], manifest(folder)["name"]) == ("triage", "Triage")
    assert run_cli(capsys, "validate", ".")[0] == 0


if __name__ == "__main__":  # regenerate the starter's evidence: python tests/test_starter.py --write
    if sys.argv[1:] == ["--write"]:
        for name, text in starter_files().items():
            (STARTER / name).parent.mkdir(parents=True, exist_ok=True)
            (STARTER / name).write_text(text)
