"""The one home of number formatting: how each kind of output shows a measured value.

Reports, the model card and terminal tables show numbers to different precisions on purpose (a
table cell has less room than a sentence); each policy is one function here, so two outputs of one
kind never disagree and a change of policy is made once.
"""

from __future__ import annotations

import math


def missing(value: object) -> bool:
    """None and NaN are shown as missing."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def report_number(value: object, digits: int = 3) -> str:
    """Reports (the `number` filter): `digits` significant digits, whole numbers with thousands
    separators, booleans in lower case, `n/a` for missing."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.{digits}g}"


def card_number(value: object, *, signed: bool = False) -> str:
    """The model card: 4 significant digits, thousands separated (no exponent from 10,000 up),
    `n/a` for None or NaN, and a `+` on improvements when `signed`."""
    if missing(value):
        return "n/a"
    if isinstance(value, bool):
        return str(value).lower()
    assert isinstance(value, (int, float))
    sign = "+" if signed and value > 0 else ""
    if isinstance(value, int):
        return f"{sign}{value:,}"
    rounded = float(f"{value:.4g}")
    return sign + (f"{rounded:,.0f}" if abs(rounded) >= 1e4 else f"{value:.4g}")


def cell(value: float | None) -> str:
    """A terminal table cell: 4 significant digits, `-` for missing."""
    return "-" if value is None else f"{value:.4g}"


def estimate(value: float, interval: tuple[float, float] | list[float] | None) -> str:
    """A rate in a terminal table: 3 decimals, with its interval to 2 (`0.812 (0.78-0.84)`)."""
    text = f"{value:.3f}"
    if interval:
        low, high = interval
        text += f" ({low:.2f}-{high:.2f})"
    return text


def short(value: float) -> str:
    """A value in a one-line summary (a diff): 6 significant digits."""
    return f"{value:.6g}"
