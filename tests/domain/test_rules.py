"""Contrôle technique deadlines (incl. contre-visite) and the Crit'Air table."""

from __future__ import annotations

from datetime import date

import pytest

from autocoach.domain.facts import TechnicalInspection
from autocoach.domain.rules import (
    CT_FINE_EUR,
    add_months,
    crit_air,
    crit_air_details,
    next_technical_inspection,
    parse_euro_class,
    sale_inspection_check,
    technical_inspection_status,
    years_between,
)


def ct(day: str, result: str = "favorable", nature: str = "periodique") -> TechnicalInspection:
    return TechnicalInspection(date=date.fromisoformat(day), result=result, mileage=None, nature=nature)


# --- calendar helpers -------------------------------------------------------


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(date(2025, 12, 31), 2) == date(2026, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2026, 3, 15), -6) == date(2025, 9, 15)


def test_years_between_is_exact_on_anniversaries() -> None:
    assert years_between(date(2019, 5, 19), date(2026, 5, 19)) == 7.0
    assert years_between(date(2019, 5, 19), date(2019, 5, 19)) == 0.0
    assert years_between(date(2026, 1, 1), date(2020, 1, 1)) == 0.0
    assert 7.49 < years_between(date(2019, 5, 19), date(2026, 11, 18)) < 7.51


# --- contrôle technique -----------------------------------------------------


def test_first_ct_is_due_on_fourth_anniversary_with_six_month_window() -> None:
    status = technical_inspection_status(date(2023, 5, 19), [], as_of=date(2026, 11, 24))
    assert status.due_date == date(2027, 5, 19)
    assert status.window_start == date(2026, 11, 19)
    assert status.kind == "premier"
    assert not status.overdue


def test_first_ct_from_a_29_february_registration() -> None:
    assert next_technical_inspection(date(2024, 2, 29), [], date(2025, 1, 1)) == date(2028, 2, 29)
    assert next_technical_inspection(date(2020, 2, 29), [], date(2021, 1, 1)) == date(2024, 2, 29)
    assert next_technical_inspection(date(2021, 2, 28), [], date(2021, 3, 1)) == date(2025, 2, 28)


def test_first_ct_past_without_record_is_reported_as_unknown() -> None:
    status = technical_inspection_status(date(2015, 3, 1), [], as_of=date(2026, 11, 24))
    assert status.due_date == date(2019, 3, 1)
    assert status.kind == "inconnu"
    assert status.overdue
    assert str(CT_FINE_EUR) in status.reason


def test_favourable_ct_gives_two_years_from_its_date() -> None:
    history = [ct("2021-04-10"), ct("2023-03-28")]
    status = technical_inspection_status(date(2017, 5, 1), history, as_of=date(2024, 1, 1))
    assert status.due_date == date(2025, 3, 28)
    assert status.kind == "periodique"
    # An early CT restarts the 2 years from its own date.
    assert next_technical_inspection(date(2017, 5, 1), [ct("2020-11-02")]) == date(2022, 11, 2)


def test_major_defects_require_a_contre_visite_within_two_months() -> None:
    history = [ct("2024-06-12", "defavorable_majeur")]
    status = technical_inspection_status(date(2016, 1, 1), history, as_of=date(2024, 6, 20))
    assert status.kind == "contre_visite"
    assert status.due_date == date(2024, 8, 12)
    assert not status.overdue
    late = technical_inspection_status(date(2016, 1, 1), history, as_of=date(2024, 9, 1))
    assert late.overdue


def test_favourable_contre_visite_keeps_the_initial_visit_as_anchor() -> None:
    history = [
        ct("2024-06-12", "defavorable_majeur"),
        ct("2024-07-02", "favorable", "contre_visite"),
    ]
    assert next_technical_inspection(date(2016, 1, 1), history, date(2024, 8, 1)) == date(2026, 6, 12)


def test_critical_defects_mean_immediate() -> None:
    history = [ct("2026-10-05", "defavorable_critique")]
    status = technical_inspection_status(date(2010, 1, 1), history, as_of=date(2026, 11, 24))
    assert status.kind == "immediat"
    assert status.due_date == date(2026, 10, 5)
    assert status.overdue


def test_postponed_visit_keeps_previous_deadline_when_still_valid() -> None:
    history = [ct("2023-03-01"), ct("2025-01-10", "ajourne")]
    assert next_technical_inspection(date(2015, 1, 1), history, date(2025, 1, 20)) == date(2025, 3, 1)
    # Issue 14: a late "ajourné" visit does not move the deadline either: it
    # passed on 2025-03-01 (previous favourable CT + 2 years).
    late = [ct("2023-03-01"), ct("2025-04-10", "ajourne")]
    status = technical_inspection_status(date(2015, 1, 1), late, as_of=date(2025, 4, 20))
    assert status.due_date == date(2025, 3, 1)
    assert status.overdue


