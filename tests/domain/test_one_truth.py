"""One vehicle schema, its cross-field rules, provenance and the review of papers."""

from __future__ import annotations

from datetime import date

import pytest

from autocoach.domain import review
from autocoach.domain.facts import InvalidVehicleData, vehicle_facts_from_dict
from autocoach.domain.provenance import SourcedValue, resolve, source_label
from autocoach.domain.vehicle_form import FIELDS, VehicleFormErrors, validate_vehicle_form
from autocoach.domain.vehicle_schema import (
    MSG_PURCHASE_BEFORE_REGISTRATION,
    MSG_PURCHASE_IN_FUTURE,
    MSG_REGISTRATION_IN_FUTURE,
    MSG_YEAR_VS_REGISTRATION,
    VEHICLE_FIELDS,
    consistency_errors,
)

TODAY = date(2026, 11, 24)
FORM = {"brand": "Renault", "model": "Clio", "year": "2016", "mileage": "98000", "fuel_type": "diesel"}
FACTS = {"brand": "Renault", "model": "Clio", "year": 2016, "mileage": 98000, "fuel_type": "diesel"}

# (form values, engine values, field, message): each cross-field rule once.
CROSS_FIELD_RULES = [
    (
        {"first_registration_date": "2016-03-15", "purchase_date": "2015-01-10"},
        {"first_registration_date": "2016-03-15", "purchase_date": "2015-01-10"},
        "purchase_date",
        MSG_PURCHASE_BEFORE_REGISTRATION,
    ),
    (
        {"first_registration_date": "2019-03-15"},
        {"first_registration_date": "2019-03-15"},
        "first_registration_date",
        MSG_YEAR_VS_REGISTRATION,
    ),
    (
        {"purchase_date": "2026-12-01"},
        {"purchase_date": "2026-12-01"},
        "purchase_date",
        MSG_PURCHASE_IN_FUTURE,
    ),
    (
        {"year": "2026", "first_registration_date": "2027-01-10"},
        {"year": 2026, "first_registration_date": "2027-01-10"},
        "first_registration_date",
        MSG_REGISTRATION_IN_FUTURE,
    ),
]


@pytest.mark.parametrize(("form", "facts", "field", "message"), CROSS_FIELD_RULES)
def test_each_cross_field_rule_says_the_same_in_the_form_and_the_engine(form, facts, field, message):
    with pytest.raises(VehicleFormErrors) as refused:
        validate_vehicle_form({**FORM, **form}, TODAY)
    assert refused.value.errors[field] == message
    with pytest.raises(InvalidVehicleData) as engine:
        vehicle_facts_from_dict({**FACTS, **facts}, today=TODAY)
    assert str(engine.value) == message


@pytest.mark.parametrize(("form", "facts", "field", "message"), CROSS_FIELD_RULES[:2])
def test_each_cross_field_rule_says_the_same_when_a_paper_is_applied(form, facts, field, message):
    """A carte grise proposing a first registration after the purchase date."""
    current = {"year": 2016, "purchase_date": date(2015, 1, 10) if "purchase_date" in form else None}
    proposals = review.vehicle_proposals(
        "carte_grise", {"first_registration_date": date.fromisoformat(facts["first_registration_date"])},
        current, TODAY,
    )
    decision = review.decide(proposals, {p.field: p.value for p in proposals}, TODAY)
    merged = {**current, **decision.vehicle}
    if field == "first_registration_date":
        # The paper's date also sets the year: no contradiction left for the year.
        assert merged["year"] == 2019 and consistency_errors(merged, TODAY) == {}
    else:
        assert consistency_errors(merged, TODAY)[field] == message


def test_the_form_edits_every_field_of_the_schema():
    assert FIELDS == tuple(spec.name for spec in VEHICLE_FIELDS)


def test_the_schema_limits_are_the_engines():
    with pytest.raises(InvalidVehicleData, match="1 500 000"):
        vehicle_facts_from_dict({**FACTS, "mileage": 1_500_001}, today=TODAY)
    with pytest.raises(InvalidVehicleData, match="de 0 à 20"):
        vehicle_facts_from_dict({**FACTS, "previous_owners": 21}, today=TODAY)
    with pytest.raises(VehicleFormErrors):
        validate_vehicle_form({**FORM, "previous_owners": "21"}, TODAY)
    assert vehicle_facts_from_dict({**FACTS, "previous_owners": 20}, today=TODAY).previous_owners == 20


# --- provenance --------------------------------------------------------------------------


def claim(value, source, *, corrected=False, day=None, sequence=0, field="model"):
    return SourcedValue(field, value, source, None, day, corrected, sequence)


def test_papers_beat_typed_values_and_the_owners_correction_beats_papers():
    typed = claim("Clio", "proprietaire", sequence=1)
    card = claim("Clio IV", "carte_grise", day=date(2024, 3, 12), sequence=2)
    assert resolve([typed, card])["model"].used == card
    assert [o.value for o in resolve([typed, card])["model"].others] == ["Clio"]
    fixed = claim("Clio", "proprietaire", corrected=True, sequence=3)
    used = resolve([typed, card, fixed])["model"]
    assert used.used == fixed and source_label(used.used) == "corrigé par vous"
    assert [o.value for o in used.others] == ["Clio IV"]


def test_the_newer_paper_wins_and_the_label_names_it():
    older = claim(date(2016, 3, 1), "histovec", day=date(2023, 1, 5), field="first_registration_date")
    newer = claim(date(2016, 3, 15), "carte_grise", day=date(2024, 3, 12), field="first_registration_date")
    used = resolve([newer, older])["first_registration_date"].used
    assert used == newer and source_label(used) == "carte grise du 12/03/2024"


