"""Histovec's "Certificat de situation administrative détaillé" (rapport.pdf), read for real.

Each variant of tests/fixtures/histovec_csa.py is drawn as a PDF in the
layout histovec-beta's csaAsPdf builds, its text layer is extracted by the app
(``extract_text``: PDFium in a child process), and ``parse_histovec`` must give
back what the variant holds: identification, owners count, dated history and
the two-column administrative situation with its detail lines. One variant is
also photographed (rotation, blur, JPEG) and read through Tesseract.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import pytest

from autocoach.domain.documents import classify_document, parse_document
from autocoach.domain.documents.histovec import owners_from_history, parse_histovec
from autocoach.domain.facts import SITUATION_FLAGS
from autocoach.services.text import ExtractedText, extract_text
from tests.fixtures.histovec_csa import CsaCase, build_csa_cases, case_by_name, csa_pdf, csa_photo

CASES = build_csa_cases()


@lru_cache(maxsize=None)
def _extracted(name: str) -> ExtractedText:
    return extract_text(csa_pdf(case_by_name(name)), "application/pdf")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_csa_variant_is_read_from_its_text_layer(case: CsaCase) -> None:
    extracted = _extracted(case.name)
    assert extracted.method == "pdf_text"
    result = parse_histovec(extracted.text)
    expected = case.expected_fields()
    for key, value in expected.items():
        assert result.fields.get(key) == value, key
    # The CSA has no CT and no mileage: nothing may be invented from its dates.
    assert "technical_inspections" not in result.fields
    assert "mileage_readings" not in result.fields
    assert set(result.fields) <= set(expected) | {"claims"}
    assert result.warnings == []


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_csa_is_classified_as_histovec(case: CsaCase) -> None:
    text = _extracted(case.name).text
    assert classify_document(text) == "histovec"
    assert parse_document(text).fields.get("license_plate") == case.plate


def test_owners_count_follows_owner_changes() -> None:
    one = parse_histovec(_extracted("un_titulaire").text).fields
    three = parse_histovec(_extracted("trois_titulaires").text).fields
    assert one["owners_count"] == 1
    # Two "Changement de titulaire" lines, one of them "(Pré-demande par Internet)"
    # wrapped over two lines that PDFium joins with the other column.
    assert three["owners_count"] == 3
    natures = [entry["nature"] for entry in three["history"]]
    assert "Changement de titulaire (Pré-demande par Internet)" in natures
    assert natures.count("Changement de titulaire") == 1


def test_used_import_counts_the_owner_abroad() -> None:
    fields = parse_histovec(_extracted("import").text).fields
    # First registered abroad in 2016, in France in 2020 as a used car.
    assert fields["first_registration_date"] == date(2016, 8, 30)
    assert fields["history"][0] == {
        "date": date(2020, 2, 17),
        "nature": "Première immatriculation d'un véhicule d'occasion",
    }
    # Owner abroad + first French holder + "Changement de titulaire et conversion...".
    assert fields["owners_count"] == 3
    assert "Changement de titulaire et conversion au nouveau format d'immatriculation" in [
        entry["nature"] for entry in fields["history"]
    ]


def test_dated_opposition_line_means_the_opposition_applies() -> None:
    fields = parse_histovec(_extracted("opposition").text).fields
    assert fields["situation"]["opposition"] is True
    assert fields["situation_details"] == {"opposition": ["Date de l'opposition : 11/02/2022"]}
    # The history keeps both oppositions, the lifted one included.
    natures = [(e["date"], e["nature"]) for e in fields["history"]]
    assert (date(2021, 9, 14), "Fin d'opposition au transfert de la carte grise") in natures


def test_gage_with_creditor_is_kept_for_display() -> None:
    fields = parse_histovec(_extracted("gage").text).fields
    assert fields["situation"]["gage"] is True
    assert fields["situation_details"]["gage"] == ["Nom du créancier : DIAC SA", "Date du gage : 20/05/2023"]
    assert fields["owners_count"] == 2


def test_every_situation_flag_is_a_known_one() -> None:
    known = set(SITUATION_FLAGS) | {"titre_vole"}  # the title theft is kept apart from the vehicle's
    for case in CASES:
        fields = parse_histovec(_extracted(case.name).text).fields
        assert set(fields["situation"]) <= known
        assert set(fields.get("situation_details", {})) <= known


def test_history_continued_on_the_next_page() -> None:
    extracted = _extracted("propre_long")
    assert extracted.pages == 2
    assert "Suite historique du véhicule - BZ-771-HD" in extracted.text
    fields = parse_histovec(extracted.text).fields
    assert len(fields["history"]) == len(case_by_name("propre_long").history)
    assert fields["owners_count"] == 3


def test_owners_from_history_ignores_other_operations() -> None:
    history = [
        {"date": date(2015, 1, 2), "nature": "Première immatriculation d'un véhicule neuf"},
        {"date": date(2016, 1, 2), "nature": "Changement de locataire"},
        {"date": date(2017, 1, 2), "nature": "Changement de titulaire en série diplomatique"},
        {"date": date(2018, 1, 2), "nature": "Modification d'adresse"},
    ]
    assert owners_from_history(history) == 2


def test_text_without_pdf_both_column_orders_agree() -> None:
    """The same situation as PDFium gives it column after column, and with both
    columns on one line (values of the right column beside left titles)."""
    by_column = """Situation administrative du véhicule
