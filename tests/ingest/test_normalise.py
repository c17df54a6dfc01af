from __future__ import annotations

import datetime as dt

import pytest

from ingest.normalise import (
    boolean_text,
    cell_text,
    compact_identifier,
    decimal_text,
    french_date,
    split_list,
    typed_literal,
    typed_literal_of,
    year_text,
)
from store.namespaces import XSD


@pytest.mark.parametrize(("text", "expected"), [
    ("1 234,56 €", "1234.56"), ("1234.56", "1234.56"), ("1\u202f234,5", "1234.5"),
    ("1.234,56", "1234.56"), ("1,234.56", "1234.56"), ("12", "12.0"), ("-3,0", "-3.0"),
    ("0,10 EUR", "0.1"), ("abc", None), ("1,2,3", None), ("", None), ("1e5", None),
])
def test_decimals_written_the_french_or_english_way(text: str, expected: str | None) -> None:
    assert decimal_text(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("17/06/2024", "2024-06-17"), ("1/2/2024", "2024-02-01"), ("17.06.2024", "2024-06-17"),
    ("2024-06-17", "2024-06-17"), ("2024-06-17T00:00:00", "2024-06-17"),
    ("31/02/2024", None), ("06/17/2024", None), ("juin 2024", None),
])
def test_french_and_iso_dates(text: str, expected: str | None) -> None:
    assert french_date(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("oui", "true"), ("Non", "false"), ("YES", "true"), ("no", "false"), ("vrai", "true"),
    ("peut-être", None),
])
def test_yes_and_no_in_french_and_english(text: str, expected: str | None) -> None:
    assert boolean_text(text) == expected


def test_cells_read_as_users_see_them() -> None:
    assert cell_text(812345674.0) == "812345674"
    assert cell_text(2.5) == "2.5"
    assert cell_text(dt.datetime(2024, 6, 17)) == "2024-06-17"
    assert split_list(" a ;b;; c ") == ["a", "b", "c"]
    assert year_text("2024.0") == "2024" and year_text("17/06/2024") == "2024"


def test_identifiers_with_spaces_urls_or_case_fit_their_pattern() -> None:
    import re

    assert compact_identifier("810 079 194", re.compile(r"^[0-9]{9}$")) == "810079194"
    assert compact_identifier("https://ror.org/05a0dhs15",
                              re.compile(r"^0[a-z0-9]{6}[0-9]{2}$")) == "05a0dhs15"
    assert compact_identifier("200212345x", re.compile(r"^[0-9]{9}[A-Z]$")) == "200212345X"
    assert compact_identifier("12 34", re.compile(r"^[0-9]{9}$")) == "12 34"


def test_values_that_do_not_fit_stay_plain_strings_for_the_validation_to_report() -> None:
    assert typed_literal("31/02/2024", XSD + "date").datatype.value == XSD + "string"
    assert typed_literal(3.5, XSD + "decimal").value == "3.5"
    assert typed_literal(2024.0, XSD + "gYear").value == "2024"
    assert typed_literal(dt.date(2024, 6, 17), XSD + "date").value == "2024-06-17"
    assert typed_literal(2.5, XSD + "integer").datatype.value == XSD + "string"


@pytest.mark.parametrize(("raw", "expected"), [
    ("2011", ("2011", "gYear")), ("2011.0", ("2011", "gYear")), (2011.0, ("2011", "gYear")),
    (2011, ("2011", "gYear")), ("17/06/2024", ("2024-06-17", "date")),
    (dt.date(2024, 6, 17), ("2024-06-17", "date")), ("2024-06-17", ("2024-06-17", "date")),
    ("juin 2011", ("juin 2011", "string")), (2011.5, ("2011.5", "string")),
])
def test_a_date_or_year_column_keeps_a_year_alone(raw: object, expected: tuple[str, str]) -> None:
    literal = typed_literal_of(raw, (XSD + "gYear", XSD + "date"))  # any order: finer first
    assert (literal.value, literal.datatype.value) == (expected[0], XSD + expected[1])
