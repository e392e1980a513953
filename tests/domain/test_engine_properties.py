"""Properties of the analysis engine that must hold for any car (hypothesis)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autocoach.data import load_reference
from autocoach.domain.analysis import analyze, inputs_hash
from autocoach.domain.facts import (
    AdministrativeSituation,
    Expense,
    MileageReading,
    TechnicalInspection,
    VehicleFacts,
)
from autocoach.domain.rules import add_months, add_years, next_technical_inspection, technical_inspection_status
from autocoach.domain.valuation import valuation_context, vehicle_value
from autocoach.domain.vocabulary import CT_RESULTS, EXPENSE_CATEGORIES, FUEL_TYPES

REFERENCE = load_reference()
AS_OF = date(2026, 11, 24)
CATALOGUE = [(m.make, m.model) for m in REFERENCE.models] + [("Peugeot", "206"), ("Lada", "Niva")]

settings.register_profile("engine", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("engine")


def dates_between(start: date, end: date) -> st.SearchStrategy[date]:
    return st.integers(0, max(0, (end - start).days)).map(lambda d: start + timedelta(days=d))


@st.composite
def vehicle_facts(draw: st.DrawFn, as_of: date = AS_OF) -> VehicleFacts:
    brand, model = draw(st.sampled_from(CATALOGUE))
    registration = draw(dates_between(date(1985, 1, 1), as_of))
    end = as_of
    expenses = tuple(
        Expense(
            date=draw(dates_between(registration, end)),
            mileage=draw(st.none() | st.integers(0, 400_000)),
            category=draw(st.sampled_from(sorted(EXPENSE_CATEGORIES))),
            amount=draw(st.floats(0, 5_000, allow_nan=False).map(lambda x: round(x, 2))),
        )
        for _ in range(draw(st.integers(0, 6)))
    )
    inspections = tuple(
        TechnicalInspection(
            date=draw(dates_between(registration, end)),
            result=draw(st.sampled_from(sorted(CT_RESULTS))),
            mileage=draw(st.none() | st.integers(0, 400_000)),
            nature=draw(st.sampled_from(["periodique", "contre_visite"])),
            defects=tuple(draw(st.lists(st.sampled_from(["Feu", "Pneu", "Frein"]), max_size=4))),
        )
        for _ in range(draw(st.integers(0, 4)))
    )
    readings = tuple(
        MileageReading(draw(dates_between(registration, end)), draw(st.integers(0, 400_000)), "proprietaire")
        for _ in range(draw(st.integers(0, 3)))
    )
    flags = draw(st.lists(st.booleans(), min_size=10, max_size=10))
    return VehicleFacts(
        brand=brand,
        model=model,
        year=registration.year,
        fuel_type=draw(st.sampled_from(sorted(FUEL_TYPES))),
        first_registration_date=registration,
        mileage=draw(st.none() | st.integers(0, 500_000)),
        engine=draw(st.none() | st.sampled_from(["1.2 PureTech", "1.6 HDi", "2.0 TDI", "1.0 EcoBoost"])),
        gearbox=draw(st.none() | st.sampled_from(["manuelle", "automatique"])),
        fiscal_power=draw(st.none() | st.integers(1, 40)),
        euro_class=draw(st.none() | st.sampled_from(["EURO2", "EURO4", "EURO5", "EURO6"])),
        previous_owners=draw(st.none() | st.integers(0, 8)),
        purchase_date=draw(st.none() | dates_between(registration, end)),
        annual_km=draw(st.none() | st.integers(1_000, 80_000)),
        insurance_monthly=draw(st.none() | st.floats(0, 300, allow_nan=False)),
        situation=AdministrativeSituation(*flags),
        claims_count=draw(st.integers(0, 4)),
        expenses=expenses,
        mileage_readings=readings,
        technical_inspections=inspections,
    )


@given(vehicle_facts())
def test_score_is_between_1_and_10_with_one_decimal(facts: VehicleFacts) -> None:
    result = analyze(facts, AS_OF, REFERENCE)
    assert 1.0 <= result.reliability_score <= 10.0
    assert round(result.reliability_score, 1) == result.reliability_score
    for comparison in result.comparisons:
        assert 1.0 <= comparison.reliability_score <= 10.0


@given(vehicle_facts())
def test_costs_are_non_negative_and_sum_to_the_total(facts: VehicleFacts) -> None:
    result = analyze(facts, AS_OF, REFERENCE)
    amounts = [line.amount for line in result.monthly_cost_breakdown]
    assert all(isinstance(a, int) and a >= 0 for a in amounts)
    assert sum(amounts) == result.monthly_cost_estimate
    assert all(line.basis for line in result.monthly_cost_breakdown)
    for scenario in result.scenarios:
        assert scenario.cumulative_cost >= 0
        assert scenario.net_position == scenario.value_at_end - scenario.cumulative_cost
    for comparison in result.comparisons:
        assert comparison.monthly_cost >= 0


@given(vehicle_facts(), st.integers(1, 200_000))
def test_value_never_rises_with_more_km(facts: VehicleFacts, extra_km: int) -> None:
    more = replace(facts, mileage=(facts.mileage or 0) + extra_km)
    base = analyze(facts, AS_OF, REFERENCE).resale
    worn = analyze(more, AS_OF, REFERENCE).resale
    assert worn.value_estimate <= base.value_estimate


@given(vehicle_facts(as_of=date(2024, 1, 1)), st.integers(1, 3_000))
def test_value_never_rises_with_more_age(facts: VehicleFacts, extra_days: int) -> None:
    # Same car seen later (all its documents are older than both dates)...
    later = analyze(facts, date(2024, 1, 1) + timedelta(days=extra_days), REFERENCE).resale
    now = analyze(facts, date(2024, 1, 1), REFERENCE).resale
    assert later.value_estimate <= now.value_estimate
    # ...and an older twin registered earlier, seen the same day.
    reg = facts.registration_date
    older = replace(facts, first_registration_date=max(date(1950, 1, 1), reg - timedelta(days=extra_days)))
    assert analyze(older, date(2024, 1, 1), REFERENCE).resale.value_estimate <= now.value_estimate


@given(
    st.sampled_from(REFERENCE.models),
    st.sampled_from(sorted(FUEL_TYPES)),
    st.integers(1990, 2026),
    st.floats(0, 40, allow_nan=False),
    st.floats(0, 40, allow_nan=False),
    st.integers(0, 500_000),
    st.integers(0, 500_000),
)
def test_raw_value_is_monotone_in_age_and_km(model, fuel, year, age1, age2, km1, km2) -> None:  # type: ignore[no-untyped-def]
    facts = VehicleFacts(brand=model.make, model=model.model, year=year, fuel_type=fuel)
    ctx = valuation_context(facts, REFERENCE, spec=model, make=REFERENCE.find_make(model.make))
    young, old = sorted((age1, age2))
    low_km, high_km = sorted((km1, km2))
    assert vehicle_value(ctx, old, low_km) <= vehicle_value(ctx, young, low_km) + 1e-9
    assert vehicle_value(ctx, young, high_km) <= vehicle_value(ctx, young, low_km) + 1e-9
    assert vehicle_value(ctx, young, low_km) <= ctx.new_price


@given(vehicle_facts())
def test_value_range_and_prices_are_ordered(facts: VehicleFacts) -> None:
    resale = analyze(facts, AS_OF, REFERENCE).resale
    assert 0 < resale.value_low <= resale.accept_price <= resale.value_estimate
    assert resale.value_estimate <= resale.recommended_price <= resale.value_high
    curve = analyze(facts, AS_OF, REFERENCE).value_curve
    assert all(a.value >= b.value for a, b in zip(curve, curve[1:]))


@given(
    dates_between(date(1980, 1, 1), date(2026, 12, 31)),
    st.lists(
        st.tuples(st.integers(0, 20 * 365), st.sampled_from(sorted(CT_RESULTS)), st.booleans()),
        max_size=6,
    ),
)
def test_ct_due_dates_follow_the_rules(registration: date, raw_history) -> None:  # type: ignore[no-untyped-def]
    history = [
        TechnicalInspection(registration + timedelta(days=offset), result, None, "contre_visite" if cv else "periodique")
        for offset, result, cv in raw_history
    ]
    as_of = max([registration, *(i.date for i in history)]) + timedelta(days=1)
    status = technical_inspection_status(registration, history, as_of)
    due = next_technical_inspection(registration, history, as_of)
    assert due == status.due_date
    ordered = sorted(history, key=lambda i: i.date)
    if not ordered:
        # First CT: 4th anniversary of the first registration.
        assert due == add_years(registration, 4)
        assert status.window_start == add_months(due, -6)
        return
    last = ordered[-1]
    if last.result == "defavorable_critique":
        assert due == last.date and status.kind == "immediat"
    elif last.result == "defavorable_majeur":
        assert due == add_months(last.date, 2) and status.kind == "contre_visite"
    elif last.result == "favorable":
        anchors = [i for i in ordered if i.nature != "contre_visite"]
        if last.nature == "contre_visite" and anchors:
            anchor = anchors[-1]
            late = anchor.result == "defavorable_majeur" and last.date > add_months(anchor.date, 2)
            # Issue 14: a contre-visite after 2 months is no CT: due 2 months after the visit.
            assert due == (add_months(anchor.date, 2) if late else add_years(anchor.date, 2))
        else:
            assert due == add_years(last.date, 2)
    else:  # postponed (issue 14): the previous deadline holds, unchanged
        previous = technical_inspection_status(registration, ordered[:-1], as_of)
        assert due == previous.due_date


@given(vehicle_facts())
def test_result_is_json_serialisable_and_hash_is_stable(facts: VehicleFacts) -> None:
    result = analyze(facts, AS_OF, REFERENCE)
    text = json.dumps(result.to_json_dict())
    assert '"controle_technique"' in text
    assert inputs_hash(facts, REFERENCE, AS_OF) == inputs_hash(replace(facts), REFERENCE, AS_OF)
    changed = replace(facts, mileage=(facts.mileage or 0) + 1)
    assert inputs_hash(changed, REFERENCE, AS_OF) != inputs_hash(facts, REFERENCE, AS_OF)
