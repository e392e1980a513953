"""One test per row of the README's table "field → read from → used by".

Each row: the paper's parser output reaches the vehicle field through the
review (read from), and changing that field changes what the README says it
feeds (used by)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from autocoach.data import load_reference
from autocoach.domain import review
from autocoach.domain.ad import ad_as_text, ad_facts, generate_ad
from autocoach.domain.analysis import analyze
from autocoach.domain.facts import AdministrativeSituation, Expense, MileageReading, TechnicalInspection, VehicleFacts
from autocoach.services.report import ReportInput, build_report

AS_OF = date(2026, 11, 24)
BASE = VehicleFacts(
    brand="Peugeot", model="308", year=2017, fuel_type="diesel",
    first_registration_date=date(2017, 4, 10), mileage=98000, previous_owners=1,
    purchase_date=date(2021, 2, 1), purchase_price=12000.0, license_plate="FG-482-KT",
    mileage_readings=(MileageReading(date(2021, 2, 1), 60000), MileageReading(AS_OF, 98000)),
)
REFERENCE = load_reference()


def run(facts):
    return analyze(facts, AS_OF, REFERENCE)


def ad_text(facts):
    result = run(facts)
    return ad_as_text(generate_ad(ad_facts(facts, result), platform="leboncoin", title_max=70))


def report_text(facts):
    pdf = build_report(ReportInput(facts=facts, analysis=run(facts), generated_at=AS_OF))
    return pdf  # compressed streams: compare sizes and metadata only


def read_from(document_type, fields, name, current=None):
    """The value the review proposes for vehicle field `name` from a parser's fields."""
    proposals = review.vehicle_proposals(document_type, fields, current or {}, AS_OF)
    return {p.field: p for p in proposals}[name].value


def test_row_license_plate_carte_grise_and_histovec_to_document_check_and_ad():
    assert read_from("carte_grise", {"license_plate": "GM-215-LC"}, "license_plate") == "GM-215-LC"
    assert read_from("histovec", {"license_plate": "GM-215-LC"}, "license_plate") == "GM-215-LC"
    assert review.check_document({"license_plate": "GM-215-LC"}, BASE.license_plate, None).reason
    assert review.check_document({"license_plate": "FG-482-KT"}, BASE.license_plate, None).reason is None


def test_row_vin_carte_grise_to_document_check_and_report():
    assert read_from("carte_grise", {"vin": "VF3LBYHZPHS123456"}, "vin") == "VF3LBYHZPHS123456"
    assert review.check_document({"vin": "VF3LBYHZPHS999999"}, None, "VF3LBYHZPHS123456").reason
    assert len(report_text(replace(BASE, vin="VF3LBYHZPHS123456"))) != len(report_text(BASE))


def test_row_brand_and_model_carte_grise_to_score_costs_value_comparison_ad():
    assert read_from("carte_grise", {"model": "CLIO"}, "model") == "CLIO"
    other = replace(BASE, brand="Dacia", model="Sandero")
    a, b = run(BASE), run(other)
    assert a.reliability_score != b.reliability_score or a.reliability_factors != b.reliability_factors
    assert a.resale.value_estimate != b.resale.value_estimate
    assert a.comparisons != b.comparisons
    assert "Dacia Sandero" in ad_text(other)


def test_row_version_carte_grise_d2_to_ad():
    assert read_from("carte_grise", {"variant": "4HHNZ4/1"}, "version") == "4HHNZ4/1"
    assert "1.6 BlueHDi 120" in ad_text(replace(BASE, version="1.6 BlueHDi 120"))
    assert "Version" not in " ".join(
        generate_ad(ad_facts(replace(BASE, version="1.6 BlueHDi 120"), run(BASE)), title_max=70).missing_legal
    )


def test_row_first_registration_carte_grise_b_to_age_value_ct_and_ad():
    assert read_from("carte_grise", {"first_registration_date": date(2016, 1, 5)}, "first_registration_date") == "2016-01-05"
    older = replace(BASE, first_registration_date=date(2015, 1, 5), year=2015)
    a, b = run(BASE), run(older)
    assert a.resale.value_estimate != b.resale.value_estimate
    assert a.next_technical_inspection != b.next_technical_inspection
    assert "04/2017" in ad_text(BASE) or "avril 2017" in ad_text(BASE)


