"""Golden vehicles: realistic cars whose expected figures are derived by hand.

Every expectation below is computed from the written rules (module docstrings
of reliability.py, valuation.py, costs.py, rules.py) and the reference data
(models.json, prices.json), not copied from the engine. Shared constants:

- analysis date AS_OF = 2026-11-24; age = whole years + days since the last
  anniversary / days in that year (2019-11-24 -> 7.0 exactly);
- fuel: SP95-E10 1.83 €/l, gazole 2.00 €/l (snapshot of March 2026), GPL 0.987 €/l;
  electricity (issue 14: regulated tariff + 12 % charging losses)
  0.8 × 0.1952 × 1.12 + 0.2 × 0.50 = 0.2749 €/kWh;
- new price × 0.98^(2024 − year); depreciation profiles (recalibrated on real
  market prices, issue 14): francaise 17/13/9/8/7 % then 6 %, standard
  22/13/9/8/7 % then 6 %,
  dacia 6.6/3/2/2/2 % then 5 %, valeur_sure 18/12/9/8/6 % then 5 %,
  electrique 28/17/12/10/8 % then 7 % (linear inside a year);
- effective age = age + 0.5 × clamp(km / std − age, −2, +10), std 15,000 km
  (20,000 diesel); × 0.96 at ≥100k km, × 0.96 more at ≥150k, × 0.95 at ≥200k;
  × 0.96 from 10 years; owners factor 1 − 0.03 × previous owners (unknown
  counts as 1, floor 0.88); value rounded to 50 €, range ± 8 % when the version
  or engine is known, ± 12 % when not (± 15 % for a model outside the catalogue,
  + 5 % when the odometer is doubtful); market reputation (issue 14): × 0.92 for
  a Crit'Air class banned in the Grand Paris / Lyon ZFE, × 0.85 for a known
  1.2 PureTech, unproven mileage × (1 − 0.15 × rollback weight);
- insurance (issue 14: 2025 averages) 750 €/yr = 62.50 €/month (820 € = 68.33
  for an EV) × segment (A .85, B .9, C 1.0, D 1.2, SUV-C 1.1) × 0.85 from 8 years;
- carte grise: average of the 13 metropolitan regional rates (53.19 €/CV) when no
  postcode is given; maintenance prior = segment €/month (A 32, B 38, C 44, D 52,
  SUV-C 50) × make × 0.7 for EVs × (1 + 0.04 × (age − 5), ≤ 1.5) ×
  clamp(0.5 + 0.5 × km/yr / 12,500, 0.75, 1.6); CT 80 € / 24 = 3 €/month;
- reliability: base 7.0, factor table in reliability.py; the yearly-km factor
  uses the engine's single annual km (issue 12).
- sale blockers (issue 12): a CT missing or expired, a gage, an opposition... make
  the timing "Vente impossible tant que …" instead of a date.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from autocoach.data import load_reference
from autocoach.domain.analysis import AnalysisResult, analyze
from autocoach.domain.facts import InvalidVehicleData, vehicle_facts_from_dict

AS_OF = date(2026, 11, 24)
REFERENCE = load_reference()


def run(data: dict[str, Any]) -> AnalysisResult:
    return analyze(vehicle_facts_from_dict(data, today=AS_OF), AS_OF, REFERENCE)


def lines(result: AnalysisResult) -> dict[str, int]:
    return {line.key: line.amount for line in result.monthly_cost_breakdown}


def alert_types(result: AnalysisResult) -> dict[str, str]:
    return {a.type: a.severity for a in result.alerts}


def factor(result: AnalysisResult, key: str) -> float:
    return next(f.weight for f in result.reliability_factors if f.key == key)


def assert_value(result: AnalysisResult, low: int, point: int, high: int) -> None:
    resale = result.resale
    assert resale.value_estimate == pytest.approx(point, abs=50)
    assert resale.value_low == pytest.approx(low, abs=50)
    assert resale.value_high == pytest.approx(high, abs=50)


# ---------------------------------------------------------------------------
# 1. City car, no documents at all.


def test_renault_clio_petrol_2019_without_documents() -> None:
    # Age exactly 7.0; km/yr = 84,000 / 7 = 12,000.
    # Reliability: age 6-10 -0.5, 84,000/(12,500×7)=0.96 → 0, owners 1 → 0,
    #   no invoice -0.3, no CT after 4.5 years -0.2 → 7 - 1.0 = 6.0.
    # Value: 21,000 × 0.98^5 = 18,982; eff. age 7 + 0.5 × (5.6 - 7) = 6.3;
    #   D(6.3) = .83×.87×.91×.92×.93×.94 × (1 - .06×.3) = .51898 → 9,851 × 0.97
    #   (1 previous owner) = 9,556 → 9,550; no version → ± 12 % (8,400 - 10,700);
    #   ask 9,556×1.05 → 10,050, accept ×0.95 → 9,100.
    # Costs: energy 6.0 l × 120 × 1.83 / 12 = 109.8 → 110; insurance 62.5 × .9 = 56.25 → 56;
    #   maintenance 38 × 1.08 × 0.98 = 40.2 → 40; CT 3; no purchase date → taxes 0;
    #   depreciation (9,556 - value at 8 yrs/96,000 km) / 12 → 43. Total 252.
    # CT: none on record, first was due 2023-11-24 → "inconnu", warning; no CT at all
    #   is a sale blocker (issue 12) → "Vente impossible tant qu'…", no date.
    r = run({"brand": "Renault", "model": "CLIO", "year": 2019, "first_registration_date": "2019-11-24",
             "mileage": 84000, "fuel_type": "essence", "previous_owners": 1})
    assert r.model_known and r.segment == "B"
    assert r.annual_km == 12000
    assert r.reliability_score == 6.0
    assert_value(r, 8400, 9550, 10700)
    assert (r.resale.recommended_price, r.resale.accept_price) == (10050, 9100)
    assert lines(r) == {"depreciation": 43, "energy": 110, "insurance": 56, "maintenance": 40,
                        "controle_technique": 3, "taxes": 0}
    assert r.monthly_cost_estimate == 252
    assert r.next_technical_inspection == date(2023, 11, 24)
    assert alert_types(r)["controle_technique"] == "warning"
    assert r.crit_air == 1
    assert r.resale.best_time_to_sell is None
    assert r.resale.best_time_label.startswith("Vente impossible tant qu")


# ---------------------------------------------------------------------------
# 2. Family diesel, high mileage, well serviced.


PEUGEOT_308 = {
    "brand": "Peugeot", "model": "308 SW", "year": 2016, "first_registration_date": "2016-06-15",
    "mileage": 190000, "fuel_type": "diesel", "engine": "1.6 BlueHDi 120", "gearbox": "manuelle",
    "previous_owners": 2, "euro_class": "EURO6",
    "expenses": [
        {"date": "2022-06-01", "mileage": 150000, "category": "vidange", "amount": 180},
        {"date": "2023-06-05", "mileage": 160000, "category": "vidange", "amount": 195},
        {"date": "2024-06-03", "mileage": 170500, "category": "vidange", "amount": 210},
        {"date": "2025-06-02", "mileage": 180000, "category": "vidange", "amount": 220},
        {"date": "2025-11-15", "mileage": 183000, "category": "freins", "amount": 420},
        {"date": "2026-06-01", "mileage": 187000, "category": "vidange", "amount": 230},
    ],
    "technical_inspections": [
        {"date": "2024-06-10", "result": "favorable", "mileage": 171000, "defects": ["Feu de plaque", "Essuie-glace"]},
    ],
}


def test_peugeot_308_bluehdi_high_mileage_with_regular_invoices() -> None:
    # Age 10 + 162/365 = 10.444. km/yr: 2023-06-05 (160,000) → today (190,000):
    #   30,000 / 3.4716 yr = 8,642 → 8,600 (2022 reading is more than 4 years old).
    # Reliability: age 10-15 -1.0; annual km 8,600 / 12,500 = 0.69 → 0 (issue 12:
    #   the engine's one annual km, no longer the lifetime average);
    #   ≥150k -0.5; 2 previous owners -0.3; 5 services in 5 years → +0.7;
    #   last CT favourable with 2 defects 0.3 - 0.2 = +0.1; BlueHDi AdBlue -0.5
    #   → 7 - 1.5 = 5.5.
    # Value: 30,000 × 0.98^8 = 25,523; eff. age 10.444 + 0.5 × (9.5 - 10.444) = 9.972;
    #   D = .41336 → 10,550; × .96 × .96 (150k) × .96 (10 yrs) × .94 (2 owners)
    #   = 8,774 → 8,750 (8,050 - 9,500).
    # Costs: energy 5.0 × 86 × 2.00 / 12 = 71.7 → 72; insurance 62.5 × 1.0 × .85 = 53.1 → 53;
    #   invoices since 2024-11-24: 220 + 420 + 230 = 870 / 24 = 36.25 → 36; CT 3;
    #   depreciation 31. Total 195.
    # CT 2024-06-10 + 2 years = 2026-06-10: overdue → critical.
    # Timing belt 180,000 km / 10 yrs passed, no invoice → warning.
    r = run(PEUGEOT_308)
    assert r.vehicle == "Peugeot 308"
    assert r.annual_km == 8600
    assert factor(r, "entretien") == 0.7
    assert factor(r, "controle_technique") == pytest.approx(0.1)
    assert factor(r, "faiblesse_psa_adblue") == -0.5
    assert r.reliability_score == 5.5
    assert_value(r, 8050, 8750, 9500)
    assert lines(r) == {"depreciation": 31, "energy": 72, "insurance": 53, "maintenance": 36,
                        "controle_technique": 3, "taxes": 0}
    assert r.monthly_cost_estimate == 195
    assert r.next_technical_inspection == date(2026, 6, 10)
    types = alert_types(r)
    assert types["controle_technique"] == "critical"
    assert types["distribution"] == "warning"
    assert r.crit_air == 2
    # CT expired: a sale blocker (issue 12) → no date until a new CT is passed.
    assert r.resale.best_time_to_sell is None
    assert r.resale.best_time_label.startswith("Vente impossible")


# ---------------------------------------------------------------------------
# 3. Recent hybrid, first CT coming.


def test_toyota_yaris_hybrid_before_first_ct() -> None:
    # Age 3 + 287/365 = 3.786. km/yr: 2024-02-05 (12,000) → today (35,000)
    #   = 23,000 / 2.8008 yr = 8,212 → 8,200.
    # Reliability: age 3-6 → 0; owners 0 +0.3; 3 services / 3.786 yr = 0.79 → +0.2;
    #   no CT yet (under 4.5 yrs) 0; Toyota +0.5 → 8.0.
    # Value: hybrid price 24,000 × 0.98 = 23,520; eff. age 3.786 + 0.5 × (2.333 - 3.786)
    #   = 3.060; D(valeur_sure) = .82 × .88 × .91 × (1 - .08 × .060) = .65352 → 15,371
    #   → 15,350; no version → ± 12 % (13,550 - 17,200).
    # Costs: energy 4.3 × 82 × 1.83 / 12 = 53.8 → 54; insurance 62.5 × .9 = 56.25 → 56;
    #   invoices since 2024-11-24: 210 + 230 = 440 / 24 = 18.3 → 18; CT 3 (first CT
    #   2027-02-10 within 24 months); depreciation 79.6 → 80. Total 211.
    # First CT due 2027-02-10, i.e. within 3 months → warning. Sell before: no CT
    #   needed for a car under 4 years → best time 2027-02-10.
    r = run({"brand": "TOYOTA", "model": "YARIS", "year": 2023, "first_registration_date": "2023-02-10",
             "mileage": 35000, "fuel_type": "Hybride", "previous_owners": 0,
             "expenses": [
                 {"date": "2024-02-05", "mileage": 12000, "category": "vidange", "amount": 190},
                 {"date": "2025-02-03", "mileage": 22000, "category": "vidange", "amount": 210},
                 {"date": "2026-02-02", "mileage": 31000, "category": "vidange", "amount": 230},
             ]})
    assert r.annual_km == 8200
    assert r.reliability_score == 8.0
    assert_value(r, 13550, 15350, 17200)
    assert lines(r) == {"depreciation": 80, "energy": 54, "insurance": 56, "maintenance": 18,
                        "controle_technique": 3, "taxes": 0}
    assert r.next_technical_inspection == date(2027, 2, 10)
    assert alert_types(r)["controle_technique"] == "warning"
    assert r.crit_air == 1
    assert r.resale.best_time_to_sell == date(2027, 2, 10)
    assert "4 ans" in r.resale.best_time_label


# ---------------------------------------------------------------------------
# 4. Electric saloon.


def test_tesla_model_3_electric() -> None:
    # Age 5 + 84/365 = 5.230. km/yr: CT 2025-08-20 (48,000) → today (60,000):
    #   12,000 / 1.2622 yr = 9,508 → 9,500.
    # Reliability: age 0; ratio 0.76 → 0; owners 1 → 0; CT +0.3; Tesla suspension
    #   arms -0.3; no invoice is no fault: Tesla plans no annual service (issue 14)
    #   → 7.0.
    # Value: 43,000 × 0.98^3 = 40,471; eff. age 5.230 + 0.5 × (4 - 5.230) = 4.615;
    #   D(electrique) = .72 × .83 × .88 × .90 × (1 - .08 × .615) = .45001 → 18,212 × .97
    #   = 17,666 → 17,650; no version → ± 12 % (15,550 - 19,800).
    # Costs: 15.5 kWh × 95 × 0.2749 / 12 = 33.7 → 34; insurance 68.33 × 1.2 = 82;
    #   maintenance 52 × 0.7 × 1.0092 × 0.88 = 32.3 → 32; CT 3; carte grise bought
    #   2024-05-01, before EVs paid the regional tax (1 May 2025): 13.76 / 48 → 0;
    #   depreciation 90.7 → 91. Total 242.
    # Next CT 2027-08-20; it serves a sale until 2028-02-20 → best time.
    r = run({"brand": "Tesla", "model": "MODEL 3", "year": 2021, "first_registration_date": "2021-09-01",
             "mileage": 60000, "fuel_type": "electrique", "previous_owners": 1, "fiscal_power": 10,
             "purchase_date": "2024-05-01", "purchase_price": 32000,
             "technical_inspections": [{"date": "2025-08-20", "result": "A", "mileage": 48000, "nature": "VTP"}]})
    assert r.annual_km == 9500
    assert r.reliability_score == 7.0
    assert_value(r, 15550, 17650, 19800)
    assert "entretien" not in alert_types(r)
    assert lines(r) == {"depreciation": 91, "energy": 34, "insurance": 82, "maintenance": 32,
                        "controle_technique": 3, "taxes": 0}
    assert r.monthly_cost_breakdown[1].label == "Électricité"
    assert r.crit_air == 0
    assert r.next_technical_inspection == date(2027, 8, 20)
    assert r.resale.best_time_to_sell == date(2028, 2, 20)
    assert "distribution" not in alert_types(r)


# ---------------------------------------------------------------------------
# 5. LPG Dacia: flat depreciation profile.


def test_dacia_sandero_lpg() -> None:
    # Age 6 + 237/365 = 6.649. km/yr: 2024-03-20 (45,000) → today (70,000):
    #   25,000 / 2.6804 yr = 9,327 → 9,300.
    # Reliability: age -0.5; owners 0 +0.3; no invoice -0.3; CT +0.3; Dacia +0.1 → 6.9.
    # Value: 14,000 × 0.98^4 = 12,913; eff. age 6.649 + 0.5 × (4.667 - 6.649) = 5.658;
    #   D(dacia, issue 14: carVertical's Duster, -6.6 % then -15 % over 5 years)
    #   = .934×.97×.98×.98×.98 × (1 - .05 × .658) = .82465 → 10,649 → 10,650;
    #   no version → ± 12 % (9,350 - 11,950).
    # Costs: 7.6 l GPL × 93 × 0.987 / 12 = 58.1 → 58; insurance 56; maintenance
    #   38 × 0.9 × 1.066 × 0.872 = 31.8 → 32; CT 3; bought new in 2020, more than
    #   48 months ago → taxes 0; depreciation 44. Total 193.
    r = run({"brand": "Dacia", "model": "Sandero Stepway", "year": 2020, "first_registration_date": "2020-04-01",
             "mileage": 70000, "fuel_type": "GPL", "previous_owners": 0, "euro_class": "EURO6",
             "purchase_date": "2020-04-01", "purchase_price": 12000, "fiscal_power": 5,
             "technical_inspections": [
                 {"date": "2024-03-20", "result": "favorable", "mileage": 45000},
                 {"date": "2026-03-10", "result": "favorable", "mileage": 62000},
             ]})
    assert r.annual_km == 9300
    assert r.reliability_score == 6.9
    assert_value(r, 9350, 10650, 11950)
    assert lines(r) == {"depreciation": 44, "energy": 58, "insurance": 56, "maintenance": 32,
                        "controle_technique": 3, "taxes": 0}
    assert r.crit_air == 1
    assert r.next_technical_inspection == date(2028, 3, 10)
    assert r.resale.best_time_to_sell == date(2028, 9, 10)


# ---------------------------------------------------------------------------
# 6. Old electric city car with the owner's yearly km.


def test_renault_zoe_2016_with_owner_mileage() -> None:
    # Age 10 + 54/365 = 10.148; km/yr given: 9,000.
    # Reliability: age 10-15 -1.0; owners 1 → 0; no invoice -0.3; CT favourable with
    #   1 defect +0.2 → 5.9 (issue 14: a rented battery is no reliability defect;
    #   it is an input that moves the cost and the value).
    # Value: 33,000 × 0.98^8 = 28,075; eff. age 10.148 + 0.5 × max(-2, 6.33 - 10.15)
    #   = 9.148; D(electrique) = .43544 × .93^4 × (1 - .07 × .148) = .32236 → 9,050
    #   × .96 (10 yrs) × .97 = 8,428 → 8,450; ± 12 % (7,400 - 9,450).
    # Costs: 17 kWh × 90 × 0.2749 / 12 = 35.0 → 35; insurance 68.33 × .9 × .85 = 52.3 → 52;
    #   maintenance 38 × 0.7 × 1.206 × 0.86 = 27.6 → 28; CT 3; depreciation 75.3 → 75.
    #   Total 193.
    # CT 2024-09-15 + 2 yrs = 2026-09-15: overdue → critical, and a sale blocker.
    r = run({"brand": "Renault", "model": "ZOE", "year": 2016, "first_registration_date": "2016-10-01",
             "mileage": 95000, "fuel_type": "Électrique", "previous_owners": 1, "annual_km": 9000,
             "technical_inspections": [{"date": "2024-09-15", "result": "favorable", "mileage": 80000,
                                        "defects": ["Pneumatique usé"]}]})
    assert r.annual_km == 9000
    assert r.reliability_score == 5.9
    assert_value(r, 7400, 8450, 9450)
    assert lines(r) == {"depreciation": 75, "energy": 35, "insurance": 52, "maintenance": 28,
                        "controle_technique": 3, "taxes": 0}
    assert alert_types(r)["controle_technique"] == "critical"
    assert "135" in next(a.message for a in r.alerts if a.type == "controle_technique")
    assert r.resale.best_time_to_sell is None


# ---------------------------------------------------------------------------
# 7. VW Golf diesel with a DSG7 gearbox and a documented timing belt.


def test_volkswagen_golf_tdi_dsg_with_timing_belt_invoice() -> None:
    # Age 13 + 249/365 = 13.682. km/yr: 2023-03-01 (131,000) → today (160,000):
    #   29,000 / 3.7344 yr = 7,766 → 7,800.
    # Reliability: age -1.0; ratio 0.94 → 0; ≥150k -0.5; owners 1 → 0; 4 services in
    #   5 years = 0.8 → +0.7; CT +0.3; issue 14, weaknesses by code: an automatic
    #   gearbox without its code may or may not be the DQ200 → -1.0 × 0.6 = -0.6; a TDI
    #   without its code may be an EA288 → -0.3 × 0.6 = -0.18 → 5.72 → 5.7.
    # Value: 31,000 × 0.98^11 = 24,822; eff. age 13.682 - 1 (bonus capped) = 12.682;
    #   D(standard) = .32860 → 8,157; × .96 × .96 (150k) × .96 (10 yrs) × .97
    #   = 7,000 (6,450 - 7,550).
    # Costs: 5.0 × 78 × 2.00 / 12 = 65; insurance 53; invoices since 2024-11-24:
    #   250 + 260 = 510 / 24 = 21.25 → 21; CT 3; depreciation 35. Total 177.
    # Belt done 2021-05-10 at 110,000 km: next at 290,000 km or 2031-05-10 → no alert.
    r = run({"brand": "VW", "model": "GOLF VII", "year": 2013, "first_registration_date": "2013-03-20",
             "mileage": 160000, "fuel_type": "diesel", "engine": "1.6 TDI 105", "gearbox": "automatique",
             "previous_owners": 1, "euro_class": "EURO5",
             "expenses": [
                 {"date": "2021-05-10", "mileage": 110000, "category": "distribution", "amount": 850},
                 {"date": "2023-03-01", "mileage": 131000, "category": "vidange", "amount": 220},
                 {"date": "2024-03-05", "mileage": 143000, "category": "vidange", "amount": 240},
                 {"date": "2025-03-10", "mileage": 151000, "category": "vidange", "amount": 250},
                 {"date": "2026-03-02", "mileage": 158000, "category": "vidange", "amount": 260},
             ],
             "technical_inspections": [
                 {"date": "2022-03-01", "result": "favorable", "mileage": 120000},
                 {"date": "2024-02-20", "result": "favorable", "mileage": 142000},
             ]})
    assert r.vehicle == "Volkswagen Golf"
    assert r.annual_km == 7800
    assert factor(r, "faiblesse_dsg7_dq200") == -0.6
    assert factor(r, "faiblesse_vag_ea189") == pytest.approx(-0.18)
    assert r.reliability_score == 5.7
    assert_value(r, 6450, 7000, 7550)
    assert lines(r) == {"depreciation": 35, "energy": 65, "insurance": 53, "maintenance": 21,
                        "controle_technique": 3, "taxes": 0}
    assert "distribution" not in alert_types(r)
    assert r.crit_air == 2
    assert r.next_technical_inspection == date(2026, 2, 20)
    assert r.resale.best_time_to_sell is None  # CT expired: a sale blocker


# ---------------------------------------------------------------------------
# 8. Old diesel outside the catalogue.


def test_peugeot_206_diesel_not_in_catalogue() -> None:
    # Not catalogued → compact (C) defaults: new price 28,000, diesel 5.0 l/100,
    #   range ± 15 %; the make is known → French depreciation profile.
    # Age 22 + 198/365 = 22.542; km/yr 210,000 / 22.542 = 9,316 → 9,300.
    # Reliability: age ≥15 -1.5; ratio 0.75 → 0; ≥200k -1.0; 3 previous owners -0.6;
    #   no invoice -0.3; no CT -0.2 → 3.4.
    # Value: 28,000 × 0.98^20 = 18,693; eff. age 21.542; D = .48023 × .94^16 × (1 - .06
    #   × .542) = .20211 → × .96 × .96 × .95 × .96 × .91 (3 previous owners) = 2,890;
    #   × .92: Crit'Air 4 banned in the Grand Paris ZFE since 2021 (issue 14)
    #   = 2,659 → 2,650 (2,250 - 3,050).
    # Costs: 5.0 × 93 × 2.00 / 12 = 77.5 → 78; insurance 53; maintenance 44 × 1.5 (capped)
    #   × 0.872 = 57.6 → 58; CT 3; depreciation 13. Total 205.
    # Crit'Air from the date: diesel 2001-2005 → 4.
    r = run({"brand": "Peugeot", "model": "206", "year": 2004, "first_registration_date": "2004-05-10",
             "mileage": 210000, "fuel_type": "gazole", "previous_owners": 3})
    assert not r.model_known and r.segment == "C"
    assert r.annual_km == 9300
    assert r.reliability_score == 3.4
    assert_value(r, 2250, 2650, 3050)
    assert "Crit'Air 4" in r.resale.reasoning and "zfe" in alert_types(r)
    assert lines(r) == {"depreciation": 13, "energy": 78, "insurance": 53, "maintenance": 58,
                        "controle_technique": 3, "taxes": 0}
    assert r.crit_air == 4
    assert r.resale.best_time_to_sell is None
    assert len(r.comparisons) == 3 and all(c.segment == "C" for c in r.comparisons)


# ---------------------------------------------------------------------------
# 9. Odometer rollback on a PureTech C3.


def test_citroen_c3_puretech_with_odometer_rollback() -> None:
    # CT readings 62,000 (2019) then 48,000 (2021): rollback beyond 300 km; issue 14:
    #   weight = 14,000 / 20,000 × trust(CT, CT) 1.0 = 0.7 ≥ 0.5 → critical.
    # Current km = declared 58,000 (≥ latest reading 57,000). Readings are not
    #   trusted → km/yr = 58,000 / 11.4 = 5,088 → 5,100.
    # Reliability: age 11.4 -1.0; no invoice -0.3; CT +0.3; PureTech belt -1.2 (engine
    #   known); ETG gearbox unknown → -0.6 × 0.6 = -0.36; rollback -1.5 × 0.7 = -1.05
    #   → 7 - 3.61 = 3.39 → 3.4.
    # Value: 18,500 × 0.98^9 = 15,424; eff. age 10.4; D = .40272 → 6,212 × .96 (10 yrs)
    #   × .97 = 5,784; × .85 (PureTech reputation, engine known, issue 14) × .895 (km
    #   non garanti: 1 - .15 × .7) = 4,400; range ± 13 % → 3,850 - 4,950.
    # Costs: energy 6.0 × 51 × 1.83 / 12 = 46.7 → 47; insurance 62.5 × .9 × .85 = 47.8 → 48;
    #   maintenance 38 × 1.256 × 0.75 = 35.8 → 36; CT 3; depreciation 22. Total 156.
    r = run({"brand": "Citroen", "model": "C3", "year": 2015, "first_registration_date": "2015-07-01",
             "mileage": 58000, "fuel_type": "essence", "engine": "1.2 PureTech 82", "previous_owners": 1,
             "technical_inspections": [
                 {"date": "2019-06-20", "result": "favorable", "mileage": 62000},
                 {"date": "2021-06-15", "result": "favorable", "mileage": 48000},
                 {"date": "2023-06-10", "result": "favorable", "mileage": 53000},
                 {"date": "2025-06-05", "result": "favorable", "mileage": 57000},
             ]})
    assert r.current_km == 58000
    assert r.annual_km == 5100
    assert [f.kind for f in r.odometer_findings] == ["rollback"]
    assert alert_types(r)["kilometrage"] == "critical"
    assert factor(r, "faiblesse_psa_etg") == pytest.approx(-0.36)
    assert r.reliability_score == 3.4
    assert_value(r, 3850, 4400, 4950)
    assert lines(r) == {"depreciation": 22, "energy": 47, "insurance": 48, "maintenance": 36,
                        "controle_technique": 3, "taxes": 0}
    assert "kilométrage compteur non garanti" in r.resale.reasoning
    assert alert_types(r)["distribution"] == "warning"  # 6 years passed, no invoice


# ---------------------------------------------------------------------------
# 10. Big diesel with a contre-visite pending.


def test_bmw_320d_with_pending_contre_visite() -> None:
    # Age 16 + 84/365 = 16.230; km/yr 15,000 / 2.1766 yr = 6,892 → 6,900.
    # Reliability: age ≥15 -1.5; ≥200k -1.0; 2 previous owners -0.3; no invoice -0.3;
    #   last CT major defects -1.0; N47 chain (320d) -1.0 → 1.9.
    # Value: 48,000 × 0.98^14 = 36,174; eff. age 15.230; standard D × .96 × .96 × .95
    #   (200k) × .96 (10 yrs) × .94 (2 owners) × .95 (contre-visite pending) = 7,620
    #   → 7,600 (7,000 - 8,250).
    # Costs: 5.6 × 69 × 2.00 / 12 = 64.4 → 64; insurance 62.5 × 1.2 × .85 = 63.75 → 64;
    #   maintenance 52 × 1.3 (BMW) × 1.449 × 0.776 = 76.0 → 76; CT 3; depreciation 38.
    #   Total 245.
    # Contre-visite due 2026-12-01 (2 months after 2026-10-01) → warning; selling with
    #   the report is possible until then → "Dès maintenant".
    r = run({"brand": "BMW", "model": "320d", "year": 2010, "first_registration_date": "2010-09-01",
             "mileage": 230000, "fuel_type": "diesel", "engine": "320d", "previous_owners": 2,
             "euro_class": "EURO5",
             "technical_inspections": [
                 {"date": "2024-09-20", "result": "favorable", "mileage": 215000},
                 {"date": "2026-10-01", "result": "S", "mileage": 228000, "defects": ["Plaquettes de frein"]},
             ]})
    assert r.vehicle == "BMW Série 3"
    assert r.annual_km == 6900
    assert r.reliability_score == 1.9
    assert_value(r, 7000, 7600, 8250)
    assert lines(r) == {"depreciation": 38, "energy": 64, "insurance": 64, "maintenance": 76,
                        "controle_technique": 3, "taxes": 0}
    assert r.next_technical_inspection == date(2026, 12, 1)
    assert alert_types(r)["controle_technique"] == "warning"
    assert r.resale.best_time_to_sell == date(2026, 12, 1)
    assert r.resale.best_time_label == "Dès maintenant"
    assert r.crit_air == 2


# ---------------------------------------------------------------------------
# 11. Fiat 500 Dualogic with a timing belt coming due.


def test_fiat_500_dualogic_belt_due_soon() -> None:
    # Age 14 + 162/365 = 14.444; km/yr CT 2025-05-20 (92,000) → today (98,000):
    #   6,000 / 1.514 yr = 3,963 → 4,000.
    # Belt (120,000 km / 5 yrs) replaced 2022-05-10 → due 2027-05-10 (within 6 months)
    #   → warning, and it is the earliest selling deadline (100,000 km comes
    #   2027-05-24).
    # Reliability: age -1.0; maintenance: one invoice, no service in 5 yrs → -0.3;
    #   CT +0.3; an automatic gearbox without its code may not be the Dualogic
    #   (issue 14) → -0.6 × 0.6 = -0.36 (TwinAir does not match a 1.2 8V) → 5.64 → 5.6.
    # Value: 17,000 × 0.98^12 = 13,340; eff. age 13.444; standard D = .31349 × .96 (10 yrs)
    #   × .97 = 3,894 → 3,900 (3,600 - 4,200).
    # Costs: 5.7 × 40 × 1.83 / 12 = 34.8 → 35; insurance 62.5 × .85 × .85 = 45.2 → 45;
    #   maintenance 32 × 0.95 × 1.378 × 0.75 = 31.4 → 31; CT 3; depreciation 32.
    #   Total 146.
    r = run({"brand": "Fiat", "model": "500", "year": 2012, "first_registration_date": "2012-06-15",
             "mileage": 98000, "fuel_type": "essence", "engine": "1.2 8V 69", "gearbox": "automatique",
             "previous_owners": 1,
             "expenses": [{"date": "2022-05-10", "mileage": 70000, "category": "distribution", "amount": 480,
                           "label": "Kit distribution + pompe à eau"}],
             "technical_inspections": [{"date": "2025-05-20", "result": "favorable", "mileage": 92000}]})
    assert r.annual_km == 4000
    assert r.reliability_score == 5.6
    assert_value(r, 3600, 3900, 4200)
    assert lines(r) == {"depreciation": 32, "energy": 35, "insurance": 45, "maintenance": 31,
                        "controle_technique": 3, "taxes": 0}
    belt = next(a for a in r.alerts if a.type == "distribution")
    assert belt.severity == "warning" and belt.due_date == date(2027, 5, 10)
    assert r.resale.best_time_to_sell == date(2027, 5, 10)
    assert "distribution" in r.resale.best_time_label
    # Keeping 1 year includes the belt job (700 €).
    keep1 = next(s for s in r.scenarios if s.years == 1)
    running = 35 + 45 + 31 + 3
    assert keep1.cumulative_cost == running * 12 + 700


# ---------------------------------------------------------------------------
# 12. Recently bought premium compact: carte grise amortised.


def test_mercedes_classe_a_recent_purchase() -> None:
    # Age 8 + 228/365 = 8.625; km/yr 2024-04-02 (52,000) → today (75,000):
    #   23,000 / 2.6448 yr = 8,696 → 8,700.
    # Reliability: age -0.5; 2 services in 5 yrs = 0.4 → +0.2; CT +0.3 → 7.0.
    # Value: 38,000 × 0.98^6 = 33,662; eff. age 7.625; standard D = .44936 → 15,126 × .97
    #   = 14,672 → 14,650; no version → ± 12 % (12,900 - 16,450).
    # Costs: 6.8 × 87 × 1.83 / 12 = 90.2 → 90; insurance 62.5 × .85 = 53.1 → 53; invoices
    #   since purchase 2025-06-01 (17.79 months): 660 / 17.79 = 37.1 → 37; CT 3; carte
    #   grise 7 CV × 53.19 (average of the regions, no postcode) + 13.76 = 386.1 / 48
    #   = 8.0 → 8; depreciation 73. Total 264.
    # Best time: the car turns 10 on 2028-04-10 (before the CT-window deadline).
    r = run({"brand": "Mercedes", "model": "A 180", "year": 2018, "first_registration_date": "2018-04-10",
             "mileage": 75000, "fuel_type": "essence", "gearbox": "automatique", "previous_owners": 1,
             "purchase_date": "2025-06-01", "purchase_price": 19500, "fiscal_power": 7, "euro_class": "EURO6",
             "expenses": [
                 {"date": "2025-07-01", "mileage": 61000, "category": "vidange", "amount": 320},
                 {"date": "2026-06-15", "mileage": 73000, "category": "vidange", "amount": 340},
             ],
             "technical_inspections": [
                 {"date": "2024-04-02", "result": "favorable", "mileage": 52000},
                 {"date": "2026-03-25", "result": "favorable", "mileage": 68000},
             ]})
    assert r.vehicle == "Mercedes-Benz Classe A"
    assert r.annual_km == 8700
    assert r.reliability_score == 7.0
    assert_value(r, 12900, 14650, 16450)
    assert lines(r) == {"depreciation": 73, "energy": 90, "insurance": 53, "maintenance": 37,
                        "controle_technique": 3, "taxes": 8}
    assert r.monthly_cost_estimate == 264
    assert r.resale.best_time_to_sell == date(2028, 4, 10)


# ---------------------------------------------------------------------------
# 13. Plug-in hybrid with the owner's real premium and yearly km.


def test_peugeot_3008_plug_in_hybrid_and_scenarios() -> None:
    # Age 5 + 308/365 = 5.844; km/yr given 15,000; insurance given 62.40 → 62.
    # Reliability: age 0; owners 0 +0.3; no invoice -0.3; CT +0.3 → 7.3.
    # Value: PHEV price 45,000 × 0.98^3 = 42,354; eff. age 5.844 - 1 = 4.844;
    #   D(francaise) = .83 × .87 × .91 × .92 × (1 - .07 × .844) = .56883 → 24,092 → 24,100.
    # Costs: 150 × (2.8 l × 1.83 + 14.5 kWh × 0.2749) / 12 = 113.9 → 114; insurance 62;
    #   maintenance 50 × 1.034 × 1.1 = 56.9 → 57; CT 3; depreciation
    #   (24,092 - value at 6.844 yrs/60,000 km) / 12 → 124. Total 360.
    # Keep 1 year: 12 × (114 + 62 + 57 + 3) = 2,832; value then 22,600 → net 19,768;
    #   per month, on the raw values as the monthly cost (issue 12): 124 + 236 = 360.
    r = run({"brand": "Peugeot", "model": "3008", "year": 2021, "first_registration_date": "2021-01-20",
             "mileage": 45000, "fuel_type": "hybride_rechargeable", "previous_owners": 0,
             "annual_km": 15000, "insurance_monthly": 62.4, "purchase_date": "2021-01-20", "purchase_price": 45000,
             "technical_inspections": [{"date": "2025-01-10", "result": "favorable", "mileage": 38000}]})
    assert r.reliability_score == 7.3
    assert r.resale.value_estimate == 24100
    assert lines(r) == {"depreciation": 124, "energy": 114, "insurance": 62, "maintenance": 57,
                        "controle_technique": 3, "taxes": 0}
    assert r.monthly_cost_breakdown[1].label == "Carburant et électricité"
    assert r.crit_air == 1
    sell, keep1, keep2, keep3 = r.scenarios
    assert (sell.net_position, sell.cumulative_cost) == (24100, 0)
    assert (keep1.cumulative_cost, keep1.value_at_end, keep1.net_position) == (2832, 22600, 19768)
    assert keep1.monthly_equivalent == 360 == r.monthly_cost_estimate
    assert (keep2.value_at_end, keep3.value_at_end) == (21250, 20000)
    assert keep3.cumulative_cost == 3 * 2832
    assert [p.value for p in r.value_curve[:4]] == [24100, 22600, 21250, 20000]
    assert alert_types(r)["controle_technique"] == "warning"  # due 2027-01-10, < 3 months


# ---------------------------------------------------------------------------
# 14. SUV with a lien (gage) and one claim in Histovec.


def test_kia_sportage_with_gage_and_claim() -> None:
    # Age 7 + 84/365 = 7.230; km/yr 38,000 / 3.2498 yr = 11,693 → 11,700.
    # Reliability: age -0.5; no invoice -0.3; CT +0.3; Kia +0.2; 1 claim -0.3 → 6.4.
    # Value: 35,000 × 0.98^5 = 31,637; eff. age 6.230; D = .48980 → 15,496 × .97 (owner)
    #   × .97 (1 claim) = 14,580 → 14,600; no version → ± 12 % (12,850 - 16,350).
    # Costs: 5.8 × 117 × 2.00 / 12 = 113.1 → 113; insurance 62.5 × 1.1 = 68.75 → 69;
    #   maintenance 50 × 0.95 × 1.089 × 0.968 = 50.1 → 50; CT 3; depreciation 73.
    #   Total 308.
    # The gage is a sale blocker (issue 12): no date, "Vente impossible tant que …".
    r = run({"brand": "Kia", "model": "Sportage", "year": 2019, "first_registration_date": "2019-09-01",
             "mileage": 88000, "fuel_type": "diesel", "previous_owners": 1, "euro_class": "EURO6",
             "situation": {"gage": True}, "claims_count": 1,
             "technical_inspections": [
                 {"date": "2023-08-25", "result": "favorable", "mileage": 50000},
                 {"date": "2025-08-20", "result": "favorable", "mileage": 72000},
             ]})
    assert r.annual_km == 11700
    assert r.reliability_score == 6.4
    assert_value(r, 12850, 14600, 16350)
    assert lines(r) == {"depreciation": 73, "energy": 113, "insurance": 69, "maintenance": 50,
                        "controle_technique": 3, "taxes": 0}
    assert alert_types(r)["situation_administrative"] == "warning"
    assert "gage" in r.resale.reasoning.lower()
    assert r.resale.best_time_to_sell is None
    assert r.resale.best_time_label == "Vente impossible tant que le gage n'est pas levé"


# ---------------------------------------------------------------------------
# 15. Nearly new city car bought new.


def test_volkswagen_polo_nearly_new() -> None:
    # Age 3 + 176/365 = 3.482; km/yr 14,000 / 3.482 = 4,020 → 4,000.
    # Reliability: age 3-6 → 0; owners 0 +0.3; no invoice -0.3 → 7.0.
    # Value: 22,000 × 0.98 = 21,560; eff. age 3.482 - 1 = 2.482; D = .78 × .87 ×
    #   (1 - .09 × .482) = .64915 → 13,996 → 14,000; no version → ± 12 % (12,300 - 15,700).
    # Costs: 6.0 × 40 × 1.83 / 12 = 36.6 → 37; insurance 56; maintenance 38 × 1.1 × 0.75
    #   (floor) = 31.35 → 31; CT 3 (first CT 2027-06-01); carte grise 5 × 53.19 + 13.76 =
    #   279.7 / 48 = 5.8 → 6; depreciation 100. Total 233.
    # Best time: before 4 years (no CT needed to sell) → 2027-06-01.
    r = run({"brand": "Volkswagen", "model": "Polo", "year": 2023, "first_registration_date": "2023-06-01",
             "mileage": 14000, "fuel_type": "essence", "previous_owners": 0, "fiscal_power": 5,
             "purchase_date": "2023-06-01", "purchase_price": 21000})
    assert r.annual_km == 4000
    assert r.reliability_score == 7.0
    assert_value(r, 12300, 14000, 15700)
    assert lines(r) == {"depreciation": 100, "energy": 37, "insurance": 56, "maintenance": 31,
                        "controle_technique": 3, "taxes": 6}
    assert r.monthly_cost_estimate == 233
    assert r.next_technical_inspection == date(2027, 6, 1)
    assert alert_types(r)["controle_technique"] == "info"
    assert r.resale.best_time_to_sell == date(2027, 6, 1)
    assert "distribution" not in alert_types(r)  # EA211 belt: 210,000 km / 2033


# ---------------------------------------------------------------------------
# 16-17. Very old cars: Crit'Air 3 and "non classé".


def test_renault_twingo_1998_petrol() -> None:
    # Age 28 + 268/365 = 28.734; km/yr 142,000 / 28.734 = 4,942 → 4,900.
    # Reliability: age ≥15 -1.5; 4 previous owners -0.6; no invoice -0.3; no CT -0.2 → 4.4.
    # Value: 17,000 × 0.98^26 = 10,054; eff. age 27.734; French D = .13777 × .96 (100k)
    #   × .96 (10 yrs) × .88 (owner floor) = 1,123; × .92: Crit'Air 3 banned in the Grand
    #   Paris and Lyon ZFE since 2025 (issue 14) = 1,033 → 1,050 (900 - 1,150).
    # Crit'Air: petrol registered 1997-2005 → 3. Belt 120,000 km / 6 yrs passed → warning.
    # No CT on record: a sale blocker (issue 12) → no date.
    r = run({"brand": "Renault", "model": "Twingo", "year": 1998, "first_registration_date": "1998-03-01",
             "mileage": 142000, "fuel_type": "essence", "previous_owners": 4})
    assert r.reliability_score == 4.4
    assert_value(r, 900, 1050, 1150)
    assert r.crit_air == 3
    assert alert_types(r)["distribution"] == "warning"
    assert r.resale.best_time_to_sell is None


def test_old_diesel_is_not_classified_for_crit_air() -> None:
    # Diesel registered before July 1997 → "non classé": warning.
    # Reliability: age ≥15 -1.5; 250,000 km -1.5; owners unknown 0; no invoice -0.3;
    #   no CT -0.2 → 3.5. Value: unknown model → C price 28,000 × 0.98^32 = 14,672,
    #   French D at 33.6 yrs × steps × .97 (unknown owners = 1) = 978 → 1,000
    #   (850 - 1,150).
    r = run({"brand": "Peugeot", "model": "205", "year": 1992, "first_registration_date": "1992-04-15",
             "mileage": 250000, "fuel_type": "diesel"})
    assert r.crit_air is None and r.crit_air_label == "Non classé"
    assert alert_types(r)["crit_air"] == "warning"
    assert r.reliability_score == 3.5
    assert_value(r, 850, 1000, 1150)


# ---------------------------------------------------------------------------
# Input format: vehicle_facts_from_dict


def test_every_result_is_json_ready() -> None:
    result = run(PEUGEOT_308).to_json_dict()
    assert result["next_technical_inspection"] == "2026-06-10"
    assert isinstance(result["resale"]["value_estimate"], int)
    assert result["alerts"][0]["type"] == "controle_technique"
    assert len(result["comparisons"]) == 3


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"brand": ""}, "marque est obligatoire"),
        ({"model": None}, "modèle est obligatoire"),
        ({"year": None}, "année est obligatoire"),
        ({"year": 1949}, "entre 1950 et 2027"),
        ({"year": 2028}, "entre 1950 et 2027"),
        ({"mileage": -5}, "kilométrage ne peut pas être négatif"),
        ({"first_registration_date": "19/05/2017"}, "AAAA-MM-JJ"),
        ({"first_registration_date": "2017-02-30"}, "AAAA-MM-JJ"),
        ({"purchase_date": "2030-01-01"}, "futur"),
        ({"fuel_type": "kérosène"}, "Énergie inconnue"),
        ({"gearbox": "séquentielle"}, "Boîte de vitesses"),
        ({"expenses": [{"date": "2024-01-01", "amount": -3}]}, "négatif"),
        ({"expenses": [{"date": "2024-01-01", "amount": 30, "category": "essence"}]}, "catégorie"),
        ({"technical_inspections": [{"date": "2024-01-01", "result": "bof"}]}, "résultat"),
        ({"mileage_readings": [{"date": "2024-01-01"}]}, "kilométrage est obligatoire"),
        ({"situation": {"gage": "peut-être"}}, "oui/non"),
    ],
)
def test_invalid_input_raises_a_french_message(patch: dict[str, Any], message: str) -> None:
    data = {**PEUGEOT_308, **patch}
    with pytest.raises(InvalidVehicleData, match=message):
        vehicle_facts_from_dict(data, today=AS_OF)


def test_input_accepts_histovec_codes_and_flat_flags() -> None:
    facts = vehicle_facts_from_dict(
        {"make": "Citroën", "model": "C4", "year": "2014", "mileage": "123 000", "fuel_type": "Gazole",
         "gage": True, "first_registration_date": date(2014, 3, 1),
         "co2_g_km": 118, "color": "gris",  # database column names; unknown keys ignored
         "mileage_readings": [{"date": "2024-03-01", "km": 120000, "source": "owner"}],
         "technical_inspections": [{"date": "2024-01-01", "result": "SP", "nature": "CTP"},
                                   {"date": "2024-02-01", "result": "A", "nature": "CV"}]},
        today=AS_OF,
    )
    assert facts.brand == "Citroën" and facts.year == 2014 and facts.mileage == 123000
    assert facts.fuel_type == "diesel" and facts.situation.gage and facts.co2 == 118
    assert facts.mileage_readings[0].source == "proprietaire"
    assert [(i.result, i.nature) for i in facts.technical_inspections] == [
        ("defavorable_majeur", "periodique"),
        ("favorable", "contre_visite"),
    ]


# ---------------------------------------------------------------------------
# Reference data: catalogue and owner overrides


def test_catalogue_is_large_and_every_model_is_found_by_its_name() -> None:
    from autocoach.data import makes, models_for

    assert len(REFERENCE.models) >= 60
    assert len(makes()) >= 20
    assert "Citroën" in makes() and "Clio" in models_for("renault")
    assert models_for("Marque inconnue") == []
    for spec in REFERENCE.models:
        assert REFERENCE.find_model(spec.make, spec.model) is spec, spec.label
        assert spec.segment in REFERENCE.segments
    assert REFERENCE.find_model("CITROEN", "GRAND C4 PICASSO").model == "C4 Picasso"
    assert REFERENCE.find_model("Peugeot", "2008").model == "2008"
    assert REFERENCE.find_model("Peugeot", "208 GT Line").model == "208"


def test_every_data_file_states_its_sources() -> None:
    for key in ("catalogue", "depreciation", "fuel", "insurance", "maintenance", "controle_technique"):
        assert REFERENCE.sources[key]
    assert "La Tribune Auto 2025" in REFERENCE.sources["insurance"]
    assert "estimation AutoCoach" in REFERENCE.sources["maintenance"]


def test_owner_price_overrides_change_the_energy_line_and_the_hash() -> None:
    # Clio of case 1 with petrol at 2.00 €/l: 6.0 × 120 × 2.00 / 12 = 120.
    from autocoach.domain.analysis import inputs_hash

    data = {"brand": "Renault", "model": "Clio", "year": 2019, "first_registration_date": "2019-11-24",
            "mileage": 84000, "fuel_type": "essence", "previous_owners": 1}
    facts = vehicle_facts_from_dict(data, today=AS_OF)
    custom = load_reference({"fuel_prices": {"essence": 2.00}, "ct_price": None})
    result = analyze(facts, AS_OF, custom)
    assert lines(result)["energy"] == 120
    assert inputs_hash(facts, custom, AS_OF) != inputs_hash(facts, REFERENCE, AS_OF)
    assert inputs_hash(facts, load_reference(), AS_OF) == inputs_hash(facts, REFERENCE, AS_OF)
    with pytest.raises(ValueError, match="inconnu"):
        load_reference({"essence": 2.0})
    with pytest.raises(ValueError, match="positif"):
        load_reference({"ct_price": -1})
