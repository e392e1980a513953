"""French formatting: U+202F groups thousands, U+00A0 sits before the unit."""

from __future__ import annotations

from datetime import date

import pytest

from autocoach.domain.formatting import (
    format_date,
    format_decimal,
    format_eur,
    format_eur_per_month,
    format_km,
    format_month_year,
    format_number,
    format_percent,
    format_score,
    plain,
    round_half_up,
)

NNBSP = "\u202f"
NBSP = "\u00a0"


def test_format_eur_uses_narrow_nbsp_for_thousands_and_nbsp_before_euro() -> None:
    assert format_eur(12500) == f"12{NNBSP}500{NBSP}€"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, f"0{NBSP}€"),
        (7, f"7{NBSP}€"),
        (999, f"999{NBSP}€"),
        (1000, f"1{NNBSP}000{NBSP}€"),
        (1234567, f"1{NNBSP}234{NNBSP}567{NBSP}€"),
        (12499.5, f"12{NNBSP}500{NBSP}€"),  # half-up, not banker's rounding
        (-1200, f"-1{NNBSP}200{NBSP}€"),
        (-0.4, f"0{NBSP}€"),  # no "-0"
    ],
)
def test_format_eur_values(value: float, expected: str) -> None:
    assert format_eur(value) == expected


def test_format_eur_with_cents_uses_a_comma() -> None:
    assert format_eur(12.5, decimals=2) == f"12,50{NBSP}€"
    assert format_eur(1234.567, decimals=2) == f"1{NNBSP}234,57{NBSP}€"


def test_format_km() -> None:
    assert format_km(63890) == f"63{NNBSP}890{NBSP}km"
    assert format_km(250) == f"250{NBSP}km"


def test_format_date_and_month_year() -> None:
    assert format_date(date(2027, 5, 19)) == "19/05/2027"
    assert format_date(date(2026, 1, 3)) == "03/01/2026"
    assert format_month_year(date(2027, 5, 19)) == "mai 2027"
    assert format_month_year(date(2026, 2, 1)) == "février 2026"
    assert format_month_year(date(2026, 8, 31)) == "août 2026"
    assert format_month_year(date(2026, 12, 31)) == "décembre 2026"


def test_decimals_use_a_comma() -> None:
    assert format_decimal(7.85) == "7,9"
    assert format_decimal(1.694, 3) == "1,694"
    assert format_number(1234.5, 1) == f"1{NNBSP}234,5"
    assert format_score(7.85) == "7,9/10"
    assert format_percent(0.125, 1) == f"12,5{NBSP}%"
    assert format_eur_per_month(312) == f"312{NBSP}€/mois"


def test_round_half_up() -> None:
    assert round_half_up(2.5) == 3
    assert round_half_up(0.5) == 1
    assert round_half_up(7.0 + 0.85, 1) == 7.9
    assert round_half_up(-1.25, 1) == -1.3


def test_plain_replaces_special_spaces() -> None:
    assert plain(format_eur(12500)) == "12 500 €"
