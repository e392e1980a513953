"""Analyses per second of the embedded engine (pure Python, no database)."""

from __future__ import annotations

import time
from datetime import date

from common import machine, write_section

from autocoach.data import load_reference
from autocoach.domain.analysis import analyze
from autocoach.domain.facts import vehicle_facts_from_dict

VEHICLES = [
    {"brand": "Peugeot", "model": "208", "year": 2019, "fuel_type": "essence", "mileage": 63890,
     "first_registration_date": "2019-03-15",
     "expenses": [{"date": "2024-03-01", "mileage": 50000, "category": "vidange", "amount": 189.9}],
     "technical_inspections": [{"date": "2023-02-10", "result": "favorable", "mileage": 40100}]},
    {"brand": "Renault", "model": "Clio", "year": 2016, "fuel_type": "diesel", "mileage": 148000},
    {"brand": "Tesla", "model": "Model 3", "year": 2021, "fuel_type": "electrique", "mileage": 72000},
    {"brand": "Toyota", "model": "Yaris", "year": 2018, "fuel_type": "hybride", "mileage": 71000},
]


def main(seconds: float = 3.0) -> None:
    reference = load_reference()
    facts = [vehicle_facts_from_dict(v) for v in VEHICLES]
    as_of = date(2026, 11, 24)
    count = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        analyze(facts[count % len(facts)], as_of, reference)
        count += 1
    elapsed = time.perf_counter() - started
    per_second = count / elapsed
    lines = [
        "## Analysis engine",
        f"Machine: {machine()}",
        "",
        f"- {per_second:.0f} analyses per second ({1000 / per_second:.2f} ms each, "
        f"{count} analyses of {len(facts)} vehicles in {elapsed:.1f} s)",
        "- Budget: under 20 ms an analysis.",
    ]
    print("\n".join(lines))
    write_section("analysis", lines)


if __name__ == "__main__":
    main()
