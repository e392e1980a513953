"""Many light clients for the event round-trip bench.

A Chromium page costs a core's worth of work to run; two hundred of them on
this 2-core machine starve the servers they are meant to measure. These
clients speak the page's own protocol instead (Socket.IO on `/_event`, through
python-socketio's asyncio client) and send frames recorded from a real page:
the connect packet with its hydrate event, then the click's event. A round
trip is timed from sending the click's event until the state delta that
changes the watched var arrives, which is what the page renders.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import socketio

NAMESPACE = "/_event"
ROOT_STATE = "reflex___state____state"


@dataclass
class RecordedPage:
    """What a real page sent: its connect payload and one click's event."""

    boot: dict[str, Any]
    click: dict[str, Any]


async def record_page(page, url: str, button: str, event_suffix: str, before_click=None) -> RecordedPage:
    """Load `url` in a Playwright page, click `button` once and keep the frames it sent."""
    sent: list[str] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(str(frame))))
    await page.goto(url)
    await page.wait_for_selector(button)
    await page.wait_for_timeout(500)  # websocket up and hydrated
    if before_click is not None:
        await before_click(page)
    await page.click(button)
    await page.wait_for_timeout(500)
    boot = click = None
    for frame in sent:
        if frame.startswith(f"40{NAMESPACE},") and boot is None:
            boot = json.loads(frame[len(f"40{NAMESPACE},") :])
        elif frame.startswith(f"42{NAMESPACE},"):
            name, data = json.loads(frame[len(f"42{NAMESPACE},") :])
            if name == "event" and data.get("name", "").endswith(event_suffix):
                click = data
    if boot is None or click is None:
        raise RuntimeError(f"no connect or {event_suffix} frame recorded from {url}: {sent[:3]}")
    return RecordedPage(boot=boot, click=click)


@dataclass
class EventClient:
    """One browser tab's worth of protocol: connect, hydrate, click, await the delta."""

    url: str
    recorded: RecordedPage
    state: str  # full name of the state holding the watched var
    watched_var: str
    vary: Callable[[dict[str, Any], int], dict[str, Any]] = lambda event, _: event
    _socket: socketio.AsyncClient = field(init=False)
    _deltas: asyncio.Queue = field(init=False)

    async def connect(self) -> None:
        self._deltas = asyncio.Queue()
        self._socket = socketio.AsyncClient(reconnection=False)
        self._socket.on("event", self._deltas.put_nowait, namespace=NAMESPACE)
        await self._socket.connect(
            f"{self.url}/?token={uuid.uuid4()}",
            headers={"Origin": self.url},
            auth=self.recorded.boot,
            transports=["websocket"],
            namespaces=[NAMESPACE],
            socketio_path="_event",
        )
        while True:  # hydrated: the page would now be usable
            update = await asyncio.wait_for(self._deltas.get(), 30)
            if update.get("delta", {}).get(ROOT_STATE, {}).get("is_hydrated_rx_state_") is True:
                return

    async def click(self, index: int) -> float:
        """Send the click's event; milliseconds until the watched var changes."""
        event = self.vary(json.loads(json.dumps(self.recorded.click)), index)
        started = time.perf_counter()
        await self._socket.emit("event", event, namespace=NAMESPACE)
        while True:
            update = await asyncio.wait_for(self._deltas.get(), 60)
            value = update.get("delta", {}).get(self.state, {}).get(self.watched_var)
            if value not in (None, ""):
                return (time.perf_counter() - started) * 1000

    async def close(self) -> None:
        await self._socket.disconnect()


async def run_clients(
    make_client: Callable[[], EventClient],
    clients: int,
    clicks: int,
    pause_s: float,
    until: asyncio.Event | None = None,
    started: asyncio.Event | None = None,
) -> tuple[list[float], float]:
    """`clients` connected clients, each clicking `clicks` times (and on until
    `until` is set), pausing `pause_s` after each answer; `started` is set
    once all are connected. Returns every round trip in ms and the events per
    second served while they clicked."""
    connected = [make_client() for _ in range(clients)]
    # Connect in small batches: a burst of hundreds of handshakes measures the
    # accept queue, not the event loop.
    for start in range(0, clients, 20):
        await asyncio.gather(*(c.connect() for c in connected[start : start + 20]))
    times: list[float] = []

    async def clicking(client: EventClient, offset: float) -> None:
        await asyncio.sleep(offset)  # paced clients do not all click in step
        done = 0
        while done < clicks or (until is not None and not until.is_set()):
            times.append(await client.click(done))
            done += 1
            if pause_s:
                await asyncio.sleep(pause_s)

    if started is not None:
        started.set()
    began = time.perf_counter()
    await asyncio.gather(
        *(clicking(c, pause_s * i / max(clients, 1)) for i, c in enumerate(connected))
    )
    elapsed = time.perf_counter() - began
    await asyncio.gather(*(c.close() for c in connected), return_exceptions=True)
    return times, len(times) / elapsed
