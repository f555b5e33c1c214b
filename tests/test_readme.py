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


def _fields(model, prefix=""):
    """Every key a spec model accepts, nested models' keys as `parent.key` (list items `parent[].key`)."""
    from pydantic import BaseModel

    for name, field in model.model_fields.items():
        if name == "kind":
            continue
        yield prefix + name
        annotation = field.annotation
        inner = getattr(annotation, "__args__", (annotation,))
        for candidate in inner:
            if isinstance(candidate, type) and issubclass(candidate, BaseModel) and candidate.__name__ != "Harms":
                list_like = getattr(annotation, "__origin__", None) is list
                yield from _fields(candidate, f"{prefix}{name}{'[]' if list_like else ''}.")


def test_every_bias_audit_key_is_documented_in_the_readme():
    from planner.spec.bias import BiasAudit

    readme = (REPO / "README.md").read_text()
    table = readme.split("### Bias-audit keys", 1)[1].split("\n#", 1)[0]
    documented = set(re.findall(r"^\| `([^`]+)` \|", table, flags=re.M))
    assert set(_fields(BiasAudit)) <= documented, set(_fields(BiasAudit)) - documented
