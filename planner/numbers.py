"""The one home of number formatting: one style for every number a reader sees (issue 15).

Reports (HTML and PDF), the model card and the terminal all take their numbers from here, so a
value reads the same wherever it is shown and a change of style is made once. The rules:

- **No scientific notation**, ever: `1e+04` is `10,000`, `1.453e-05` is `<0.001`.
- **Counts** (`count`): whole numbers with thousands separators, `10,000`.
- **Rates and other measured values in [-1, 1]** (`rate`, `measured`): exactly 3 decimals, so a
  column lines up (`0.006` beside `1.000`, never `0.006333` beside `1`). A value that is not 0 but
  rounds to it is shown as `<0.001` (or `>-0.001`), never as a misleading `0.000`: a tiny rate
  is still a rate that happened.
- **Any other number** (`quantity`: targets, thresholds, costs, latencies, losses): whole numbers
  as counts, others to at most 3 decimals without trailing zeros (`0.85`, `56.2`, `12,345.5`),
  thousands separated, tiny values as `<0.001`; `cost` adds the project's unit when one is given
  (bias-audit costs carry none, so they are plain).
- **Intervals** (`interval`): `[0.335, 0.559]` in the style of their estimate, the space after
  the comma a no-break space (U+00A0), as is the one between an estimate and its interval
  (`estimate`): an interval never wraps as `[0.335,` / `0.559]`, in HTML, PDF, Markdown or a
  terminal (whose tables keep such columns unwrapped).
- Missing values (None, NaN) are `n/a` (`-` in a terminal cell), booleans `true`/`false`,
  infinities `∞` / `-∞`.

A one-line diff summary (`short`) keeps 6 significant digits, still without an exponent: it
reports that a number changed, and 3 decimals could hide the change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

NBSP = "\u00a0"
"""The no-break space inside an interval and between an estimate and its interval."""
DECIMALS = 3
TINY = 0.5 * 10**-DECIMALS
"""Below this (and not 0) a value rounds to zero at 3 decimals: it is shown as `<0.001`."""
MISSING = "n/a"


def missing(value: object) -> bool:
    """None and NaN are shown as missing."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _special(value: object) -> str | None:
    """The text of a value that is not an ordinary finite number, else None."""
    if missing(value):
        return MISSING
    if isinstance(value, bool):
        return str(value).lower()
    if not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float) and math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return None


def _tiny(value: float) -> str | None:
    """`<0.001` (or `>-0.001`) for a value that is not 0 but rounds to 0 at 3 decimals."""
    if value != 0 and abs(value) < TINY:
        return "<0.001" if value > 0 else ">-0.001"
    return None


def count(value: object) -> str:
    """A count: `10,000`."""
    special = _special(value)
    if special is not None:
        return special
    assert isinstance(value, (int, float))
    return f"{round(value):,}"


def rate(value: object) -> str:
    """A rate (or any value in [-1, 1]): exactly 3 decimals, `0.335`, `1.000`, `<0.001`."""
    special = _special(value)
    if special is not None:
        return special
    assert isinstance(value, (int, float))
    return _tiny(value) or f"{value:,.{DECIMALS}f}".replace("-0.000", "0.000")


def quantity(value: object) -> str:
    """Any other number: whole numbers as counts, others to at most 3 decimals (`0.85`, `56.2`)."""
    special = _special(value)
    if special is not None:
        return special
    assert isinstance(value, (int, float))
    if isinstance(value, int) or value.is_integer():
        return count(value)
    tiny = _tiny(value)
    if tiny:
        return tiny
    text = f"{value:,.{DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def measured(value: object) -> str:
    """A measured value (a metric, a disparity, a bound): `rate` in [-1, 1], else `quantity`."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not missing(value) and abs(value) <= 1:
        return rate(value)
    return quantity(value)


def cost(value: object, unit: str | None = None) -> str:
    """A cost: `quantity`, with its unit (`60 EUR`) when the spec gives one."""
    text = quantity(value)
    return f"{text}{NBSP}{unit}" if unit and not missing(value) else text


def interval(bounds: Sequence[float | None] | None) -> str:
    """`[0.335, 0.559]` (a no-break space after the comma); "" without bounds."""
    if not bounds:
        return ""
    low, high = bounds
    return f"[{measured(low)},{NBSP}{measured(high)}]"


def estimate(value: object, bounds: Sequence[float | None] | None = None) -> str:
    """`0.812 [0.780, 0.840]`: a measured value and its interval, joined by no-break spaces."""
    if missing(value):
        return MISSING
    return measured(value) + (NBSP + interval(bounds) if bounds else "")


def report_number(value: object, digits: int | None = None) -> str:
    """The reports' `number` filter: `quantity`. `digits` (`number(4)`) is accepted for templates
    written before issue 15 and ignored: a report has one number style."""
    return quantity(value)


def card_number(value: object, *, signed: bool = False) -> str:
    """The model card's plain numbers: `quantity`, with a `+` on improvements when `signed`."""
    text = quantity(value)
    return "+" + text if signed and isinstance(value, (int, float)) and not missing(value) and value > 0 else text


def cell(value: float | None) -> str:
    """A terminal table cell: `measured`, `-` for missing."""
    return "-" if missing(value) else measured(value)


def significant(value: float, digits: int) -> str:
    """`digits` significant digits, as `{:.{digits}g}` but never with an exponent (`0.0000145`,
    `1,453,000`): for text that must tell two close values apart (`0.0999 < 0.1`)."""
    special = _special(value)
    if special is not None:
        return special
    text = f"{value:.{digits}g}"
    if "e" not in text:
        return text
    places = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return f"{value:,.{places}f}".rstrip("0").rstrip(".") if places else f"{value:,.0f}"


def beside(value: object, other: object) -> str:
    """`value` as `quantity` writes it (a sentence's number: `0.75`, `0.401`), or with more
    significant digits when that text would equal `other`'s while the numbers differ:
    `0.0999, target at least 0.1`, never `0.1 ... 0.1`."""
    text = quantity(value)
    if missing(value) or missing(other) or value == other or not isinstance(value, (int, float)):
        return text
    assert isinstance(other, (int, float))
    if text.rstrip("0").rstrip(".") != quantity(other).rstrip("0").rstrip("."):
        return text
    return next(
        (significant(value, d) for d in range(4, 16) if significant(value, d) != significant(other, d)), repr(value)
    )


def short(value: float) -> str:
    """A value in a one-line summary (a diff): 6 significant digits, never an exponent."""
    return significant(value, 6)
