"""Redis lost mid-session: the owner is told in French, nothing saved is lost,
and the app recovers when Redis is back."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from types import SimpleNamespace

import pytest
import redis
from playwright.sync_api import Page, expect

from tests.browser.test_garage import VEHICLE_URL, fill_vehicle_form, open_records
from tests.conftest import (
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

pytestmark = [pytest.mark.own_app, pytest.mark.browser, pytest.mark.redis]


def start_redis(port: int) -> subprocess.Popen:
    """A private Redis server, so stopping it touches no one else."""
    process = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if redis.Redis(port=port).ping():
                return process
        except redis.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("redis-server did not start")


@pytest.fixture
def app_on_private_redis(tmp_path, smtp_sink):
    redis_port, port = free_port(), free_port()
    server = start_redis(redis_port)
    env = app_environment(
        port, tmp_path, REDIS_URL=f"redis://127.0.0.1:{redis_port}/0", GRANIAN_WORKERS="1",
        SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_sink.port), SMTP_STARTTLS="false",
    )
    migrate(env["DATABASE_URL"])
    log_path = artifacts_dir("logs") / "redis_fault.log"
    app = start_app(port, env, log_path)
    state = SimpleNamespace(url=f"http://localhost:{port}", redis=server, redis_port=redis_port)
    try:
        wait_until_serving(state.url, app, log_path)
        yield state
    finally:
        stop_app(app)
        state.redis.kill()
        state.redis.wait()


def test_losing_redis_is_explained_and_recovered_without_losing_data(app_on_private_redis, smtp_sink, page: Page):
    app = app_on_private_redis
    log_in(page, app, smtp_sink, unique_email("redis"))
    page.goto(f"{app.url}/vehicles/new")
    page.click("#skip-plate")
    fill_vehicle_form(page, brand="Fiat", model="500", year="2015", mileage="80 000", fuel_type="essence")
    page.click("#vehicle-submit")
    page.wait_for_url(VEHICLE_URL)
    open_records(page)

    import httpx

    assert httpx.get(f"{app.url}/_health").json() == {"status": True, "db": True, "redis": True}
    app.redis.kill()
    app.redis.wait()
    health = httpx.get(f"{app.url}/_health", timeout=30)
    assert health.status_code == 503 and health.json()["redis"] is False
    page.fill("#km-input", "81 000")
    page.click("#km-submit")
    # Either the event fails (toast) or the connection drops (banner): in French.
    problem = page.get_by_text(re.compile("problème temporaire|Connexion au serveur perdue"))
    expect(problem.first).to_be_visible(timeout=30_000)
    page.screenshot(path=str(artifacts_dir("screenshots") / "redis-lost.png"))

    # Redis comes back (empty): the owner is still logged in and their car is there.
    app.redis = start_redis(app.redis_port)
    page.goto(f"{app.url}/dashboard")
    expect(page.locator("#vehicle-list")).to_contain_text("Fiat 500", timeout=30_000)
    page.locator("#vehicle-list a").first.click()
    page.wait_for_url(VEHICLE_URL)
    expect(page.locator("#vehicle-mileage")).to_have_text(re.compile("80\u202f000|81\u202f000"))
