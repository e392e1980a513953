"""Fuzz tests: no text makes a parser raise, and the output is always well typed."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any, Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autocoach.domain import vocabulary
from autocoach.domain.documents import (
    ParsedDocument,
    classify_document,
    parse_carte_grise,
    parse_document,
    parse_histovec,
    parse_invoice,
)
from autocoach.domain.documents.common import MSG_INTERNAL, ORIGINS

PARSERS: list[Callable[[str], ParsedDocument]] = [parse_carte_grise, parse_histovec, parse_invoice, parse_document]

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces of real documents, to be shuffled into plausible-looking garbage.
FRAGMENTS = [
    "A", "B", "C.1", "C.3", "D.1", "D 1", "D1", "p.1", "D.2", "D.2.1", "D.3", "E", "I", "H", "J.1",
    "P.1", "P.2", "P.3", "P3", "P.6", "ps", "V.7", "v.o", "V.9", "X.1", "x.1i", "Y.6", ":", "|", "8",
    "AB-123-CD", "ab 123 cd", "123 ABC 75", "4521 HG 2A", "SS-123-AB", "WW-001-AA", "VF1RJA00512345678",
    "VF1RJAOO5I2345678", "15/03/2018", "l5/O3/2O18", "31/02/2020", "1er mars 2019", "99/99/9999",
    "GO", "G0", "EE", "EL", "ZZ", "1461", "66", "104", "EURO6", "EUROGDTEMP", "715/2007*2015/45",
    "RENAULT", "PEUGE0T", "C4 PICASSO", "Gage", "Aucun", "Oui", "Non", "- Véhicule volé",
    "Opposition", "Situation administrative", "Contrôles techniques", "Sinistres", "Historique",
    "Nombre de titulaires :", "3", "Historique du véhicule", "15/03/2018 Changement de titulaire",
    "- Date de l'opposition :", "- Nom du créancier :", "Situation administrative du véhicule - AB-123-CD",
    "d'immatriculation (OTCI)", "Numéro VIN du véhicule (ou numéro de série) :", "VTP", "CV", "A", "AP", "S", "SP", "R", "X", "Favorable",
    "Défavorable majeur", "Défavorable critique", "Ajourné", "98 432 km", "km", "Marque :", "Modèle :",
    "FACTURE", "Facture du", "Total HT", "Total TTC", "TVA 20 %", "Net à payer", "Désignation", "Qté",
    "1 234,56 €", "1.234,56", "1234.56 EUR", "1\u00a0234,56\u00a0€", "-10,00", "12,90 €", "1 149,00",
    "Main d'œuvre", "Plaquettes de frein", "Pneu 205/55 R16", "Vidange", "Kilométrage :", "Immat :",
    "Garage du Centre", "0", "00000", "€", ",", ".", "-", "/", "\t", "\u202f", "\ufeff", "ß", "İ", "œ",
]
SEPARATORS = st.sampled_from([" ", "  ", "\n", "\n\n", "\t", " : ", "\r\n", "", "|"])
fragment_text = st.lists(st.tuples(st.sampled_from(FRAGMENTS), SEPARATORS), max_size=80).map(
    lambda parts: "".join(f + s for f, s in parts)
)
any_text = st.text(max_size=400) | st.text(alphabet=st.characters(codec="utf-8"), max_size=2000)

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _is_iso_date(value: Any) -> bool:
    if not isinstance(value, str) or not ISO_DATE.match(value):
        return False
    date.fromisoformat(value)
    return True


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# Type of every field a parser may return, on the JSON side.
FIELD_CHECKS: dict[str, Callable[[Any], bool]] = {
    "license_plate": lambda v: isinstance(v, str) and bool(v),
    "vin": lambda v: isinstance(v, str) and len(v) == 17,
    "brand": lambda v: isinstance(v, str) and bool(v),
    "model": lambda v: isinstance(v, str) and bool(v),
    "variant": lambda v: isinstance(v, str) and bool(v),
    "first_registration_date": _is_iso_date,
    "certificate_date": _is_iso_date,
    "next_technical_inspection": _is_iso_date,
    "date": _is_iso_date,
    "fuel_code": lambda v: isinstance(v, str) and bool(v),
    "fuel_type": lambda v: v in vocabulary.FUEL_TYPES,
    "fiscal_power": _int,
    "power_kw": _number,
    "displacement_cc": _int,
    "co2": _int,
    "euro_class": lambda v: isinstance(v, str) and v.startswith("Euro "),
    "owners_count": _int,
    "situation": lambda v: isinstance(v, dict) and all(isinstance(b, bool) for b in v.values()),
    "technical_inspections": lambda v: isinstance(v, list)
    and all(
        _is_iso_date(r["date"])
        and (r["result"] is None or r["result"] in vocabulary.CT_RESULTS)
        and (r["nature"] is None or isinstance(r["nature"], str))
        and (r["mileage"] is None or _int(r["mileage"]))
        and set(r) == {"date", "nature", "result", "mileage"}
        for r in v
    )
    and [r["date"] for r in v] == sorted(r["date"] for r in v),
    "mileage_readings": lambda v: isinstance(v, list)
    and all(_is_iso_date(r["date"]) and _int(r["mileage"]) for r in v),
    "history": lambda v: isinstance(v, list)
    and all(set(r) == {"date", "nature"} and _is_iso_date(r["date"]) and isinstance(r["nature"], str) for r in v)
    and [r["date"] for r in v] == sorted(r["date"] for r in v),
    "situation_details": lambda v: isinstance(v, dict)
    and all(isinstance(lines, list) and all(isinstance(x, str) and x for x in lines) for lines in v.values()),
    "claims": lambda v: isinstance(v, list)
    and all(_is_iso_date(r["date"]) and isinstance(r["description"], str) for r in v),
    "garage": lambda v: isinstance(v, str) and bool(v),
    "mileage": _int,
    "total_ttc": _number,
    "total_ht": _number,
    "items": lambda v: isinstance(v, list)
    and all(
        isinstance(i["label"], str)
        and _number(i["amount"])
        and i["category"] in vocabulary.EXPENSE_CATEGORIES
        for i in v
    ),
}


def check_well_typed(result: ParsedDocument) -> None:
    assert isinstance(result, ParsedDocument)
    data = result.to_json_dict()
    assert list(data) == ["document_type", "fields", "warnings", "confidence", "origins", "alternatives"]
    assert set(data["confidence"]) <= set(data["fields"]) and set(data["origins"]) <= set(data["fields"])
    assert all(0.0 <= c <= 1.0 for c in data["confidence"].values())
    assert set(data["origins"].values()) <= set(ORIGINS)
    assert all(isinstance(v, list) and v for v in data["alternatives"].values())
    assert data["document_type"] in (None, *vocabulary.DOCUMENT_TYPES)
    assert json.loads(json.dumps(data)) == data  # plain JSON, nothing lost
    assert all(isinstance(w, str) and w for w in data["warnings"])
    # The safety net in the parsers must never have been needed.
    assert MSG_INTERNAL not in data["warnings"]
    for name, value in data["fields"].items():
        assert name in FIELD_CHECKS, name
        assert FIELD_CHECKS[name](value), (name, value)


@FUZZ
@given(any_text)
def test_parsers_on_arbitrary_text(text: str) -> None:
    for parser in PARSERS:
        check_well_typed(parser(text))
    assert classify_document(text) in (None, *vocabulary.DOCUMENT_TYPES)


@FUZZ
@given(fragment_text)
def test_parsers_on_document_fragments(text: str) -> None:
    for parser in PARSERS:
        check_well_typed(parser(text))
    assert classify_document(text) in (None, *vocabulary.DOCUMENT_TYPES)


@FUZZ
@given(fragment_text, st.sampled_from([None, "histovec", "carte_grise", "facture", "autre", ""]))
def test_parse_document_with_any_type_hint(text: str, kind: str | None) -> None:
    check_well_typed(parse_document(text, kind))


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(FRAGMENTS), st.sampled_from([" ", "\n"]), st.integers(min_value=500, max_value=5_000))
def test_long_repetitive_text_stays_fast(fragment: str, separator: str, repeat: int) -> None:
    # Guard against quadratic loops or regex backtracking on long OCR output
    # (up to ~100 kB here; every parser takes well under a second on it).
    import time

    text = (fragment + separator) * repeat
    start = time.perf_counter()
    for parser in PARSERS:
        check_well_typed(parser(text))
    # Generous: a guard against runaway work, not a speed target (those live in bench/).
    assert time.perf_counter() - start < 30
