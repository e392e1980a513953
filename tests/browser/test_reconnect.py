"""A dropped connection does not lose what the owner typed in the vehicle forms.

Reflex re-runs a page's on_load when its websocket reconnects. When the page
reconnects before the server has seen its old socket close (a phone changing
networks), Reflex takes it for a duplicated tab: new session token, fresh
server state, form re-mounted. The browser tab keeps the unsaved typing
(FormDraft) and puts it back. The page's websocket is routed through
Playwright so the test can cut it from the page's side, which leaves the old
socket open on the server: exactly that case. (A worker going away, where the
page keeps its token, is in test_scale_out.py.)
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, WebSocketRoute, expect

from tests.browser.test_garage import VEHICLE_URL, fill_vehicle_form
from tests.conftest import artifacts_dir, log_in, unique_email

pytestmark = pytest.mark.browser


class CuttableSocket:
    """Forwards the page's Reflex websocket and can cut it; counts hydrations."""

    def __init__(self, page: Page):
        self.routes: list[WebSocketRoute] = []
        self.hydrations = 0
        page.route_web_socket(re.compile(r".*/_event/.*"), self._route)

    def _route(self, socket: WebSocketRoute) -> None:
        server = socket.connect_to_server()

        def to_page(message):
            if '"is_hydrated_rx_state_":true' in str(message):
                self.hydrations += 1
            socket.send(message)

        server.on_message(to_page)
        self.routes.append(socket)

    def cut_and_wait_for_rehydration(self, page: Page) -> None:
        before_token = page.evaluate("window.sessionStorage.getItem('token')")
        before = self.hydrations
        self.routes[-1].close(code=1011, reason="test: connection lost")
        # Reflex reconnects by itself and hydrates the page again (on_load).
        for _ in range(200):
            if self.hydrations > before:
                break
            page.wait_for_timeout(100)
        assert self.hydrations > before, "the page did not reconnect and hydrate again"
        # The case under test: the page came back under another token, with a fresh state.
        page.wait_for_function("(old) => window.sessionStorage.getItem('token') !== old", arg=before_token)


def add_car(page: Page, live_app, **values: str) -> str:
    page.goto(f"{live_app.url}/vehicles/new")
    page.click("#skip-plate")
    fill_vehicle_form(page, **values)
    page.click("#vehicle-submit")
    page.wait_for_url(VEHICLE_URL)
    return page.url.rstrip("/")


def test_edit_form_gets_its_unsaved_typing_back_after_a_reconnect(live_app, smtp_sink, page: Page):
    socket = CuttableSocket(page)
    log_in(page, live_app, smtp_sink, unique_email("reconnect-edit"))
    vehicle_url = add_car(page, live_app, brand="Renault", model="Clio", year="2018", mileage="70 000", fuel_type="essence")

    page.goto(f"{vehicle_url}/edit")
    expect(page.locator("#field-model")).to_have_value("Clio")
    page.fill("#field-color", "Gris cassiopée")
    page.fill("#field-version", "Intens TCe 90")

    socket.cut_and_wait_for_rehydration(page)

    expect(page.locator("#draft-restored")).to_contain_text("sans l'enregistrer")
    expect(page.locator("#field-color")).to_have_value("Gris cassiopée")
    expect(page.locator("#field-version")).to_have_value("Intens TCe 90")
    expect(page.locator("#field-model")).to_have_value("Clio")  # untouched fields follow the database
    page.click("#vehicle-submit")
    page.wait_for_url(VEHICLE_URL)
    expect(page.get_by_text("Modifications enregistrées.")).to_be_visible()

    # Saved: the draft is gone, the form shows what is in the database.
    page.goto(f"{vehicle_url}/edit")
    expect(page.locator("#field-color")).to_have_value("Gris cassiopée")
    expect(page.locator("#draft-restored")).to_have_count(0)
    assert page.evaluate(
        "Object.keys(sessionStorage).filter((k) => k.startsWith('autocoach-draft:')).length"
    ) == 0


def test_new_car_form_comes_back_filled_after_a_reconnect(live_app, smtp_sink, page: Page):
    socket = CuttableSocket(page)
    log_in(page, live_app, smtp_sink, unique_email("reconnect-new"))
    page.goto(f"{live_app.url}/vehicles/new")
    page.click("#skip-plate")
    fill_vehicle_form(page, brand="Dacia", model="Sandero", mileage="41 000", fuel_type="essence")

    socket.cut_and_wait_for_rehydration(page)

    # Still on the form (not back to the plate step), with the typing back.
    expect(page.locator("#draft-restored")).to_be_visible()
    expect(page.locator("#field-brand")).to_have_value("Dacia")
    expect(page.locator("#field-model")).to_have_value("Sandero")
    expect(page.locator("#field-mileage")).to_have_value("41 000")
    expect(page.locator("#field-fuel_type")).to_have_value("essence")
    page.screenshot(path=str(artifacts_dir("screenshots") / "draft-restored.png"))

    # "Effacer ma saisie" drops it.
    page.click("#draft-clear")
    expect(page.locator("#field-brand")).to_have_value("")
    expect(page.locator("#draft-restored")).to_have_count(0)

    fill_vehicle_form(page, brand="Dacia", model="Sandero", year="2020", mileage="41 000", fuel_type="essence")
    page.click("#vehicle-submit")
    page.wait_for_url(VEHICLE_URL)
    expect(page.locator("#vehicle-title")).to_have_text("Dacia Sandero")

    # Saved: the next visit starts from the plate step, with nothing restored.
    page.goto(f"{live_app.url}/vehicles/new")
    expect(page.locator("#skip-plate")).to_be_visible()
    page.click("#skip-plate")
    expect(page.locator("#field-brand")).to_have_value("")
    expect(page.locator("#draft-restored")).to_have_count(0)


def test_logging_out_forgets_the_drafts_of_the_tab(live_app, smtp_sink, page: Page):
    log_in(page, live_app, smtp_sink, unique_email("draft-logout"))
    page.goto(f"{live_app.url}/vehicles/new")
    page.click("#skip-plate")
    fill_vehicle_form(page, brand="Fiat", model="Panda")
    drafts = "Object.keys(sessionStorage).filter((k) => k.startsWith('autocoach-draft:')).length"
    page.wait_for_function(f"() => {drafts} === 1")

    page.locator("#account-menu").click()
    page.get_by_role("menuitem", name="Se déconnecter").click()
    page.wait_for_url(re.compile(r".*/login/?\?deconnecte=1"))
    assert page.evaluate(drafts) == 0
