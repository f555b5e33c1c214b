"""Hostile predictions files: each gives an `AuditInputError` naming the file, never another exception.

Every file is built here, in tmp_path. What pandas does on its own (measured, pandas 3.0): a row
with too few fields is padded with NaN, one with too many is cut when columns are selected, and
duplicate names become `a.1`; so these are checked before the data are used.
"""

import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from helpers.predictions import make_predictions
from planner.audit import AuditInputError, run_audit

HEADER = "y,pred,score,sex\n"
GOOD = "1,1,0.9,female\n0,0,0.2,male\n1,0,0.4,male\n"


def audit(path, **kw):
    kw.setdefault("label", "y")
    kw.setdefault("prediction", "pred")
    kw.setdefault("sensitive_features", ["sex"])
    kw.setdefault("bootstrap_samples", 0)
    return run_audit(str(path), **kw)


def error(path, **kw):
    with pytest.raises(AuditInputError) as info:
        audit(path, **kw)
    e = info.value
    assert e.file == str(path) and str(path) in e.message, e.message
    return e


def parquet(path, table):
    pq.write_table(table, path)
    return path


def good_parquet(path):
    return parquet(path, pa.Table.from_pandas(make_predictions(0, n=500), preserve_index=False))


def write(path, data):
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


# name -> (file name, how to build it, keyword arguments, start of the message after the file name, or a fragment)
CSV_CASES = {
    "duplicate column": (
        "d.csv",
        "y,pred,sex,pred\n1,1,a,0\n",
        {},
        "column 'pred' appears more than once in {path}: at positions 2 and 4",
    ),
    "duplicate unused column": ("d2.csv", "y,pred,sex,x,x\n1,1,a,0,0\n", {}, "column 'x' appears more than once"),
    "too many fields": (
        "m.csv",
        HEADER + GOOD + "1,1,0.5,male,extra\n",
        {},
        "row 4 of {path} has 5 field(s) where the header has 4",
    ),
    "too few fields": (
        "f.csv",
        HEADER + GOOD + "1,1,0.5\n" + GOOD,
        {},
        "row 4 of {path} has 3 field(s) where the header has 4",
    ),
    "too few fields after a blank line and a quoted newline": (
        "f2.csv",
        HEADER + '1,1,0.9,"fe\nmale"\n\n' + "1,1\n",
        {},
        "row 2 of {path} has 2 field(s)",
    ),
    "every row one field too many": (
        "e.csv",
        HEADER + "1,1,0.9,female,x\n0,0,0.2,male,y\n",
        {},
        "row 1 of {path} has 5 field(s) where the header has 4",
    ),
    "unclosed quote": ("q.csv", HEADER + GOOD + '1,1,0.5,"male\n0,0,0.1,female\n', {}, "{path} has an unclosed quote"),
    "latin-1 group value": (
        "l.csv",
        (HEADER + GOOD + "1,0,0.3,f\xe9minin\n").encode("latin-1"),
        {},
        "{path} is not UTF-8 text: byte 0xe9 on line 5 cannot be decoded",
    ),
    "latin-1 header": (
        "lh.csv",
        ("y,pred,score,s\xe9x\n" + GOOD).encode("latin-1"),
        {"sensitive_features": ["sex"]},
        "{path} is not UTF-8 text: byte 0xe9 on line 1",
    ),
    "empty file": ("empty.csv", b"", {}, "{path} is empty"),
    "header only": ("h.csv", HEADER, {}, "{path} has no rows"),
    "duckdb engine on a CSV": (
        "c.csv",
        HEADER + GOOD,
        {"engine": "duckdb"},
        "the DuckDB engine reads parquet files only, and {path} is not one",
    ),
}


@pytest.mark.parametrize("case", CSV_CASES)
def test_broken_csv_is_an_input_error(tmp_path, case):
    name, content, kw, expected = CSV_CASES[case]
    path = write(tmp_path / name, content)
    e = error(path, **kw)
    expected = expected.format(path=path)
    assert e.message.startswith(expected) or expected in e.message, e.message


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_random_bytes_are_an_input_error(tmp_path, seed, suffix, engine):
    rng = np.random.default_rng(seed)
    data = rng.bytes(int(rng.integers(1, 5000)))
    if seed % 3 == 0:  # a plausible header first, then noise
        data = HEADER.encode() + data
    error(write(tmp_path / f"r{seed}{suffix}", data), engine=engine)


