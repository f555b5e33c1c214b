"""One operating point: the threshold stated once and checked everywhere; confident objectives
judged on the Wilson bound of the rate a bias audit counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

import planner
from helpers import run_cli, write_project

AUDIT = """\
kind: bias-audit
id: A1
predictions: predictions.csv
label: y
prediction: pred
score: score
sensitive_features: [sex]
bootstrap: {samples: 100}
"""
PLAN = """\
kind: evaluation
id: E1
datasets:
  - {id: test, description: The test split., split: test, rows: 400}
threshold: {policy: fixed, value: 0.1, rationale: Screening misses cost most.}
"""
OBJECTIVES = """\
kind: objectives
objectives:
  - id: O1
    statement: Find the sick.
    metric: {name: recall, target: 0.95, direction: higher, confident: CONFIDENT}
"""
RESULTS = "kind: results\nsources:\n  - {id: T, type: table, path: runs.csv}\ncandidate: {run: cand}\n"


def wilson_low(successes: int, n: int, level: float = 0.95) -> float:
    """The Wilson score interval's lower bound, written out (Wilson 1927)."""
    z = norm.ppf(1 - (1 - level) / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return float(centre - half)


def predictions(threshold: float, positives: int = 106, found: int = 102) -> pd.DataFrame:
    """`positives` sick cases of which `found` are flagged at `threshold`, and 294 healthy ones."""
    rng = np.random.default_rng(0)
    y = np.r_[np.ones(positives, int), np.zeros(294, int)]
    score = np.r_[
        rng.uniform(threshold, 1, found), rng.uniform(0, threshold - 0.01, positives - found), rng.uniform(0, 1, 294)
    ]
    sex = np.where(np.arange(y.size) % 2, "female", "male")
    return pd.DataFrame({"y": y, "score": score, "pred": (score >= threshold).astype(int), "sex": sex})


def project(tmp_path, *, audit=AUDIT, plan=PLAN, made_at=0.1, confident="false"):
    specs = {
        "specs/a.yaml": audit,
        "specs/e.yaml": plan,
        "specs/o.yaml": OBJECTIVES.replace("CONFIDENT", confident),
        "specs/r.yaml": RESULTS,
        "runs.csv": "run_id,recall\ncand,0.9623\n",
    }
    root = write_project(tmp_path / "p", specs)
    predictions(made_at).to_csv(root / "predictions.csv", index=False)
    return root


def test_an_audit_without_a_threshold_decides_at_the_plans(tmp_path):
    assessment = planner.assess(planner.load(project(tmp_path)))
    (audit,) = assessment.audits
    assert audit.spec.threshold == 0.1 and audit.result_data["settings"]["threshold"] == 0.1
    documents = planner.render(assessment, formats=["html", "modelcard"])
    design, governance = (documents[name].decode() for name in ("design.html", "governance.html"))
    assert "decides at threshold 0.1 " in design and "fixed threshold 0.1" in governance
    assert "Audit A1: threshold 0.1 on the score column" in documents["model-card.md"].decode()
    assert not any("threshold 0.5" in text.decode() for text in documents.values())


def test_an_audit_stating_another_threshold_than_the_plan_is_a_warning_and_strict_error(tmp_path, capsys):
    root = project(tmp_path, audit=AUDIT + "threshold: 0.5\n")
    code, out, _ = run_cli(capsys, "validate", str(root))
    assert code == 0
    assert "warning[threshold-mismatch] audit A1 decides at threshold 0.5, but evaluation plan E1 states 0.1" in out
    assert "a.yaml:9:" in out
    code, _, _ = run_cli(capsys, "validate", str(root), "--strict")
    assert code == 2


def test_without_a_plan_the_audits_own_threshold_or_the_default(tmp_path):
    plan = PLAN.replace("threshold: {policy: fixed, value: 0.1, rationale: Screening misses cost most.}\n", "")
    assessment = planner.assess(planner.load(project(tmp_path, plan=plan, made_at=0.5)))
    assert assessment.audits[0].spec.threshold == 0.5


def test_a_confident_objective_is_judged_on_the_wilson_lower_bound(tmp_path):
    point = planner.assess(planner.load(project(tmp_path / "a")))
    assert point.get("O1").status == "met"  # 0.9623 >= 0.95 on the point estimate
    confident = planner.assess(planner.load(project(tmp_path / "b", confident="true")))
    o1 = confident.get("O1")
    low = wilson_low(102, 106)
    assert o1.status == "not-met"
    assert f"95% Wilson lower bound {low:.4g} judged" in o1.why and "audit A1" in o1.why
    assert low < 0.95 and abs(o1.margin - (low - 0.95)) < 1e-12


def test_a_confident_objective_without_an_audit_counting_its_rate_is_no_evidence(tmp_path):
    root = project(tmp_path, confident="true")
    (root / "specs" / "a.yaml").unlink()
    o1 = planner.assess(planner.load(root)).get("O1")
    assert o1.status == "no-evidence" and "no bias audit counts recall" in o1.why


def test_predictions_made_at_another_threshold_are_a_warning_with_the_agreement_rate(tmp_path):
    from helpers import run_process

    root = project(tmp_path, made_at=0.3)  # the plan says 0.1
    frame = pd.read_csv(root / "predictions.csv")
    agreement = float(np.mean(frame.pred == (frame.score >= 0.1)))
    assessment = planner.assess(planner.load(root))
    (warning,) = [d for d in assessment.diagnostics if d.code == "threshold-disagreement"]
    assert not warning.is_error and f"on {agreement:.2%} of rows" in warning.message and 0 < agreement < 1
    assert assessment.audits[0].result_data["settings"]["threshold_agreement"] == agreement
    result = run_process("status", str(root), "--format", "json")
    assert result.returncode == 0 and "threshold-disagreement" in result.stderr
    json_out = __import__("json").loads(result.stdout)  # the warning does not spoil the JSON
    assert json_out["items"]


def test_predictions_made_at_the_stated_threshold_agree_fully(tmp_path):
    assessment = planner.assess(planner.load(project(tmp_path)))
    assert assessment.audits[0].result_data["settings"]["threshold_agreement"] == 1.0
    assert not [d for d in assessment.diagnostics if d.code == "threshold-disagreement"]
