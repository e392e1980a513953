"""Mon compte in Chromium: download all my data, then delete my account."""

from __future__ import annotations

import json
import re
import zipfile

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from tests.browser.test_garage import VEHICLE_URL, fill_vehicle_form
from tests.conftest import log_in, unique_email

pytestmark = pytest.mark.browser


def test_export_then_delete_my_account(live_app, smtp_sink, page: Page, tmp_path):
    address = unique_email("rgpd")
    log_in(page, live_app, smtp_sink, address)
    page.goto(f"{live_app.url}/vehicles/new")
    page.click("#skip-plate")
    fill_vehicle_form(page, license_plate="JK-321-LM", brand="Kia", model="Picanto", year="2020",
                      mileage="30 000", fuel_type="essence")
    page.click("#vehicle-submit")
    page.wait_for_url(VEHICLE_URL)

    page.locator("#account-menu").click()
    page.get_by_role("menuitem", name="Mon compte").click()
    page.wait_for_url(re.compile(r".*/account/?$"))
    with page.expect_download() as exported:
        page.click("#export-data")
    archive = tmp_path / "export.zip"
    exported.value.save_as(archive)
    with zipfile.ZipFile(archive) as zipped:
        data = json.loads(zipped.read("donnees.json"))
    assert address in json.dumps(data) and "JK-321-LM" in json.dumps(data)

    page.fill("#confirm-email", "quelqu-un@example.fr")
    page.click("#delete-account")
    expect(page.locator("#delete-error")).to_contain_text("exactement votre adresse")
    page.fill("#confirm-email", address)
    page.click("#delete-account")
    page.wait_for_url(re.compile(rf"{re.escape(live_app.url)}/?$"))
    expect(page.get_by_text("Votre compte et toutes vos données ont été supprimés.")).to_be_visible()

    engine = create_engine(live_app.database_url)
    with engine.connect() as conn:
        assert conn.execute(text('SELECT count(*) FROM "user" WHERE email = :e'), {"e": address}).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM vehicle WHERE license_plate = 'JK-321-LM'")).scalar_one() == 0
    engine.dispose()
    page.goto(f"{live_app.url}/dashboard")
    page.wait_for_url(re.compile(r".*/login\?next="))
