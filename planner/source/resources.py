"""Where the shipped `templates/` and `schemas/` folders are.

In a wheel they are inside the package; in a source checkout (editable install) they sit at the
repository root, next to the package.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent


def resource_dir(name: str) -> Path:
    inside = PACKAGE / name
    return inside if inside.is_dir() else PACKAGE.parent / name
