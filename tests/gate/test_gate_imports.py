"""The gate stays light: evaluating and signing a project imports no pandas, scikit-learn or weasyprint."""

import subprocess
import sys

import pytest

from gate_projects import build, policy

HEAVY = ("pandas", "sklearn", "weasyprint", "pyarrow", "matplotlib")

CODE = """\
import datetime, sys
from planner import load as load_project
from planner.assess import assess
from planner.gate import evaluate
from planner.kinds.signoffs import record_signoff
project = load_project(sys.argv[1])
evidence = assess(project).evidence
record_signoff(project, role="risk-officer", name="Ann Lee", on=datetime.date(2026, 2, 1), evidence=evidence)
project = load_project(sys.argv[1])
decision = evaluate(assess(project), today=datetime.date(2026, 3, 1))
assert decision.passed, decision.failures
print(sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r}))
"""


@pytest.mark.slow  # a fresh interpreter
def test_evaluating_imports_no_heavy_module(tmp_path):
    root = build(tmp_path / "p", {"specs/policy.yaml": policy("  signoffs: [risk-officer]\n")})
    result = subprocess.run(
        [sys.executable, "-c", CODE.format(heavy=HEAVY), str(root)], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines()[-1] == "[]"
