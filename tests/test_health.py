"""Reflex's /_health checks the configured database."""

from __future__ import annotations

import socket

import httpx

from tests.conftest import (
    PROJECT_ROOT,
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
        # The operator is told why at start-up, without the password.
        log = log_path.read_text(errors="replace")
        assert "AutoCoach cannot reach its database (127.0.0.1:" in log
    finally:
        stop_app(process)


def test_a_bad_setting_stops_the_app_with_one_clear_line(tmp_path):
    import subprocess

    env = app_environment(free_port(), tmp_path, DATABASE_URL="mysql://root@localhost/autocoach")
    result = subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "reflex"), "run", "--env", "prod", "--backend-only"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "AutoCoach configuration error: DATABASE_URL must be sqlite:/// or postgresql://" in result.stderr + result.stdout
