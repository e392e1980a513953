"""Magic-link login in Chromium, with the email taken from a real SMTP server."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import artifacts_dir, log_in, magic_link_in, unique_email

pytestmark = pytest.mark.browser
DASHBOARD = re.compile(r".*/dashboard/?$")


def test_following_the_emailed_link_logs_in_on_the_dashboard(live_app, smtp_sink, page: Page):
    address = unique_email("marie")
    page.goto(f"{live_app.url}/dashboard")
    # A visitor without a session is sent to /login, and back after login.
    page.wait_for_url(re.compile(r".*/login\?next=%2Fdashboard"))
    page.fill("#login-email", address)
    page.keyboard.press("Enter")
    expect(page.locator("#login-notice")).to_have_text(
        "Si cette adresse est valide, un lien vous a été envoyé."
    )
    link = magic_link_in(smtp_sink.wait_for_message_to(address))
    assert link.startswith(live_app.url + "/auth/verify/")

    page.goto(link)
    # The link page does not log in by itself: it waits for a real click.
    expect(page.locator("#confirm-login")).to_be_visible()
    assert not [c for c in page.context.cookies() if c["name"] == "autocoach_session" and c["value"]]
    page.screenshot(path=str(artifacts_dir("screenshots") / "login-verify.png"))
    page.click("#confirm-login")
    page.wait_for_url(DASHBOARD)
    expect(page.get_by_role("heading", name="Mon garage")).to_be_visible()
    expect(page.locator("#account-menu")).to_contain_text(address)
    # Set by the server's answer to the click: out of reach of any script.
    cookie = next(c for c in page.context.cookies() if c["name"] == "autocoach_session")
    assert len(cookie["value"]) >= 43 and cookie["sameSite"] == "Lax" and cookie["httpOnly"]
    assert cookie["value"] not in page.evaluate("document.cookie")

    # The same link a second time is refused, with a way to ask for a new one.
    page.goto(link)
    expect(page.locator("#link-problem")).to_contain_text("déjà été utilisé")
    expect(page.get_by_role("button", name="Recevoir un nouveau lien")).to_be_visible()


def test_an_invalid_address_gets_a_clear_error_in_place(live_app, smtp_sink, page: Page):
    page.goto(f"{live_app.url}/login")
    page.fill("#login-email", "marie@exemple")
    page.get_by_role("button", name="Recevoir mon lien").click()
    expect(page.locator("#login-email-error")).to_contain_text("n'est pas valide")
    expect(page.locator("#login-email")).to_have_value("marie@exemple")
    expect(page.locator("#login-notice")).to_have_count(0)


def test_an_unknown_link_offers_a_new_one(live_app, page: Page):
    page.goto(f"{live_app.url}/auth/verify/{'A' * 43}")
    expect(page.locator("#link-problem")).to_contain_text("n'est pas valide")
    page.get_by_role("button", name="Recevoir un nouveau lien").click()
    page.wait_for_url(re.compile(r".*/login/?$"))


def test_logout_revokes_the_session_on_the_server(live_app, smtp_sink, page: Page, browser: Browser):
    log_in(page, live_app, smtp_sink, unique_email("logout"))
    session_cookie = next(c for c in page.context.cookies() if c["name"] == "autocoach_session")

    page.locator("#account-menu").click()
    page.get_by_role("menuitem", name="Se déconnecter").click()
    page.wait_for_url(re.compile(r".*/login/?\?deconnecte=1"))
    expect(page.get_by_text("Vous êtes déconnecté.")).to_be_visible()

    # Replaying the old cookie in a fresh browser gets nothing: it was revoked.
    other = browser.new_context(locale="fr-FR")
    other.add_cookies([session_cookie])
    replay = other.new_page()
    replay.goto(f"{live_app.url}/dashboard")
    replay.wait_for_url(re.compile(r".*/login\?next="))
    other.close()


def test_the_logout_page_asks_then_logs_out(live_app, smtp_sink, page: Page):
    log_in(page, live_app, smtp_sink, unique_email("logout-page"))
    # Opening /logout (a link from anywhere) does not log out: it asks.
    page.goto(f"{live_app.url}/logout")
    page.goto(f"{live_app.url}/dashboard")
    expect(page.get_by_role("heading", name="Mon garage")).to_be_visible()
    page.goto(f"{live_app.url}/logout")
    page.click("#logout-confirm")
    page.wait_for_url(re.compile(r".*/login/?\?deconnecte=1"))
    page.goto(f"{live_app.url}/dashboard")
    page.wait_for_url(re.compile(r".*/login\?next="))
