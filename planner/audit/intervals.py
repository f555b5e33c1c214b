"""Uncertainty: Wilson intervals for group rates, bootstrap intervals for disparities.

Why Wilson: the normal (Wald) interval collapses to a point at rates of 0 or 1 and misbehaves
for small groups, which are exactly the groups a fairness audit must not over-read.

Why resample cells, not rows: a group's data enter every confusion metric only through its four
cell counts, so a bootstrap replicate of the group is a multinomial draw of those counts with the
group's size held fixed (a stratified bootstrap). All groups are drawn in one numpy call,
whatever the number of rows.

Bounded memory: the replicates are drawn in chunks of at most `BOOTSTRAP_BUDGET` (replicate,
group) pairs, and only each replicate's disparities are kept, so 2,000 replicates of 1,000 groups
never hold a (2000, 1000, 4) array. Drawing the same generator chunk after chunk gives exactly the
numbers of one call (numpy draws the multinomials in the same order), so the seed still decides.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from statistics import NormalDist

import numpy as np

from planner.audit.disparities import named_disparity
from planner.audit.metrics import rate_values
from planner.spec.bias import disparity_definition

BOOTSTRAP_BUDGET = 1_000_000
"""Most (replicate, group) pairs drawn at once: 32 MB of int64 cells, plus per-metric arrays."""


def z_value(confidence_level: float) -> float:
    """Two-sided standard-normal quantile for a confidence level such as 0.95."""
    return NormalDist().inv_cdf(0.5 + confidence_level / 2.0)


def wilson_interval(
    successes: np.ndarray, trials: np.ndarray, confidence_level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for binomial proportions, elementwise.

    Parameters
    ----------
    successes, trials : array_like
        Counts; where ``trials`` is 0 the interval is undefined (NaN).
    confidence_level : float
        Coverage, e.g. 0.95.

    Returns
    -------
    (low, high) : tuple of numpy.ndarray
    """
    k = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    z = z_value(confidence_level)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1.0 + z * z / n
        centre = (p + z * z / (2.0 * n)) / denom
        half = z / denom * np.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n))
    # At k = 0 (or k = n) the exact bound is 0 (or 1); rounding would leave ~1e-17.
    low = np.where(n > 0, np.where(k == 0, 0.0, np.clip(centre - half, 0.0, 1.0)), np.nan)
    high = np.where(n > 0, np.where(k == n, 1.0, np.clip(centre + half, 0.0, 1.0)), np.nan)
    return low, high


def resample_cells(cells: np.ndarray, samples: int, rng: np.random.Generator) -> np.ndarray:
    """Multinomial replicates of each group's cells: (groups, 4) -> (samples, groups, 4)."""
    cells = np.asarray(cells, dtype=np.int64)
    sizes = cells.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        probs = np.where(sizes[:, None] > 0, cells / np.maximum(sizes, 1)[:, None], 0.25)
    return rng.multinomial(sizes, probs, size=(samples, cells.shape[0]))


def bootstrap_disparities(
    cells: np.ndarray,
    eligible: np.ndarray,
    names: Sequence[str],
    *,
    methods: Sequence[str] = ("between_groups",),
    samples: int = 1000,
    confidence_level: float = 0.95,
    seed: int | Sequence[int] = 0,
) -> dict[tuple[str, str], tuple[float, float]]:
    """Percentile bootstrap intervals of disparities for one grouping.

    Parameters
    ----------
    cells : numpy.ndarray
        (groups, 4) counts in tp, fp, fn, tn order.
    eligible : numpy.ndarray of bool
        Groups allowed into disparities (large enough); the others still count in "overall".
    names : sequence of str
        Disparity names (see `planner.audit.disparities.disparity_definition`).
    methods : sequence of str
        ``between_groups`` and/or ``to_overall``.
    samples : int
        Bootstrap replicates.
    confidence_level : float
        Coverage of the percentile interval.
    seed : int or sequence of int
        Seed for ``numpy.random.default_rng``; the same seed gives the same intervals.

    Returns
    -------
    dict
        ``(name, method) -> (low, high)``; NaN bounds when the disparity is undefined in more
        than half of the replicates.
    """
    rng = np.random.default_rng(seed)
    cells = np.asarray(cells, dtype=np.int64)
    metrics = sorted({m for name in names for m in disparity_definition(name)[0]})
    values = {(name, method): np.empty(samples, dtype=np.float64) for name in names for method in methods}
    chunk = max(1, BOOTSTRAP_BUDGET // max(cells.shape[0], 1))
    for start in range(0, samples, chunk):
        stop = min(samples, start + chunk)
        draws = resample_cells(cells, stop - start, rng)
        by_metric = {m: np.where(eligible, rate_values(draws, m), np.nan) for m in metrics}
        overall = {m: rate_values(draws.sum(axis=1), m) for m in metrics}
        for name, method in values:
            values[(name, method)][start:stop] = named_disparity(name, by_metric, overall, method)
    alpha = (1.0 - confidence_level) / 2.0
    out = {}
    for key, replicates in values.items():
        defined = replicates[np.isfinite(replicates)]
        if defined.size * 2 <= samples:
            out[key] = (np.nan, np.nan)
        else:
            low, high = np.quantile(defined, [alpha, 1.0 - alpha])
            out[key] = (float(low), float(high))
    return out


def bootstrap_to_reference(
    cells: np.ndarray,
    metric: str,
    kind: str,
    reference: int,
    *,
    samples: int = 1000,
    confidence_level: float = 0.95,
    seed: int | Sequence[int] = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap intervals of each group's `metric` against the reference group's
    (``ratio``: group / reference, ``difference``: group - reference), from the same multinomial
    replicates of the cells as `bootstrap_disparities`; NaN where undefined in over half of them
    (and everywhere when `samples` is 0)."""
    cells = np.asarray(cells, dtype=np.int64)
    groups = cells.shape[0]
    if samples <= 0:
        return np.full(groups, np.nan), np.full(groups, np.nan)
    rng = np.random.default_rng(seed)
    replicates = np.empty((samples, groups), dtype=np.float64)
    chunk = max(1, BOOTSTRAP_BUDGET // max(groups, 1))
    for start in range(0, samples, chunk):
        stop = min(samples, start + chunk)
        rates = rate_values(resample_cells(cells, stop - start, rng), metric)
        ref = rates[:, reference : reference + 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            replicates[start:stop] = rates / ref if kind == "ratio" else rates - ref
    replicates[~np.isfinite(replicates)] = np.nan
    defined = np.isfinite(replicates).sum(axis=0)
    alpha = (1.0 - confidence_level) / 2.0
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
        low, high = np.nanquantile(replicates, [alpha, 1.0 - alpha], axis=0)
    keep = defined * 2 > samples
    return np.where(keep, low, np.nan), np.where(keep, high, np.nan)
