"""One truth per vehicle in Chromium: the form's cross-field rules, an analysis
that cannot run says why, a paper reviewed and corrected before it is applied,
another car's paper held back, a typo reading removed."""

from __future__ import annotations

import random
import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from tests.browser.test_garage import VEHICLE_URL, count_vehicles, fill_vehicle_form, open_records
from tests.conftest import artifacts_dir, log_in, unique_email
from tests.fixtures.documents import build_cartes_grises, build_invoices

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def papers(tmp_path_factory):
    root = tmp_path_factory.mktemp("truth-papers")
    card = build_cartes_grises(root, random.Random(21))[1]
    invoice = next(f for f in build_invoices(root, random.Random(22)) if f.source == "text_pdf")
    return card, invoice


def add_car(page: Page, live_app, **values: str) -> str:
    page.goto(f"{live_app.url}/vehicles/new")
    page.click("#skip-plate")
    fill_vehicle_form(page, **{"brand": "Renault", "model": "Clio", "year": "2016",
                               "mileage": "199 000", "fuel_type": "diesel", **values})
    page.click("#vehicle-submit")
    page.wait_for_url(VEHICLE_URL)
    return VEHICLE_URL.match(page.url).group(1)


def test_a_purchase_before_the_first_registration_is_refused_and_nothing_saved(live_app, smtp_sink, page: Page):
    address = unique_email("cross-field")
    log_in(page, live_app, smtp_sink, address)
    page.goto(f"{live_app.url}/vehicles/new")
    page.click("#skip-plate")
    fill_vehicle_form(page, brand="Renault", model="Clio", year="2016", mileage="90 000", fuel_type="diesel",
                      first_registration_date="2016-03-15", purchase_date="2015-01-10")
    page.click("#vehicle-submit")
    expect(page.locator("#field-purchase_date-error")).to_have_text(
        "La date d'achat est antérieure à la première immatriculation."
    )
    expect(page.locator("#field-brand")).to_have_value("Renault")
    assert count_vehicles(live_app, address) == 0


def test_an_analysis_that_cannot_run_says_why_and_leads_to_the_fix(live_app, smtp_sink, page: Page):
    log_in(page, live_app, smtp_sink, unique_email("bad-facts"))
    vehicle_id = add_car(page, live_app, first_registration_date="2016-03-15")
    expect(page.locator("#analysis")).to_be_visible(timeout=60_000)
    # Data an older version let through: bought before it was first registered.
    engine = create_engine(live_app.database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE vehicle SET purchase_date = '2015-01-10' WHERE id = :id"), {"id": int(vehicle_id)})
    engine.dispose()
    page.reload()
    error = page.locator("#analysis-error")
    expect(error).to_contain_text("La date d'achat est antérieure à la première immatriculation.", timeout=60_000)
    expect(page.locator("#analysis-progress")).to_have_count(0)
    page.screenshot(path=str(artifacts_dir("screenshots") / "analysis-error.png"), full_page=True)
    page.click("#fix-vehicle")
    page.wait_for_url(re.compile(rf".*/vehicles/{vehicle_id}/edit/?$"))
    page.fill("#field-purchase_date", "2021-06-01")
    page.click("#vehicle-submit")
    page.wait_for_url(VEHICLE_URL)
    expect(page.locator("#analysis")).to_be_visible(timeout=60_000)


def test_a_misread_value_is_corrected_in_the_review_then_shown_with_its_source(
    live_app, smtp_sink, page: Page, papers
):
    card, _ = papers
    log_in(page, live_app, smtp_sink, unique_email("review"))
    add_car(page, live_app, brand="Peugeot", model="208", year=card.expected["first_registration_date"][:4],
            fuel_type="essence", license_plate=card.expected["license_plate"])
    open_records(page)
    page.set_input_files("#documents-upload input[type=file]", [str(card.path)])
    review = page.locator(".document-review")
    expect(review).to_be_visible(timeout=120_000)
    # Nothing applied yet.
    expect(page.locator("[data-fact=first_registration_date]")).to_have_count(0)
    version = review.locator("input[name='value:version']")
    expect(version).to_have_value(card.expected["variant"])
    version.fill("1.2 PureTech 100 Allure")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.screenshot(path=str(artifacts_dir("screenshots") / "review-1366.png"), full_page=True)
    # On a phone the review fits the screen: nothing scrolls sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts_dir("screenshots") / "review-390.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    review.locator(".apply-review").click()
    expect(page.get_by_text("Document appliqué à la fiche")).to_be_visible()
    row = page.locator("[data-fact=version]")
    expect(row).to_contain_text("1.2 PureTech 100 Allure")
    expect(row.locator(".fact-source")).to_contain_text("Source : carte grise")
    expect(row.locator(".fact-source")).to_contain_text("corrigé par vous")
    registration = card.expected["first_registration_date"]
    expect(page.locator("[data-fact=first_registration_date]")).to_contain_text(
        f"{registration[8:10]}/{registration[5:7]}/{registration[:4]}"
    )
    expect(page.locator("[data-fact=first_registration_date] .fact-source")).to_contain_text("carte grise")
    expect(page.locator(".document-review")).to_have_count(0)
    page.screenshot(path=str(artifacts_dir("screenshots") / "provenance-1366.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts_dir("screenshots") / "provenance-390.png"), full_page=True)


def test_another_cars_invoice_is_held_back_with_nothing_applied(live_app, smtp_sink, page: Page, papers):
    _, invoice = papers
    log_in(page, live_app, smtp_sink, unique_email("foreign"))
    add_car(page, live_app, license_plate="FG-482-KT")
    open_records(page)
    page.set_input_files("#documents-upload input[type=file]", [str(invoice.path)])
    reason = page.locator(".document-review .review-reason")
    expect(reason).to_have_text(
        f"Ce document semble concerner {invoice.expected['license_plate']}, pas FG-482-KT.", timeout=120_000
    )
    expect(page.locator("#expense-list")).to_have_count(0)
    expect(page.locator("#odometer-warning")).to_have_count(0)
    page.locator(".keep-document").click()
    expect(page.locator(".review-status")).to_have_text("Conservé sans être appliqué")
    expect(page.locator("#expense-list")).to_have_count(0)


def test_removing_a_typo_reading_clears_the_odometer_alert(live_app, smtp_sink, page: Page):
    log_in(page, live_app, smtp_sink, unique_email("typo"))
    add_car(page, live_app)
    open_records(page)
    page.fill("#km-input", "250 000")
    page.fill("#km-date", "2025-01-10")
    page.click("#km-submit")
    expect(page.locator("#odometer-warning")).to_be_visible()
    typo = page.locator(".reading-row", has_text="250\u202f000\u00a0km")
    typo.locator(".delete-reading").click()
    expect(page.locator("#odometer-warning")).to_have_count(0)
    expect(page.locator(".reading-row", has_text="250\u202f000")).to_have_count(0)
    # A slip can be undone.
    page.click("#undo-removal")
    expect(page.locator("#odometer-warning")).to_be_visible()
