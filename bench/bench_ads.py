"""Ads per second: the template writer on realistic vehicles (no AI)."""

from __future__ import annotations

import time
from datetime import date

from common import machine, write_section

from autocoach.data import load_reference
from autocoach.domain import ad
from autocoach.domain.analysis import analyze
from autocoach.domain.facts import vehicle_facts_from_dict
from bench_analysis import VEHICLES


def main(seconds: float = 3.0) -> None:
    as_of = date(2026, 11, 24)
    reference = load_reference()
    prepared = []
    for raw in VEHICLES:
        facts = vehicle_facts_from_dict(raw)
        prepared.append(ad.ad_facts(facts, analyze(facts, as_of, reference)))
    count = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        ad.generate_ad(prepared[count % len(prepared)], title_max=70, variant=count % ad.AD_VARIANTS)
        count += 1
    elapsed = time.perf_counter() - started
    per_second = count / elapsed
    lines = [
        "## Ads",
        f"Machine: {machine()}",
        "",
        f"- {per_second:.0f} ads per second ({1000 / per_second:.2f} ms each, template writer, "
        f"{len(prepared)} vehicles, facts prepared once)",
    ]
    print("\n".join(lines))
    write_section("ads", lines)


if __name__ == "__main__":
    main()
