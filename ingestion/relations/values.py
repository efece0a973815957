"""Literal values in sentences: dates written many ways, and names compared without punctuation.

Dates are found with regular expressions over the sentence text (spaCy's DATE entities miss and
over-extend too often to be the only source) and written in the lexicon's output templates, which
the lexicon builder learns from the training labels (Text2KGBench writes "30 June 2011", and a
bare year as "01 January 2011").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan

Granularity = Literal["day", "month", "year"]

MONTHS: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MONTH = (
    "(?P<month>" + "|".join(MONTHS) + r"|Sept\.?|" + "|".join(m[:3] + r"\.?" for m in MONTHS) + ")"
)
_YEAR = r"(?P<year>1[0-9]{3}|20[0-9]{2})"
_DAY = r"(?P<day>[0-3]?[0-9])(?:st|nd|rd|th)?"
_PATTERNS: Final[tuple[tuple[Granularity, re.Pattern[str]], ...]] = (
    ("day", re.compile(rf"\b{_DAY} {_MONTH},? {_YEAR}\b")),
    ("day", re.compile(rf"\b{_MONTH} {_DAY},? {_YEAR}\b")),
    ("month", re.compile(rf"\b{_MONTH},? {_YEAR}\b")),
    ("year", re.compile(rf"(?<![\d/.-]){_YEAR}(?![\d]|s\b|'s\b)")),
)
_NON_ALNUM = re.compile(r"[\W_]+", re.UNICODE)

#: Output templates used when a lexicon does not say otherwise.
DEFAULT_DATE_TEMPLATES: Final[dict[str, str]] = {
    "day": "{day:02d} {month_name} {year}",
    "month": "01 {month_name} {year}",
    "year": "01 January {year}",
}


def squash(text: str) -> str:
    """Lower-case ``text`` and drop everything but letters and digits (for loose comparison)."""
    return _NON_ALNUM.sub("", text).lower()


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date written in a sentence."""

    start_char: int
    end_char: int
    granularity: Granularity
    year: int
    month: int
    day: int

    def render(self, templates: dict[str, str]) -> str:
        """Write the date with the template of its granularity."""
        template = templates.get(self.granularity) or DEFAULT_DATE_TEMPLATES[self.granularity]
        return template.format(
            day=self.day, month=self.month, month_name=MONTHS[self.month - 1], year=self.year
        )


def _month_number(text: str) -> int:
    prefix = text[:3].lower()
    for number, name in enumerate(MONTHS, start=1):
        if name[:3].lower() == prefix:
            return number
    raise ValueError(f"not a month name: {text!r}")


def find_dates(text: str) -> list[DateMention]:
    """Dates in ``text``, most specific first where they overlap (a year inside a full date is
    not reported again)."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for granularity, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(s < end and start < e for s, e in taken):
                continue
            groups = match.groupdict()
            day = int(groups.get("day") or 1)
            month = _month_number(groups["month"]) if groups.get("month") else 1
            if not 1 <= day <= 31:
                continue
            found.append(DateMention(start, end, granularity, int(groups["year"]), month, day))
            taken.append((start, end))
    return sorted(found, key=lambda d: d.start_char)


def date_spans(sent: SpacySpan, templates: dict[str, str]) -> list[tuple[int, int, str, str]]:
    """Date candidates of a sentence as ``(start token, end token, source, rendered value)``."""
    out: list[tuple[int, int, str, str]] = []
    base = sent.start_char
    for mention in find_dates(sent.text):
        span = sent.doc.char_span(
            base + mention.start_char, base + mention.end_char, alignment_mode="expand"
        )
        if span is None:
            continue
        source = "year" if mention.granularity == "year" else "date"
        out.append((span.start, span.end, source, mention.render(templates)))
    return out
