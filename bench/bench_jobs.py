"""Reading documents on the job queue: the web stays fast, workers add up.

Figures:
- event round trip (p95, ms) of 50 paced light clients (event_load.py, a click
  a second, the login form's check like bench_web.py) on one web worker, idle
  and while 50 documents are being read by the app's embedded worker
  (JOB_CONCURRENCY reads at once, default the number of cores); aim: loaded
  p95 within 1.3x idle;
- documents read per minute by 1 and by 2 `python -m autocoach worker`
  processes sharing one queue (JOB_CONCURRENCY=1 each, SQLite queue file).
The documents are the fixture set's mix: text PDFs, scanned PDFs, phone photos.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from bench_web import LAUNCH_ARGS, PREPARE_LOGIN_JS, BenchedApp, _percentile, _vary_login, load_round
from common import ROOT, machine, write_section
from playwright.async_api import async_playwright

sys.path.insert(0, str(ROOT))
from autocoach.db import read_session, write_session  # noqa: E402
from autocoach.domain.vehicle_form import validate_vehicle_form  # noqa: E402
from autocoach.models import Document, User  # noqa: E402
from autocoach.services import jobs, vehicles  # noqa: E402
from autocoach.settings import get_settings  # noqa: E402
from tests.conftest import (  # noqa: E402
    CHROMIUM,
    app_environment,
    free_port,
    migrate,
    start_app,
    stop_app,
    wait_until_serving,
)
from tests.fixtures.documents import build_cartes_grises, build_histovec, build_invoices  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_JOB_CLIENTS", "50"))
DOCUMENTS_WHILE_LOADED = int(os.environ.get("BENCH_JOB_DOCUMENTS", "50"))
DOCUMENTS_PER_WORKER_RUN = int(os.environ.get("BENCH_JOB_THROUGHPUT_DOCUMENTS", "24"))
PACE_S = 1.0
RATIO_AIM = 1.3
FORM_DAY = date(2024, 1, 1)


def document_mix(directory: Path) -> list[Path]:
    """Text PDFs, scans and photos in the proportions of the fixture set."""
    files = build_invoices(directory, random.Random(5))
    files += build_cartes_grises(directory, random.Random(6))
    files += build_histovec(directory, random.Random(7))
    mix = [f.path for f in files]
    random.Random(8).shuffle(mix)
    return mix


def use_environment(env: dict[str, str]) -> None:
    """This process talks to the same database, files and queue as the servers."""
    for name in ("DATA_DIR", "DATABASE_URL", "REDIS_URL", "JOB_BROKER", "JOB_CONCURRENCY"):
        os.environ.pop(name, None)
        if name in env:
            os.environ[name] = env[name]
    get_settings.cache_clear()


def queue_documents(paths: list[Path], count: int, email: str) -> list[int]:
    """A new owner and vehicle with `count` documents queued."""
    with write_session() as session:
        user = User(email=email)
        session.add(user)
        session.flush()
        scope = vehicles.OwnerScope(user.id)
    form = validate_vehicle_form(
        {"brand": "Peugeot", "model": "308", "year": "2017", "mileage": "80000", "fuel_type": "diesel"},
        FORM_DAY,
    )
    vehicle_id = vehicles.create_vehicle(scope, form, FORM_DAY).id
    chosen = [paths[i % len(paths)] for i in range(count)]
    for start in range(0, count, 10):
        batch = chosen[start : start + 10]
        outcome = jobs.add_uploads(scope, vehicle_id, [(p.name, p.read_bytes()) for p in batch])
        if outcome.refusals:
            raise RuntimeError(outcome.refusals)
    return [d.id for d in vehicles.list_documents(scope, vehicle_id)]


def unfinished(ids: list[int]) -> int:
    with read_session() as session:
        return sum(
            1 for d in (session.get(Document, i) for i in ids) if d is not None and d.status in ("pending", "reading")
        )


async def event_p95(url: str, documents: list[Path] | None) -> tuple[float, float, int, int]:
    """p95 of the light clients (idle when `documents` is None), p95 of the real page,
    documents queued, documents still unread when the clicks ended."""
    app = BenchedApp(url, "/login", "button[type=submit]", "#login-email-error", ".request_link",
                     "email_error_rx_state_", PREPARE_LOGIN_JS, _vary_login)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        await app.record(browser)
        ids: list[int] = []
        if documents is not None:
            ids = queue_documents(documents, DOCUMENTS_WHILE_LOADED, f"bench-{time.time_ns()}@example.fr")
            # Measure once reading is under way.
            while unfinished(ids) == len(ids) and not any_reading(ids):
                await asyncio.sleep(0.2)
        clients, page, _rate = await load_round(browser, app, CLIENTS, PACE_S)
        left = unfinished(ids) if ids else 0
        await browser.close()
    return _percentile(clients, 0.95), _percentile(page, 0.95), len(ids), left


def any_reading(ids: list[int]) -> bool:
    with read_session() as session:
        return any((d := session.get(Document, i)) is not None and d.status == "reading" for i in ids)


def measure_web(work: Path, logs: Path, documents: list[Path], concurrency: int) -> str:
    """One table row: p95 idle and while reading, with the embedded worker
    reading `concurrency` documents at once."""
    port = free_port()
    data = Path(tempfile.mkdtemp(prefix="data-", dir=work))
    env = app_environment(port, data, GRANIAN_WORKERS="1", JOB_CONCURRENCY=str(concurrency))
    migrate(env["DATABASE_URL"])
    use_environment(env)
    app = start_app(port, env, logs / "bench_jobs_app.log")
    try:
        url = f"http://localhost:{port}"
        wait_until_serving(url, app, logs / "bench_jobs_app.log")
        idle, idle_page, _, _ = asyncio.run(event_p95(url, None))
        print(f"JOB_CONCURRENCY={concurrency} idle: p95 {idle:.0f} ms (page {idle_page:.0f} ms)", flush=True)
        loaded, loaded_page, queued, left = asyncio.run(event_p95(url, documents))
        print(f"reading: p95 {loaded:.0f} ms (page {loaded_page:.0f} ms), {left}/{queued} unread at the end", flush=True)
    finally:
        stop_app(app)
    ratio = loaded / max(idle, 0.1)
    verdict = "within" if ratio <= RATIO_AIM else "over"
    return (
        f"| {concurrency} | {idle:.0f} | {loaded:.0f} | {ratio:.2f}x ({verdict} {RATIO_AIM}x) | {idle_page:.0f} / "
        f"{loaded_page:.0f} | {left} of {queued} |"
    )


def web_lines(work: Path, logs: Path, documents: list[Path]) -> list[str]:
    cores = os.cpu_count() or 1
    wanted = os.environ.get("BENCH_JOB_CONCURRENCY", f"{cores},1")
    concurrencies = list(dict.fromkeys(int(n) for n in wanted.split(",")))
    return [
        f"Event round trip, p95 in ms, {CLIENTS} paced light clients (a click every {PACE_S:g} s) and one"
        " Chromium page, on one web worker; idle, then while the app's embedded worker reads"
        f" {DOCUMENTS_WHILE_LOADED} documents (JOB_CONCURRENCY at once; the default is the {cores} cores):",
        "",
        "| JOB_CONCURRENCY | idle | while reading | ratio | page idle / reading | unread when the clicks ended |",
        "|---|---|---|---|---|---|",
        *(measure_web(work, logs, documents, n) for n in concurrencies),
    ]


def throughput(work: Path, logs: Path, documents: list[Path], workers: int) -> float:
    """Documents read per minute by `workers` worker processes sharing one queue."""
    data = Path(tempfile.mkdtemp(prefix=f"throughput-{workers}-", dir=work))
    env = app_environment(free_port(), data, JOB_CONCURRENCY="1")
    migrate(env["DATABASE_URL"])
    use_environment(env)
    ids = queue_documents(documents, DOCUMENTS_PER_WORKER_RUN, f"throughput-{workers}@example.fr")
    started = time.perf_counter()
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "autocoach", "worker", "--concurrency", "1"],
            cwd=ROOT, env=env, stdout=(logs / f"bench_jobs_worker_{workers}_{i}.log").open("wb"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        for i in range(workers)
    ]
    try:
        while unfinished(ids):
            if any(p.poll() is not None for p in processes):
                raise RuntimeError("a worker exited early: see test-artifacts/logs/bench_jobs_worker_*.log")
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, 9)
                process.wait()
    return len(ids) / elapsed * 60


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-jobs-"))
    logs = ROOT / "test-artifacts" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    fixtures = work / "fixtures"
    fixtures.mkdir()
    documents = document_mix(fixtures)
    lines = ["## Documents on the job queue", f"Machine: {machine()}", ""]
    if os.environ.get("BENCH_JOB_SKIP_WEB") != "1":
        lines += web_lines(work, logs, documents)
        lines.append("")
    if os.environ.get("BENCH_JOB_SKIP_THROUGHPUT") == "1":
        print("\n".join(lines))
        return
    rates = {}
    for workers in (1, 2):
        rates[workers] = throughput(work, logs, documents, workers)
        print(f"{workers} worker(s): {rates[workers]:.1f} documents/min", flush=True)
    lines += [
        f"Documents read per minute ({DOCUMENTS_PER_WORKER_RUN} documents of the mix, each worker one read at"
        " a time, one SQLite queue):",
        "",
        "| workers | documents / min |",
        "|---|---|",
        *(f"| {n} | {rate:.1f} |" for n, rate in rates.items()),
        "",
        f"2 workers / 1 worker: {rates[2] / max(rates[1], 1e-9):.2f}x on {os.cpu_count()} cores shared with the"
        " bench itself (and, here, other users of the machine).",
    ]
    print("\n".join(lines))
    write_section("jobs", lines)


if __name__ == "__main__":
    main()
