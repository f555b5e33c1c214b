import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that starts a browser or a server is slow too, so `pytest -m "not slow"` starts neither."""
    for item in items:
        if item.get_closest_marker("browser") or item.get_closest_marker("server"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Callable[[Callable[[Path], Path]], Path]:
    """Each builder's project, built once for the module (several cases run commands on one)."""
    projects: dict[Callable, Path] = {}

    def get(build: Callable[[Path], Path]) -> Path:
        if build not in projects:
            projects[build] = build(tmp_path_factory.mktemp("hostile") / "project")
        return projects[build]

    return get
