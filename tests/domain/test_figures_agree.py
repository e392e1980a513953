"""Issue 12, item 6 (engine part): the figures of one result agree.

One annual km for the whole engine, with its basis shown once; the summary's
monthly cost and "Garder 1 an" share one definition or the result names the
difference; sale blockers are blockers.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from autocoach.data import load_reference
from autocoach.domain.analysis import AnalysisResult, analyze
from autocoach.domain.facts import vehicle_facts_from_dict
from autocoach.domain.formatting import format_eur, format_km

AS_OF = date(2026, 11, 24)
REFERENCE = load_reference()

# The audit's car: 13 100 km/yr since new, 7 700 km/yr lately.
SLOWING_DOWN = {
    "brand": "Peugeot", "model": "308", "year": 2016, "first_registration_date": "2016-06-01",
    "fuel_type": "diesel", "engine": "1.6 BlueHDi 120", "mileage": 137000, "previous_owners": 1,
    "purchase_date": "2025-01-15", "fiscal_power": 6,
    "technical_inspections": [
        {"date": "2024-05-02", "result": "favorable", "mileage": 122000},
        {"date": "2026-05-02", "result": "favorable", "mileage": 134500},
    ],
}


def run(data: dict[str, Any]) -> AnalysisResult:
    return analyze(vehicle_facts_from_dict(data, today=AS_OF), AS_OF, REFERENCE)


def _km_figures(text: str) -> set[int]:
    """Yearly-km figures of a text, leaving out the valuation's L'argus reference pace."""
    text = re.sub(r"référence [^)]*", "", text)
    return {int(re.sub(r"\D", "", m)) for m in re.findall(r"(\d[\d\u202f\u00a0 ]*)\s?km par an", text)}


def test_one_annual_km_for_the_whole_result() -> None:
    result = run(SLOWING_DOWN)
    annual = result.annual_km
    texts = [f.sentence for f in result.reliability_factors] + [x.basis for x in result.monthly_cost_breakdown]
    texts += [result.resale.reasoning, result.resale.best_time_reason] + [s.note for s in result.scenarios]
    found = set().union(*(_km_figures(t) for t in texts))
    assert found == {annual}, found
    yearly = next(f for f in result.reliability_factors if f.key == "kilometrage_annuel")
    assert format_km(annual) in yearly.sentence
    # The basis is said once, in the result, not restated with another figure.
    assert result.annual_km_basis and "rythme constaté" in result.annual_km_basis
    assert result.value_curve[1].km - result.value_curve[0].km == annual


def test_keep_one_year_uses_the_monthly_cost_definition_or_names_the_difference() -> None:
    result = run(SLOWING_DOWN)
    keep1 = next(s for s in result.scenarios if s.key == "garder_1_an")
    taxes = next(x.amount for x in result.monthly_cost_breakdown if x.key == "taxes")
    assert taxes > 0  # bought in 2025: the carte grise is spread over 48 months
    belt = round(REFERENCE.prices.timing_belt_job / 12)
    assert "distribution" in keep1.versus_monthly_cost  # 10 years passed: the belt is due
    # Same definition (value lost + running costs) except what is named:
    # the carte grise already paid, the timing belt falling in the year.
    assert abs(keep1.monthly_equivalent - (result.monthly_cost_estimate - taxes + belt)) <= 1
    assert format_eur(result.monthly_cost_estimate) in keep1.versus_monthly_cost
    assert "carte grise" in keep1.versus_monthly_cost
    assert "versus_monthly_cost" in result.to_json_dict()["scenarios"][1]


def test_keep_one_year_names_a_timing_belt_falling_in_the_year() -> None:
    fiat = {"brand": "Fiat", "model": "500", "year": 2012, "first_registration_date": "2012-06-15",
            "mileage": 98000, "fuel_type": "essence", "engine": "1.2 8V 69", "previous_owners": 1,
            "expenses": [{"date": "2022-05-10", "mileage": 70000, "category": "distribution", "amount": 480}],
            "technical_inspections": [{"date": "2025-05-20", "result": "favorable", "mileage": 92000}]}
    result = run(fiat)
    keep1 = next(s for s in result.scenarios if s.key == "garder_1_an")
    belt = round(REFERENCE.prices.timing_belt_job / 12)
    assert abs(keep1.monthly_equivalent - (result.monthly_cost_estimate + belt)) <= 1
    assert "distribution" in keep1.versus_monthly_cost


def test_sale_blockers_are_blocking_and_the_timing_says_vente_impossible() -> None:
    clean = {**SLOWING_DOWN, "technical_inspections": [{"date": "2026-09-02", "result": "favorable", "mileage": 136000}]}
    ok = run(clean)
    assert not ok.sale_blocked and ok.resale.best_time_to_sell is not None
    assert all(item.status == "ok" for item in ok.sale_checklist)
    for situation, words in (
        ({"opposition": True}, "l'opposition au transfert (OTCI) n'est pas levée"),
        ({"gage": True}, "le gage n'est pas levé"),
        ({"vol": True}, "la déclaration de vol n'est pas levée"),
    ):
        blocked = run({**clean, "situation": situation})
        assert blocked.sale_blocked and blocked.resale.best_time_to_sell is None
        assert blocked.resale.best_time_label == f"Vente impossible tant que {words}"
        assert [i.status for i in blocked.sale_checklist if i.key.startswith("situation_")] == ["blocking"]
        assert "Vente impossible" in blocked.summary
    rollback = run({**clean, "technical_inspections": [
        {"date": "2022-05-02", "result": "favorable", "mileage": 150000},
        {"date": "2026-09-02", "result": "favorable", "mileage": 136000}]})
    assert next(i for i in rollback.sale_checklist if i.key == "kilometrage").status == "blocking"
    assert rollback.resale.best_time_label.startswith("Vente impossible tant que l'incohérence du kilométrage")
    expired = run(SLOWING_DOWN | {"technical_inspections": [{"date": "2024-05-02", "result": "favorable"}]})
    assert next(i for i in expired.sale_checklist if i.key == "controle_technique").status == "blocking"
    assert expired.resale.best_time_label.startswith("Vente impossible tant qu'un contrôle technique")
    # A valid CT over 6 months old is a step before selling, not a blocker.
    older = run(SLOWING_DOWN)
    assert next(i for i in older.sale_checklist if i.key == "controle_technique").status == "warning"
    assert not older.sale_blocked
