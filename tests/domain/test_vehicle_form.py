"""Vehicle form validation: every field, French messages, nothing half-accepted."""

from __future__ import annotations

from datetime import date

import pytest

from autocoach.domain.vehicle_form import (
    VehicleFormErrors,
    validate_mileage_update,
    validate_vehicle_form,
)

TODAY = date(2026, 11, 24)
VALID = {
    "license_plate": "ab123cd",
    "brand": "Peugeot",
    "model": "208",
    "version": "1.2 PureTech 100 Allure",
    "year": "2019",
    "mileage": "63 890",
    "fuel_type": "essence",
    "gearbox": "manuelle",
    "previous_owners": "1",
    "purchase_date": "2021-06-15",
    "purchase_price": "14 500",
    "first_registration_date": "15/03/2019",
    "vin": "VF3UPHNSKJL123456",
    "fiscal_power": "5",
    "color": "Gris platinium",
}


def test_a_complete_form_is_cleaned():
    data = validate_vehicle_form(VALID, TODAY)
    assert data.license_plate == "AB-123-CD"
    assert (data.year, data.mileage, data.previous_owners, data.fiscal_power) == (2019, 63890, 1, 5)
    assert data.purchase_price == 14500.0
    assert data.purchase_date == date(2021, 6, 15)
    assert data.first_registration_date == date(2019, 3, 15)
    assert data.gearbox == "manuelle"


def test_optional_fields_may_stay_empty():
    required_only = {"brand": "Dacia", "model": "Sandero", "year": "2020", "mileage": "0", "fuel_type": "gpl"}
    data = validate_vehicle_form(required_only, TODAY)
    assert data.license_plate is None and data.purchase_price is None and data.gearbox is None


@pytest.mark.parametrize(
    ("field", "bad", "expected"),
    [
        ("license_plate", "AB-000-CD", "000"),
        ("brand", "", "marque"),
        ("brand", "x" * 61, "60 caractères"),
        ("model", "", "modèle"),
        ("version", "v" * 121, "120 caractères"),
        ("year", "", "année"),
        ("year", "1949", "entre 1950 et 2027"),
        ("year", "2028", "entre 1950 et 2027"),
        ("year", "deux mille", "entre 1950 et 2027"),
        ("mileage", "", "kilométrage"),
        ("mileage", "-5", "entre 0 et 1 500 000"),
        ("mileage", "1500001", "entre 0 et 1 500 000"),
        ("fuel_type", "", "énergie"),
        ("fuel_type", "vapeur", "énergie"),
        ("gearbox", "robotisee", "Manuelle"),
        ("previous_owners", "21", "de 0 à 20"),
        ("previous_owners", "un", "de 0 à 20"),
        ("purchase_date", "2026-12-01", "futur"),
        ("purchase_date", "31/02/2020", "invalide"),
        ("purchase_price", "-1", "positif"),
        ("purchase_price", "gratuit", "positif"),
        ("first_registration_date", "2030-01-01", "futur"),
        ("first_registration_date", "2010-01-01", "ne correspond pas"),
        ("vin", "VF3UPHNSKJL12345", "17 caractères"),
        ("vin", "VF3UPHNSKJL12345O", "17 caractères"),
        ("fiscal_power", "0", "1 à 100"),
        ("color", "c" * 41, "40 caractères"),
    ],
)
def test_each_bad_field_is_reported_on_that_field_only(field, bad, expected):
    with pytest.raises(VehicleFormErrors) as refused:
        validate_vehicle_form({**VALID, field: bad}, TODAY)
    assert set(refused.value.errors) == {field}
    assert expected in refused.value.errors[field]


def test_all_errors_are_reported_at_once():
    with pytest.raises(VehicleFormErrors) as refused:
        validate_vehicle_form({"year": "1800", "mileage": "abc"}, TODAY)
    assert {"brand", "model", "year", "mileage", "fuel_type"} <= set(refused.value.errors)


@pytest.mark.parametrize(
    ("price", "expected"),
    [("12500", 12500.0), ("12 500 €", 12500.0), ("12.500,50", 12500.5), ("9999,99", 9999.99), ("0", 0.0)],
)
def test_prices_as_people_type_them(price, expected):
    assert validate_vehicle_form({**VALID, "purchase_price": price}, TODAY).purchase_price == expected


def test_a_mileage_update_is_checked():
    assert validate_mileage_update("65 100", "", TODAY) == (65100, TODAY)
    assert validate_mileage_update("65100", "01/11/2026", TODAY) == (65100, date(2026, 11, 1))
    with pytest.raises(VehicleFormErrors) as refused:
        validate_mileage_update("beaucoup", "2027-01-01", TODAY)
    assert set(refused.value.errors) == {"km", "date"}
