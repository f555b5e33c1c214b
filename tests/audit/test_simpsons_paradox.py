"""A Simpson's paradox needs the reversal in every compared slice, and two slices at least."""

import pandas as pd

from planner.audit import run_audit
from planner.audit.text import paradox_lines


def _frame(cells: dict[tuple[str, str], tuple[int, int]]) -> pd.DataFrame:
    """(slice, group) -> (rows, selected); labels alternate so every rate is defined."""
    rows = []
    for (s, g), (n, selected) in cells.items():
        rows += [{"y": i % 2, "p": int(i < selected), "g": g, "s": s} for i in range(n)]
    return pd.DataFrame(rows)


def _selection_reversals(frame, min_group_size):
    result = run_audit(
        frame,
        label="y",
        prediction="p",
        sensitive_features=["g"],
        slices=["s"],
        min_group_size=min_group_size,
        bootstrap_samples=0,
        metrics=["selection_rate"],
    )
    (entry,) = result.to_dict()["slices"]
    return entry, [r for r in entry["reversals"] if r["metric"] == "selection_rate"]


def test_reversed_in_both_of_two_slices_is_a_paradox_and_says_so():
    # A: 2/10 and 72/90 selected (0.74 overall); B: 27/90 and 9/10 (0.36): A > B overall, A < B in each slice
    frame = _frame({("s1", "A"): (10, 2), ("s1", "B"): (90, 27), ("s2", "A"): (90, 72), ("s2", "B"): (10, 9)})
    entry, (reversal,) = _selection_reversals(frame, 1)
    assert reversal["simpsons_paradox"] and reversal["compared_slices"] == 2
    assert paradox_lines([entry]) == [
        "Simpson's paradox: selection_rate by g across s: A > B overall, reversed in all 2 compared slices"
    ]


def test_one_compared_slice_is_no_paradox():
    # s1's A cell is under min_group_size, so only s2 compares, and it reverses
    frame = _frame({("s1", "A"): (10, 2), ("s1", "B"): (90, 27), ("s2", "A"): (90, 72), ("s2", "B"): (30, 27)})
    entry, (reversal,) = _selection_reversals(frame, 20)
    assert reversal["reversed_in"] == ["s2"] and reversal["compared_slices"] == 1
    assert not reversal["simpsons_paradox"]
    assert paradox_lines([entry]) == []
