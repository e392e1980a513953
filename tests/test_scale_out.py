"""Two workers on PostgreSQL and Redis behind one address: an owner who logged
in through one keeps their session and their page state on the other."""

from __future__ import annotations

import re
import time
from types import SimpleNamespace

import pytest
import redis
from playwright.sync_api import Page, expect

from tests.conftest import (
    REDIS_TEST_URL,
    app_environment,
    artifacts_dir,
    free_port,
    log_in,
    migrate,
    start_app,
    stop_app,
    unique_email,
    wait_until_serving,
)
from tests.tcp_proxy import SwitchableProxy

pytestmark = [pytest.mark.own_app, pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def two_workers(tmp_path, postgres_database_url, smtp_sink):
    redis.Redis.from_url(REDIS_TEST_URL).flushdb()
    balancer, port_a, port_b = free_port(), free_port(), free_port()
    env = app_environment(
        balancer,  # APP_URL: the one address owners use
        tmp_path,
        DATABASE_URL=postgres_database_url,
        REDIS_URL=REDIS_TEST_URL,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp_sink.port),
        SMTP_STARTTLS="false",
        GRANIAN_WORKERS="1",
    )
    migrate(postgres_database_url)
    logs = artifacts_dir("logs")
    worker_a = start_app(port_a, env, logs / "worker_a.log")
    processes = [worker_a]
    try:
        wait_until_serving(f"http://localhost:{port_a}", worker_a, logs / "worker_a.log")
        # The second worker builds the same frontend (same APP_URL, same files).
        worker_b = start_app(port_b, env, logs / "worker_b.log")
        processes.append(worker_b)
        wait_until_serving(f"http://localhost:{port_b}", worker_b, logs / "worker_b.log")
        proxy = SwitchableProxy(balancer, port_a)
        proxy.start()
        try:
            yield SimpleNamespace(
                url=f"http://localhost:{balancer}", proxy=proxy, port_a=port_a, port_b=port_b,
                worker_a=worker_a, worker_b=worker_b,
            )
        finally:
            proxy.stop()
    finally:
        for process in processes:
            stop_app(process)


def rehydration_watch(tab: Page):
    """True once the tab has opened a new websocket and been hydrated through it."""
    seen = {"hydrated": False}

    def on_websocket(socket) -> None:
        def on_frame(payload) -> None:
            if '"is_hydrated_rx_state_":true' in str(payload):
                seen["hydrated"] = True

        socket.on("framereceived", on_frame)

    tab.on("websocket", on_websocket)
    return lambda: seen["hydrated"]


