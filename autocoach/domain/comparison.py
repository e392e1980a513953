"""Three other models of the same segment, at the same age and mileage.

Each is scored as a "typical" car of that model (no owner history): value,
monthly cost (same yearly km, maintenance from priors, average insurance,
carte grise left out) and reliability (age, mileage, known weaknesses, make).
Candidates must have been on sale in the car's year; the same energy is
preferred, then the closest new price. Neighbouring segments fill the gaps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from autocoach.data import ModelSpec, ReferenceData
from autocoach.domain.costs import estimate_monthly_costs
from autocoach.domain.facts import VehicleFacts
from autocoach.domain.odometer import OdometerReport
from autocoach.domain.reliability import assess_reliability
from autocoach.domain.rules import (
    TechnicalInspectionStatus,
    add_years,
    technical_inspection_status,
    years_between,
)
from autocoach.domain.valuation import new_price_for, round_to_50, valuation_context, vehicle_value
from autocoach.domain.vocabulary import FUEL_TYPES
from autocoach.domain.wording import lower_first

__all__ = ["Comparison", "compare_models", "NEIGHBOUR_SEGMENTS"]

COMPARISON_COUNT = 3

NEIGHBOUR_SEGMENTS: dict[str, tuple[str, ...]] = {
    "A": ("B",),
    "B": ("A", "SUV-B", "C"),
    "C": ("B", "SUV-C", "D"),
    "D": ("C", "SUV-D", "E"),
    "E": ("D", "SUV-D"),
    "SUV-B": ("B", "SUV-C"),
    "SUV-C": ("C", "SUV-B", "SUV-D"),
    "SUV-D": ("SUV-C", "D", "E"),
    "monospace": ("ludospace", "SUV-C", "C"),
    "ludospace": ("monospace", "SUV-C"),
}


@dataclass(frozen=True)
class Comparison:
    make: str
    model: str
    segment: str
    fuel_type: str
    value_estimate: int
    monthly_cost: int  # €/month without carte grise
    reliability_score: float
    note: str  # French


def _sold_in(spec: ModelSpec, year: int) -> bool:
    first, last = spec.years
    return first <= year and (last is None or year <= last)


def _fuel_for(spec: ModelSpec, fuel: str) -> tuple[str, bool]:
    if spec.variant(fuel) is not None:
        return fuel, True
    return next(iter(spec.fuels)), False


def _candidates(
    facts: VehicleFacts, spec: ModelSpec | None, reference: ReferenceData, own_price: float
) -> list[ModelSpec]:
    segment = spec.segment if spec is not None else "C"
    chosen: list[ModelSpec] = []
    for seg in (segment, *NEIGHBOUR_SEGMENTS.get(segment, ())):
        pool = [
            m
            for m in reference.models_in_segment(seg)
            if m is not spec and m not in chosen and _sold_in(m, facts.year)
        ]

        def key(m: ModelSpec) -> tuple[int, float, str]:
            fuel, same = _fuel_for(m, facts.fuel_type)
            variant = m.variant(fuel)
            price = variant.new_price if variant and variant.new_price else m.new_price
            return (0 if same else 1, abs(price - own_price), m.label)

        chosen.extend(sorted(pool, key=key)[: COMPARISON_COUNT - len(chosen)])
        if len(chosen) >= COMPARISON_COUNT:
            break
    return chosen


def compare_models(
    facts: VehicleFacts,
    as_of: date,
    reference: ReferenceData,
    *,
    spec: ModelSpec | None,
    current_km: int,
    annual_km: int,
) -> tuple[Comparison, ...]:
    own_price, _ = new_price_for(facts, spec, reference)
    # Undo the age deflation: candidates are ranked on catalogue prices.
    years_back = max(0, reference.valuation.price_reference_year - facts.year)
    own_price /= (1 - reference.valuation.price_index_per_year) ** years_back
    reg = facts.registration_date
    age = years_between(reg, as_of)
    if age < 4:
        ct = technical_inspection_status(reg, (), as_of)
    else:
        # A typical car of this age is up to date: next CT within 2 years.
        ct = TechnicalInspectionStatus(add_years(as_of, 1), "periodique", None, False, None, "")
    result: list[Comparison] = []
    for other in _candidates(facts, spec, reference, own_price):
        fuel, same = _fuel_for(other, facts.fuel_type)
        twin = VehicleFacts(
            brand=other.make,
            model=other.model,
            year=facts.year,
            fuel_type=fuel,
            first_registration_date=reg,
            mileage=current_km,
            previous_owners=facts.previous_owners,
        )
        make = reference.find_make(other.make)
        odometer = OdometerReport((), (), current_km, False, False)
        ctx = valuation_context(twin, reference, spec=other, make=make, as_of=as_of, typical=True)
        now = vehicle_value(ctx, age, current_km)
        later = vehicle_value(ctx, age + 1, current_km + annual_km)
        costs = estimate_monthly_costs(
            twin,
            as_of,
            reference,
            spec=other,
            make=make,
            annual_km=annual_km,
            value_now=now,
            value_next_year=later,
            ct=ct,
        )
        monthly = sum(line.amount for line in costs.lines if line.key != "taxes")
        score = assess_reliability(
            twin, as_of, reference, spec=other, make=make, odometer=odometer, typical=True, annual_km=annual_km
        ).score
        note = "Même année et même kilométrage que votre véhicule"
        note += "." if same else (
            f", en version {lower_first(FUEL_TYPES.get(fuel, fuel))} "
            f"(pas de version {lower_first(FUEL_TYPES.get(facts.fuel_type, facts.fuel_type))} au catalogue)."
        )
        result.append(
            Comparison(
                make=other.make,
                model=other.model,
                segment=other.segment,
                fuel_type=fuel,
                value_estimate=round_to_50(now),
                monthly_cost=monthly,
                reliability_score=score,
                note=note,
            )
        )
    return tuple(result)
