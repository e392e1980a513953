"""Refresh the fuel-price snapshot from the official daily feed.

The French government publishes every station's prices (prix-carburants,
"Prix des carburants en France - Flux instantané - v2" on
data.economie.gouv.fr, Opendatasoft Explore API v2.1). Each record carries
`<fuel>_prix` (€/l) and `<fuel>_maj` (ISO timestamp) for gazole, sp95, e10,
sp98, e85 and gplc; the JSON export is a list of records, the `records`
endpoint wraps them in {"total_count": n, "results": [...]}. Both are read.

The snapshot keeps the national median of each fuel (robust to a few stations
typing 0 or 9.999) with the feed's latest update date. When the network or
the feed fails the snapshot is left as it was and a French message explains.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import httpx

__all__ = [
    "FEED_URL",
    "FeedError",
    "FuelSnapshot",
    "default_snapshot_path",
    "parse_feed",
    "fetch_feed",
    "update_snapshot",
]

FEED_URL = (
    "https://data.economie.gouv.fr/api/explore/v2.1/catalog/datasets/"
    "prix-des-carburants-en-france-flux-instantane-v2/exports/json"
    "?select=id,gazole_prix,gazole_maj,e10_prix,e10_maj,sp95_prix,sp95_maj,"
    "e85_prix,e85_maj,gplc_prix,gplc_maj"
)
DATASET_PAGE = "https://data.economie.gouv.fr/explore/dataset/prix-des-carburants-en-france-flux-instantane-v2/"

# AutoCoach fuel -> feed fields, first with data wins (SP95-E10 is the common petrol).
_FIELDS: dict[str, tuple[str, ...]] = {
    "diesel": ("gazole",),
    "essence": ("e10", "sp95"),
    "e85": ("e85",),
    "gpl": ("gplc",),
}
# Plausible €/l at the pump; outside is a typing error in the feed.
_MIN_PRICE, _MAX_PRICE = 0.3, 5.0
MIN_STATIONS = 20  # fewer priced stations than this: not a national figure


class FeedError(Exception):
    """The feed could not be read; the message is French."""


@dataclass(frozen=True)
class FuelSnapshot:
    day: date
    prices: dict[str, float]
    stations: int

    def to_json(self) -> dict[str, Any]:
        return {
            "_source": (
                "Médiane nationale des prix affichés par les stations-service dans le flux instantané "
                "officiel (prix-carburants, data.economie.gouv.fr), relevée par « python -m autocoach "
                "prices update »."
            ),
            "date": self.day.isoformat(),
            "source": {
                "publisher": "Ministère de l'Économie (prix-carburants.gouv.fr)",
                "title": "Prix des carburants en France - Flux instantané - v2",
                "date": self.day.isoformat(),
                "url": DATASET_PAGE,
            },
            "stations": self.stations,
            "prices": {fuel: self.prices.get(fuel) for fuel in _FIELDS},
        }


def default_snapshot_path() -> Path:
    return Path(str(resources.files("autocoach.data").joinpath("fuel_snapshot.json")))


def _price(value: Any) -> float | None:
    if isinstance(value, str):
        try:
            value = float(value.replace(",", "."))
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    price = float(value)
    if price > 100:  # the old feed gave thousandths of a euro (1789 = 1,789 €)
        price /= 1000
    return price if _MIN_PRICE <= price <= _MAX_PRICE else None


def _day(value: Any) -> date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None


def parse_feed(payload: Any) -> FuelSnapshot:
    """Median price per fuel from the feed's JSON (list, or {"results": [...]})."""
    records = payload.get("results") if isinstance(payload, dict) else payload
    if not isinstance(records, list):
        raise FeedError("Réponse inattendue du flux des prix des carburants : liste de stations attendue.")
    values: dict[str, list[float]] = {fuel: [] for fuel in _FIELDS}
    latest: date | None = None
    stations = 0
    for record in records:
        if not isinstance(record, dict):
            continue
        priced = False
        for fuel, names in _FIELDS.items():
            for name in names:
                price = _price(record.get(f"{name}_prix"))
                if price is None:
                    continue
                values[fuel].append(price)
                priced = True
                day = _day(record.get(f"{name}_maj"))
                if day is not None and (latest is None or day > latest):
                    latest = day
                break
        stations += priced
    if stations < MIN_STATIONS:
        raise FeedError(
            f"Le flux des prix des carburants ne contient que {stations} station(s) avec un prix : "
            f"instantané non mis à jour."
        )
    prices = {
        fuel: round(statistics.median(found), 3) for fuel, found in values.items() if len(found) >= MIN_STATIONS
    }
    return FuelSnapshot(latest or date.today(), prices, stations)


def fetch_feed(url: str = FEED_URL, timeout: float = 60.0) -> Any:
    try:
        response = httpx.get(url, timeout=timeout, follow_redirects=True)
        response.raise_for_status()
        return response.json()
    except httpx.HTTPStatusError as exc:
        raise FeedError(f"Le flux des prix des carburants a répondu {exc.response.status_code}.") from exc
    except httpx.HTTPError as exc:
        raise FeedError("Le flux des prix des carburants est injoignable (pas de réseau ?).") from exc
    except ValueError as exc:
        raise FeedError("Le flux des prix des carburants n'a pas renvoyé de JSON valide.") from exc


def update_snapshot(url: str = FEED_URL, path: Path | None = None, timeout: float = 60.0) -> FuelSnapshot:
    """Fetch, parse and write the snapshot atomically; on any error the old file stays."""
    path = path or default_snapshot_path()
    snapshot = parse_feed(fetch_feed(url, timeout))
    previous: dict[str, Any] = {}
    if path.exists():
        try:
            previous = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            previous = {}
    data = snapshot.to_json()
    # A fuel missing from this feed keeps its previous figure (null = use prices.json).
    for fuel, price in (previous.get("prices") or {}).items():
        if data["prices"].get(fuel) is None and price is not None:
            data["prices"][fuel] = price
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".fuel_snapshot.", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=2)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return snapshot
