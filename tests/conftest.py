"""Shared fixtures: a real app server, real databases, Debian's Chromium.

Browser tests start the production app once per session (`reflex run --env
prod`, one port) on its own SQLite file and outbox, and drive it with
Playwright through /usr/bin/chromium; nothing downloads a browser.
"""

from __future__ import annotations

import email
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
APP_START_TIMEOUT_S = 300

# Fixtures shared by several modules (fake_openai).
pytest_plugins = ["tests.fake_openai"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def artifacts_dir(*parts: str) -> Path:
    path = ARTIFACTS.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def pytest_collection_modifyitems(config, items):
    """Tests that start an app of their own rebuild the shared frontend (.web)
    for their own address: run them after every test of the shared live_app."""
    items.sort(key=lambda item: item.get_closest_marker("own_app") is not None)


# --- Playwright on Debian's Chromium -----------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Without the background-networking flags Chromium keeps trying to reach
    # Google's hosts, which this machine's closed network refuses.
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-FR", "timezone_id": "Europe/Paris"}


# --- The real app -------------------------------------------------------------


@dataclass
class RunningApp:
    url: str
    data_dir: Path
    database_url: str
    env: dict[str, str]
    log_path: Path


def app_environment(port: int, data_dir: Path, **overrides: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SMTP_", "OPENAI_", "DATABASE_URL", "REDIS_URL", "REFLEX_DB_URL"))
    }
    tools = PROJECT_ROOT / ".tools" / "node_modules" / ".bin"
    env.update(
        PATH=f"{tools}{os.pathsep}{PROJECT_ROOT / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        REFLEX_USE_SYSTEM_BUN="1",
        REFLEX_TELEMETRY_ENABLED="false",
        REFLEX_CHECK_LATEST_VERSION="false",
        APP_URL=f"http://localhost:{port}",
        DATA_DIR=str(data_dir),
        DATABASE_URL=f"sqlite:///{data_dir / 'autocoach.db'}",
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


def start_app(
    port: int, env: dict[str, str], log_path: Path, *, backend_only: bool = False
) -> subprocess.Popen:
    """`reflex run --env prod` on one port; `backend_only` skips the frontend build."""
    mode = (
        ["--backend-only", "--backend-port", str(port)]
        if backend_only
        else ["--single-port", "--frontend-port", str(port), "--backend-port", str(port)]
    )
    log = log_path.open("wb")
    return subprocess.Popen(
        [
            str(PROJECT_ROOT / ".venv" / "bin" / "reflex"),
            "run",
            "--env",
            "prod",
            *mode,
            "--loglevel",
            "info",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_until_serving(
    url: str, process: subprocess.Popen, log_path: Path, *, path: str = "/"
) -> None:
    deadline = time.monotonic() + APP_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app exited early:\n{log_path.read_text(errors='replace')[-4000:]}")
        try:
            if httpx.get(f"{url}{path}", timeout=2).status_code == 200 and httpx.get(
                f"{url}/ping", timeout=2
            ).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"app did not start in time:\n{log_path.read_text(errors='replace')[-4000:]}")


def stop_app(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, 15)
        try:
            # A graceful stop also stops the embedded reading worker and releases
            # the sockets' records in Redis; on a loaded machine it takes a while.
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()


def migrate(database_url: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "autocoach", "migrate"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        check=True,
        capture_output=True,
    )


class SmtpSink:
    """A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[EmailMessage] = []
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        self.messages.append(
            email.message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        )
        return "250 OK"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def messages_to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def wait_for_message_to(self, address: str, count: int = 1, timeout: float = 15) -> EmailMessage:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.messages_to(address)
            if len(found) >= count:
                return found[count - 1]
            time.sleep(0.1)
        raise AssertionError(f"no email #{count} for {address} within {timeout}s")


def magic_link_in(message: EmailMessage) -> str:
    body = message.get_body(("plain",)).get_content()
    match = re.search(r"https?://\S+/auth/verify/[A-Za-z0-9_-]+", body)
    assert match, f"no magic link in:\n{body}"
    return match.group(0)


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture(scope="session")
def live_app(tmp_path_factory, smtp_sink) -> Iterator[RunningApp]:
    """The production app on its own port and SQLite file, mailing through a real
    SMTP server on loopback. All browser tests share it (a build takes a while),
    so each test uses its own email addresses."""
    data_dir = tmp_path_factory.mktemp("app-data")
    port = free_port()
    env = app_environment(
        port,
        data_dir,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp_sink.port),
        SMTP_STARTTLS="false",
        # Every browser test logs in from 127.0.0.1; the per-client limits have
        # their own tests (tests/test_auth.py, tests/security/test_login_http.py).
        LOGIN_REQUESTS_PER_CLIENT_PER_HOUR="10000",
        LOGIN_CHECKS_PER_CLIENT_PER_MINUTE="10000",
        # Small, so the server-side upload limit can be shown with small bodies.
        MAX_UPLOAD_MB="5",
    )
    migrate(env["DATABASE_URL"])
    log_path = artifacts_dir("logs") / "live_app.log"
    process = start_app(port, env, log_path)
    url = f"http://localhost:{port}"
    try:
        wait_until_serving(url, process, log_path)
        yield RunningApp(url, data_dir, env["DATABASE_URL"], env, log_path)
    finally:
        stop_app(process)


# --- PostgreSQL ---------------------------------------------------------------


@pytest.fixture
def postgres_database_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database of this test's own, dropped afterwards."""
    from sqlalchemy import create_engine, text

    name = f"autocoach_test_{secrets.token_hex(6)}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        admin.dispose()
        pytest.fail(f"the local PostgreSQL server is required at {POSTGRES_ADMIN_URL}: {exc}")
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- Logged-in browsers ---------------------------------------------------------


def unique_email(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}@example.fr"


def log_in(page, live_app: RunningApp, smtp_sink: SmtpSink, address: str) -> None:
    """The real flow: ask for a link, take it from the SMTP server, click."""
    from playwright.sync_api import expect

    page.goto(f"{live_app.url}/login")
    before = len(smtp_sink.messages_to(address))
    page.fill("#login-email", address)
    page.keyboard.press("Enter")
    expect(page.locator("#login-notice")).to_contain_text("un lien vous a été envoyé")
    link = magic_link_in(smtp_sink.wait_for_message_to(address, count=before + 1))
    page.goto(link)
    page.click("#confirm-login")
    page.wait_for_url(re.compile(r".*/dashboard/?$"))


@pytest.fixture
def app_settings(tmp_path, monkeypatch):
    """In-process services on a fresh, migrated SQLite file and outbox of their own."""
    from autocoach.services.migrations import upgrade_to_head
    from autocoach.settings import get_settings

    for name in list(os.environ):
        if name.startswith(("SMTP_", "OPENAI_", "PLATE_LOOKUP_")) or name in {"DATABASE_URL", "REDIS_URL"}:
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'data' / 'autocoach.db'}")
    get_settings.cache_clear()
    settings = get_settings()
    upgrade_to_head(settings.database_url, quiet=True)
    yield settings
    get_settings.cache_clear()
