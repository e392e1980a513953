"""Page load and event round trip, AutoCoach beside the smallest Reflex app.

Both run in production mode on this machine. Figures:
- landing, in headless Chromium (/usr/bin/chromium): time until the page's
  hero is visible, and JavaScript bytes transferred (median of cold loads,
  each in a fresh browser context);
- event round trip: a click that changes server state, until the page shows
  it, with 1, 50 and 200 concurrent clients (BENCH_CLIENTS) on one worker and
  on several workers with Redis. The clients are light protocol clients
  (event_load.py) replaying the frames a real page sends, so that 200 of them
  fit on this machine beside the servers; one real Chromium page clicks among
  them and its click-to-display times are shown too. Two paces: flat out
  (each client clicks again as soon as it has its answer: the worst case) and
  paced (each client clicks once a second, like a brisk user). The floor is
  minimal_app's counter button; for AutoCoach it is the login form's check of
  the address.

BENCH_ONLY=landing measures the landing only and prints it (RESULTS.md untouched).
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
from event_load import EventClient, record_page, run_clients
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
CONCURRENCY = tuple(int(n) for n in os.environ.get("BENCH_CLIENTS", "1,50,200").split(","))
PACED_PAUSE_S = float(os.environ.get("BENCH_PAUSE_S", "1.0"))
REDIS_BENCH_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
SEVERAL_WORKERS = os.environ.get("BENCH_WORKERS", "3")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]

ROUND_TRIP_JS = """async ({button, target, clicks, prepare, pauseMs}) => {
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
    if (pauseMs) { await new Promise((r) => setTimeout(r, pauseMs)); }
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


def _vary_login(event: dict, index: int) -> dict:
    """The same alternation for the light clients: every value of the form."""
    address = "pas-une-adresse" if index % 2 else ""
    form = event["payload"]["form_data"]["__reflex_form_data__"]
    event["payload"]["form_data"]["__reflex_form_data__"] = [[name, address] for name, _ in form]
    return event


class BenchedApp:
    """One app under test: where to click, what to watch, and the frames its page sends."""

    def __init__(self, url: str, path: str, button: str, target: str, event_suffix: str,
                 watched_var: str, prepare_js: str | None = None, vary=None):
        self.url, self.path, self.button, self.target = url, path, button, target
        self.event_suffix, self.watched_var = event_suffix, watched_var
        self.prepare_js, self.vary = prepare_js, vary
        self.recorded = None

    async def record(self, browser) -> None:
        context = await browser.new_context()
        page = await context.new_page()

        async def fill(page):
            if self.prepare_js:
                await page.evaluate(self.prepare_js)
                await page.evaluate("window.__prepare(1)")

        self.recorded = await record_page(page, self.url + self.path, self.button, self.event_suffix, fill)
        await context.close()

    def client(self) -> EventClient:
        state = self.recorded.click["name"].rsplit(".", 1)[0]
        kwargs = {"vary": self.vary} if self.vary else {}
        return EventClient(self.url, self.recorded, state, self.watched_var, **kwargs)


async def load_round(browser, app: BenchedApp, clients: int, pause_s: float) -> tuple[list[float], list[float], float]:
    """`clients` light clients click while one Chromium page clicks among them."""
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(app.url + app.path)
    await page.wait_for_selector(app.button)
    await page.wait_for_timeout(300)  # websocket up
    if app.prepare_js:
        await page.evaluate(app.prepare_js)
    clicking = asyncio.Event()
    finished = asyncio.Event()
    load = asyncio.create_task(
        run_clients(app.client, clients, CLICKS_PER_CLIENT, pause_s, until=finished, started=clicking)
    )
    await clicking.wait()
    try:
        page_times = await page.evaluate(
            ROUND_TRIP_JS,
            {"button": app.button, "target": app.target, "clicks": CLICKS_PER_CLIENT,
             "prepare": bool(app.prepare_js), "pauseMs": int(pause_s * 1000)},
        )
    finally:
        finished.set()
    client_times, rate = await load
    await context.close()
    return client_times, page_times, rate


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


# Records when the hero is first laid out with a size, at the next frame (painted).
HERO_SHOWN_JS = """(() => {
  const check = () => {
    const hero = document.getElementById('hero');
    if (!hero || hero.getBoundingClientRect().height === 0) return false;
    requestAnimationFrame(() => { window.__heroShownAt = performance.now(); });
    return true;
  };
  const observer = new MutationObserver(() => { if (check()) observer.disconnect(); });
  observer.observe(document, {childList: true, subtree: true});
})();"""


async def _landing_sample(browser, url: str, samples: dict[str, list[float]]) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await page.add_init_script(HERO_SHOWN_JS)
    await page.goto(url, wait_until="commit")
    await page.wait_for_selector("#hero", state="visible")
    samples["visible"].append(await page.evaluate("performance.now()") / 1000)
    await page.wait_for_function("window.__heroShownAt !== undefined")
    samples["painted"].append(await page.evaluate("window.__heroShownAt") / 1000)
    samples["js"].append(await page.evaluate(
        "performance.getEntriesByType('resource').filter(e => e.name.endsWith('.js'))"
        ".reduce((sum, e) => sum + (e.transferSize || e.encodedBodySize), 0)"
    ))
    await page.wait_for_load_state("networkidle")  # the whole page, lower sections included
    samples["nodes"].append(await page.evaluate("document.getElementsByTagName('*').length"))
    await context.close()


async def landing(browser, urls: list[str]) -> list[dict[str, float]]:
    """Medians over cold loads of each URL: hero painted (in the page), hero
    seen visible by Playwright (the page's main thread free to answer), JS
    bytes, and DOM elements once the whole page is rendered. The apps take
    turns load by load, so a busy machine weighs on both alike."""
    samples = [{"painted": [], "visible": [], "js": [], "nodes": []} for _ in urls]
    for _ in range(LOAD_SAMPLES):
        for url, mine in zip(urls, samples):
            await _landing_sample(browser, url, mine)
    return [{name: statistics.median(values) for name, values in s.items()} for s in samples]


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
        ours, floor = await landing(browser, [auto_url + "/", minimal_url + "/"])
        await browser.close()

    def row(label: str, key: str, scale: float = 1.0, digits: int = 3) -> str:
        mine, base = ours[key] * scale, floor[key] * scale
        return f"| {label} | {mine:.{digits}f} | {base:.{digits}f} | {mine / max(base, 1e-9):.2f}x |"

    return [
        f"Landing page, cold loads in a fresh browser context, the two apps in turn, median of {LOAD_SAMPLES}:",
        "",
        "| landing | AutoCoach | minimal Reflex app | ratio |",
        "|---|---|---|---|",
        row("hero visible to Playwright (s)", "visible"),
        row("hero painted, measured in the page (s)", "painted"),
        row("JavaScript transferred (KiB)", "js", 1 / 1024, 0),
        row("DOM elements", "nodes", 1, 0),
    ]


def _p(values: list[float]) -> str:
    return f"{_percentile(values, .5):.0f} / {_percentile(values, .95):.0f}"


async def measure_round_trips(auto_url: str, minimal_url: str, label: str) -> list[str]:
    ours = BenchedApp(auto_url, "/login", "button[type=submit]", "#login-email-error", ".request_link",
                      "email_error_rx_state_", PREPARE_LOGIN_JS, _vary_login)
    floor = BenchedApp(minimal_url, "/", "#increment", "#count", ".increment", "count_rx_state_")
    lines = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        await ours.record(browser)
        await floor.record(browser)
        for clients in CONCURRENCY:
            for pace, pause_s in (("flat out", 0.0), (f"a click every {PACED_PAUSE_S:g} s", PACED_PAUSE_S)):
                our_clients, our_page, our_rate = await load_round(browser, ours, clients, pause_s)
                floor_clients, floor_page, floor_rate = await load_round(browser, floor, clients, pause_s)
                ratio = _percentile(our_clients, .95) / max(_percentile(floor_clients, .95), 0.1)
                lines.append(
                    f"| {label} | {clients} | {pace} | {_p(our_clients)} | {_p(floor_clients)} | {ratio:.2f}x"
                    f" | {_p(our_page)} | {_p(floor_page)} | {our_rate:.0f} / {floor_rate:.0f} |"
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
    if os.environ.get("BENCH_ONLY") == "landing":
        # A quick look at the landing alone: printed, RESULTS.md left as it is.
        print("\n".join(lines))
        return
    lines += [
        "",
        f"Event round trip, ms, p50 / p95 ({CLICKS_PER_CLIENT} or more clicks a client). \"clients\": light protocol"
        " clients; \"page\": one real Chromium page clicking among them, click until the page shows it.",
        "",
        "| servers | clients | pace | AutoCoach clients | minimal clients | p95 ratio | AutoCoach page | minimal page"
        " | events/s AutoCoach / minimal |",
        "|---|---|---|---|---|---|---|---|---|",
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
        f"Clients measured: {', '.join(map(str, CONCURRENCY))} (BENCH_CLIENTS), plus the one measured page. All"
        " clients, both servers and the browser share this machine's cores.",
        "Budgets: landing within 1.3x the minimal app and under 1.0 s; event p95 under 50 ms at 50 clients "
        "on one worker and under 100 ms at 200 clients on several workers.",
    ]
    print("\n".join(lines))
    write_section("web", lines)


if __name__ == "__main__":
    main()
