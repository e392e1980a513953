"""The French wording helper: plurals, agreement, articles, acronyms, deadlines."""

from __future__ import annotations

from datetime import date

import pytest

from autocoach.domain.wording import (
    SEGMENT_NOUNS,
    Noun,
    agree,
    count,
    ct_deadline,
    join_words,
    lower_first,
    plural_of,
    segment_noun,
    with_article,
)
from autocoach.data import load_reference


@pytest.mark.parametrize(
    ("number", "expected"),
    [(0, "0 propriétaire"), (1, "1 propriétaire"), (2, "2 propriétaires"), (12, "12 propriétaires")],
)
def test_a_count_takes_the_plural_from_two(number, expected):
    assert count(number, "propriétaire") == expected


def test_phrases_agree_word_by_word_and_keep_small_words():
    assert count(3, "défaillance mineure notée") == "3 défaillances mineures notées"
    assert count(2, "contrôle technique") == "2 contrôles techniques"
    assert count(2, "document reçu") == "2 documents reçus"
    assert count(2, "sinistre expertisé") == "2 sinistres expertisés"
    assert count(2, "contrôle défavorable plus ancien") == "2 contrôles défavorables plus anciens"
    assert plural_of("journal de bord") == "journaux de bord"
    assert plural_of("bureau") == "bureaux"


def test_irregular_and_unchanged_words():
    assert plural_of("travail") == "travaux"
    assert plural_of("cheval") == "chevaux"
    assert plural_of("festival") == "festivals"
    assert plural_of("prix") == "prix"
    assert plural_of("CT") == "CT"  # acronyms are invariable in French typography
    assert count(2, "envoi en échec", "envois en échec") == "2 envois en échec"


def test_zero_can_read_as_a_word_and_big_numbers_are_grouped():
    assert count(0, "entretien", zero="aucun entretien") == "aucun entretien"
    assert count(1, "entretien", zero="aucun entretien") == "1 entretien"
    assert count(1500, "kilomètre") == "1\u202f500 kilomètres"


def test_agreement_follows_gender_and_number():
    assert agree("noté", "notée", feminine_noun=True) == "notée"
    assert agree("noté", "notée", feminine_noun=True, number=2) == "notées"
    assert agree("expertisé", "expertisée", feminine_noun=False, number=3) == "expertisés"


def test_segments_read_with_their_gender_and_acronyms():
    assert with_article(SEGMENT_NOUNS["SUV-B"]) == "un SUV urbain"
    assert with_article(SEGMENT_NOUNS["A"]) == "une citadine"
    assert with_article(SEGMENT_NOUNS["SUV-D"]) == "un grand SUV"
    assert with_article(SEGMENT_NOUNS["monospace"], definite=True) == "le monospace"
    assert with_article(Noun("ludospace", False), definite=True) == "le ludospace"
    assert with_article(Noun("état", False), definite=True) == "l'état"


def test_every_reference_segment_has_its_noun():
    reference = load_reference()
    for segment_id, segment in reference.segments.items():
        noun = segment_noun(segment_id, segment.label)
        assert segment_id in SEGMENT_NOUNS, segment_id
        assert "suv" not in noun.text  # never a lower-case acronym
    assert segment_noun("X", "Coupé sport") == Noun("coupé sport", False)


def test_lower_first_keeps_acronyms():
    assert lower_first("Opposition au transfert (OTCI)") == "opposition au transfert (OTCI)"
    assert lower_first("SUV urbain") == "SUV urbain"
    assert lower_first("CT à refaire") == "CT à refaire"
    assert lower_first("Citadine") == "citadine"
    assert lower_first("") == ""


def test_join_words():
    assert join_words(["gage"]) == "gage"
    assert join_words(["gage", "vol"]) == "gage et vol"
    assert join_words(["a", "", "b", "c"]) == "a, b et c"


def test_a_past_deadline_is_never_called_next():
    today = date(2026, 11, 25)
    assert ct_deadline(date(2023, 7, 1), today) == "Contrôle technique en retard depuis le 01/07/2023"
    assert ct_deadline(date(2027, 5, 19), today) == "Prochain contrôle technique avant le 19/05/2027"
    assert ct_deadline(today, today).startswith("Prochain")


