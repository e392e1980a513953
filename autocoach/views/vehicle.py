"""The vehicle page's and the garage's view models, from rows and provenance."""

from __future__ import annotations

import dataclasses
from typing import Any

from autocoach import routes
from autocoach.domain.analysis import most_urgent_alert
from autocoach.domain.facts import READING_SOURCES
from autocoach.domain.formatting import format_date, format_eur, format_km, format_score
from autocoach.domain.provenance import FieldProvenance, source_label
from autocoach.domain.review import shown
from autocoach.domain.vehicle_schema import VEHICLE_FIELDS
from autocoach.domain.vocabulary import EXPENSE_CATEGORIES, FUEL_TYPES, GEARBOXES
from autocoach.models import Expense, MileageReading, Vehicle

# Shown in the title and subtitle, not in the detail list.
_HEADER_FIELDS = {"brand", "model", "year", "license_plate", "mileage"}


@dataclasses.dataclass
class DetailView:
    field: str
    label: str
    value: str
    source: str  # "Source : carte grise du 12/03/2024" ("" when unknown)
    others: str  # "Aussi lu : 2008 (rapport Histovec du …)" ("" when all agree)


@dataclasses.dataclass
class ReadingView:
    id: int
    date: str
    km: str
    source: str
    typo: bool


@dataclasses.dataclass
class ExpenseView:
    id: int
    date: str
    label: str
    category: str
    mileage: str
    amount: str
    # The values as the edit form takes them.
    date_input: str
    label_input: str
    category_input: str
    mileage_input: str
    amount_input: str


@dataclasses.dataclass
class VehicleCard:
    id: int
    title: str
    subtitle: str
    plate: str
    mileage: str
    score: str
    next_alert: str
    href: str


def title(vehicle: Vehicle) -> str:
    return f"{vehicle.brand} {vehicle.model}"


def subtitle(vehicle: Vehicle) -> str:
    parts = [str(vehicle.year), FUEL_TYPES.get(vehicle.fuel_type, vehicle.fuel_type)]
    if vehicle.gearbox:
        parts.append(GEARBOXES.get(vehicle.gearbox, vehicle.gearbox))
    return " · ".join(parts)


def _display(spec, value: Any) -> str:
    return "" if value is None or value == "" else shown(spec, value)


def details(vehicle: Vehicle, provenance: dict[str, FieldProvenance]) -> list[DetailView]:
    """Every known value of the vehicle, in the schema's order, with its source."""
    rows = []
    for spec in VEHICLE_FIELDS:
        known = provenance.get(spec.name)
        value = getattr(vehicle, spec.name)
        if spec.name in _HEADER_FIELDS and not (known and known.others):
            continue
        if value is None or value == "":
            continue
        others = ""
        if known and known.others:
            others = "Aussi lu : " + " ; ".join(
                f"{_display(spec, o.value)} ({source_label(o)})" for o in known.others
            )
        rows.append(
            DetailView(
                field=spec.name,
                label=spec.label,
                value=_display(spec, value),
                source=f"Source : {source_label(known.used)}" if known else "",
                others=others,
            )
        )
    return rows


def readings(history: list[MileageReading]) -> list[ReadingView]:
    return [
        ReadingView(
            id=r.id,
            date=format_date(r.date),
            km=format_km(r.km),
            source=READING_SOURCES.get(r.source, r.source)
            + (" · erreur de saisie, ignoré" if r.typo else ""),
            typo=r.typo,
        )
        for r in history
    ]


def _amount_input(amount: float) -> str:
    return f"{amount:.2f}".rstrip("0").rstrip(".")


def expenses(rows: list[Expense]) -> list[ExpenseView]:
    return [
        ExpenseView(
            id=e.id,
            date=format_date(e.date),
            label=e.label or EXPENSE_CATEGORIES.get(e.category, e.category),
            category=EXPENSE_CATEGORIES.get(e.category, e.category),
            mileage=format_km(e.mileage) if e.mileage else "—",
            amount=format_eur(e.amount, decimals=2),
            date_input=e.date.isoformat(),
            label_input=e.label,
            category_input=e.category,
            mileage_input=str(e.mileage or ""),
            amount_input=_amount_input(e.amount),
        )
        for e in rows
    ]


def expenses_total(rows: list[Expense]) -> str:
    return f"Total : {format_eur(sum(e.amount for e in rows), decimals=2)}" if rows else ""


def garage_card(vehicle: Vehicle, score: float | None, alerts: list[dict]) -> VehicleCard:
    urgent = most_urgent_alert(alerts)
    return VehicleCard(
        id=vehicle.id,
        title=title(vehicle),
        subtitle=subtitle(vehicle),
        plate=vehicle.license_plate or "",
        mileage=format_km(vehicle.mileage),
        score="" if score is None else format_score(score),
        next_alert=urgent.get("message", "") if urgent else "",
        href=routes.vehicle_url(vehicle.id),
    )
