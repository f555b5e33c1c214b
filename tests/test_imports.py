"""Commands that need no data frames stay light: no pandas, scikit-learn or weasyprint."""

import ast
import shutil
import subprocess
import sys

import pytest

from helpers import EXAMPLES

pytestmark = pytest.mark.slow  # every test starts fresh interpreters (the gate ones two per format)

HEAVY = ("pandas", "sklearn", "weasyprint", "pyarrow", "matplotlib", "numpy")
WAREHOUSE = ("ibis", "pyspark", "psycopg", "sqlglot", "duckdb")
"""The warehouse extras: no command that reads no warehouse may import them."""


def heavy_modules_after(*argv: str, expected_exit: int, heavy: tuple[str, ...] = HEAVY + WAREHOUSE) -> list[str]:
    """The heavy modules a fresh interpreter has loaded after running `planner ARGV`."""
    code = (
        "import sys\n"
        "from planner.cli import main\n"
        "try:\n"
        f"    main({list(argv)!r})\n"
        "except SystemExit as exit:\n"
        f"    assert exit.code == {expected_exit}, exit.code\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    return ast.literal_eval(result.stdout.splitlines()[-1])


def test_validate_imports_no_heavy_module():
    assert heavy_modules_after("validate", str(EXAMPLES[0]), expected_exit=0) == []


@pytest.mark.parametrize(
    "argv", [("schema", "--format", "markdown"), ("explain", "unknown-key"), ("explain", "--format", "markdown")]
)
def test_reference_commands_import_no_heavy_module(argv):
    assert heavy_modules_after(*argv, expected_exit=0) == []


@pytest.mark.parametrize("fmt", ["text", "junit", "sarif"])
def test_gate_with_computed_audits_imports_no_heavy_module(tmp_path, fmt):
    root = shutil.copytree(next(p for p in EXAMPLES if p.name == "german-credit"), tmp_path / "german")
    subprocess.run([sys.executable, "-m", "planner", "audit", str(root)], capture_output=True, check=False)
    assert (root / ".planner" / "audits" / "A1.json").is_file()  # `planner audit` filled the cache
    assert heavy_modules_after("gate", str(root), "--format", fmt, expected_exit=1) == []


def test_an_audit_of_a_file_imports_no_warehouse_module(tmp_path):
    root = shutil.copytree(next(p for p in EXAMPLES if p.name == "german-credit"), tmp_path / "german")
    assert heavy_modules_after("audit", str(root), expected_exit=1, heavy=WAREHOUSE) == []
