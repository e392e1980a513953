"""A vehicle's dashboard in Chromium: score, charts, alerts, scenarios, comparison."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_garage import VEHICLE_URL, fill_vehicle_form
from tests.conftest import artifacts_dir, log_in, unique_email

pytestmark = pytest.mark.browser


def test_the_dashboard_shows_the_whole_analysis(live_app, smtp_sink, page: Page):
    log_in(page, live_app, smtp_sink, unique_email("dashboard"))
    page.goto(f"{live_app.url}/vehicles/new")
    page.click("#skip-plate")
    fill_vehicle_form(
        page, license_plate="AB-123-CD", brand="Peugeot", model="208", year="2019", mileage="63 890",
        fuel_type="essence", first_registration_date="2019-03-15", purchase_price="14 500",
    )
    page.click("#vehicle-submit")
    page.wait_for_url(VEHICLE_URL)

    analysis = page.locator("#analysis")
    expect(analysis).to_be_visible(timeout=30_000)
    score = page.locator("#reliability-score")
    expect(score).to_have_text(re.compile(r"^\d{1,2},\d/10$"))
    shown_score = score.inner_text()
    expect(page.locator("#reliability")).to_contain_text("Âge")
    expect(page.locator("#monthly-cost")).to_contain_text("€")
    expect(page.locator("#costs")).to_contain_text("Carburant")
    expect(page.locator("#asking-price")).to_contain_text("€")
    expect(page.locator("#best-time")).to_contain_text("Meilleur moment")
    # Charts: cost breakdown, value curve, scenarios.
    expect(page.locator("#costs .recharts-wrapper")).to_have_count(1)
    expect(page.locator("#resale .recharts-wrapper")).to_have_count(1)
    expect(page.locator("#scenarios .recharts-wrapper")).to_have_count(1)
    expect(page.locator("#resale .recharts-line-dot").first).to_be_visible()
    # Alerts with dates, including the contrôle technique.
    expect(page.locator("#alert-list .alert-controle_technique")).to_have_count(1)
    expect(page.locator("#alerts")).to_contain_text("Crit'Air")
    # Keep vs sell: now, 1, 2 and 3 years; three other models to compare with.
    expect(page.locator("#scenario-table tbody tr")).to_have_count(4)
    expect(page.locator("#scenario-table")).to_contain_text("Garder 3 ans")
    expect(page.locator("#comparison-table tbody tr")).to_have_count(4)
    expect(page.locator("#analysis-summary")).to_contain_text("Peugeot 208")
    page.screenshot(path=str(artifacts_dir("screenshots") / "dashboard-desktop.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    expect(score).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts_dir("screenshots") / "dashboard-phone.png"), full_page=True)

    # The garage card now shows the score.
    page.goto(f"{live_app.url}/dashboard")
    expect(page.locator("#vehicle-list")).to_contain_text(shown_score)
