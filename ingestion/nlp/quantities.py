"""Numbers in text: money, percentages, counts, and the periods they belong to.

Values are normalised to absolute units: "$2.5 billion" -> (2_500_000_000, "USD"), "12%" ->
(12, "percent"), "4,200 customers" -> (4200, "count"). Periods are ISO-like strings that sort
and prefix-match: "2024", "2024-Q3", "2024-H1", "2024-03".
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from typing import Final

_NUMBER = re.compile(r"(?<![\w.])([-\u2212]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?")
_CURRENCY_SYMBOLS: Final = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}
_CURRENCY_WORDS: Final = {
    "usd": "USD", "us$": "USD", "dollar": "USD", "dollars": "USD", "eur": "EUR", "euro": "EUR",
    "euros": "EUR", "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "sterling": "GBP",
    "jpy": "JPY", "yen": "JPY", "chf": "CHF", "francs": "CHF", "cad": "CAD", "aud": "AUD",
    "inr": "INR", "rupees": "INR", "cny": "CNY", "yuan": "CNY",
}  # fmt: skip
_SCALES: Final = {
    "k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "mm": 1e6, "million": 1e6, "millions": 1e6,
    "b": 1e9, "bn": 1e9, "billion": 1e9, "billions": 1e9, "t": 1e12, "tn": 1e12,
    "trillion": 1e12,
}  # fmt: skip
_SCALE_AFTER = re.compile(
    r"^\s*(thousand|millions?|billions?|trillion|mn|bn|tn|mm|[kmbt])\b", re.IGNORECASE
)
_PERCENT = re.compile(r"%|\bper\s?cent\b|\bpercent(?:age points?)?\b|\bpct\b|\bpp\b", re.I)
_YEAR = re.compile(r"(?<!\d)(19\d{2}|20\d{2})(?!\d)")
_SHORT_YEAR = re.compile(r"\b(?:fy|q[1-4]\s*|[1-4]q)'?(\d{2})\b", re.IGNORECASE)
_QUARTER = re.compile(
    r"\bq([1-4])(?![0-9])|\b([1-4])q(?![a-z])|\b(first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter\b",
    re.IGNORECASE,
)
_HALF = re.compile(r"\bh([12])\b|\b(first|second|1st|2nd)\s+half\b", re.IGNORECASE)
_ORDINAL: Final = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
}  # fmt: skip
_MONTHS: Final = {
    **{name.lower(): i for i, name in enumerate(calendar.month_abbr) if name},
    **{name.lower(): i for i, name in enumerate(calendar.month_name) if name},
}
_MONTH = re.compile(r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?\b", re.I)


@dataclass(frozen=True, slots=True)
class Amount:
    """A normalised value and its unit."""

    value: float
    unit: str


def parse_number(text: str) -> float | None:
    """The first number in ``text`` with a scale word applied ("2.5 billion" -> 2.5e9)."""
    match = _NUMBER.search(text)
    if match is None:
        return None
    digits = match.group(2).replace(",", "") + ("." + match.group(3) if match.group(3) else "")
    value = -float(digits) if match.group(1) else float(digits)
    scale = _SCALE_AFTER.match(text[match.end() :])
    if scale:
        value *= _SCALES[scale.group(1).lower()]
    return value


def parse_money(text: str) -> Amount | None:
    """A money amount in absolute units with an ISO currency code ("€3bn" -> 3e9 EUR)."""
    value = parse_number(text)
    if value is None:
        return None
    lowered = text.lower()
    currency = next((code for sym, code in _CURRENCY_SYMBOLS.items() if sym in text), None)
    if currency is None:
        words = re.findall(r"[a-z$]+", lowered)
        currency = next((_CURRENCY_WORDS[w] for w in words if w in _CURRENCY_WORDS), None)
    if currency is None:
        return None
    return Amount(round(value, 6), currency)


def parse_percent(text: str) -> Amount | None:
    """A percentage ("12%", "12 percent", "3 percentage points") -> (12, "percent")."""
    if not _PERCENT.search(text):
        return None
    value = parse_number(text)
    return None if value is None else Amount(value, "percent")


def parse_count(text: str) -> Amount | None:
    """A count ("4,200", "1.2 million") -> (4200, "count")."""
    value = parse_number(text)
    return None if value is None else Amount(round(value, 6), "count")


@dataclass(frozen=True, slots=True)
class Period:
    """A period with its first and last day."""

    label: str
    start: str
    end: str


def _year_of(text: str) -> int | None:
    match = _YEAR.search(text)
    if match:
        return int(match.group(1))
    short = _SHORT_YEAR.search(text)
    return 2000 + int(short.group(1)) if short else None


def parse_period(text: str) -> Period | None:
    """A period from a date expression; ``None`` for relative or unclear ones ("last year")."""
    year = _year_of(text)
    if year is None:
        return None
    quarter = _QUARTER.search(text)
    if quarter:
        q = int(quarter.group(1) or quarter.group(2) or _ORDINAL[quarter.group(3).lower()])
        first, last = 3 * q - 2, 3 * q
        return Period(
            f"{year}-Q{q}",
            f"{year}-{first:02d}-01",
            f"{year}-{last:02d}-{calendar.monthrange(year, last)[1]:02d}",
        )
    half = _HALF.search(text)
    if half:
        h = int(half.group(1) or _ORDINAL[half.group(2).lower()])
        return Period(
            f"{year}-H{h}",
            f"{year}-{'01' if h == 1 else '07'}-01",
            f"{year}-{'06-30' if h == 1 else '12-31'}",
        )
    month = _MONTH.search(text)
    if month and month.group(0) != "may":  # lower-case "may" is the modal verb
        m = _MONTHS[month.group(1).lower()]
        return Period(
            f"{year}-{m:02d}",
            f"{year}-{m:02d}-01",
            f"{year}-{m:02d}-{calendar.monthrange(year, m)[1]:02d}",
        )
    return Period(str(year), f"{year}-01-01", f"{year}-12-31")


_PERIOD_LABEL = re.compile(r"^(\d{4})(?:-(Q[1-4]|H[12]|\d{2}))?$")


def period_bounds(label: str) -> tuple[str, str] | None:
    """First and last day of a period label (``2024``, ``2024-Q3``, ``2024-H1``, ``2024-03``)."""
    match = _PERIOD_LABEL.match(label)
    if match is None:
        return None
    year, part = int(match.group(1)), match.group(2)
    if part is None:
        first, last = 1, 12
    elif part[0] in "QH":
        size = 3 if part[0] == "Q" else 6
        first, last = (int(part[1]) - 1) * size + 1, int(part[1]) * size
    elif 1 <= int(part) <= 12:
        first = last = int(part)
    else:
        return None
    return f"{year}-{first:02d}-01", f"{year}-{last:02d}-{calendar.monthrange(year, last)[1]:02d}"
