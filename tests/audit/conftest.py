"""Seeded prediction frames for audit tests; fairlearn and scikit-learn are the oracles."""

from pathlib import Path

import pandas as pd
import pytest

from helpers.predictions import make_predictions

ADULT = Path(__file__).resolve().parents[2] / "examples" / "adult-income" / "data" / "predictions.csv"


@pytest.fixture(params=[0, 1, 2])
def seeded(request) -> pd.DataFrame:
    return make_predictions(request.param)


@pytest.fixture
def adult() -> pd.DataFrame:
    return pd.read_csv(ADULT)
