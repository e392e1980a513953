"""The garage in Chromium: add by plate (manual fallback), edit mileage, delete."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from tests.conftest import artifacts_dir, log_in, unique_email

pytestmark = pytest.mark.browser
VEHICLE_URL = re.compile(r".*/vehicles/(\d+)/?$")


def count_vehicles(live_app, email: str) -> int:
    engine = create_engine(live_app.database_url)
    with engine.connect() as conn:
        count = conn.execute(
            text('SELECT count(*) FROM vehicle JOIN "user" ON "user".id = vehicle.user_id WHERE email = :e'),
            {"e": email},
        ).scalar_one()
    engine.dispose()
    return count


def open_records(page: Page) -> None:
    """The vehicle page opens on its dashboard; readings and papers are on the second tab."""
    page.click("#tab-records")
    expect(page.locator("#km-input")).to_be_visible()


def fill_vehicle_form(page: Page, **values: str) -> None:
    for name, value in values.items():
        locator = page.locator(f"#field-{name}")
        if name in ("fuel_type", "gearbox"):
            locator.select_option(value)
        else:
            locator.fill(value)


def test_add_by_plate_edit_mileage_and_delete(live_app, smtp_sink, page: Page):
    address = unique_email("garage")
    log_in(page, live_app, smtp_sink, address)
    expect(page.locator("#empty-garage")).to_be_visible()
    page.click("#add-first-vehicle")

    page.fill("#plate-input", "ab 123 ci")
    page.keyboard.press("Enter")
    expect(page.locator("#plate-input-error")).to_contain_text("I, O et U")
    page.fill("#plate-input", "fg-456-hj")
    page.keyboard.press("Enter")

    # No provider configured: the manual form, prefilled with the plate, with a note.
    expect(page.locator("#lookup-note")).to_contain_text("n'est pas disponible")
    expect(page.locator("#field-license_plate")).to_have_value("FG-456-HJ")
    expect(page.locator("#brand-options option[value='Peugeot']")).to_have_count(1)
    fill_vehicle_form(page, brand="Peugeot")
    page.locator("#field-model").click()  # leaving the brand field loads its models
    expect(page.locator("#model-options option[value='208']")).to_have_count(1)
    fill_vehicle_form(
        page, model="208", year="2019", mileage="63 890", fuel_type="essence", gearbox="manuelle",
        first_registration_date="2019-03-15", purchase_price="14 500",
    )
    page.click("#vehicle-submit")
    page.wait_for_url(VEHICLE_URL)
    expect(page.locator("#vehicle-title")).to_have_text("Peugeot 208")
    expect(page.locator("#vehicle-mileage")).to_have_text("63\u202f890 km")
    expect(page.get_by_text("Peugeot 208 ajoutée à votre garage.")).to_be_visible()

    page.get_by_role("link", name="Mon garage").click()
    card = page.locator("#vehicle-list").get_by_role("link", name="Peugeot 208")
    expect(card).to_contain_text("FG-456-HJ")
    expect(card).to_contain_text("63\u202f890 km")
    page.screenshot(path=str(artifacts_dir("screenshots") / "garage.png"), full_page=True)
    card.click()
    page.wait_for_url(VEHICLE_URL)
    open_records(page)

    # A lower reading is refused, then accepted as a confirmed correction.
    page.fill("#km-input", "60 000")
    page.click("#km-submit")
    expect(page.locator("#km-input-error")).to_contain_text("inférieur au relevé")
    expect(page.locator("#vehicle-mileage")).to_have_text("63\u202f890 km")
    page.fill("#km-input", "65 100")
    page.click("#km-submit")
    expect(page.locator("#vehicle-mileage")).to_have_text("65\u202f100 km")
    expect(page.get_by_text("Kilométrage mis à jour : 65\u202f100 km.")).to_be_visible()
    expect(page.locator("#mileage-history")).to_contain_text("63\u202f890 km")
    page.screenshot(path=str(artifacts_dir("screenshots") / "vehicle.png"), full_page=True)

    # Edit through the form.
    page.click("#edit-vehicle")
    expect(page.locator("#field-brand")).to_have_value("Peugeot")
    page.fill("#field-color", "Bleu vertigo")
    page.click("#vehicle-submit")
    page.wait_for_url(VEHICLE_URL)
    open_records(page)
    expect(page.get_by_text("Bleu vertigo")).to_be_visible()

    # Delete, with confirmation.
    page.click("#delete-vehicle")
    expect(page.get_by_role("alertdialog")).to_contain_text("définitivement")
    page.click("#confirm-delete")
    page.wait_for_url(re.compile(r".*/dashboard/?$"))
    expect(page.locator("#empty-garage")).to_be_visible()
    expect(page.get_by_text("Peugeot 208 supprimée, avec ses documents.")).to_be_visible()
    assert count_vehicles(live_app, address) == 0


BAD_VALUES = [
    ("license_plate", "AB-000-CD", "000"),
    ("brand", "", "marque"),
    ("model", "", "modèle"),
    ("year", "1890", "entre 1950"),
    ("mileage", "2000000", "entre 0 et 1 500 000"),
    ("fuel_type", "", "énergie"),
    ("previous_owners", "25", "de 0 à 20"),
    ("purchase_date", "2099-01-01", "futur"),
    ("purchase_price", "-3", "positif"),
    ("first_registration_date", "2099-01-01", "futur"),
    ("vin", "TROPCOURT", "17 caractères"),
    ("fiscal_power", "0", "1 à 100"),
    ("color", "x" * 41, "40 caractères"),
    ("version", "v" * 121, "120 caractères"),
]


def test_each_invalid_field_is_reported_in_place_nothing_saved_input_kept(live_app, smtp_sink, page: Page):
    address = unique_email("form")
    log_in(page, live_app, smtp_sink, address)
    page.goto(f"{live_app.url}/vehicles/new")
    page.click("#skip-plate")
    good = dict(brand="Renault", model="Clio", year="2016", mileage="98 000", fuel_type="diesel")
    for field, bad, message in BAD_VALUES:
        fill_vehicle_form(page, **{**good, field: bad})
        page.click("#vehicle-submit")
        expect(page.locator(f"#field-{field}-error")).to_contain_text(message)
        expect(page.locator("#form-errors")).to_be_visible()
        # Everything typed is still there.
        if field in ("fuel_type",):
            expect(page.locator("#field-fuel_type")).to_have_value("")
        else:
            expect(page.locator(f"#field-{field}")).to_have_value(bad)
        for other, value in good.items():
            if other != field and other != "fuel_type":
                expect(page.locator(f"#field-{other}")).to_have_value(value)
        assert count_vehicles(live_app, address) == 0, field
        # Clear the bad value before the next round.
        if field not in good and field != "fuel_type":
            page.locator(f"#field-{field}").fill("")
    page.screenshot(path=str(artifacts_dir("screenshots") / "vehicle-form-errors.png"), full_page=True)
    fill_vehicle_form(page, **good)
    page.click("#vehicle-submit")
    page.wait_for_url(VEHICLE_URL)
    assert count_vehicles(live_app, address) == 1
