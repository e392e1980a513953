"""`python -m autocoach prices update`: the fuel snapshot from the official feed.

The feed is "Prix des carburants en France - Flux instantané - v2"
(data.economie.gouv.fr, Opendatasoft Explore v2.1 JSON export). The fixture
reproduces its record format (id, cp, ville, geom, <fuel>_prix in €/l,
<fuel>_maj ISO timestamps, carburants_disponibles...), with the feed's real
defects (a 0 price, a 9.999 typo). It is served by a real local HTTP server.
"""

from __future__ import annotations

import json
import shutil
import socket
import statistics
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from autocoach.services.fuel_prices import default_snapshot_path
from tests.cli_helpers import run_cli

FIXTURE = Path(__file__).parent / "fixtures" / "prix_carburants_flux_v2_sample.json"


class _Feed(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        body = FIXTURE.read_bytes()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _Broken(_Feed):
    status = 503


def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}/api/explore/v2.1/catalog/datasets/prix-des-carburants-en-france-flux-instantane-v2/exports/json"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def feed_url() -> Iterator[str]:
    yield from _serve(_Feed)


@pytest.fixture
def broken_feed_url() -> Iterator[str]:
    yield from _serve(_Broken)


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    path = tmp_path / "fuel_snapshot.json"
    shutil.copy(default_snapshot_path(), path)
    return path


def _plausible(field: str) -> list[float]:
    records = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return [r[field] for r in records if isinstance(r.get(field), (int, float)) and 0.3 <= r[field] <= 5]


def test_prices_update_reads_the_official_feed_format(feed_url: str, snapshot: Path) -> None:
    result = run_cli("prices", "update", "--url", feed_url, "--output", str(snapshot))
    assert result.returncode == 0, result.stderr
    data = json.loads(snapshot.read_text(encoding="utf-8"))
    # The latest *_maj of the sample, and every station with a price.
    assert data["date"] == "2026-11-24"
    assert data["stations"] == 30
    # National medians, the 0 and 9.999 of the feed left out.
    assert data["prices"]["diesel"] == round(statistics.median(_plausible("gazole_prix")), 3)
    assert data["prices"]["essence"] == round(statistics.median(_plausible("e10_prix")), 3)
    assert data["prices"]["e85"] == round(statistics.median(_plausible("e85_prix")), 3)
    # Too few LPG stations in the sample: the previous figure (none) stays.
    assert data["prices"]["gpl"] is None
    assert data["source"]["url"].startswith("https://data.economie.gouv.fr/")
    assert "24/11/2026" in result.stdout


def test_prices_update_offline_exits_2_in_french_and_keeps_the_snapshot(snapshot: Path) -> None:
    before = snapshot.read_bytes()
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run_cli("prices", "update", "--url", f"http://127.0.0.1:{port}/feed", "--output", str(snapshot), "--timeout", "5")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "injoignable" in lines[0] and "restent utilisés" in lines[0]
    assert snapshot.read_bytes() == before


def test_prices_update_keeps_the_snapshot_when_the_feed_fails(broken_feed_url: str, snapshot: Path) -> None:
    before = snapshot.read_bytes()
    result = run_cli("prices", "update", "--url", broken_feed_url, "--output", str(snapshot))
    assert result.returncode == 2
    assert "503" in result.stderr and "Traceback" not in result.stderr
    assert snapshot.read_bytes() == before
