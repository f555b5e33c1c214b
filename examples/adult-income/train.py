"""Train a logistic-regression income model on UCI Adult and write test-set predictions.

Usage: python train.py [DATA_DIR]   (DATA_DIR, or env PLANNER_DATA, holds adult.data and adult.test;
python examples/fetch_data.py DEST extracts them into DEST/adult).
Data: UCI Machine Learning Repository, Adult (CC BY 4.0).

`train()` returns the fitted model and the frames so another script can also log an MLflow run;
`main()` only writes data/predictions.csv (small: rounded scores, a few columns).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

SEED = 0
COLUMNS = [
    "age",
    "workclass",
    "fnlwgt",
    "education",
    "education_num",
    "marital_status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "capital_gain",
    "capital_loss",
    "hours_per_week",
    "native_country",
    "income",
]
NUMERIC = ["age", "education_num", "capital_gain", "capital_loss", "hours_per_week"]
CATEGORICAL = ["workclass", "marital_status", "occupation", "relationship", "race", "sex", "native_country"]
OUTPUT = Path(__file__).parent / "data" / "predictions.csv"


def read_adult(path: Path) -> pd.DataFrame:
    """One Adult file; adult.test has a junk first line and labels ending in '.'."""
    frame = pd.read_csv(path, header=None, names=COLUMNS, skipinitialspace=True, na_values="?", comment="|")
    frame["income_over_50k"] = frame.pop("income").str.rstrip(".").eq(">50K").astype(int)
    return frame


def age_group(age: pd.Series) -> pd.Series:
    return pd.cut(age, [0, 25, 45, 65, np.inf], right=False, labels=["<25", "25-44", "45-64", "65+"]).astype(str)


def education_level(years: pd.Series) -> pd.Series:
    """Education years grouped into four levels (the slice column)."""
    return pd.cut(
        years, [0, 9, 12, 13, np.inf], labels=["hs-or-less", "some-college", "bachelors", "postgraduate"]
    ).astype(str)


def build_model() -> Pipeline:
    pre = ColumnTransformer(
        [("num", StandardScaler(), NUMERIC), ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL)]
    )
    return Pipeline([("pre", pre), ("clf", LogisticRegression(max_iter=2000, random_state=SEED))])


def train(data_dir: Path) -> tuple[Pipeline, pd.DataFrame, pd.DataFrame]:
    """Fit on adult.data; return the model, the training frame and the test frame with predictions."""
    train_frame, test = read_adult(data_dir / "adult.data"), read_adult(data_dir / "adult.test")
    features = NUMERIC + CATEGORICAL
    model = build_model().fit(train_frame[features].fillna("unknown"), train_frame["income_over_50k"])
    test = test.copy()
    test["score"] = model.predict_proba(test[features].fillna("unknown"))[:, 1].round(6)
    test["prediction"] = (test["score"] >= 0.5).astype(int)
    return model, train_frame, test


def predictions_frame(test: pd.DataFrame) -> pd.DataFrame:
    """The columns an audit needs, with derived groups; missing race/sex stay missing."""
    return pd.DataFrame(
        {
            "income_over_50k": test["income_over_50k"],
            "prediction": test["prediction"],
            "score": test["score"],
            "sex": test["sex"],
            "race": test["race"],
            "age_group": age_group(test["age"]),
            "education_level": education_level(test["education_num"]),
        }
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    data_dir = Path(argv[0] if argv else os.environ.get("PLANNER_DATA", "public-datasets/adult"))
    if (data_dir / "adult").is_dir():
        data_dir = data_dir / "adult"
    _, _, test = train(data_dir)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    predictions_frame(test).to_csv(OUTPUT, index=False)
    print(f"wrote {OUTPUT} ({len(test)} rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
