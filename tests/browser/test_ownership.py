"""A second owner, logged in, gets nothing of the first owner's by id."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_garage import VEHICLE_URL, fill_vehicle_form
from tests.conftest import log_in, unique_email

pytestmark = pytest.mark.browser


def test_owner_b_cannot_see_or_change_owner_a_vehicle(live_app, smtp_sink, page: Page, browser: Browser):
    # Owner A adds a car.
    log_in(page, live_app, smtp_sink, unique_email("alice"))
    page.goto(f"{live_app.url}/vehicles/new")
    page.click("#skip-plate")
    fill_vehicle_form(
        page, license_plate="GH-789-JK", brand="Toyota", model="Yaris", year="2018",
        mileage="71 000", fuel_type="hybride", vin="VNKKH3D3X0A123456",
    )
    page.click("#vehicle-submit")
    page.wait_for_url(VEHICLE_URL)
    vehicle_id = VEHICLE_URL.match(page.url).group(1)

    # Owner B, in another browser.
    context_b = browser.new_context(locale="fr-FR")
    page_b = context_b.new_page()
    log_in(page_b, live_app, smtp_sink, unique_email("bob"))
    expect(page_b.locator("#empty-garage")).to_be_visible()

    for path in (f"/vehicles/{vehicle_id}", f"/vehicles/{vehicle_id}/edit"):
        page_b.goto(live_app.url + path)
        expect(page_b.locator("#vehicle-not-found")).to_be_visible()
        content = page_b.content()
        for secret in ("GH-789-JK", "Yaris", "VNKKH3D3X0A123456", "71\u202f000"):
            assert secret not in content, (path, secret)

    # Nor A's PDF report, by URL.
    import httpx

    cookies = {c["name"]: c["value"] for c in context_b.cookies()}
    stolen = httpx.get(f"{live_app.url}/files/vehicles/{vehicle_id}/report.pdf", cookies=cookies)
    assert stolen.status_code == 404 and b"%PDF" not in stolen.content
    assert httpx.get(f"{live_app.url}/files/vehicles/{vehicle_id}/report.pdf").status_code == 404
    own = {c["name"]: c["value"] for c in page.context.cookies()}
    assert httpx.get(f"{live_app.url}/files/vehicles/{vehicle_id}/report.pdf", cookies=own).content.startswith(b"%PDF")

    # A still has the car, untouched.
    page.reload()
    expect(page.locator("#vehicle-title")).to_have_text("Toyota Yaris")
    expect(page.locator("#vehicle-mileage")).to_have_text("71\u202f000 km")
    context_b.close()


def test_a_visitor_without_session_is_sent_to_login_and_back(live_app, smtp_sink, page: Page):
    page.goto(f"{live_app.url}/vehicles/new")
    page.wait_for_url(re.compile(r".*/login\?next=%2Fvehicles%2Fnew"))
    log_in_address = unique_email("back")
    before = len(smtp_sink.messages_to(log_in_address))
    page.fill("#login-email", log_in_address)
    page.keyboard.press("Enter")
    from tests.conftest import magic_link_in

    link = magic_link_in(smtp_sink.wait_for_message_to(log_in_address, count=before + 1))
    page.goto(link)
    page.click("#confirm-login")
    page.wait_for_url(re.compile(r".*/vehicles/new/?$"))
    expect(page.locator("#plate-input")).to_be_visible()