def test_inspections_after_as_of_are_ignored() -> None:
    history = [ct("2022-05-01"), ct("2024-05-01")]
    assert next_technical_inspection(date(2018, 5, 1), history, date(2023, 1, 1)) == date(2024, 5, 1)


def test_inspection_order_in_input_does_not_matter() -> None:
    history = [ct("2024-05-01"), ct("2022-05-01")]
    assert next_technical_inspection(date(2018, 5, 1), history, date(2025, 1, 1)) == date(2026, 5, 1)


# --- selling ----------------------------------------------------------------


def test_sale_needs_a_ct_under_six_months_after_four_years() -> None:
    reg = date(2018, 1, 1)
    recent = sale_inspection_check(reg, [ct("2026-08-01")], date(2026, 11, 24))
    assert recent.ok and recent.valid_until == date(2027, 2, 1)
    old = sale_inspection_check(reg, [ct("2026-03-01")], date(2026, 11, 24))
    assert not old.ok
    assert not sale_inspection_check(reg, [], date(2026, 11, 24)).ok


def test_sale_with_pending_contre_visite_is_possible_until_its_deadline() -> None:
    reg = date(2010, 1, 1)
    history = [ct("2026-10-01", "defavorable_majeur")]
    pending = sale_inspection_check(reg, history, date(2026, 11, 24))
    assert pending.ok and pending.valid_until == date(2026, 12, 1)
    assert not sale_inspection_check(reg, history, date(2026, 12, 2)).ok
    critical = [ct("2026-10-01", "defavorable_critique")]
    assert not sale_inspection_check(reg, critical, date(2026, 10, 2)).ok


def test_sale_under_four_years_needs_no_ct() -> None:
    assert sale_inspection_check(date(2023, 6, 1), [], date(2026, 11, 24)).ok


# --- Crit'Air ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("fuel", "euro", "registered", "expected"),
    [
        ("electrique", None, date(2020, 1, 1), 0),
        ("gpl", None, date(2005, 1, 1), 1),
        ("hybride_rechargeable", "EURO6", date(2021, 1, 1), 1),
        ("essence", "EURO6", date(2019, 1, 1), 1),
        ("essence", "EURO 5", None, 1),
        ("essence", "EURO4", None, 2),
        ("essence", "EURO3", None, 3),
        ("essence", "EURO2", None, 3),
        ("essence", "EURO1", None, None),
        ("diesel", "EURO6d-TEMP", None, 2),
        ("diesel", "EURO5", None, 2),
        ("diesel", "EURO4", None, 3),
        ("diesel", "EURO3", None, 4),
        ("diesel", "EURO2", None, 5),
        ("diesel", "EURO1", None, None),
        # From the first registration date when V.9 is unknown.
        ("essence", None, date(2011, 1, 1), 1),
        ("essence", None, date(2010, 12, 31), 2),
        ("essence", None, date(2006, 1, 1), 2),
        ("essence", None, date(2005, 12, 31), 3),
        ("essence", None, date(1997, 1, 1), 3),
        ("essence", None, date(1996, 12, 31), None),
        ("hybride", None, date(2015, 6, 1), 1),
        ("e85", None, date(2008, 6, 1), 2),
        ("diesel", None, date(2011, 1, 1), 2),
        ("diesel", None, date(2010, 12, 31), 3),
        ("diesel", None, date(2006, 1, 1), 3),
        ("diesel", None, date(2005, 12, 31), 4),
        ("diesel", None, date(2001, 1, 1), 4),
        ("diesel", None, date(2000, 12, 31), 5),
        # Arrêté of 21 June 2016: diesel Crit'Air 5 from 1 January 1997 (issue 14;
        # this table used to start it in July 1997).
        ("diesel", None, date(1997, 3, 15), 5),
        ("diesel", None, date(1997, 1, 1), 5),
        ("diesel", None, date(1996, 12, 31), None),
    ],
)
def test_crit_air_table(fuel: str, euro: str | None, registered: date | None, expected: int | None) -> None:
    assert crit_air(fuel, euro, registered) == expected


def test_crit_air_euro_class_wins_over_date() -> None:
    # A 2010 diesel homologated Euro 5 early is Crit'Air 2, not 3.
    assert crit_air("diesel", "EURO5", date(2010, 3, 1)) == 2


def test_crit_air_statuses() -> None:
    assert crit_air_details("diesel", None, date(1995, 1, 1)).status == "non_classe"
    assert crit_air_details("autre", None, date(2015, 1, 1)).status == "indetermine"
    assert crit_air_details("essence", None, None).status == "indetermine"
    assert crit_air_details("essence", "EURO6", None).label == "Crit'Air 1"


def test_parse_euro_class() -> None:
    assert parse_euro_class("70/220*2001/100EURO3") == 3
    assert parse_euro_class("Euro 6d-TEMP") == 6
    assert parse_euro_class("5") == 5
    assert parse_euro_class("inconnu") is None
    assert parse_euro_class(None) is None
