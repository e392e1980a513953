"""Issue 16 replayed against the running app in Chromium, with forged events
injected into the page's own Reflex websocket (Playwright routes it).

- item 1: the session id never reaches stored page state (`.states`), nor any
  websocket message, and a session's hash (what a stolen state file would
  give away) opens nothing;
- item 7: a 23-digit id in an event gets a French answer, an over-limit
  chunked upload gets a 413;
- item 8: a forged `submit_form` from the "not found" edit page of someone
  else's car creates nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
import socketio
from playwright.sync_api import Page, WebSocketRoute, expect
from sqlmodel import Session, select

from autocoach.db import make_engine, utcnow
from autocoach.models import User, Vehicle
from tests.conftest import PROJECT_ROOT, log_in, unique_email

pytestmark = pytest.mark.browser

NAMESPACE = "/_event"
STATES_DIR = PROJECT_ROOT / ".states"


class ForgingSocket:
    """The page's Reflex websocket, forwarded through Playwright: every frame
    is kept, and frames the page never sent can be slipped in."""

    def __init__(self, page: Page):
        self.page = page
        self.sent: list[str] = []
        self.received: list[str] = []
        self._server: WebSocketRoute | None = None
        page.route_web_socket(re.compile(r".*/_event/.*"), self._route)

    def _route(self, socket: WebSocketRoute) -> None:
        server = socket.connect_to_server()

        def to_server(message) -> None:
            self.sent.append(str(message))
            server.send(message)

        def to_page(message) -> None:
            self.received.append(str(message))
            socket.send(message)

        socket.on_message(to_server)
        server.on_message(to_page)
        self._server = server

    def state_name(self, suffix: str, timeout_s: float = 20) -> str:
        """The full name of the state whose name ends with `suffix`, from the deltas seen."""
        deadline = time.monotonic() + timeout_s
        while True:
            for frame in reversed(self.received):
                for name in re.findall(r'"(reflex___state____state[\w.]*?)":\{', frame):
                    if name.endswith(suffix):
                        return name
            if time.monotonic() > deadline:
                raise AssertionError(f"no state named *{suffix} in the page's updates")
            self.page.wait_for_timeout(200)

    def forge(self, state_suffix: str, handler: str, payload: dict, path: str) -> int:
        """Send an event the page did not; returns how many frames had come back before."""
        assert self._server is not None
        name = f"{self.state_name(state_suffix)}.{handler}"
        event = {"name": name, "payload": payload, "router_data": {"pathname": path, "asPath": path}}
        before = len(self.received)
        self._server.send(f"42{NAMESPACE}," + json.dumps(["event", event]))
        return before

    def wait_for_answer(self, since: int, text: str, timeout_s: float = 15) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            answer = "\n".join(self.received[since:])
            if text in answer:
                return answer
            self.page.wait_for_timeout(100)
        raise AssertionError(f"no answer with {text!r}: {self.received[since:]}")


def _session_cookie(page: Page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "autocoach_session")


def _engine(live_app):
    return make_engine(live_app.database_url)


def _user_id(live_app, address: str) -> int:
    engine = _engine(live_app)
    try:
        with Session(engine) as session:
            return session.exec(select(User.id).where(User.email == address)).one()
    finally:
        engine.dispose()


def _add_vehicle(live_app, address: str, **fields) -> int:
    """A car straight into the app's database (the UI path has its own tests)."""
    engine = _engine(live_app)
    try:
        with Session(engine, expire_on_commit=False) as session:
            user = session.exec(select(User).where(User.email == address)).first()
            if user is None:
                user = User(email=address, created_at=utcnow())
                session.add(user)
                session.flush()
            values = {"brand": "Toyota", "model": "Yaris", "year": 2018, "mileage": 71000, "fuel_type": "hybride"}
            vehicle = Vehicle(user_id=user.id, **(values | fields))
            session.add(vehicle)
            session.commit()
            return vehicle.id
    finally:
        engine.dispose()


def _vehicles_of(live_app, user_id: int) -> list[str]:
    engine = _engine(live_app)
    try:
        with Session(engine) as session:
            return [v.model for v in session.exec(select(Vehicle).where(Vehicle.user_id == user_id)).all()]
    finally:
        engine.dispose()


# --- item 8 ---------------------------------------------------------------------------------


def test_a_forged_submit_form_from_someone_elses_edit_page_creates_nothing(live_app, smtp_sink, page: Page):
    other_car = _add_vehicle(live_app, unique_email("alice"))
    socket = ForgingSocket(page)
    bob = unique_email("bob")
    log_in(page, live_app, smtp_sink, bob)
    path = f"/vehicles/{other_car}/edit"
    page.goto(live_app.url + path)
    expect(page.locator("#vehicle-not-found")).to_be_visible()

    form = {
        "brand": "Renault", "model": "Forgée", "year": "2015", "mileage": "90000",
        "fuel_type": "diesel", "license_plate": "", "version": "", "gearbox": "",
        "previous_owners": "", "purchase_date": "", "purchase_price": "",
        "first_registration_date": "", "vin": "", "fiscal_power": "", "color": "",
    }
    since = socket.forge("____vehicle_form_state", "submit_form", {"form_data": form}, path)
    answer = socket.wait_for_answer(since, "introuvable")
    assert "ajoutée à votre garage" not in answer
    assert _vehicles_of(live_app, _user_id(live_app, bob)) == []


