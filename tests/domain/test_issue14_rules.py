"""Issue 14: French rules, prices and market values, one test per rule.

Each test names its rule and cites its source in a comment. Analysis date
2026-11-24 unless a rule needs another.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from autocoach.data import load_reference
from autocoach.domain.analysis import AnalysisResult, analyze
from autocoach.domain.facts import TechnicalInspection, vehicle_facts_from_dict
from autocoach.domain.odometer import OdometerReport
from autocoach.domain.reliability import assess_reliability
from autocoach.domain.valuation import valuation_context
from autocoach.domain.rules import crit_air, crit_air_details, sale_inspection_check, technical_inspection_status

AS_OF = date(2026, 11, 24)
REFERENCE = load_reference()


def run(data: dict[str, Any], as_of: date = AS_OF) -> AnalysisResult:
    return analyze(vehicle_facts_from_dict(data, today=as_of), as_of, REFERENCE)


def car(**extra: Any) -> dict[str, Any]:
    base = {"brand": "Renault", "model": "Clio", "year": 2019, "first_registration_date": "2019-05-01",
            "fuel_type": "essence", "mileage": 70000, "previous_owners": 1}
    base.update(extra)
    return base


def line(result: AnalysisResult, key: str) -> int | None:
    return next((x.amount for x in result.monthly_cost_breakdown if x.key == key), None)


# ---------------------------------------------------------------------------
# 1. Crit'Air by date


@pytest.mark.parametrize(
    ("fuel", "registered", "expected"),
    [
        # Arrêté of 21 June 2016 (NOR DEVR1612345A), annex, cars: every boundary.
        ("diesel", date(1996, 12, 31), None),
        ("diesel", date(1997, 1, 1), 5),
        ("diesel", date(1997, 3, 15), 5),  # the audit's car: "Non classé" before issue 14
        ("diesel", date(2000, 12, 31), 5),
        ("diesel", date(2001, 1, 1), 4),
        ("diesel", date(2005, 12, 31), 4),
        ("diesel", date(2006, 1, 1), 3),
        ("diesel", date(2010, 12, 31), 3),
        ("diesel", date(2011, 1, 1), 2),
        ("essence", date(1996, 12, 31), None),
        ("essence", date(1997, 1, 1), 3),
        ("essence", date(2005, 12, 31), 3),
        ("essence", date(2006, 1, 1), 2),
        ("essence", date(2010, 12, 31), 2),
        ("essence", date(2011, 1, 1), 1),
        ("hybride", date(2008, 6, 1), 2),  # non-plug-in hybrids follow petrol
        ("e85", date(2012, 6, 1), 1),
        ("gpl", date(1999, 1, 1), 1),  # gas: Crit'Air 1 whatever the date
        ("hybride_rechargeable", date(2015, 1, 1), 1),
        ("electrique", date(2013, 1, 1), 0),
    ],
)
def test_crit_air_by_date_follows_the_arrete_of_21_june_2016(fuel: str, registered: date, expected: int | None) -> None:
    assert crit_air(fuel, None, registered) == expected


def test_crit_air_euro_norm_beats_the_date_and_a_year_alone_gives_the_class() -> None:
    # Arrêté of 21 June 2016: the class follows the Euro norm (carte grise V.9)
    # when known; the dates only stand in for it. Every boundary is a 1 January,
    # so a known year alone always falls in one class (cars only: two-wheelers
    # have their own table and are out of AutoCoach's scope).
    assert crit_air("diesel", "EURO5", date(2010, 6, 1)) == 2  # date alone would say 3
    assert crit_air("essence", "EURO3", date(2006, 3, 1)) == 3  # date alone would say 2
    info = crit_air_details("essence", None, None, 2020)
    assert (info.category, info.label) == (1, "Crit'Air 1")  # "Indéterminé" before issue 14
    assert crit_air("diesel", None, None, 1997) == 5
    assert crit_air("diesel", None, None, 1996) is None
    assert run({"brand": "Peugeot", "model": "208", "year": 2020, "fuel_type": "essence", "mileage": 50000}).crit_air == 1


# ---------------------------------------------------------------------------
# 2. Carte grise of an electric car


def test_carte_grise_of_an_electric_car_pays_the_regional_rate_since_1_may_2025() -> None:
    # Loi de finances 2025, art. 119 (CIBS L.421-49): from 1 May 2025 regions tax
    # electric cars unless they vote an exemption; only Hauts-de-France kept it
    # (BFM TV / Auto Plus, 20/04/2025). Rates per CV: regions.json (01/05/2025).
    ev = {"brand": "Renault", "model": "Zoe", "year": 2022, "first_registration_date": "2022-03-01",
          "fuel_type": "electrique", "mileage": 30000, "fiscal_power": 4, "purchase_date": "2025-09-01"}
    rennes = run({**ev, "postcode": "35000"})  # Bretagne, 60 €/CV
    assert line(rennes, "taxes") == round((4 * 60 + 13.76) / 48)
    assert "Bretagne" in next(x.basis for x in rennes.monthly_cost_breakdown if x.key == "taxes")
    lille = run({**ev, "postcode": "59000"})  # Hauts-de-France: exempt
    assert line(lille, "taxes") == 0
    unknown = run(ev)  # no postcode: the average is used, and said
    basis = next(x.basis for x in unknown.monthly_cost_breakdown if x.key == "taxes")
    assert "moyenne des 13 régions" in basis and "code postal" in basis
    assert line(unknown, "taxes") > 0
    before = run({**ev, "purchase_date": "2025-03-01"})  # bought before the change
    assert line(before, "taxes") == 0


# ---------------------------------------------------------------------------
# 3. Contre-visite after 2 months, "ajourné"


def test_contre_visite_after_the_two_month_limit_needs_a_full_new_ct() -> None:
    # Arrêté of 18 June 1991, art. 10-1 (CT des véhicules légers): the
    # contre-visite must take place within 2 months; after that a full CT is due.
    history = [
        TechnicalInspection(date(2026, 3, 2), "defavorable_majeur"),
        TechnicalInspection(date(2026, 6, 10), "favorable", nature="contre_visite"),
    ]
    status = technical_inspection_status(date(2015, 1, 1), history, as_of=AS_OF)
    assert status.due_date == date(2026, 5, 2) and status.overdue
    assert "après le délai de 2 mois" in status.reason
    assert not sale_inspection_check(date(2015, 1, 1), history, date(2026, 7, 1)).ok
    in_time = [history[0], TechnicalInspection(date(2026, 4, 20), "favorable", nature="contre_visite")]
    assert technical_inspection_status(date(2015, 1, 1), in_time, as_of=AS_OF).due_date == date(2028, 3, 2)


def test_ajourne_does_not_move_the_deadline_of_the_previous_favourable_ct() -> None:
    # Arrêté of 18 June 1991: an "ajourné" visit could not be carried out; the
    # deadline stays the previous favourable CT + 2 years (the audit's case:
    # "dépassé depuis le 20/11/2026" when it passed on 02/04/2026).
    result = run(car(year=2015, first_registration_date="2015-01-10", technical_inspections=[
        {"date": "2024-04-02", "result": "favorable"},
        {"date": "2026-11-20", "result": "X"},
    ]))
    assert result.next_technical_inspection == date(2026, 4, 2)
    ct = next(a for a in result.alerts if a.type == "controle_technique")
    assert ct.severity == "critical" and "02/04/2026" in ct.message


# ---------------------------------------------------------------------------
# 4. Weaknesses by real identity


def test_weaknesses_match_engine_and_gearbox_codes_not_brand_families() -> None:
    # PSA: the EAT6 is an Aisin torque-converter automatic, unlike the robotised
    # ETG6/BMP6 (Stellantis technical documentation); VW: EA288 engines are not
    # concerned by the emissions affair (Volkswagen AG statement, 2015), EA189 are.
    eat6 = run(car(brand="Peugeot", model="308", year=2015, first_registration_date="2015-06-01",
                   fuel_type="diesel", gearbox="automatique", version="1.6 BlueHDi 120 EAT6"))
    assert not any(f.key == "faiblesse_psa_etg" for f in eat6.reliability_factors)
    etg6 = run(car(brand="Peugeot", model="308", year=2015, first_registration_date="2015-06-01",
                   fuel_type="diesel", gearbox="automatique", version="1.6 e-HDi 115 ETG6"))
    assert next(f.weight for f in etg6.reliability_factors if f.key == "faiblesse_psa_etg") == -0.6
    ea288 = run(car(brand="Volkswagen", model="Golf", year=2014, first_registration_date="2014-06-01",
                    fuel_type="diesel", engine="2.0 TDI 150 EA288"))
    assert not any(f.key == "faiblesse_vag_ea189" for f in ea288.reliability_factors)
    ea189 = run(car(brand="Volkswagen", model="Golf", year=2011, first_registration_date="2011-06-01",
                    fuel_type="diesel", engine="1.6 TDI 105 EA189"))
    assert next(f.weight for f in ea189.reliability_factors if f.key == "faiblesse_vag_ea189") == -0.3
    unknown = run(car(brand="Volkswagen", model="Golf", year=2014, first_registration_date="2014-06-01",
                      fuel_type="diesel", engine="1.6 TDI 110"))
    assert next(f.weight for f in unknown.reliability_factors if f.key == "faiblesse_vag_ea189") == pytest.approx(-0.18)


def test_comparisons_apply_a_rival_weakness_only_when_it_applies_to_that_version() -> None:
    # Same rule as above for rivals: a "typical" rival has no known engine or
    # gearbox code, so only weaknesses that hold for every version count.
    twin = vehicle_facts_from_dict({"brand": "Peugeot", "model": "308", "year": 2015,
                                    "first_registration_date": "2015-06-01", "fuel_type": "diesel",
                                    "mileage": 120000}, today=AS_OF)
    spec = REFERENCE.find_model("Peugeot", "308")
    odometer = OdometerReport((), (), 120000, False, False)
    typical = assess_reliability(twin, AS_OF, REFERENCE, spec=spec, make=REFERENCE.find_make("Peugeot"),
                                 odometer=odometer, typical=True)
    assert not any(f.key.startswith("faiblesse_") for f in typical.factors)
    owner = assess_reliability(twin, AS_OF, REFERENCE, spec=spec, make=REFERENCE.find_make("Peugeot"), odometer=odometer)
    assert any(f.key.startswith("faiblesse_") for f in owner.factors)  # the owner is asked to check
    # The same for the market value: a typical petrol 208 gets no PureTech discount.
    petrol = vehicle_facts_from_dict({"brand": "Peugeot", "model": "208", "year": 2019, "fuel_type": "essence",
                                      "mileage": 60000}, today=AS_OF)
    spec208 = REFERENCE.find_model("Peugeot", "208")
    rival = valuation_context(petrol, REFERENCE, spec=spec208, make=None, as_of=AS_OF, typical=True)
    mine = valuation_context(petrol, REFERENCE, spec=spec208, make=None, as_of=AS_OF)
    assert not any("PureTech" in n for n in rival.condition_notes)
    assert any("PureTech" in n for n in mine.condition_notes)


# ---------------------------------------------------------------------------
# 5. Electric cars on their own terms


def test_electric_cars_follow_the_makers_service_schedule() -> None:
    # Tesla's owner's manual (Model 3, "Entretien") plans no annual service.
    tesla = run({"brand": "Tesla", "model": "Model 3", "year": 2021, "first_registration_date": "2021-03-01",
                 "fuel_type": "electrique", "mileage": 60000})
    assert next(f.weight for f in tesla.reliability_factors if f.key == "entretien") == 0.0
    assert not any(a.type == "entretien" for a in tesla.alerts)
    assert any(r.publisher == "Tesla" for r in tesla.references)
    zoe = run({"brand": "Renault", "model": "Zoe", "year": 2019, "first_registration_date": "2019-03-01",
               "fuel_type": "electrique", "mileage": 60000})
    assert next(f.weight for f in zoe.reliability_factors if f.key == "entretien") == -0.3


def test_battery_rental_adds_its_rent_and_lowers_the_value_without_a_reliability_penalty() -> None:
    # Renault battery rental (Zoé, Kangoo Z.E., Twizy, Fluence): buyers pay 2 000 to
    # 5 000 € less than with an owned battery (insta-drive.com, Zoé d'occasion).
    zoe = {"brand": "Renault", "model": "Zoe", "year": 2018, "first_registration_date": "2018-03-01",
           "fuel_type": "electrique", "mileage": 60000}
    owned, rented = run(zoe), run({**zoe, "battery_rental_monthly": 79})
    assert line(owned, "battery_rental") is None
    assert line(rented, "battery_rental") == 79
    assert rented.monthly_cost_estimate == owned.monthly_cost_estimate + 79 - (
        line(owned, "depreciation") - line(rented, "depreciation"))
    gap = owned.resale.value_estimate - rented.resale.value_estimate
    assert 2000 <= gap <= 5000
    assert "Batterie en location" in rented.resale.reasoning
    assert rented.reliability_score == owned.reliability_score
    assert any(a.type == "batterie" for a in owned.alerts)  # asks whether it is rented
    assert not any(a.type == "batterie" for a in rented.alerts)


def test_battery_state_of_health_moves_the_value() -> None:
    # A measured SoH (Aviloo-type certificate) changes what buyers pay: about 2 %
    # capacity lost a year is normal (estimation AutoCoach, market.json).
    leaf = {"brand": "Nissan", "model": "Leaf", "year": 2019, "first_registration_date": "2019-03-01",
            "fuel_type": "electrique", "mileage": 60000}
    plain = run(leaf).resale.value_estimate
    good = run({**leaf, "battery_soh": 98}).resale.value_estimate
    worn = run({**leaf, "battery_soh": 75}).resale.value_estimate
    assert worn < plain < good
    assert "état de santé de la batterie 75 %" in run({**leaf, "battery_soh": 75}).resale.reasoning


# ---------------------------------------------------------------------------
# 6. Low-emission zones


def test_zfe_alert_says_whether_the_car_may_drive_in_the_owners_zone() -> None:
    # zfe.json (checked 30/01/2026): Lyon bans Crit'Air 3 and above since
    # 01/01/2025 (franceinfo, 12/2023; Le Moniteur, 12/2024); the abolition voted
    # in 2025 was not final (FNMS, 30/01/2026).
    old_diesel = car(year=2004, first_registration_date="2004-06-01", fuel_type="diesel", mileage=200000)
    lyon = run({**old_diesel, "postcode": "69003"})
    alert = next(a for a in lyon.alerts if a.type == "zfe")
    assert alert.severity == "critical" and "ne peut pas y circuler" in alert.message
    assert "Lyon" in alert.message and "01/01/2025" in alert.message and "30/01/2026" in alert.message
    assert lyon.zfe_allowed is False
    nowhere = run(old_diesel)
    listed = next(a for a in nowhere.alerts if a.type == "zfe").message
    assert "Grand Paris" in listed and "Lyon" in listed and "code postal" in listed
    clean = run({**car(), "postcode": "69003"})
    assert next(a for a in clean.alerts if a.type == "zfe").severity == "info" and clean.zfe_allowed is True


def test_a_class_banned_in_big_cities_lowers_the_value() -> None:
    # Demand for cars banned from Paris and Lyon falls (estimation AutoCoach,
    # market.json): -8 %, shown in the price explanation.
    diesel_2010 = car(year=2010, first_registration_date="2010-06-01", fuel_type="diesel", mileage=150000)
    banned = run(diesel_2010)  # Crit'Air 3: banned in Paris and Lyon since 2025
    before = run(diesel_2010, as_of=date(2024, 11, 24))  # not banned yet then
    assert "interdite" in banned.resale.reasoning and "Crit'Air 3" in banned.resale.reasoning
    assert "interdite" not in before.resale.reasoning


# ---------------------------------------------------------------------------
# 7. Odometer proportionality


def test_odometer_penalty_scales_with_the_drop_and_the_trust_in_each_source() -> None:
    # An invoice typo is not a CT-proven rollback (issue 14 audit: 1 500 km cost
    # as much as 45 000 km). Weight = drop / 20 000 (≤ 1) × trust of the weaker source.
    typo = run(car(expenses=[{"date": "2023-03-01", "mileage": 41500, "category": "vidange", "amount": 150}],
                   technical_inspections=[{"date": "2023-05-02", "result": "A", "mileage": 40000}]))
    fraud = run(car(technical_inspections=[{"date": "2023-05-02", "result": "A", "mileage": 95000},
                                           {"date": "2025-05-02", "result": "A", "mileage": 50000}], mileage=60000))
    small = next(f.weight for f in typo.reliability_factors if f.key == "compteur")
    full = next(f.weight for f in fraud.reliability_factors if f.key == "compteur")
    assert full == -1.5 and -0.1 < small < 0
    assert next(a for a in typo.alerts if a.type == "kilometrage").severity == "warning"
    assert next(a for a in fraud.alerts if a.type == "kilometrage").severity == "critical"
    assert "-15 %" in fraud.resale.reasoning and "-15 %" not in typo.resale.reasoning


def test_a_reading_marked_as_a_typo_is_ignored() -> None:
    # The owner can mark a reading as a typing/OCR error: `typo: true` on a
    # mileage reading (facts.py) drops every reading of that date and km.
    data = car(expenses=[{"date": "2023-03-01", "mileage": 61500, "category": "vidange", "amount": 150}],
               technical_inspections=[{"date": "2023-05-02", "result": "A", "mileage": 40000}])
    assert run(data).odometer_findings
    fixed = run({**data, "mileage_readings": [{"date": "2023-03-01", "km": 61500, "typo": True}]})
    assert not fixed.odometer_findings
    assert not any(f.key == "compteur" for f in fixed.reliability_factors)


# ---------------------------------------------------------------------------
# 8. Guesses are not facts


def test_dates_from_a_guessed_registration_are_estimates_not_deadlines() -> None:
    # With only a year, AutoCoach assumes 1 July: what follows from it is shown as
    # "vers juillet 2023" and never carries a due date (no reminder is sent).
    result = run({"brand": "Peugeot", "model": "208", "year": 2023, "fuel_type": "essence", "mileage": 30000})
    ct = next(a for a in result.alerts if a.type == "controle_technique")
    assert ct.due_date is None and "vers juillet 2027" in ct.message and "estimée" in ct.message
    assert result.next_technical_inspection_estimated
    assert "vers juillet 2027" in result.summary
    dated = run({"brand": "Peugeot", "model": "208", "year": 2023, "first_registration_date": "2023-03-10",
                 "fuel_type": "essence", "mileage": 30000})
    assert next(a for a in dated.alerts if a.type == "controle_technique").due_date == date(2027, 3, 10)
    assert not dated.next_technical_inspection_estimated


# ---------------------------------------------------------------------------
# Prices and priors


def test_insurance_uses_the_2025_averages_by_energy_and_region_and_the_real_premium_wins() -> None:
    # 2025 averages: about 750 €/yr, 820 € for an EV, 590 to 940 € by region
    # (La Tribune Auto 2025; Carrefour Location, 07/10/2025: 671 €, 798 € in EV).
    petrol = run(car(year=2022, first_registration_date="2022-05-01"))
    assert line(petrol, "insurance") == round(750 / 12 * 0.9)  # Clio: B segment × 0.9
    brittany = run(car(year=2022, first_registration_date="2022-05-01", postcode="35000"))
    assert line(brittany, "insurance") == round(590 / 12 * 0.9)
    ev = run({"brand": "Renault", "model": "Zoe", "year": 2022, "first_registration_date": "2022-05-01",
              "fuel_type": "electrique", "mileage": 30000})
    assert line(ev, "insurance") == round(820 / 12 * 0.9)
    own = run(car(insurance_monthly=38.5))
    assert line(own, "insurance") == 39


def test_electricity_costs_the_regulated_tariff_plus_charging_losses() -> None:
    # CRE, TRV Base au 01/08/2025: 0,1952 €/kWh TTC; 10-15 % lost when charging (12 %).
    prices = REFERENCE.prices
    assert prices.electricity_home == pytest.approx(0.1952)
    assert prices.electricity_home_effective == pytest.approx(0.1952 * 1.12)
    zoe = run({"brand": "Renault", "model": "Zoe", "year": 2022, "first_registration_date": "2022-05-01",
               "fuel_type": "electrique", "mileage": 30000, "annual_km": 12000})
    energy = next(x for x in zoe.monthly_cost_breakdown if x.key == "energy")
    assert energy.amount == round(17 * 120 * (0.8 * 0.1952 * 1.12 + 0.2 * 0.50) / 12)
    assert "12 % de pertes de recharge" in energy.basis


def test_result_says_what_the_monthly_cost_leaves_out() -> None:
    text = run(car()).to_json_dict()["monthly_cost_leaves_out"]
    assert all(word in text for word in ("financement", "stationnement", "péages"))


def test_sources_shown_to_owners_are_checkable() -> None:
    result = run({**car(), "postcode": "69003"})
    for ref in result.references:
        if ref.estimate:
            assert "Estimation AutoCoach" in ref.title
        else:
            assert ref.publisher and ref.title and ref.date and ref.url.startswith("http")
    assert not any("brief AutoCoach" in text for text in result.sources.values())


# ---------------------------------------------------------------------------
# Market value


def test_puretech_reputation_lowers_the_value_with_its_effect_explained() -> None:
    # Caradisiac, « Les occasions à moteur 1.2 PureTech sont-elles bradées ? »
    # (12/2024): the engine's reputation drags its cars' prices since late 2023.
    puretech = car(brand="Peugeot", model="208", engine="1.2 PureTech 100")
    other = car(brand="Peugeot", model="208", fuel_type="diesel", engine="1.5 BlueHDi 100")
    now = run(puretech)
    assert "PureTech" in now.resale.reasoning and "(-15 %)" in now.resale.reasoning
    assert "PureTech" not in run(puretech, as_of=date(2023, 6, 1)).resale.reasoning
    assert "PureTech" not in run(other).resale.reasoning


def test_value_follows_the_used_car_market_level_of_its_date() -> None:
    # Used-car prices jumped in 2021-2022 (Caradisiac, 02/2022: « une inflation sans
    # précédent des prix sur le marché de la seconde main »); market.json levels,
    # calibrated on the tuning part of market_prices.json: 0.8 until 2020, 0.9 in 2021.
    clio = {"brand": "Renault", "model": "Clio", "fuel_type": "essence", "previous_owners": 1}
    in_2020 = run({**clio, "year": 2015, "first_registration_date": "2015-06-01", "mileage": 75000}, as_of=date(2020, 6, 1))
    in_2023 = run({**clio, "year": 2018, "first_registration_date": "2018-06-01", "mileage": 75000}, as_of=date(2023, 6, 1))
    assert "niveau des prix de l'occasion en 2020 (-20 %)" in in_2020.resale.reasoning
    assert "niveau des prix" not in in_2023.resale.reasoning
    assert "niveau des prix" not in run(car()).resale.reasoning  # today: the reference level
