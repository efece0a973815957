"""Dates and loose name comparison."""

from __future__ import annotations

import pytest

from ingestion.relations.values import DEFAULT_DATE_TEMPLATES, find_dates, squash


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        ("It premiered on June 30, 2011 in Tokyo.", ["30 June 2011"]),
        ("It premiered on 5 December 2008.", ["05 December 2008"]),
        ("It premiered on 3rd Sept. 1999.", ["03 September 1999"]),
        ("It was released in March 2004.", ["01 March 2004"]),
        ("X is a 1984 Japanese film.", ["01 January 1984"]),
        ("Between 1859 and 1868 it was written.", ["01 January 1859", "01 January 1868"]),
    ],
)
def test_dates_are_found_and_written_with_the_templates(text: str, rendered: list[str]) -> None:
    assert [d.render(DEFAULT_DATE_TEMPLATES) for d in find_dates(text)] == rendered


def test_a_year_inside_a_full_date_is_not_reported_twice() -> None:
    [date] = find_dates("Released on November 20, 2007.")
    assert (date.granularity, date.year, date.month, date.day) == ("day", 2007, 11, 20)
    assert "Released on November 20, 2007."[date.start_char : date.end_char] == "November 20, 2007"


@pytest.mark.parametrize(
    "text", ["The 1990s were loud.", "It sold 20000 copies.", "Call 555-1984 now.", "In 1984's"]
)
def test_decades_long_numbers_and_possessive_years_are_not_dates(text: str) -> None:
    assert find_dates(text) == []


def test_templates_decide_the_output_form() -> None:
    [date] = find_dates("It opened on 7 May 2001.")
    assert date.render({"day": "{year}-{month:02d}-{day:02d}"}) == "2001-05-07"


def test_squash_ignores_case_spaces_and_punctuation() -> None:
    assert squash("Middle-distance  Runner") == squash("middle distance runner")
    assert squash("The Angels ' Share") == squash("The Angels' Share")