def test_session_and_state_survive_a_change_of_worker(two_workers, smtp_sink, page: Page):
    app = two_workers
    address = unique_email("scale")
    log_in(page, app, smtp_sink, address)

    # Second tab, through worker A: a car, then its edit form half done.
    editing = page.context.new_page()
    editing.goto(f"{app.url}/vehicles/new")
    editing.click("#skip-plate")
    editing.fill("#field-brand", "Renault")
    editing.fill("#field-model", "Clio")
    editing.fill("#field-year", "2018")
    editing.fill("#field-mileage", "70 000")
    editing.select_option("#field-fuel_type", "essence")
    editing.click("#vehicle-submit")
    editing.wait_for_url(re.compile(r".*/vehicles/\d+/?$"))
    clio_url = editing.url.rstrip("/")
    editing.goto(f"{clio_url}/edit")
    expect(editing.locator("#field-model")).to_have_value("Clio")
    editing.fill("#field-color", "Gris cassiopée")
    editing.fill("#field-mileage", "abc")
    editing.click("#vehicle-submit")
    expect(editing.locator("#field-mileage-error")).to_be_visible()
    editing.fill("#field-version", "Intens TCe 90")  # typed, not sent yet

    # Third tab: the Clio's ad, its title edited and not saved.
    selling = page.context.new_page()
    selling.goto(clio_url)
    selling.click("#tab-sell")
    selling.click("#generate-ad")
    expect(selling.locator("#ad-title")).to_have_value(re.compile(r"^Renault Clio"), timeout=30_000)
    selling.locator("#ad-title").fill("Renault Clio 2018, très bien entretenue")
    expect(selling.locator("#ad-unsaved")).to_be_visible()

    # First tab: the new-vehicle form, with an error shown and a field typed since.
    page.goto(f"{app.url}/vehicles/new")
    page.click("#skip-plate")
    page.fill("#field-brand", "Citroën")
    page.fill("#field-year", "1890")
    page.click("#vehicle-submit")
    expect(page.locator("#field-year-error")).to_contain_text("entre 1950")
    page.fill("#field-model", "C3")  # typed, not sent yet
    assert app.proxy.connections_by_target.get(app.port_a, 0) > 0
    # Reflex sends the delta to the page before it writes the state back to
    # Redis: give that write a moment before worker A is killed.
    page.wait_for_timeout(500)

    # Worker A goes away, then the balancer sends everything to worker B (a
    # rolling restart). A's graceful stop releases its sockets' records in
    # Redis, so the tabs come back under their own session tokens.
    tabs = (page, editing, selling)
    hydrated_again = [rehydration_watch(tab) for tab in tabs]
    tokens = [tab.evaluate("window.sessionStorage.getItem('token')") for tab in tabs]
    stop_app(app.worker_a)
    store = redis.Redis.from_url(REDIS_TEST_URL)
    records = [f"token_manager_socket_record_{token}" for token in tokens]
    for _ in range(100):
        if not store.exists(*records):
            break
        time.sleep(0.1)
    assert not store.exists(*records), "worker A left its sockets' records in Redis"
    app.proxy.switch_to(app.port_b)
    for seen in hydrated_again:
        for _ in range(300):
            if seen():
                break
            page.wait_for_timeout(100)
        assert seen(), "a tab did not reconnect through worker B"

    # The three tabs reconnected through B (Reflex re-ran their on_load):
    # still logged in, the page state kept in Redis is there (errors shown),
    # and nothing typed is lost.
    expect(page.locator("#account-menu")).to_contain_text(address, timeout=30_000)
    expect(page.locator("#field-year-error")).to_contain_text("entre 1950")
    expect(page.locator("#field-brand")).to_have_value("Citroën")
    expect(page.locator("#field-model")).to_have_value("C3")
    expect(editing.locator("#account-menu")).to_contain_text(address, timeout=30_000)
    expect(editing.locator("#field-mileage-error")).to_be_visible()
    expect(editing.locator("#field-color")).to_have_value("Gris cassiopée")
    expect(editing.locator("#field-version")).to_have_value("Intens TCe 90")
    expect(selling.locator("#account-menu")).to_contain_text(address, timeout=30_000)
    expect(selling.locator("#ad-title")).to_have_value("Renault Clio 2018, très bien entretenue")
    expect(selling.locator("#ad-unsaved")).to_be_visible()
    selling.click("#save-ad")
    expect(selling.get_by_text("Modifications de l'annonce enregistrées.")).to_be_visible()
    selling.reload()  # what was saved is the edited title, not the generated one
    selling.click("#tab-sell")
    expect(selling.locator("#ad-title")).to_have_value("Renault Clio 2018, très bien entretenue")

    page.fill("#field-year", "2017")
    page.fill("#field-mileage", "88 000")
    page.select_option("#field-fuel_type", "diesel")
    page.click("#vehicle-submit")
    page.wait_for_url(re.compile(r".*/vehicles/\d+/?$"))
    expect(page.locator("#vehicle-title")).to_have_text("Citroën C3")
    assert app.proxy.connections_by_target.get(app.port_b, 0) > 0

    editing.fill("#field-mileage", "71 000")
    editing.click("#vehicle-submit")
    editing.wait_for_url(re.compile(r".*/vehicles/\d+/?$"))
    expect(editing.get_by_text("Modifications enregistrées.")).to_be_visible()
    editing.goto(f"{clio_url}/edit")  # the saved values come back, not the old draft
    expect(editing.locator("#field-version")).to_have_value("Intens TCe 90")
    expect(editing.locator("#field-mileage")).to_have_value(re.compile(r"71\s?000"))
    expect(editing.locator("#field-mileage-error")).to_have_count(0)

    # A full reload, served by B only, is still logged in.
    page.goto(f"{app.url}/dashboard")
    expect(page.locator("#vehicle-list")).to_contain_text("Citroën C3")
    expect(page.locator("#vehicle-list")).to_contain_text("Renault Clio")
    page.screenshot(path=str(artifacts_dir("screenshots") / "scale-out.png"))