def test_the_owners_own_fields_follow_the_latest_value():
    first = claim(9800.0, "proprietaire", sequence=1, field="purchase_price")
    later = claim(9500.0, "proprietaire", sequence=2, field="purchase_price")
    assert resolve([later, first])["purchase_price"].used == later


# --- review -------------------------------------------------------------------------------


def test_ocr_noise_is_flagged_and_not_pre_accepted():
    proposals = review.vehicle_proposals(
        "carte_grise",
        {"model": "2008 P6 6", "vin": "VF3UPHNSKJL12345", "co2": 5000, "brand": "PEUGEOT"},
        {"brand": "Peugeot", "model": None, "vin": None, "co2": None},
        TODAY,
    )
    by_field = {p.field: p for p in proposals}
    assert by_field["model"].note and not by_field["model"].accept
    assert "17 caractères" in by_field["vin"].note and not by_field["vin"].accept
    assert by_field["co2"].note and not by_field["co2"].accept


def test_a_low_confidence_value_is_to_check():
    proposals = review.vehicle_proposals(
        "carte_grise", {"fiscal_power": 5}, {"fiscal_power": None}, TODAY, confidence={"fiscal_power": 0.3}
    )
    assert proposals[0].note == review.NOTE_LOW_CONFIDENCE and not proposals[0].accept


def test_the_catalogue_trims_a_model_read_with_trailing_noise():
    def tidy(field, value):
        return "2008" if field == "model" and value.startswith("2008") else None

    [model] = review.vehicle_proposals("carte_grise", {"model": "2008 P6 6"}, {"model": None}, TODAY, tidy=tidy)
    assert model.value == "2008" and "2008 P6 6" in model.note and not model.accept


def test_histovec_owners_count_becomes_previous_owners():
    [owners] = review.vehicle_proposals("histovec", {"owners_count": 2}, {"previous_owners": None}, TODAY)
    assert (owners.field, owners.value, owners.accept) == ("previous_owners", "1", True)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"license_plate": "GM-215-LC"}, "Ce document semble concerner GM-215-LC, pas FG-482-KT."),
        ({"license_plate": "gm215lc"}, "Ce document semble concerner GM-215-LC, pas FG-482-KT."),
        ({"vin": "WVWZZZ1KZAW000001"}, "Ce document semble concerner le véhicule de numéro VIN WVWZZZ1KZAW000001, pas celui-ci."),
        ({"license_plate": "FG-482-KT"}, None),
        ({"license_plate": "fg482kt", "vin": "VF1RJA1A07U793809"}, None),
        ({}, None),
    ],
)
def test_a_paper_of_another_car_is_recognised_by_plate_then_vin(fields, reason):
    assert review.check_document(fields, "FG-482-KT", "VF1RJA1A07U793809").reason == reason


def test_an_invoice_dated_before_the_first_registration_or_in_the_future_is_to_check():
    for day, words in ((date(2014, 5, 2), "antérieure à la première immatriculation"), (date(2027, 1, 2), "dans le futur")):
        proposals = review.expense_proposals(
            {"date": day, "total_ttc": 189.9, "garage": "Garage du Centre"}, "vidange", date(2016, 3, 15), TODAY
        )
        note = {p.field: p for p in proposals}["expense_date"].note
        assert words in note
        decision = review.decide(proposals, {p.field: p.value for p in proposals}, TODAY, date(2016, 3, 15))
        assert words in decision.errors["expense_date"]


def test_the_owners_edits_are_checked_like_the_form():
    proposals = review.expense_proposals(
        {"date": date(2024, 5, 2), "total_ttc": 189.9, "mileage": 64000}, "vidange", None, TODAY
    )
    accepted = {p.field: p.value for p in proposals} | {"expense_mileage": "64 500", "expense_amount": "abc"}
    decision = review.decide(proposals, accepted, TODAY)
    assert "expense_amount" in decision.errors
    accepted["expense_amount"] = "199,90"
    decision = review.decide(proposals, accepted, TODAY)
    assert decision.errors == {}
    assert decision.expense == {
        "date": date(2024, 5, 2), "garage": None, "mileage": 64500, "amount": 199.9, "category": "vidange",
    }


def test_a_paper_that_contradicts_itself_proposes_both_readings_unticked():
    [plate] = review.vehicle_proposals(
        "carte_grise", {"license_plate": "FG-482-KT"}, {"license_plate": None}, TODAY,
        alternatives={"license_plate": ["EG-482-KT"]},
    )
    assert "EG-482-KT" in plate.note and not plate.accept and plate.value == "FG-482-KT"


def test_an_implausible_figure_read_is_to_check():
    proposals = review.vehicle_proposals(
        "carte_grise", {"power_kw": 7, "fiscal_power": 5, "co2": 119}, {}, TODAY
    )
    by_field = {p.field: p for p in proposals}
    assert by_field["power_kw"].note == review.NOTE_IMPLAUSIBLE and not by_field["power_kw"].accept
    assert by_field["fiscal_power"].accept and by_field["co2"].accept


def test_a_paper_date_in_the_future_is_to_check():
    [registration] = review.vehicle_proposals(
        "carte_grise", {"first_registration_date": date(2029, 3, 15)}, {}, TODAY
    )
    assert "dans le futur" in registration.note and not registration.accept
