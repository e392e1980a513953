"""Odometer consistency across CTs, invoices and owner readings."""

from __future__ import annotations

from datetime import date

from autocoach.domain.facts import Expense, MileageReading, TechnicalInspection, VehicleFacts
from autocoach.domain.odometer import (
    MAX_PLAUSIBLE_KM_PER_YEAR,
    ROLLBACK_TOLERANCE_KM,
    check_odometer,
    collect_readings,
    estimate_annual_km,
)

AS_OF = date(2026, 11, 24)


def car(**kw) -> VehicleFacts:  # type: ignore[no-untyped-def]
    base = dict(brand="Peugeot", model="208", year=2017, fuel_type="essence", first_registration_date=date(2017, 5, 19))
    base.update(kw)
    return VehicleFacts(**base)  # type: ignore[arg-type]


def ct(day: str, km: int) -> TechnicalInspection:
    return TechnicalInspection(date.fromisoformat(day), "favorable", km)


def test_collects_all_sources_sorted() -> None:
    facts = car(
        technical_inspections=(ct("2021-05-01", 40_000),),
        expenses=(Expense(date(2022, 6, 1), 48_000, "vidange", 180.0), Expense(date(2023, 1, 1), None, "pneus", 300.0)),
        mileage_readings=(MileageReading(date(2020, 1, 1), 30_000, "proprietaire"),),
    )
    readings = collect_readings(facts, AS_OF)
    assert [(r.km, r.source) for r in readings] == [
        (30_000, "proprietaire"),
        (40_000, "controle_technique"),
        (48_000, "facture"),
    ]


def test_consistent_history_has_no_findings() -> None:
    facts = car(
        mileage=63_000,
        technical_inspections=(ct("2021-05-01", 40_000), ct("2023-05-01", 52_000), ct("2025-05-01", 60_000)),
    )
    report = check_odometer(facts, AS_OF)
    assert report.findings == ()
    assert report.consistent
    assert report.current_km == 63_000


def test_rollback_is_detected_with_dates_and_sources_in_the_message() -> None:
    facts = car(
        mileage=70_000,
        technical_inspections=(ct("2021-05-01", 62_000), ct("2023-05-01", 48_000)),
    )
    report = check_odometer(facts, AS_OF)
    assert report.rollback_suspected
    (finding,) = [f for f in report.findings if f.kind == "rollback"]
    assert finding.severity == "critical"
    assert finding.date == date(2023, 5, 1)
    assert "01/05/2021" in finding.message and "contrôle technique" in finding.message
    assert "62\u202f000\u00a0km" in finding.message


def test_small_decrease_within_tolerance_is_not_a_rollback() -> None:
    facts = car(
        technical_inspections=(ct("2021-05-01", 40_000),),
        expenses=(Expense(date(2021, 5, 20), 40_000 - ROLLBACK_TOLERANCE_KM + 50, "vidange", 150.0),),
    )
    assert not check_odometer(facts, AS_OF).rollback_suspected


def test_one_finding_per_high_reading_even_if_later_readings_stay_low() -> None:
    facts = car(
        technical_inspections=(ct("2021-05-01", 90_000), ct("2023-05-01", 50_000), ct("2025-05-01", 60_000)),
    )
    report = check_odometer(facts, AS_OF)
    assert [f.kind for f in report.findings].count("rollback") == 1


def test_implausible_pace_between_readings() -> None:
    facts = car(
        mileage_readings=(
            MileageReading(date(2024, 1, 1), 40_000, "proprietaire"),
            MileageReading(date(2024, 7, 1), 140_000, "proprietaire"),
        )
    )
    report = check_odometer(facts, AS_OF)
    assert report.implausible
    assert any(f.kind == "implausible_rate" for f in report.findings)


def test_pace_just_under_the_limit_is_accepted() -> None:
    yearly = MAX_PLAUSIBLE_KM_PER_YEAR - 5_000
    facts = car(
        first_registration_date=date(2024, 1, 1),
        year=2024,
        mileage_readings=(
            MileageReading(date(2025, 1, 1), yearly, "proprietaire"),
            MileageReading(date(2026, 1, 1), 2 * yearly, "proprietaire"),
        ),
    )
    assert check_odometer(facts, AS_OF).consistent


def test_first_reading_too_high_for_the_cars_age() -> None:
    facts = car(
        first_registration_date=date(2025, 1, 1),
        year=2025,
        mileage_readings=(MileageReading(date(2025, 7, 1), 90_000, "proprietaire"),),
    )
    assert check_odometer(facts, AS_OF).implausible


def test_same_day_conflict() -> None:
    facts = car(
        technical_inspections=(ct("2023-05-01", 52_000),),
        mileage_readings=(MileageReading(date(2023, 5, 1), 25_000, "histovec"),),
    )
    report = check_odometer(facts, AS_OF)
    assert any(f.kind == "same_day_conflict" for f in report.findings)


def test_stale_declared_mileage_is_info_and_current_km_is_the_highest_reading() -> None:
    facts = car(mileage=50_000, technical_inspections=(ct("2025-05-01", 60_000),))
    report = check_odometer(facts, AS_OF)
    assert not report.rollback_suspected
    (finding,) = report.findings
    assert finding.kind == "stale_declared" and finding.severity == "info"
    assert report.current_km == 60_000


def test_readings_after_as_of_are_ignored() -> None:
    facts = car(technical_inspections=(ct("2021-05-01", 40_000), ct("2027-05-01", 10_000)))
    assert check_odometer(facts, AS_OF).consistent


def test_annual_km_from_readings_owner_or_age() -> None:
    owner = car(annual_km=9_000)
    assert estimate_annual_km(owner, AS_OF, check_odometer(owner, AS_OF), 12_500)[0] == 9_000
    # 2023-11-24 -> 2026-11-24: 3 years for 30,000 km.
    paced = car(
        mileage=75_000,
        mileage_readings=(MileageReading(date(2023, 11, 24), 45_000, "proprietaire"),),
    )
    km, basis = estimate_annual_km(paced, AS_OF, check_odometer(paced, AS_OF), 12_500)
    assert km == 10_000 and "24/11/2023" in basis
    # No reading: mileage / age (2019-11-24 -> 2026-11-24 = 7 years).
    aged = car(first_registration_date=date(2019, 11, 24), year=2019, mileage=84_000)
    assert estimate_annual_km(aged, AS_OF, check_odometer(aged, AS_OF), 12_500)[0] == 12_000
    unknown = car(first_registration_date=date(2026, 6, 1), year=2026)
    assert estimate_annual_km(unknown, AS_OF, check_odometer(unknown, AS_OF), 12_500)[0] == 12_500


def test_owner_correction_replaces_a_mistyped_owner_reading() -> None:
    facts = car(
        mileage_readings=(
            MileageReading(date(2025, 1, 1), 163_000, "proprietaire"),  # typo for 63,000
            MileageReading(date(2025, 1, 2), 63_000, "correction"),
            MileageReading(date(2026, 1, 1), 70_000, "proprietaire"),
        )
    )
    report = check_odometer(facts, AS_OF)
    assert report.consistent and report.current_km == 70_000
    # A CT reading is a document: a correction does not erase it.
    documented = car(
        technical_inspections=(ct("2025-01-01", 163_000),),
        mileage_readings=(MileageReading(date(2025, 1, 2), 63_000, "correction"),),
    )
    assert check_odometer(documented, AS_OF).rollback_suspected
