"""Page load and event round trip, AutoCoach beside the smallest Reflex app.

Both run in production mode on this machine and are driven by headless
Chromium (/usr/bin/chromium). Figures:
- landing: time until the page's hero is visible, and JavaScript bytes
  transferred (median of cold loads, each in a fresh browser context);
- event round trip: a click that changes server state, until the page shows
  it, measured in the page (MutationObserver), with 1 and 50 concurrent
  clients (BENCH_CLIENTS=1,50,200 for more) on one worker and on several
  workers with Redis. The floor is minimal_app's counter button; for AutoCoach
  it is the login form's validation (a background event).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import ROOT, machine, write_section
from playwright.async_api import async_playwright

sys.path.insert(0, str(ROOT))
from tests.conftest import (  # noqa: E402  (the same helpers the tests use)
    CHROMIUM,
    app_environment,
    free_port,
    migrate,
    start_app,
    stop_app,
    wait_until_serving,
)

LOAD_SAMPLES = 7
CLICKS_PER_CLIENT = 10
CONCURRENCY = tuple(int(n) for n in os.environ.get("BENCH_CLIENTS", "1,50").split(","))
REDIS_BENCH_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
SEVERAL_WORKERS = os.environ.get("BENCH_WORKERS", "3")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]

ROUND_TRIP_JS = """async ({button, target, clicks, prepare}) => {
  const times = [];
  for (let i = 0; i < clicks; i++) {
    if (prepare) { await window.__prepare(i); }
    const node = document.querySelector(target);
    const before = node ? node.textContent : null;
    const done = new Promise((resolve) => {
      const check = () => {
        const now = document.querySelector(target);
        if (now && now.textContent !== before && now.textContent !== '') { observer.disconnect(); resolve(); }
      };
      const observer = new MutationObserver(check);
      observer.observe(document.body, {subtree: true, childList: true, characterData: true});
    });
    const started = performance.now();
    document.querySelector(button).click();
    await done;
    times.push(performance.now() - started);
  }
  return times;
}"""

# AutoCoach: alternate an empty and a malformed address, so each submit changes the message.
PREPARE_LOGIN_JS = """() => {
  window.__prepare = async (i) => {
    const input = document.querySelector('#login-email');
    const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
    setter.call(input, i % 2 ? 'pas-une-adresse' : '');
    input.dispatchEvent(new Event('input', {bubbles: true}));
    await new Promise((r) => setTimeout(r, 50));
  };
}"""


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def landing(browser, url: str) -> tuple[float, int]:
    times, js_bytes = [], []
    for _ in range(LOAD_SAMPLES):
        context = await browser.new_context()
        page = await context.new_page()
        await page.goto(url, wait_until="commit")
        await page.wait_for_selector("#hero", state="visible")
        elapsed = await page.evaluate("performance.now()")
        transferred = await page.evaluate(
            "performance.getEntriesByType('resource').filter(e => e.name.endsWith('.js'))"
            ".reduce((sum, e) => sum + (e.transferSize || e.encodedBodySize), 0)"
        )
        times.append(elapsed / 1000)
        js_bytes.append(transferred)
        await context.close()
    return statistics.median(times), int(statistics.median(js_bytes))


async def round_trips(browser, url: str, button: str, target: str, prepare: str | None, clients: int) -> list[float]:
    contexts = []
    pages = []
    for _ in range(clients):
        context = await browser.new_context()
        page = await context.new_page()
        await page.goto(url)
        await page.wait_for_selector(button)
        await page.wait_for_timeout(300)  # websocket up
        if prepare:
            await page.evaluate(prepare)
        contexts.append(context)
        pages.append(page)
    results = await asyncio.gather(
        *(
            page.evaluate(ROUND_TRIP_JS, {"button": button, "target": target, "clicks": CLICKS_PER_CLIENT, "prepare": bool(prepare)})
            for page in pages
        )
    )
    for context in contexts:
        await context.close()
    return [t for per_page in results for t in per_page]


def start_minimal(port: int, log: Path, extra: dict[str, str]) -> subprocess.Popen:
    env = {
        **os.environ,
        **extra,
        "PATH": f"{ROOT / '.tools/node_modules/.bin'}{os.pathsep}{os.environ['PATH']}",
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
        "MINIMAL_PORT": str(port),
    }
    return subprocess.Popen(
        [str(ROOT / ".venv/bin/reflex"), "run", "--env", "prod", "--single-port",
         "--frontend-port", str(port), "--backend-port", str(port)],
        cwd=ROOT / "bench" / "minimal_app", env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )


async def measure_landing(auto_url: str, minimal_url: str) -> list[str]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        auto_load, auto_js = await landing(browser, auto_url + "/")
        min_load, min_js = await landing(browser, minimal_url + "/")
        await browser.close()
    return [
        "| landing | AutoCoach | minimal Reflex app | ratio |",
        "|---|---|---|---|",
        f"| time to visible hero (s, median of {LOAD_SAMPLES} cold loads) | {auto_load:.3f} | {min_load:.3f} | {auto_load / min_load:.2f}x |",
        f"| JavaScript transferred (KiB) | {auto_js / 1024:.0f} | {min_js / 1024:.0f} | {auto_js / max(min_js, 1):.2f}x |",
    ]


async def measure_round_trips(auto_url: str, minimal_url: str, label: str) -> list[str]:
    lines = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        for clients in CONCURRENCY:
            ours = await round_trips(browser, auto_url + "/login", "button[type=submit]", "#login-email-error", PREPARE_LOGIN_JS, clients)
            floor = await round_trips(browser, minimal_url + "/", "#increment", "#count", None, clients)
            lines.append(
                f"| {label}, {clients} concurrent client(s) | {_percentile(ours, .5):.0f} / {_percentile(ours, .95):.0f}"
                f" | {_percentile(floor, .5):.0f} / {_percentile(floor, .95):.0f} | {_percentile(ours, .95) / max(_percentile(floor, .95), 1):.2f}x |"
            )
            print(lines[-1], flush=True)  # long runs: show each row as it comes
        await browser.close()
    return lines


def run_pair(work: Path, logs: Path, extra: dict[str, str], minimal_extra: dict[str, str], action):
    """Start AutoCoach and the minimal app with these settings, run `action(urls)`, stop both."""
    auto_port, minimal_port = free_port(), free_port()
    data = Path(tempfile.mkdtemp(prefix="data-", dir=work))
    env = app_environment(auto_port, data, **extra)
    migrate(env["DATABASE_URL"])
    auto = start_app(auto_port, env, logs / "bench_autocoach.log")
    minimal = None
    try:
        wait_until_serving(f"http://localhost:{auto_port}", auto, logs / "bench_autocoach.log")
        minimal = start_minimal(minimal_port, logs / "bench_minimal.log", minimal_extra)
        wait_until_serving(f"http://localhost:{minimal_port}", minimal, logs / "bench_minimal.log")
        return action(f"http://localhost:{auto_port}", f"http://localhost:{minimal_port}")
    finally:
        stop_app(auto)
        if minimal is not None:
            stop_app(minimal)


def main() -> None:
    import redis

    work = Path(tempfile.mkdtemp(prefix="bench-web-"))
    logs = ROOT / "test-artifacts" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    one = {"GRANIAN_WORKERS": "1"}
    lines = ["## Web: page load and event round trip", f"Machine: {machine()}", ""]
    lines += run_pair(work, logs, one, one, lambda a, m: asyncio.run(measure_landing(a, m)))
    lines += [
        "",
        f"| event round trip ({CLICKS_PER_CLIENT} clicks a client) | AutoCoach p50 / p95 (ms) | minimal p50 / p95 (ms) | p95 ratio |",
        "|---|---|---|---|",
    ]
    lines += run_pair(work, logs, one, one, lambda a, m: asyncio.run(measure_round_trips(a, m, "one worker")))
    redis.Redis.from_url(REDIS_BENCH_URL).flushdb()
    several = {"GRANIAN_WORKERS": SEVERAL_WORKERS, "REDIS_URL": REDIS_BENCH_URL}
    minimal_several = {"GRANIAN_WORKERS": SEVERAL_WORKERS, "REFLEX_REDIS_URL": REDIS_BENCH_URL}
    lines += run_pair(
        work, logs, several, minimal_several,
        lambda a, m: asyncio.run(measure_round_trips(a, m, f"{SEVERAL_WORKERS} workers + Redis")),
    )
    lines += [
        "",
        f"Clients measured: {', '.join(map(str, CONCURRENCY))} (BENCH_CLIENTS). The measuring browser runs on "
        "the same machine as the servers: on 2 cores, 200 Chromium pages did not finish within 25 minutes.",
        "Budgets: landing within 1.3x the minimal app and under 1.0 s; event p95 under 50 ms at 50 clients "
        "on one worker and under 100 ms at 200 clients on several workers.",
    ]
    print("\n".join(lines))
    write_section("web", lines)


if __name__ == "__main__":
    main()
