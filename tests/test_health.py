"""Reflex's /_health checks the configured database."""

from __future__ import annotations

import socket

import httpx

from tests.conftest import (
    app_environment,
    artifacts_dir,
    free_port,
    start_app,
    stop_app,
    wait_until_serving,
)


def _closed_port() -> int:
    port = free_port()
    with socket.socket() as sock:  # nothing listens there once the socket closes
        sock.bind(("127.0.0.1", port))
    return port


def test_health_is_503_when_the_database_is_unreachable(tmp_path):
    port = free_port()
    env = app_environment(
        port,
        tmp_path,
        DATABASE_URL=f"postgresql://postgres@127.0.0.1:{_closed_port()}/autocoach",
    )
    log_path = artifacts_dir("logs") / "health_unreachable_db.log"
    process = start_app(port, env, log_path, backend_only=True)
    url = f"http://localhost:{port}"
    try:
        wait_until_serving(url, process, log_path, path="/ping")
        response = httpx.get(url + "/_health", timeout=30)
        assert response.status_code == 503
        assert response.json()["db"] is False
    finally:
        stop_app(process)
