"""One disaggregated result from which every disparity is derived.

Why one object: as in fairlearn's MetricFrame, difference and ratio are two views of the same
per-group table, not separate code paths. The aggregations are written on arrays with the
groups on the last axis, so the bootstrap applies exactly the same functions to (samples,
groups) arrays. Groups that are too small ("insufficient data") or whose metric is undefined
take no part in a disparity; a disparity needs two such groups (between_groups) or one
(to_overall), otherwise it is undefined (NaN).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from planner.spec.bias import disparity_definition

METHODS = ("between_groups", "to_overall")
FOUR_FIFTHS = 0.8
AEQUITAS_BAND = (0.8, 1.25)


def _extreme(values: np.ndarray, largest: bool) -> tuple[np.ndarray, np.ndarray]:
    """Max (or min) over the last axis ignoring NaN (and inf), and how many values were defined."""
    valid = np.isfinite(values)
    filled = np.where(valid, values, -np.inf if largest else np.inf)
    extreme = filled.max(axis=-1) if largest else filled.min(axis=-1)
    count = valid.sum(axis=-1)
    return np.where(count > 0, extreme, np.nan), count


def difference(values: np.ndarray, overall: np.ndarray, method: str = "between_groups") -> np.ndarray:
    """Largest gap between groups (max - min), or largest |group - overall|; groups on last axis."""
    if method == "between_groups":
        high, count = _extreme(values, largest=True)
        low, _ = _extreme(values, largest=False)
        return np.where(count >= 2, high - low, np.nan)
    if method == "to_overall":
        return _extreme(np.abs(values - np.asarray(overall)[..., None]), largest=True)[0]
    raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")


def ratio(values: np.ndarray, overall: np.ndarray, method: str = "between_groups") -> np.ndarray:
    """Smallest ratio between groups (min / max), or smallest group/overall ratio folded below 1."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "between_groups":
            high, count = _extreme(values, largest=True)
            low, _ = _extreme(values, largest=False)
            return np.where((count >= 2) & (high > 0), low / np.where(high > 0, high, 1), np.nan)
        if method == "to_overall":
            r = values / np.asarray(overall)[..., None]
            r = np.where(r > 1, 1 / r, r)
            return _extreme(np.where(np.isfinite(r), r, np.nan), largest=False)[0]
    raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")


def named_disparity(
    name: str, by_metric: dict[str, np.ndarray], overall: dict[str, np.ndarray], method: str = "between_groups"
) -> np.ndarray:
    """A disparity (fairlearn's definitions) from per-metric arrays with groups on the last axis."""
    metrics, kind = disparity_definition(name)
    parts = [(difference if kind == "difference" else ratio)(by_metric[m], overall[m], method) for m in metrics]
    stacked = np.stack(parts, axis=-1)
    return _extreme(stacked, largest=kind == "difference")[0] if len(parts) > 1 else parts[0]


@dataclass
class Disaggregated:
    """Metric values per group of one grouping, with the overall values.

    Attributes
    ----------
    by : tuple of str
        The grouping's columns (one sensitive feature, or several for an intersection).
    by_group : pandas.DataFrame
        Metric values, one row per group present.
    overall : pandas.Series
        Metric values over all rows.
    eligible : pandas.Series
        True for groups with at least ``min_group_size`` rows; only they enter disparities.
    """

    by: tuple[str, ...]
    by_group: pd.DataFrame
    overall: pd.Series
    eligible: pd.Series

    def _values(self, metric: str) -> np.ndarray:
        return np.where(self.eligible.to_numpy(), self.by_group[metric].to_numpy(dtype=np.float64), np.nan)

    def difference(self, metric: str, method: str = "between_groups") -> float:
        """Largest gap in `metric` (fairlearn ``MetricFrame.difference``); NaN when undefined."""
        return float(difference(self._values(metric), self.overall[metric], method))

    def ratio(self, metric: str, method: str = "between_groups") -> float:
        """Smallest ratio in `metric` (fairlearn ``MetricFrame.ratio``); NaN when undefined."""
        return float(ratio(self._values(metric), self.overall[metric], method))

    def disparity(self, name: str, method: str = "between_groups") -> float:
        """A named disparity such as ``equalized_odds_difference``."""
        metrics = disparity_definition(name)[0]
        return float(
            named_disparity(name, {m: self._values(m) for m in metrics}, {m: self.overall[m] for m in metrics}, method)
        )

    def to_reference(self, metric: str, reference: Any) -> pd.DataFrame:
        """Aequitas-style disparity: each group's `metric` divided by (and minus) the reference's."""
        values = self.by_group[metric].astype(np.float64)
        ref = float(values.loc[reference])
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios = values / ref if ref != 0 else values * np.nan
        low, high = AEQUITAS_BAND
        within = ratios.between(low, high).where(ratios.notna())
        return pd.DataFrame({"ratio": ratios, "difference": values - ref, "within_band": within})

    def largest_group(self) -> Any:
        """The default reference group: the one with most rows (Aequitas' "majority")."""
        return self.by_group["count"].idxmax()
