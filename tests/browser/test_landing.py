"""The landing page in Chromium, on a desktop screen and a 390 px phone."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.conftest import artifacts_dir

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("screen", "viewport"),
    [("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})],
)
def test_landing_shows_hero_features_and_call_to_action_and_no_invented_testimonials(
    live_app, page: Page, screen, viewport
):
    page.set_viewport_size(viewport)
    page.goto(live_app.url + "/")

    hero = page.locator("#hero")
    expect(hero.get_by_role("heading", level=1)).to_contain_text("Votre voiture d'occasion")
    expect(page.locator("#cta-hero")).to_be_visible()
    expect(page.locator("#cta-hero")).to_have_attribute("href", "/login")

    features = page.locator("#fonctionnalites")
    features.scroll_into_view_if_needed()
    for title in ("Score de fiabilité", "Coût réel par mois", "Conseil de revente", "Annonce prête à publier"):
        expect(features.get_by_role("heading", name=title)).to_be_visible()

    # Invented people with invented quotes are not published; the figures shown
    # are labelled as examples of what the app computes.
    expect(page.locator("#temoignages")).to_have_count(0)
    expect(page.locator("blockquote")).to_have_count(0)
    expect(features.get_by_text("Un exemple de ce que vous obtenez")).to_be_visible()

    cta = page.locator("#cta-bottom")
    cta.scroll_into_view_if_needed()
    expect(cta).to_be_visible()

    assert page.evaluate("document.documentElement.lang") == "fr"
    # Nothing overflows sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.screenshot(path=str(artifacts_dir("screenshots") / f"landing-{screen}.png"), full_page=True)


def test_landing_is_keyboard_reachable(live_app, page: Page):
    page.goto(live_app.url + "/")
    expect(page.locator("#hero")).to_be_visible()
    page.keyboard.press("Tab")
    skip = page.get_by_text("Aller au contenu")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()


def test_pages_carry_security_headers(live_app):
    response = httpx.get(live_app.url + "/")
    assert response.status_code == 200
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    # Plain http on localhost: no HSTS.
    assert "strict-transport-security" not in response.headers


def test_health_reports_the_database(live_app):
    response = httpx.get(live_app.url + "/_health")
    assert response.status_code == 200
    assert response.json() == {"status": True, "db": True}


def test_cors_only_answers_the_app_origin(live_app):
    foreign = httpx.get(live_app.url + "/_health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in foreign.headers
    own = httpx.get(live_app.url + "/_health", headers={"Origin": live_app.url})
    assert own.headers.get("access-control-allow-origin") == live_app.url
