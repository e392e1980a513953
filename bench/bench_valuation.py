"""Valuation error against real, dated French market prices.

autocoach/data/market_prices.json holds prices collected from public pages
(URL, date, quote). Its held-out part ("held_out": true, chosen before any
tuning: every third entry) is never used to calibrate the engine; this bench
prints, on that part, the median absolute error of the engine's point value
and the share of real prices inside the engine's range widened by ±15 %,
beside the same figures measured before issue 14 (commit 926f457).

Run against another engine checkout with BENCH_ENGINE_ROOT=/path/to/export.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from datetime import date

from common import ROOT, write_section

if os.environ.get("BENCH_ENGINE_ROOT"):
    sys.path.insert(0, os.environ["BENCH_ENGINE_ROOT"])

from autocoach.data import load_reference  # noqa: E402
from autocoach.domain.analysis import analyze  # noqa: E402
from autocoach.domain.facts import vehicle_facts_from_dict  # noqa: E402
from autocoach.domain.valuation import new_price_for  # noqa: E402

# Measured on the held-out part with the engine before issue 14 (commit
# 926f457, BENCH_ENGINE_ROOT pointing at `git archive 926f457`).
BEFORE = {"median_error": 0.218, "inside": 0.50, "count": 14}
AIM = {"median_error": 0.12, "inside": 0.85}
RANGE_MARGIN = 0.15


def _facts(entry: dict) -> dict:
    as_of = date.fromisoformat(entry["as_of"])
    registered = f"{entry['registered']}-01" if entry.get("registered") else None
    reg_day = date.fromisoformat(registered) if registered else date(entry["year"], 7, 1)
    age = max(0.0, (as_of - reg_day).days / 365.25)
    km = entry.get("km")
    if km is None:  # "kilométrage moyen": the engine's own reference pace
        km = round((20_000 if entry["fuel"] == "diesel" else 15_000) * age, -3)
    return {
        "brand": entry["brand"],
        "model": entry["model"],
        "year": entry["year"],
        "fuel_type": entry["fuel"],
        "first_registration_date": registered,
        "mileage": int(km),
    }


def evaluate(held_out: bool) -> list[dict]:
    reference = load_reference()
    data = json.loads((ROOT / "autocoach" / "data" / "market_prices.json").read_text(encoding="utf-8"))
    rows = []
    for entry in data["prices"]:
        if bool(entry["held_out"]) != held_out:
            continue
        as_of = date.fromisoformat(entry["as_of"])
        facts = vehicle_facts_from_dict(_facts(entry), today=as_of)
        result = analyze(facts, as_of, reference)
        if entry.get("share") is not None:
            spec = reference.find_model(facts.brand, facts.model)
            new_price, _ = new_price_for(facts, spec, reference)
            real = entry["share"] * new_price
        else:
            real = float(entry["price"])
        resale = result.resale
        rows.append(
            {
                "id": entry["id"],
                "car": f"{entry['brand']} {entry['model']} {entry['fuel']} {entry['year']}",
                "real": real,
                "engine": resale.value_estimate,
                "error": abs(resale.value_estimate - real) / real,
                "inside": resale.value_low * (1 - RANGE_MARGIN) <= real <= resale.value_high * (1 + RANGE_MARGIN),
            }
        )
    return rows


def _eur(value: float) -> str:
    return f"{value:,.0f} €".replace(",", " ")


def summary(rows: list[dict]) -> dict:
    return {
        "median_error": statistics.median(r["error"] for r in rows),
        "inside": sum(r["inside"] for r in rows) / len(rows),
        "count": len(rows),
    }


def main() -> None:
    held = evaluate(held_out=True)
    tuned = evaluate(held_out=False)
    now, fit = summary(held), summary(tuned)
    lines = [
        "## Valuation against real market prices (issue 14)",
        "",
        f"Held-out prices (never tuned on), {now['count']} cars from autocoach/data/market_prices.json:",
        "",
        "| | median absolute error | real price inside the range ±15 % |",
        "|---|---|---|",
        f"| before issue 14 (commit 926f457) | {BEFORE['median_error']:.1%} | {BEFORE['inside']:.0%} |",
        f"| now | {now['median_error']:.1%} | {now['inside']:.0%} |",
        f"| aim | ≤ {AIM['median_error']:.0%} | ≥ {AIM['inside']:.0%} |",
        "",
        f"Tuning part ({fit['count']} cars): median absolute error {fit['median_error']:.1%}, "
        f"{fit['inside']:.0%} inside the range ±15 %.",
        "",
        "How: autocoach/data/market_prices.json holds dated French prices (listings quoted by the",
        "press, cotes, depreciation studies) with URL and quote. Every third entry of the file is",
        "held out, a rule fixed before any tuning; the engine was calibrated on the tuning part",
        "only (French/standard/Dacia depreciation profiles, PureTech reputation, used-car market",
        "level by year). Studies giving a share of the new price are compared with the engine's",
        "value over its own new price. Range = the engine's low-high range widened by 15 %.",
        "",
        "Held-out detail (engine point value vs real price):",
        "",
    ]
    lines += [
        f"- #{r['id']} {r['car']}: engine {_eur(r['engine'])}, real {_eur(r['real'])} "
        f"({r['error']:.0%}{'' if r['inside'] else ', outside the range'})"
        for r in held
    ]
    print("\n".join(lines))
    if not os.environ.get("BENCH_ENGINE_ROOT"):
        write_section("valuation", lines)


if __name__ == "__main__":
    main()