# --- the engine's sentences, on real cars --------------------------------------

AS_OF = date(2026, 11, 24)


def _analyse(data):
    from autocoach.domain.analysis import analyze
    from autocoach.domain.facts import vehicle_facts_from_dict

    return analyze(vehicle_facts_from_dict(data, today=AS_OF), AS_OF, load_reference())


def _all_text(result) -> str:
    return " ".join(
        [result.summary or "", result.resale.reasoning or ""]
        + [f.sentence for f in result.reliability_factors]
        + [c.basis for c in result.monthly_cost_breakdown]
        + [a.message for a in result.alerts]
    )


def test_counts_match_the_car_and_no_text_says_s_in_brackets():
    # 7.4 years old, invoices but no servicing in the last 5 years, claims
    # and a favourable CT with defects: every count is written out.
    result = _analyse({
        "brand": "Peugeot", "model": "2008", "year": 2019, "first_registration_date": "2019-07-01",
        "mileage": 90000, "fuel_type": "essence", "previous_owners": 2, "claims_count": 2,
        "expenses": [{"date": "2025-03-01", "mileage": 80000, "category": "pneus", "amount": 400}],
        "technical_inspections": [{"date": "2025-06-01", "mileage": 85000, "result": "favorable",
                                   "defects": ["Feu arrière", "Essuie-glace"]}],
    })
    text = _all_text(result)
    assert "(s)" not in text
    maintenance = next(f.sentence for f in result.reliability_factors if f.key == "entretien")
    assert maintenance.startswith("Aucun entretien sur les 5 dernières années"), maintenance
    assert "5,0 ans" not in maintenance
    insurance = next(c.basis for c in result.monthly_cost_breakdown if c.key == "insurance")
    assert "pour un SUV urbain" in insurance and "suv" not in insurance


def test_a_young_car_counts_since_its_registration():
    result = _analyse({
        "brand": "Renault", "model": "Clio", "year": 2023, "first_registration_date": "2023-06-01",
        "mileage": 30000, "fuel_type": "essence",
        "expenses": [{"date": "2024-06-01", "mileage": 15000, "category": "vidange", "amount": 180},
                     {"date": "2025-06-01", "mileage": 25000, "category": "vidange", "amount": 190}],
    })
    maintenance = next(f.sentence for f in result.reliability_factors if f.key == "entretien")
    assert maintenance.startswith("2 entretiens en 3,5 ans, depuis la mise en circulation"), maintenance


def test_the_garage_card_alert_is_the_most_urgent_not_the_first_dated():
    from autocoach.domain.analysis import most_urgent_alert

    alerts = [
        {"type": "faiblesse_connue", "severity": "warning", "due_date": "2026-12-01", "message": "Courroie"},
        {"type": "controle_technique", "severity": "critical", "due_date": "2027-01-10", "message": "CT"},
        {"type": "situation_administrative", "severity": "critical", "due_date": None, "message": "Gage"},
        {"type": "kilometrage", "severity": "info", "due_date": "2026-01-01", "message": "Km"},
    ]
    assert most_urgent_alert(alerts)["message"] == "CT"
    assert most_urgent_alert(alerts[2:])["message"] == "Gage"
    assert most_urgent_alert([]) is None


def test_fuel_labels_inside_a_sentence_keep_their_acronyms():
    from autocoach.domain.vocabulary import FUEL_TYPES

    assert lower_first(FUEL_TYPES["gpl"]) == "GPL / GNV"
    assert lower_first(FUEL_TYPES["e85"]) == "superéthanol E85"
    assert lower_first(FUEL_TYPES["hybride_rechargeable"]) == "hybride rechargeable"


def test_an_overdue_inspection_is_not_called_the_next_one():
    from autocoach.domain.facts import TechnicalInspection
    from autocoach.domain.rules import technical_inspection_status

    status = technical_inspection_status(
        date(2015, 7, 1), [TechnicalInspection(date=date(2021, 7, 1), result="favorable")], AS_OF
    )
    assert status.overdue and status.due_date == date(2023, 7, 1)
    assert "prochain" not in status.reason.lower()
    assert "dépassée" in status.reason
