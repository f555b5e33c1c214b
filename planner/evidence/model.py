"""What every result source is read into: `Run`, and `RunSet` to look runs up.

All readers produce the same shape so linking and assessment never care where a run came from.
Times are integer milliseconds since the epoch (MLflow's unit); history points are
`(step, timestamp, value)` in the order the source recorded them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from planner.metric_names import lookup

Point = tuple[int, int, float]

REPRODUCIBILITY_KEYS = ("code_version", "data_version", "python_version", "environment", "entry_point")
"""code_version: git commit; data_version: a data hash or version; python_version; environment: the
requirements or conda file the run recorded; entry_point: the script or entry point that ran."""

# Tags that carry reproducibility facts, in order of preference. MLflow sets the `mlflow.*` ones
# itself; the others are planner's convention for tables and hand-logged runs (documented in README).
REPRODUCIBILITY_TAGS = {
    "code_version": ("mlflow.source.git.commit", "git_commit", "code_version"),
    "data_version": ("data_version", "data_hash", "mlflow.data.digest"),
    "python_version": ("python_version",),
    "environment": ("environment", "mlflow.project.env"),
    "entry_point": ("mlflow.source.name", "mlflow.project.entryPoint", "entry_point"),
}


def reproducibility(tags: dict[str, str], **found: str | None) -> dict[str, str | None]:
    """Every reproducibility key: `found` values first, then known tags, else None."""
    result: dict[str, str | None] = {}
    for key in REPRODUCIBILITY_KEYS:
        value = found.get(key) or next((tags[t] for t in REPRODUCIBILITY_TAGS[key] if tags.get(t)), None)
        result[key] = value or None
    return result


@dataclass(frozen=True)
class Run:
    """One experiment run as read from a source; `metrics` hold the latest value of each metric."""

    source: str
    run_id: str
    name: str | None = None
    experiment: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    history: dict[str, list[Point]] = field(default_factory=dict)
    start_time: int | None = None
    reproducibility: dict[str, str | None] = field(default_factory=lambda: reproducibility({}))

    def __hash__(self) -> int:  # holds dicts: compare, don't hash (as `__hash__ = None` would say)
        raise TypeError(f"unhashable type: {type(self).__name__!r}")


class RunSet(list[Run]):
    """A plain list of runs with look-up helpers."""

    def with_tags(self, tags: dict[str, str]) -> RunSet:
        return RunSet(run for run in self if all(run.tags.get(k) == v for k, v in tags.items()))

    def from_source(self, source: str | None) -> RunSet:
        return RunSet(run for run in self if source is None or run.source == source)

    def best(
        self, metric: str, direction: Literal["higher", "lower"] = "higher", source: str | None = None
    ) -> Run | None:
        """The run with the best value of `metric` (or of a synonym, `planner.metric_names.lookup`);
        runs without it, or with NaN, never win.

        Ties keep the first run in order, so the result does not depend on dict or set order.
        """
        values = [(lookup(run.metrics, metric), run) for run in self.from_source(source)]
        scored = [(value, run) for value, run in values if value is not None and not math.isnan(value)]
        if not scored:
            return None
        sign = 1 if direction == "higher" else -1
        return max(scored, key=lambda pair: sign * pair[0])[1]
