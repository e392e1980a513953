"""`python -m autocoach`: one CLI over the domain code."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import PROJECT_ROOT


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autocoach", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_help_lists_the_commands():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("plate", "migrate"):
        assert command in result.stdout


def test_plate_prints_the_official_form():
    result = run_cli("plate", "ab 123 cd")
    assert result.returncode == 0
    assert result.stdout.strip() == "AB-123-CD"
    fni = run_cli("plate", "1234ab2a")
    assert (fni.returncode, fni.stdout.strip()) == (0, "1234 AB 2A")


def test_plate_refuses_an_impossible_plate_in_french_without_traceback():
    result = run_cli("plate", "AB-000-CD")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "000" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_migrate_creates_the_database(tmp_path):
    db = tmp_path / "cli.db"
    result = subprocess.run(
        [sys.executable, "-m", "autocoach", "migrate"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{db}"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert db.exists()
