"""Issue 16 against an app of its own (items 1 and 7): Redis held every live
session id (and ran without a password); after Redis came back empty, the
first action of an open tab was silently dropped; on a full disk the login
button stayed on "Envoi en cours…".

The app runs here on a private Redis that requires a password, given in
REDIS_URL as in production (`redis://:password@host/0`; `rediss://` for TLS),
with its DATA_DIR on a small tmpfs of its own that a test can fill."""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
import time
from types import SimpleNamespace

import pytest
import redis
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from autocoach.db import make_engine
from autocoach.models import MileageReading
from tests.browser.test_garage import open_records
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
from tests.security.test_forged_events import _add_vehicle, _session_cookie

pytestmark = [pytest.mark.own_app, pytest.mark.browser, pytest.mark.redis]


def start_redis_with_password(port: int, password: str) -> subprocess.Popen:
    process = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--requirepass", password],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if redis.Redis(port=port, password=password).ping():
                return process
        except redis.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("redis-server did not start")


@pytest.fixture(scope="module")
def app_on_locked_redis(tmp_path_factory, smtp_sink):
    data_dir = tmp_path_factory.mktemp("redis-locked")
    on_tmpfs = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=128m", "tmpfs", str(data_dir)], capture_output=True
    ).returncode == 0
    password = secrets.token_urlsafe(24)
    redis_port, port = free_port(), free_port()
    server = start_redis_with_password(redis_port, password)
    env = app_environment(
        port, data_dir, REDIS_URL=f"redis://:{password}@127.0.0.1:{redis_port}/0", GRANIAN_WORKERS="1",
        SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_sink.port), SMTP_STARTTLS="false",
    )
    migrate(env["DATABASE_URL"])
    log_path = artifacts_dir("logs") / "redis_locked.log"
    app = start_app(port, env, log_path)
    state = SimpleNamespace(
        url=f"http://localhost:{port}", database_url=env["DATABASE_URL"],
        data_dir=data_dir, on_tmpfs=on_tmpfs,
        redis=redis.Redis(port=redis_port, password=password), redis_port=redis_port,
    )
    try:
        wait_until_serving(state.url, app, log_path)
        yield state
    finally:
        stop_app(app)
        server.kill()
        server.wait()
        if on_tmpfs:
            subprocess.run(["umount", "-l", str(data_dir)], check=False)


def _everything_in(store: redis.Redis) -> bytes:
    parts = []
    for key in store.scan_iter(count=1000):
        kind = store.type(key)
        parts.append(key)
        if kind == b"string":
            parts.append(store.get(key) or b"")
        elif kind == b"hash":
            for field, value in store.hgetall(key).items():
                parts += [field, value]
        elif kind == b"set":
            parts += list(store.smembers(key))
        elif kind == b"list":
            parts += store.lrange(key, 0, -1)
    return b"\n".join(parts)


def test_redis_needs_its_password_and_holds_no_session_id(app_on_locked_redis, smtp_sink, page: Page):
    app = app_on_locked_redis
    owner = unique_email("redis-secret")
    log_in(page, app, smtp_sink, owner)
    car = _add_vehicle(app, owner)
    page.goto(f"{app.url}/vehicles/{car}")
    expect(page.locator("#vehicle-title")).to_be_visible(timeout=20_000)
    cookie = _session_cookie(page)

    stored = b""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and owner.encode() not in stored:
        stored = _everything_in(app.redis)
        time.sleep(0.5)
    assert owner.encode() in stored, "this owner's page state is not in Redis"
    assert cookie.encode() not in stored
    assert b"autocoach_session=" not in stored
    # Without the password, nothing.
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(port=app.redis_port).get("anything")


def test_after_redis_comes_back_empty_the_first_action_still_counts(app_on_locked_redis, smtp_sink, page: Page):
    app = app_on_locked_redis
    owner = unique_email("redis-empty")
    log_in(page, app, smtp_sink, owner)
    car = _add_vehicle(app, owner, mileage=80000)
    page.goto(f"{app.url}/vehicles/{car}")
    expect(page.locator("#vehicle-title")).to_be_visible(timeout=20_000)
    open_records(page)

    app.redis.flushall()  # Redis restarted with nothing in it; the tab stays open

    page.fill("#km-input", "81 000")
    page.click("#km-submit")
    expect(page.get_by_text(re.compile("Kilométrage mis à jour"))).to_be_visible(timeout=15_000)
    expect(page.locator("#vehicle-mileage")).to_have_text(re.compile("81\u202f000"))
    engine = make_engine(app.database_url)
    try:
        with Session(engine) as session:
            kms = session.exec(select(MileageReading.km).where(MileageReading.vehicle_id == car)).all()
    finally:
        engine.dispose()
    assert 81000 in kms


def test_on_a_full_disk_the_login_page_says_so_and_its_button_comes_back(
    app_on_locked_redis, page: Page
):
    app = app_on_locked_redis
    if not app.on_tmpfs:
        pytest.skip("a tmpfs cannot be mounted here (needs root)")
    page.goto(f"{app.url}/login")
    page.fill("#login-email", unique_email("disque-plein"))
    filler = app.data_dir / "filler"
    try:
        with filler.open("wb", buffering=0) as handle:
            for size in (1 << 20, 65536, 4096, 512, 1):
                try:
                    while True:
                        handle.write(b"\0" * size)
                except OSError:
                    continue
        page.get_by_role("button", name="Recevoir mon lien").click()
        expect(page.locator("#login-notice")).to_contain_text("n'a pas pu être enregistrée", timeout=15_000)
        expect(page.get_by_role("button", name="Recevoir mon lien")).to_be_enabled()
    finally:
        filler.unlink(missing_ok=True)