def test_row_fuel_type_carte_grise_p3_to_costs_and_crit_air():
    assert read_from("carte_grise", {"fuel_type": "essence"}, "fuel_type") == "essence"
    petrol = replace(BASE, fuel_type="essence")
    a, b = run(BASE), run(petrol)
    assert a.crit_air != b.crit_air
    energy = {c.key: c.amount for c in a.monthly_cost_breakdown}, {c.key: c.amount for c in b.monthly_cost_breakdown}
    assert energy[0]["energy"] != energy[1]["energy"]


def test_row_fiscal_power_carte_grise_p6_to_costs_and_ad():
    assert read_from("carte_grise", {"fiscal_power": 6}, "fiscal_power") == "6"
    # The carte grise tax is spread over the first years after the purchase.
    recent = replace(BASE, purchase_date=date(2025, 6, 1))
    a, b = run(replace(recent, fiscal_power=5)), run(replace(recent, fiscal_power=9))
    taxes = [{c.key: c.amount for c in r.monthly_cost_breakdown}["taxes"] for r in (a, b)]
    assert taxes[0] < taxes[1]
    assert "9 CV fiscaux" in ad_text(replace(BASE, fiscal_power=9))


def test_row_power_kw_carte_grise_p2_to_ad():
    assert read_from("carte_grise", {"power_kw": 88}, "power_kw") == "88"
    assert "88 kW (120 ch)" in ad_text(replace(BASE, power_kw=88))


def test_row_co2_carte_grise_v7_to_report():
    assert read_from("carte_grise", {"co2": 104}, "co2") == "104"
    assert len(report_text(replace(BASE, co2=104))) != len(report_text(BASE))


def test_row_euro_class_carte_grise_v9_to_crit_air():
    assert read_from("carte_grise", {"euro_class": "EURO4"}, "euro_class") == "EURO4"
    euro4 = replace(BASE, first_registration_date=date(2011, 3, 1), year=2011, euro_class="EURO4")
    euro5 = replace(euro4, euro_class="EURO5")
    assert run(euro4).crit_air != run(euro5).crit_air


def test_row_previous_owners_histovec_to_score_and_ad():
    assert read_from("histovec", {"owners_count": 4}, "previous_owners") == "3"
    a, b = run(replace(BASE, previous_owners=0)), run(replace(BASE, previous_owners=4))
    owners = [{f.key: f.weight for f in r.reliability_factors}["proprietaires"] for r in (a, b)]
    assert owners[0] > owners[1]
    assert ad_text(replace(BASE, previous_owners=0)) != ad_text(replace(BASE, previous_owners=4))


def test_row_situation_histovec_to_alerts_score_and_ad():
    blocked = replace(BASE, situation=AdministrativeSituation(opposition=True))
    a, b = run(BASE), run(blocked)
    assert {x.type for x in b.alerts} - {x.type for x in a.alerts}
    assert b.reliability_score <= a.reliability_score
    reminders = generate_ad(ad_facts(blocked, b), title_max=70).seller_reminders
    assert any("opposition" in r.lower() for r in reminders)


def test_row_technical_inspections_histovec_to_ct_alerts_and_readings():
    inspected = replace(BASE, technical_inspections=(
        TechnicalInspection(date(2025, 4, 2), "favorable", 90000),
    ))
    assert run(inspected).next_technical_inspection != run(BASE).next_technical_inspection


def test_row_expenses_invoices_to_costs_score_and_ad():
    proposals = review.expense_proposals({"date": date(2025, 9, 1), "total_ttc": 189.9, "mileage": 95000},
                                         "vidange", BASE.first_registration_date, AS_OF)
    decision = review.decide(proposals, {p.field: p.value for p in proposals}, AS_OF)
    assert decision.expense["amount"] == 189.9 and decision.expense["mileage"] == 95000
    serviced = replace(BASE, expenses=(Expense(date(2025, 9, 1), 95000, "vidange", 189.9, "Révision"),))
    a, b = run(BASE), run(serviced)
    assert a.reliability_factors != b.reliability_factors
    assert ad_text(serviced) != ad_text(BASE)


@pytest.mark.parametrize("source", ["facture", "histovec", "proprietaire"])
def test_row_mileage_readings_to_annual_km_and_odometer(source):
    rolled_back = replace(BASE, mileage_readings=BASE.mileage_readings + (MileageReading(date(2024, 1, 1), 150000, source),))
    assert run(rolled_back).odometer_findings != run(BASE).odometer_findings