def truncated(path):
    good = good_parquet(path).read_bytes()
    return write(path, good[: len(good) // 2])


def corrupted(path):
    data = bytearray(good_parquet(path).read_bytes())
    for i in range(8, len(data) // 2):  # the column chunks; the footer stays readable
        data[i] ^= 0x5A
    return write(path, bytes(data))


def nested(kind):
    values = {
        "list": pa.array([[1, 2], [3]] * 10),
        "struct": pa.array([{"a": 1}, {"a": 2}] * 10),
        "map": pa.array([[("k", 1)], [("j", 2)]] * 10, type=pa.map_(pa.string(), pa.int64())),
    }[kind]

    def build(path):
        table = pa.table({"y": [0, 1] * 10, "pred": [1, 1] * 10, "sex": values})
        return parquet(path, table)

    return build


def duplicate_parquet(path):
    arrays = [pa.array([0, 1] * 5), pa.array([1, 0] * 5), pa.array(["a", "b"] * 5), pa.array([0, 0] * 5)]
    return parquet(path, pa.Table.from_arrays(arrays, names=["y", "pred", "sex", "pred"]))


PARQUET_CASES = {
    "truncated": (truncated, "cannot read {path} as parquet"),
    "random": (lambda p: write(p, np.random.default_rng(5).bytes(3000)), "cannot read {path} as parquet"),
    "corrupted column chunks": (corrupted, "cannot read {path}"),
    "a CSV named .parquet": (lambda p: write(p, HEADER + GOOD), "cannot read {path} as parquet"),
    "nested list column": (nested("list"), "column 'sex' in {path} holds nested values (list<"),
    "nested struct column": (nested("struct"), "column 'sex' in {path} holds nested values (struct<a: int64>)"),
    "nested map column": (nested("map"), "column 'sex' in {path} holds nested values (map<string, int64"),
    "duplicate column": (duplicate_parquet, "column 'pred' appears more than once in {path}: at positions 2 and 4"),
}


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
@pytest.mark.parametrize("case", PARQUET_CASES)
def test_broken_parquet_is_an_input_error(tmp_path, case, engine):
    build, expected = PARQUET_CASES[case]
    path = build(tmp_path / "p.parquet")
    e = error(path, engine=engine)
    expected = expected.format(path=path)
    assert e.message.startswith(expected) or (engine == "duckdb" and e.message.startswith(f"DuckDB {expected}"))
    assert e.message.isprintable(), e.message  # library text with control characters is cleaned


def test_duplicate_frame_columns_and_nested_frame_values():
    frame = make_predictions(0, n=50)
    twice = pd.concat([frame, frame[["sex"]]], axis=1)
    with pytest.raises(
        AuditInputError,
        match=r"column 'sex' appears more than once in the predictions frame: "
        r"at positions 4 and 7",
    ):
        run_audit(twice, label="y", prediction="pred", sensitive_features=["sex"])
    lists = frame.assign(sex=[[1]] * 50)
    with pytest.raises(AuditInputError, match="column 'sex' in the predictions frame holds values that are not plain"):
        run_audit(lists, label="y", prediction="pred", sensitive_features=["sex"])


def test_good_files_still_read_alike(tmp_path):
    """The checks refuse only broken files: the same rows as CSV and parquet give the same audit."""
    frame = make_predictions(4, n=2000)
    frame.to_csv(tmp_path / "p.csv", index=False)
    frame.to_parquet(tmp_path / "p.parquet")
    a = audit(tmp_path / "p.csv", sensitive_features=["sex", "race"]).to_dict()
    b = audit(tmp_path / "p.parquet", sensitive_features=["sex", "race"]).to_dict()
    assert a["groupings"] == b["groupings"] and a["overall"] == b["overall"]


def test_quoted_newlines_and_bom_are_fine(tmp_path):
    path = write(tmp_path / "ok.csv", "\ufeff" + HEADER + '1,1,0.9,"fe\nmale"\n0,0,0.2,male\n')
    result = audit(path, min_group_size=0)
    assert sorted(result.grouping("sex").disaggregated.by_group.index) == ["fe\nmale", "male"]


def test_error_message_reaches_the_reader_as_text(tmp_path):
    """The CSV parser's own exception types never escape, even for the error read back from pyarrow."""
    path = write(tmp_path / "x.csv", HEADER + "1,1,0.9\n" * 3)
    with pytest.raises(AuditInputError) as info:
        audit(path)
    assert type(info.value) is AuditInputError and info.value.__cause__ is None
    assert isinstance(io.StringIO(str(info.value)).read(), str)


@pytest.mark.parametrize("seed", range(60))
def test_random_csv_text_is_an_input_error_or_an_audit(tmp_path, seed):
    """Random commas, quotes, line ends and NULs: an audit or an `AuditInputError`, nothing else."""
    rng = np.random.default_rng(seed)
    alphabet = np.array(list(',"\n\r01 ab.\x00\t'))
    text = "".join(rng.choice(alphabet, int(rng.integers(0, 300))))
    path = write(tmp_path / "fuzz.csv", (HEADER if seed % 2 == 0 else "") + text)
    try:
        audit(path, bootstrap_samples=10)
    except AuditInputError as e:
        assert e.file == str(path)


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_nan_scores_in_parquet_are_missing_values_on_both_engines(tmp_path, engine):
    """NaN (not null) with parquet statistics that leave NaN out: DuckDB folded `isnan` to false."""
    scores = pa.array(np.r_[np.full(60, 0.4), np.full(40, np.nan), np.full(20, 0.7)], from_pandas=False)
    path = parquet(tmp_path / "s.parquet", pa.table({"y": [0, 1] * 60, "sex": ["a", "b"] * 60, "score": scores}))
    e = error(path, engine=engine, prediction=None, score="score")
    assert e.message == f"score column 'score' in {path} has 40 missing value(s), first at row 61"
