"""Commands that need no data frames stay light: no pandas, scikit-learn or weasyprint."""

import subprocess
import sys

from helpers import EXAMPLES

HEAVY = ("pandas", "sklearn", "weasyprint", "pyarrow", "matplotlib")


def test_validate_imports_no_heavy_module():
    example = EXAMPLES[0]
    code = (
        "import sys\n"
        "from planner.cli import main\n"
        "try:\n"
        f"    main(['validate', {str(example)!r}])\n"
        "except SystemExit as exit:\n"
        "    assert exit.code == 0, exit.code\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines()[-1] == "[]"
