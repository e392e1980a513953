"""French formatting of numbers, money, distances and dates (UI, PDF, texts).

Typography, applied everywhere:
- thousands are grouped with a NARROW NO-BREAK SPACE (U+202F): "12 500";
- the unit is separated by a NO-BREAK SPACE (U+00A0): "12 500 €", "63 890 km";
- the decimal separator is a comma: "1,5".
Both spaces keep the number and its unit on one line. `plain()` turns them into
ordinary spaces for places that cannot render them (some PDF core fonts).

Rounding is half-up (12,5 → 13), as people expect, not banker's rounding.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "THOUSANDS_SEP",
    "UNIT_SEP",
    "format_number",
    "format_decimal",
    "format_eur",
    "format_eur_per_month",
    "format_km",
    "format_percent",
    "format_score",
    "format_date",
    "format_month_year",
    "plain",
    "MONTHS",
    "round_half_up",
]

THOUSANDS_SEP = "\u202f"
UNIT_SEP = "\u00a0"

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def format_number(value: float | int, decimals: int = 0) -> str:
    """1234567.891, 2 -> "1 234 567,89" (U+202F groups, comma decimals)."""
    quant = Decimal(1).scaleb(-decimals) if decimals > 0 else Decimal(1)
    source = round(value, 9) if isinstance(value, float) else value
    number = Decimal(str(source)).quantize(quant, rounding=ROUND_HALF_UP)
    negative = number < 0
    text = f"{abs(number):f}"
    whole, _, frac = text.partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    result = THOUSANDS_SEP.join(groups)
    if decimals > 0:
        result += "," + frac
    # "-0" after rounding a tiny negative is just "0".
    if negative and any(c not in "0," + THOUSANDS_SEP for c in result):
        result = "-" + result
    return result


def format_decimal(value: float, decimals: int = 1) -> str:
    """7.85 -> "7,9"."""
    return format_number(value, decimals)


def format_eur(value: float | int, decimals: int = 0) -> str:
    """12500 -> "12 500 €"; 12.5, decimals=2 -> "12,50 €"."""
    return f"{format_number(value, decimals)}{UNIT_SEP}€"


def format_eur_per_month(value: float | int) -> str:
    """312 -> "312 €/mois"."""
    return f"{format_number(value)}{UNIT_SEP}€/mois"


def format_km(value: float | int) -> str:
    """63890 -> "63 890 km"."""
    return f"{format_number(value)}{UNIT_SEP}km"


def format_percent(ratio: float, decimals: int = 0) -> str:
    """0.125, 1 -> "12,5 %" (French puts a no-break space before %)."""
    return f"{format_number(ratio * 100, decimals)}{UNIT_SEP}%"


def format_score(score: float) -> str:
    """7.85 -> "7,9/10"."""
    return f"{format_decimal(score, 1)}/10"


def format_date(day: date) -> str:
    """date(2027, 5, 19) -> "19/05/2027"."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def format_month_year(day: date) -> str:
    """date(2027, 5, 19) -> "mai 2027"."""
    return f"{MONTHS[day.month - 1]} {day.year}"


def plain(text: str) -> str:
    """Replace the special spaces with ordinary ones (fonts without them)."""
    return text.replace(THOUSANDS_SEP, " ").replace(UNIT_SEP, " ")


def round_half_up(value: float, digits: int = 0) -> float:
    """Round like people do (2.5 -> 3, 7.85 -> 7.9), not like binary floats do."""
    quant = Decimal(1).scaleb(-digits)
    # round(…, 9) first: 7.0 + 0.85 is 7.8499999999999996 in binary.
    return float(Decimal(repr(round(value, 9))).quantize(quant, rounding=ROUND_HALF_UP))