- Opposition au transfert du certificat
 d'immatriculation (OTCI)
- Date de l'opposition : 11/02/2022
- Procédure de réparation contrôlée
Non
- Gage
- Nom du créancier : CREDIT LYONNAIS
 Date du gage : 03/04/2021
- Véhicule volé
Non
- Certificat d'immatriculation perdu
Oui
"""
    by_row = """Situation administrative du véhicule
- Opposition au transfert du certificat - Véhicule volé
 d'immatriculation (OTCI) Non
- Date de l'opposition : 11/02/2022 - Certificat d'immatriculation perdu
- Procédure de réparation contrôlée Oui
Non
- Gage
- Nom du créancier : CREDIT LYONNAIS
 Date du gage : 03/04/2021
"""
    expected = {"opposition": True, "procedure_ve": False, "gage": True, "vol": False, "perte": True}
    for text in (by_column, by_row):
        fields = parse_histovec(text).fields
        assert fields["situation"] == expected
        assert fields["situation_details"] == {
            "opposition": ["Date de l'opposition : 11/02/2022"],
            "gage": ["Nom du créancier : CREDIT LYONNAIS", "Date du gage : 03/04/2021"],
        }


@pytest.mark.parametrize("name", ["opposition", "deux_gages_pv_lignes"])
def test_photo_of_the_csa_is_read_by_ocr(name: str) -> None:
    case = case_by_name(name)
    photo = csa_photo(csa_pdf(case))
    extracted = extract_text(photo, "image/jpeg")
    assert extracted.method == "ocr"
    fields = parse_histovec(extracted.text).fields
    expected = case.expected_fields()
    assert fields.get("license_plate") == case.plate
    assert fields.get("owners_count") == case.owners
    assert fields.get("situation", {}).get("opposition") is True
    assert fields.get("first_registration_date") == case.first_registration
    # Tesseract may give the value column before its labels: still matched by kind.
    assert fields.get("vin") == case.vin
    assert fields.get("brand") == case.brand
    assert [e["date"] for e in fields.get("history", [])] == [e["date"] for e in expected["history"]]
    # A status OCR could not read stays unknown; what is read must be right.
    for flag, value in fields["situation"].items():
        assert expected["situation"][flag] is value, flag


def test_used_import_history_row_is_not_the_first_registration() -> None:
    # Identification unreadable (say, a torn photo): the French registration of
    # a used import must not pass for the car's first registration.
    fields = parse_histovec(
        "Historique du véhicule\n"
        "17/02/2020 Première immatriculation d'un véhicule d'occasion\n"
        "03/04/2021 Changement de titulaire\n"
    ).fields
    assert "first_registration_date" not in fields
    assert fields["owners_count"] == 3


def test_explicit_owner_count_wins_over_the_history() -> None:
    fields = parse_histovec(
        "Nombre de titulaires : 4\nHistorique du véhicule\n"
        "01/02/2015 Première immatriculation d'un véhicule neuf\n03/04/2018 Changement de titulaire\n"
    ).fields
    assert fields["owners_count"] == 4
    assert len(fields["history"]) == 2


def test_unreadable_status_stays_unknown() -> None:
    # OCR garbled two values: those items are left out, never guessed from the
    # other column's value on the same line.
    text = """Situation administrative du véhicule
- Déclaration valant saisie - Immatriculation suspendue
Xq Non
- Gage - Véhicule volé
Al Oui
- Opposition véhicule endommagé - Certificat d'immatriculation perdu
Aueune Non
"""
    situation = parse_histovec(text).fields["situation"]
    # "Aueune" is still read as "Aucune"; "Xq" and "Al" are not guessed.
    assert situation == {"suspension": False, "vol": True, "procedure_ve": False, "vei": False, "perte": False}


def test_label_and_value_on_one_line() -> None:
    text = """Situation administrative
Gage : Aucun gage
Vol : Non
Opposition au transfert du certificat d'immatriculation (OTCI) : PV en attente
"""
    situation = parse_histovec(text).fields["situation"]
    assert situation["gage"] is False
    assert situation["opposition"] is True
    assert situation["vol"] is False


def test_operation_missing_from_the_builder_table() -> None:
    # csaAsPdf prints `${date} ${nature}`: an operation code absent from
    # operations.json comes out as "undefined".
    history = parse_histovec("Historique du véhicule\n12/03/2020 undefined\n").fields["history"]
    assert history == [{"date": date(2020, 3, 12), "nature": "Opération non précisée"}]
