"""The one canonical JSON form planner takes digests of (sign-offs, the audit cache).

Independent of layout, comments, key order and quoting: two documents with the same values give
the same text, so a digest changes exactly when a value does.
"""

from __future__ import annotations

import json
from typing import Any


def canonical_json(data: Any) -> str:
    """Sorted keys, no spaces, UTF-8 text as is; dates and other values as their `str`."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
