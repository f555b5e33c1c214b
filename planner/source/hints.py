"""Hints for values written the wrong way: what to write instead, worked out from what was written.

A number written as `95%`, `10k` or a word, and a date written as `30/04/2027` or `2027-4-30`,
each get a hint that names the fix (`write 0.95`, `write 10000`, `write the date as YYYY-MM-DD:
2027-04-30`) rather than a generic one; a fix is only named when it is unambiguous.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

PERCENT = re.compile(r"\s*([+-]?\d+(?:\.\d+)?)\s*%\s*")
SUFFIXED = re.compile(r"\s*([+-]?\d+(?:\.\d+)?)\s*([kKmM])\s*")
MULTIPLIERS = {"k": 1_000, "m": 1_000_000}
ISO_LIKE = re.compile(r"\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\s*")
DAY_FIRST_OR_MONTH_FIRST = re.compile(r"\s*(\d{1,2})([-/.])(\d{1,2})\2(\d{4})\s*")
DATE_FORMAT = "write the date as YYYY-MM-DD"
_UNITS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen"
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety"
NUMBER_WORDS = {
    **{word: n for n, word in enumerate(_UNITS.split())},
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    **{word: 20 + 10 * n for n, word in enumerate(_TENS.split())},
    "hundred": 100,
    "a hundred": 100,
    "thousand": 1000,
    "a thousand": 1000,
}
"""Numbers written as one word, which a product owner may type for a count or a rating."""


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.10g}"


def number_hint(text: str, *, fraction: bool = False, quoted: bool = False) -> str:
    """What to write instead of `text` in a number field (`fraction`: one bounded to 0..1)."""
    if percent := PERCENT.fullmatch(text):
        value = float(percent.group(1))
        fix = f"write {_number(value / 100)} (a fraction, not a percentage)" if fraction else f"write {_number(value)}"
    elif suffixed := SUFFIXED.fullmatch(text):
        fix = f"write {_number(float(suffixed.group(1)) * MULTIPLIERS[suffixed.group(2).lower()])}"
    elif (word := NUMBER_WORDS.get(text.strip().lower())) is not None:
        fix = f"write {word}"
    else:
        try:
            float(text)
        except ValueError:
            return "write a number" + (", without quotes" if quoted else "")
        if quoted:
            return "remove the quotes: numbers are written without them"
        return f"YAML reads {text!r} as text: write it as {_number(float(text))}"
    return fix + (", without quotes" if quoted else "")


def _day_count(year: int, month: int, day: int) -> str:
    """`February 2026 has 28 days` when `day` is past the month's end, else ``."""
    if 1 <= month <= 12 and day > 0:
        days = calendar.monthrange(year, month)[1]
        if day > days:
            return f"{calendar.month_name[month]} {year} has {days} days"
    return ""


def _fixed(year: int, month: int, day: int) -> str:
    """The hint for a date read as `year, month, day`: the fixed date, or why there is none."""
    try:
        return f"{DATE_FORMAT}: {date(year, month, day).isoformat()}"
    except ValueError:
        return _day_count(year, month, day) or DATE_FORMAT


def date_hint(text: str) -> str:
    """What to write instead of `text` in a date field; the fixed date only when unambiguous."""
    if iso := ISO_LIKE.fullmatch(text):
        year, month, day = map(int, iso.groups())
        if f"{year:04d}-{month:02d}-{day:02d}" == text.strip():
            return _day_count(year, month, day) or DATE_FORMAT
        return _fixed(year, month, day)
    if other := DAY_FIRST_OR_MONTH_FIRST.fullmatch(text):
        first, _, second, year_text = other.groups()
        a, b, year = int(first), int(second), int(year_text)
        if a > 12 >= b or a == b:
            return _fixed(year, b, a)
        if b > 12 >= a:
            return _fixed(year, a, b)
    return DATE_FORMAT


RATING_WORDS = {"very low": 1, "low": 2, "medium": 3, "moderate": 3, "high": 4, "very high": 5, "critical": 5}
"""Ratings in words, placed on a 1-to-5 scale (and stretched to the document's scale)."""
COLON = "a colon followed by a space inside unquoted text starts a new key:"
KEY_AND_TEXT = re.compile(r"(\s*(?:-\s+)?)([^\s:#'\"{}\[\],][^:#]*?):\s+(.+?)\s*")


def rating_hint(text: str, top: int) -> str:
    """What to write for a rating in words (`high`) on a 1-to-`top` scale, or `` for other words."""
    level = RATING_WORDS.get(" ".join(text.lower().replace("-", " ").replace("_", " ").split()))
    if level is None:
        return ""
    value = max(1, min(top, round(level * top / 5)))
    return f"ratings are numbers from 1 (lowest) to {top} (highest): {text!r} is about {value}"


def _single_quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def colon_hint(source_line: str) -> str:
    """For a colon inside unquoted text (`title: Risk: drift`): the line with its text quoted."""
    found = KEY_AND_TEXT.fullmatch(source_line.rstrip("\r\n"))
    if found is None:
        return f"{COLON} quote the text"
    _, key, text = found.groups()
    return f"{COLON} quote the text: {key}: {_single_quoted(text)}"


def comma_hint(previous: tuple[str, object] | None, key: str) -> str:
    """For text split at a comma inside `{…}` (a key with no value): the value quoted whole."""
    hint = "a comma inside unquoted text in `{…}` ends the value: quote the text that holds it"
    if previous is not None and isinstance(previous[1], str):
        hint += f": {previous[0]}: {_single_quoted(previous[1] + ', ' + key)}"
    return hint
