"""Seeded prediction frames for audit tests (importable by name: every test folder's conftest is
module `conftest`, so helpers shared across files live here)."""

import numpy as np
import pandas as pd


def make_predictions(seed: int, n: int = 4000, no_positive_group: bool = False) -> pd.DataFrame:
    """Random labels, scores and predictions with group-dependent rates (so disparities are real)."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["female", "male"], n, p=[0.4, 0.6])
    race = rng.choice(["a", "b", "c"], n, p=[0.6, 0.3, 0.1])
    edu = rng.choice(["low", "mid", "high"], n)
    shift = (sex == "male") * 0.1 + (race == "b") * 0.05 - (race == "c") * 0.08
    score = np.clip(rng.beta(2, 2, n) + shift, 0, 1).round(3)
    y = (rng.random(n) < np.clip(score + rng.normal(0, 0.15, n), 0, 1)).astype(int)
    if no_positive_group:
        race[:40] = "d"
        y[:40] = 0
    pred = (score >= 0.5).astype(int)
    return pd.DataFrame({"y": y, "pred": pred, "score": score, "sex": sex, "race": race, "edu": edu})
