"""Helpers shared by the bench scripts: timing and the machine's description."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}, {platform.system()}"


def timed(func: Callable[[], object], repeat: int) -> list[float]:
    """Wall-clock seconds of `repeat` calls."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        samples.append(time.perf_counter() - started)
    return samples


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def write_section(name: str, lines: list[str]) -> None:
    """Replace this bench's section in bench/RESULTS.md, keeping the others."""
    results = ROOT / "bench" / "RESULTS.md"
    text = results.read_text() if results.exists() else "# Bench results\n"
    marker_start, marker_end = f"<!-- {name} -->", f"<!-- /{name} -->"
    block = "\n".join([marker_start, *lines, marker_end])
    if marker_start in text and marker_end in text:
        before, rest = text.split(marker_start, 1)
        after = rest.split(marker_end, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    results.write_text(text)
