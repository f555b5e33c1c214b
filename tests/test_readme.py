"""The README's library example runs as written."""

import re
import subprocess
import sys

import pytest

from helpers import REPO


@pytest.mark.slow
def test_the_readme_api_example_runs(tmp_path):
    readme = (REPO / "README.md").read_text()
    (code,) = re.findall(r"^```python\n(.*?)^```$", readme, flags=re.S | re.M)
    assert len(code.strip().splitlines()) <= 12  # the issue asks for the API end to end in about ten lines
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines()[0].startswith("False ['O1', 'O2'")
    assert (REPO / "build" / "reports" / "model-card.md").is_file()
