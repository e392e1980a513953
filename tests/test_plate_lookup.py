"""The plate lookup provider, against a real HTTP server on loopback."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from autocoach.services import plate_lookup
from autocoach.settings import get_settings


class Provider(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server API)
        plate = parse_qs(urlsplit(self.path).query).get("plate", [""])[0]
        self.server.seen.append((plate, self.headers.get("Authorization")))
        if plate == "SL-111-OW":
            time.sleep(3)  # beyond the 1 s timeout; the client is gone by then
            return
        if plate == "ER-500-RR":
            self.send_response(500)
            self.end_headers()
            return
        if plate == "NF-404-AA":
            self.send_response(404)
            self.end_headers()
            return
        body = json.dumps(
            {"brand": "Peugeot", "model": "3008", "year": 2018, "fuel_type": "diesel",
             "vin": "VF3MCYHZRJS123456", "owner_name": "ne doit pas passer", "fiscal_power": True}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def provider(app_settings, monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("PLATE_LOOKUP_URL", f"http://127.0.0.1:{server.server_port}/lookup")
    monkeypatch.setenv("PLATE_LOOKUP_KEY", "cle-secrete")
    monkeypatch.setenv("PLATE_LOOKUP_TIMEOUT_S", "1")
    get_settings.cache_clear()
    yield server
    server.shutdown()
    get_settings.cache_clear()


def test_a_known_plate_prefills_the_form(provider):
    result = plate_lookup.lookup_plate("AB-123-CD")
    assert result.found
    assert result.fields == {
        "brand": "Peugeot", "model": "3008", "year": "2018", "fuel_type": "diesel", "vin": "VF3MCYHZRJS123456",
    }
    assert "vérifiez" in result.note
    assert provider.seen == [("AB-123-CD", "Bearer cle-secrete")]


def test_a_timeout_falls_back_to_the_form_with_a_note(provider):
    started = time.monotonic()
    result = plate_lookup.lookup_plate("SL-111-OW")
    assert time.monotonic() - started < 2.5
    assert (result.found, result.fields, result.note) == (False, {}, plate_lookup.NOTE_UNAVAILABLE)


def test_a_server_error_falls_back_to_the_form_with_a_note(provider):
    result = plate_lookup.lookup_plate("ER-500-RR")
    assert (result.found, result.fields, result.note) == (False, {}, plate_lookup.NOTE_UNAVAILABLE)


def test_an_unknown_plate_says_so(provider):
    assert plate_lookup.lookup_plate("NF-404-AA").note == plate_lookup.NOTE_NOT_FOUND


def test_an_unreachable_provider_falls_back(app_settings, monkeypatch):
    from tests.conftest import free_port

    monkeypatch.setenv("PLATE_LOOKUP_URL", f"http://127.0.0.1:{free_port()}/lookup")
    get_settings.cache_clear()
    assert plate_lookup.lookup_plate("AB-123-CD").note == plate_lookup.NOTE_UNAVAILABLE


def test_without_a_provider_the_form_says_so(app_settings):
    result = plate_lookup.lookup_plate("AB-123-CD")
    assert (result.found, result.note) == (False, plate_lookup.NOTE_NOT_CONFIGURED)
