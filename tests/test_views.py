"""Presenters: typed engine results to the view models pages bind."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from autocoach.data import load_reference
from autocoach.domain.analysis import analyze
from autocoach.domain.facts import AdministrativeSituation, MileageReading, TechnicalInspection, VehicleFacts
from autocoach.views.analysis import dashboard_view

AS_OF = date(2026, 11, 24)
CAR = VehicleFacts(
    brand="Renault", model="Clio", year=2018, fuel_type="essence",
    first_registration_date=date(2018, 5, 4), mileage=70000,
    mileage_readings=(MileageReading(date(2022, 1, 1), 40000), MileageReading(AS_OF, 70000)),
    technical_inspections=(TechnicalInspection(date(2026, 9, 2), "favorable", 68000),),
)


def test_a_sale_blocker_is_red_and_the_advice_says_the_sale_is_impossible():
    blocked = replace(CAR, situation=AdministrativeSituation(opposition=True))
    view = dashboard_view(analyze(blocked, AS_OF, load_reference()))
    assert view.sale_blocked
    assert any(item.status == "blocking" for item in view.sale_checklist)
    assert view.best_time_label.startswith("Vente impossible")
    clean = dashboard_view(analyze(CAR, AS_OF, load_reference()))
    assert not clean.sale_blocked and all(i.status != "blocking" for i in clean.sale_checklist)


def test_the_dashboard_formats_in_french_and_names_what_the_cost_leaves_out():
    view = dashboard_view(analyze(CAR, AS_OF, load_reference()))
    assert view.monthly_total.endswith("\u00a0€")
    assert view.annual_km.endswith("\u00a0km")
    assert "stationnement" in view.cost_leaves_out.lower() or "péage" in view.cost_leaves_out.lower()
    assert all(ref.text for ref in view.references)
    # Alerts: the most serious first.
    order = {"critical": 0, "warning": 1, "info": 2}
    assert [order[a.severity] for a in view.alerts] == sorted(order[a.severity] for a in view.alerts)