# --- item 7: ids an event brings ------------------------------------------------------------


def test_a_23_digit_document_id_gets_a_french_answer_not_a_server_error(live_app, smtp_sink, page: Page):
    socket = ForgingSocket(page)
    owner = unique_email("digits")
    log_in(page, live_app, smtp_sink, owner)
    car = _add_vehicle(live_app, owner)
    path = f"/vehicles/{car}"
    page.goto(live_app.url + path)
    expect(page.locator("#vehicle-title")).to_be_visible(timeout=20_000)
    for handler in ("delete_document", "retry"):
        since = socket.forge("____documents_state", handler, {"document_id": "1" * 23}, path)
        answer = socket.wait_for_answer(since, "introuvable")
        assert "problème temporaire" not in answer


def test_an_over_limit_chunked_upload_is_refused_with_413(live_app, smtp_sink, page: Page):
    socket = ForgingSocket(page)
    owner = unique_email("bigupload")
    log_in(page, live_app, smtp_sink, owner)
    car = _add_vehicle(live_app, owner)
    page.goto(f"{live_app.url}/vehicles/{car}")
    expect(page.locator("#vehicle-title")).to_be_visible(timeout=20_000)
    handler = f"{socket.state_name('____documents_state')}.handle_upload"
    token = page.evaluate("window.sessionStorage.getItem('token')")
    limit = int(live_app.env["MAX_UPLOAD_MB"]) * 1024 * 1024 * 10  # ten files a request
    boundary = "autocoach-test-boundary"

    def body():  # streamed: no Content-Length, the server must count
        yield (
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
            f"filename=\"gros.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n"
        ).encode()
        chunk = b"0" * (1024 * 1024)
        for _ in range(limit // len(chunk) + 2):
            yield chunk
        yield f"\r\n--{boundary}--\r\n".encode()

    response = httpx.post(
        f"{live_app.url}/_upload",
        content=body(),
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Reflex-Client-Token": token,
            "Reflex-Event-Handler": handler,
        },
        cookies={"autocoach_session": _session_cookie(page)},
        timeout=120,
    )
    assert response.status_code == 413
    assert "trop volumineux" in response.json()["detail"]


# --- item 1: the session id stays out of page state and websocket messages --------------------


def _stored_states() -> list[Path]:
    return sorted(STATES_DIR.glob("*.pkl")) if STATES_DIR.is_dir() else []


def test_the_session_id_is_in_no_stored_state_and_no_websocket_message(live_app, smtp_sink, page: Page):
    socket = ForgingSocket(page)
    owner = unique_email("nostate")
    log_in(page, live_app, smtp_sink, owner)
    page.goto(f"{live_app.url}/account")
    expect(page.get_by_role("heading", name="Mon compte", exact=True)).to_be_visible()
    cookie = _session_cookie(page)
    cookie_hash = hashlib.sha256(cookie.encode()).hexdigest()

    # Reflex writes states to disk shortly after each event (debounced).
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if any(owner.encode() in path.read_bytes() for path in _stored_states()):
            break
        time.sleep(0.5)
    states = _stored_states()
    assert any(owner.encode() in path.read_bytes() for path in states), "this owner's state was never stored"
    for path in states:
        data = path.read_bytes()
        assert cookie.encode() not in data, path
        assert b"autocoach_session=" not in data, path
        assert path.stat().st_mode & 0o777 == 0o600, path
    assert STATES_DIR.stat().st_mode & 0o777 == 0o700

    frames = socket.sent + socket.received
    assert frames
    assert not [f for f in frames if cookie in f or cookie_hash in f]


def test_a_sessions_hash_alone_opens_nothing(live_app, smtp_sink, page: Page):
    """What a stolen state file would give away (the hash, in the websocket's
    handshake headers) does not log anyone in: the server takes it only from
    the cookie."""
    socket = ForgingSocket(page)
    owner = unique_email("hash")
    log_in(page, live_app, smtp_sink, owner)
    stolen = hashlib.sha256(_session_cookie(page).encode()).hexdigest()
    boot = json.loads(next(f for f in socket.sent if f.startswith(f"40{NAMESPACE},"))[len(f"40{NAMESPACE},"):])
    boot["event"]["router_data"] = {"pathname": "/dashboard/", "asPath": "/dashboard/"}
    updates: list = []

    async def attack() -> None:
        client = socketio.AsyncClient(reconnection=False)
        client.on("event", updates.append, namespace=NAMESPACE)
        await client.connect(
            f"{live_app.url}/?token={uuid.uuid4()}",
            headers={"Origin": live_app.url, "Authorization": f"AutoCoachSession {stolen}"},
            auth=boot,
            transports=["websocket"],
            namespaces=[NAMESPACE],
            socketio_path="_event",
        )
        await asyncio.sleep(4)
        await client.disconnect()

    worker = threading.Thread(target=lambda: asyncio.run(attack()))
    worker.start()
    worker.join(60)
    seen = json.dumps(updates)
    assert updates, "the forged client got no answer at all"
    assert "/login" in seen  # sent to the login page
    assert owner not in seen
