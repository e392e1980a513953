"""Run `python -m autocoach` as a user would (a real subprocess)."""

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
