"""The missing-value group: named `(missing)`, kept apart from every real value, counted right."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from planner.audit import AuditInputError, run_audit
from planner.audit.inputs import MISSING_GROUP


def frame_with(values, n_each=100, seed=0):
    """`n_each` rows for each group value (None = missing), with random labels and predictions."""
    rng = np.random.default_rng(seed)
    g = [v for v in values for _ in range(n_each)]
    n = len(g)
    return pd.DataFrame({"y": rng.integers(0, 2, n), "pred": rng.integers(0, 2, n), "g": g})


def audit(source, **kw):
    return run_audit(
        source, label="y", prediction="pred", sensitive_features=["g"], bootstrap_samples=0, min_group_size=0, **kw
    )


def sizes(result):
    return result.grouping("g").disaggregated.by_group["count"].astype(int).to_dict()


def test_literal_missing_and_blanks_stay_two_groups(tmp_path):
    frame = frame_with(["missing", None, "a"])
    path = tmp_path / "p.csv"
    frame.to_csv(path, index=False)
    assert ",," in path.read_text() or ",\n" in path.read_text()  # blanks really are empty cells
    result = audit(str(path))
    assert MISSING_GROUP == "(missing)"
    assert sizes(result) == {"(missing)": 100, "a": 100, "missing": 100}
    assert result.missing == {"g": 100} and result.to_dict()["missing"] == {"g": 100}
    # each group's cells are its own rows, not the two merged
    literal = frame[frame.g == "missing"]
    assert result.grouping("g").cells.loc["missing", "tp"] == int(((literal.y == 1) & (literal.pred == 1)).sum())


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_parquet_nulls_and_literal_missing_on_both_engines(tmp_path, engine):
    path = tmp_path / "p.parquet"
    frame_with(["missing", None, "a"], n_each=40).to_parquet(path)
    result = audit(str(path), engine=engine)
    assert sizes(result) == {"(missing)": 40, "a": 40, "missing": 40}
    assert result.missing == {"g": 40}


def test_counts_table_blanks_are_the_missing_group(tmp_path):
    frame = frame_with(["missing", None, "a"])
    table = frame.assign(g=frame.g.fillna("")).groupby(["g", "y", "pred"]).size().rename("n").reset_index()
    table["g"] = table["g"].replace("", np.nan)
    table.to_csv(tmp_path / "counts.csv", index=False)
    result = audit(str(tmp_path / "counts.csv"), count="n")
    assert sizes(result) == {"(missing)": 100, "a": 100, "missing": 100}
    assert result.missing == {"g": 100}
    assert result.to_dict()["groupings"] == audit(frame).to_dict()["groupings"]


def test_literal_missing_group_name_with_missing_values_is_refused(tmp_path):
    path = tmp_path / "p.csv"
    frame_with([MISSING_GROUP, None, "a"]).to_csv(path, index=False)
    with pytest.raises(AuditInputError) as info:
        audit(str(path))
    assert info.value.message == (
        f"group column 'g' in {path} holds the value '(missing)' and also 100 missing "
        "value(s), which planner names '(missing)'"
    )
    assert info.value.column == "g"


def test_literal_missing_group_name_alone_is_a_group_not_missing_rows():
    result = audit(frame_with([MISSING_GROUP, "a"]))
    assert sizes(result) == {"(missing)": 100, "a": 100} and result.missing == {}


def test_na_like_texts_are_groups_not_missing(tmp_path):
    """pandas reads NA, None, null as NaN by default, which would merge them with the blanks."""
    path = tmp_path / "p.csv"
    frame_with(["NA", "None", "null", None]).to_csv(path, index=False)
    result = audit(str(path))
    assert sizes(result) == {"(missing)": 100, "NA": 100, "None": 100, "null": 100}
    assert result.missing == {"g": 100}


def test_integer_groups_with_missing_read_alike_everywhere(tmp_path):
    frame = frame_with([3, None, 12], n_each=30)
    frame["g"] = frame["g"].astype("Int64")
    frame.to_csv(tmp_path / "p.csv", index=False)
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp_path / "p.parquet")
    expected = {"(missing)": 30, "12": 30, "3": 30}
    for source, engine in [("p.csv", "pandas"), ("p.parquet", "pandas"), ("p.parquet", "duckdb")]:
        assert sizes(audit(str(tmp_path / source), engine=engine)) == expected, (source, engine)


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_float_nan_in_parquet_is_missing_on_both_engines(tmp_path, engine):
    frame = frame_with([1.5, 2.5, None], n_each=30)
    frame["g"] = frame["g"].astype(float)
    path = tmp_path / "p.parquet"
    pq.write_table(
        pa.Table.from_pandas(frame, preserve_index=False).set_column(
            2, "g", pa.array(frame["g"].to_numpy(), from_pandas=False)
        ),
        path,
    )  # NaN, not null
    assert pq.read_table(path).column("g").null_count == 0
    result = audit(str(path), engine=engine)
    assert sizes(result) == {"(missing)": 30, "1.5": 30, "2.5": 30} and result.missing == {"g": 30}
