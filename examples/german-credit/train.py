"""Train a logistic-regression credit model on UCI German credit and write test-set predictions.

Usage: python train.py [DATA_DIR]   (DATA_DIR, or env PLANNER_DATA, holds german.data;
python examples/fetch_data.py DEST extracts it into DEST/german).
Data: UCI Machine Learning Repository, Statlog German Credit (CC BY 4.0). 70/30 stratified split.

`train()` returns the fitted model and the frames so another script can also log an MLflow run;
`main()` only writes data/predictions.csv.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

SEED = 0
COLUMNS = [
    "checking",
    "duration",
    "history",
    "purpose",
    "amount",
    "savings",
    "employment",
    "installment_rate",
    "personal_status",
    "debtors",
    "residence",
    "property",
    "age",
    "other_plans",
    "housing",
    "credits",
    "job",
    "dependents",
    "telephone",
    "foreign",
    "risk",
]
NUMERIC = ["duration", "amount", "installment_rate", "residence", "age", "credits", "dependents"]
CATEGORICAL = [
    "checking",
    "history",
    "purpose",
    "savings",
    "employment",
    "personal_status",
    "debtors",
    "property",
    "other_plans",
    "housing",
    "job",
    "telephone",
    "foreign",
]
# A9 personal status and sex: A91, A93, A94 are male; A92, A95 female (german.doc).
SEX = {"A91": "male", "A92": "female", "A93": "male", "A94": "male", "A95": "female"}
FOREIGN = {"A201": "yes", "A202": "no"}
OUTPUT = Path(__file__).parent / "data" / "predictions.csv"


def read_german(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, sep=" ", header=None, names=COLUMNS)
    frame["good_credit"] = frame.pop("risk").eq(1).astype(int)  # 1 good, 2 bad
    return frame


def build_model() -> Pipeline:
    pre = ColumnTransformer(
        [("num", StandardScaler(), NUMERIC), ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL)]
    )
    return Pipeline([("pre", pre), ("clf", LogisticRegression(max_iter=2000, random_state=SEED))])


def train(data_dir: Path) -> tuple[Pipeline, pd.DataFrame, pd.DataFrame]:
    """Fit on a seeded 70% split; return the model, the training frame and the scored test frame."""
    frame = read_german(data_dir / "german.data")
    train_frame, test = train_test_split(frame, test_size=0.3, random_state=SEED, stratify=frame["good_credit"])
    model = build_model().fit(train_frame[NUMERIC + CATEGORICAL], train_frame["good_credit"])
    test = test.copy()
    test["score"] = model.predict_proba(test[NUMERIC + CATEGORICAL])[:, 1].round(6)
    test["prediction"] = (test["score"] >= 0.5).astype(int)
    return model, train_frame, test


def predictions_frame(test: pd.DataFrame) -> pd.DataFrame:
    age_group = pd.cut(
        test["age"], [0, 25, 45, 65, np.inf], right=False, labels=["<25", "25-44", "45-64", "65+"]
    ).astype(str)
    return pd.DataFrame(
        {
            "good_credit": test["good_credit"],
            "prediction": test["prediction"],
            "score": test["score"],
            "sex": test["personal_status"].map(SEX),
            "age_group": age_group,
            "foreign_worker": test["foreign"].map(FOREIGN),
        }
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    data_dir = Path(argv[0] if argv else os.environ.get("PLANNER_DATA", "public-datasets/german"))
    if (data_dir / "german").is_dir():
        data_dir = data_dir / "german"
    _, _, test = train(data_dir)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    predictions_frame(test).to_csv(OUTPUT, index=False)
    print(f"wrote {OUTPUT} ({len(test)} rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
