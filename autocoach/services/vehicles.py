"""Owner-scoped queries and commands: the one door to vehicles and their data.

Every function takes an `OwnerScope` built from the server-side session's user
id; every query filters by it. An id that belongs to someone else behaves
exactly like an id that does not exist (`NotFound`), so nothing leaks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, delete, select

from autocoach.db import read_session, utcnow, write_session
from autocoach.domain.analysis import most_urgent_alert
from autocoach.domain.vehicle_form import VehicleInput
from autocoach.models import Analysis, Document, Expense, MileageReading, Vehicle
from autocoach.services import storage


class NotFound(LookupError):
    """No such object for this owner (whether it exists for someone else or not)."""

    def __init__(self, what: str = "Ce véhicule est introuvable."):
        super().__init__(what)


class MileageDecrease(ValueError):
    """A reading below an earlier one: refused unless the owner confirms a correction."""

    def __init__(self, previous_km: int, previous_date: date):
        self.previous_km = previous_km
        self.previous_date = previous_date
        super().__init__(
            f"Ce kilométrage est inférieur au relevé du {previous_date:%d/%m/%Y} "
            f"({previous_km:,} km).".replace(",", "\u202f")
            + " S'il s'agit d'une erreur de saisie, cochez « Corriger le kilométrage »."
        )


@dataclass(frozen=True)
class OwnerScope:
    user_id: int


def owned_vehicle(session: Session, scope: OwnerScope, vehicle_id: int) -> Vehicle:
    vehicle = session.exec(
        select(Vehicle).where(Vehicle.id == vehicle_id, Vehicle.user_id == scope.user_id)
    ).first()
    if vehicle is None:
        raise NotFound()
    return vehicle


def parse_id(raw: object) -> int | None:
    """Ids arrive from URLs as text; anything that is not a positive int is no id."""
    text = str(raw or "").strip()
    return int(text) if text.isdigit() and 0 < int(text) < 2**53 else None


# --- queries --------------------------------------------------------------------


@dataclass(frozen=True)
class VehicleSummary:
    vehicle: Vehicle
    reliability_score: float | None
    next_alert: dict | None


def list_vehicles(scope: OwnerScope) -> list[VehicleSummary]:
    with read_session() as session:
        vehicles = session.exec(
            select(Vehicle).where(Vehicle.user_id == scope.user_id).order_by(col(Vehicle.created_at))
        ).all()
        summaries = []
        for vehicle in vehicles:
            latest = _latest_analysis(session, vehicle.id)
            alerts = ((latest.result or {}).get("alerts") or []) if latest else []
            summaries.append(
                VehicleSummary(
                    vehicle=vehicle,
                    reliability_score=latest.reliability_score if latest else None,
                    next_alert=most_urgent_alert(alerts),
                )
            )
        return summaries


def get_vehicle(scope: OwnerScope, vehicle_id: int) -> Vehicle:
    with read_session() as session:
        return owned_vehicle(session, scope, vehicle_id)


def _latest_analysis(session: Session, vehicle_id: int) -> Analysis | None:
    return session.exec(
        select(Analysis)
        .where(Analysis.vehicle_id == vehicle_id)
        .order_by(col(Analysis.created_at).desc(), col(Analysis.id).desc())
    ).first()


def mileage_history(scope: OwnerScope, vehicle_id: int) -> list[MileageReading]:
    """Readings, newest first."""
    with read_session() as session:
        owned_vehicle(session, scope, vehicle_id)
        return list(
            session.exec(
                select(MileageReading)
                .where(MileageReading.vehicle_id == vehicle_id)
                .order_by(col(MileageReading.date).desc(), col(MileageReading.id).desc())
            ).all()
        )


def list_documents(scope: OwnerScope, vehicle_id: int) -> list[Document]:
    with read_session() as session:
        owned_vehicle(session, scope, vehicle_id)
        return list(
            session.exec(
                select(Document)
                .where(Document.vehicle_id == vehicle_id)
                .order_by(col(Document.uploaded_at).desc())
            ).all()
        )


def get_document(scope: OwnerScope, document_id: int) -> Document:
    with read_session() as session:
        document = session.exec(
            select(Document)
            .join(Vehicle, Vehicle.id == Document.vehicle_id)
            .where(Document.id == document_id, Vehicle.user_id == scope.user_id)
        ).first()
        if document is None:
            raise NotFound("Ce document est introuvable.")
        return document


def list_expenses(scope: OwnerScope, vehicle_id: int) -> list[Expense]:
    with read_session() as session:
        owned_vehicle(session, scope, vehicle_id)
        return list(
            session.exec(
                select(Expense)
                .where(Expense.vehicle_id == vehicle_id)
                .order_by(col(Expense.date).desc(), col(Expense.id).desc())
            ).all()
        )


def latest_analysis(scope: OwnerScope, vehicle_id: int) -> Analysis | None:
    with read_session() as session:
        owned_vehicle(session, scope, vehicle_id)
        return _latest_analysis(session, vehicle_id)


# --- commands -------------------------------------------------------------------


def _check_reading(session: Session, vehicle_id: int, km: int, on: date) -> None:
    """Raise MileageDecrease if an earlier (or same-day) reading is higher."""
    previous = session.exec(
        select(MileageReading)
        .where(MileageReading.vehicle_id == vehicle_id, MileageReading.date <= on)
        .order_by(col(MileageReading.km).desc())
    ).first()
    if previous is not None and km < previous.km:
        raise MileageDecrease(previous.km, previous.date)


def add_reading(
    session: Session, vehicle: Vehicle, km: int, on: date, source: str, document_id: int | None = None
) -> None:
    """Add a reading (unless the same one is there) and show the latest on the vehicle."""
    exists = session.exec(
        select(MileageReading).where(
            MileageReading.vehicle_id == vehicle.id,
            MileageReading.date == on,
            MileageReading.km == km,
            MileageReading.source == source,
        )
    ).first()
    if exists is None:
        session.add(
            MileageReading(vehicle_id=vehicle.id, date=on, km=km, source=source, document_id=document_id)
        )
    session.flush()
    # The vehicle shows its latest reading (by date, then by entry order).
    latest = session.exec(
        select(MileageReading)
        .where(MileageReading.vehicle_id == vehicle.id)
        .order_by(col(MileageReading.date).desc(), col(MileageReading.id).desc())
    ).first()
    vehicle.mileage = latest.km if latest else km
    vehicle.updated_at = utcnow()
    session.add(vehicle)


def create_vehicle(scope: OwnerScope, data: VehicleInput, today: date) -> Vehicle:
    with write_session() as session:
        vehicle = Vehicle(user_id=scope.user_id, **data.as_dict())
        session.add(vehicle)
        session.flush()
        add_reading(session, vehicle, data.mileage, today, "owner")
        return vehicle


def update_vehicle(
    scope: OwnerScope,
    vehicle_id: int,
    data: VehicleInput,
    today: date,
    *,
    confirm_correction: bool = False,
) -> Vehicle:
    """Save the form. A changed mileage is a new reading (history is never rewritten)."""
    with write_session() as session:
        vehicle = owned_vehicle(session, scope, vehicle_id)
        mileage_changed = data.mileage != vehicle.mileage
        if mileage_changed and not confirm_correction:
            _check_reading(session, vehicle.id, data.mileage, today)
        for name, value in data.as_dict().items():
            if name != "mileage":
                setattr(vehicle, name, value)
        vehicle.updated_at = utcnow()
        session.add(vehicle)
        if mileage_changed:
            add_reading(
                session, vehicle, data.mileage, today, "correction" if confirm_correction else "owner"
            )
        return vehicle


def record_mileage(
    scope: OwnerScope,
    vehicle_id: int,
    km: int,
    on: date,
    *,
    confirm_correction: bool = False,
) -> Vehicle:
    with write_session() as session:
        vehicle = owned_vehicle(session, scope, vehicle_id)
        if not confirm_correction:
            _check_reading(session, vehicle.id, km, on)
        add_reading(session, vehicle, km, on, "correction" if confirm_correction else "owner")
        return vehicle


def delete_vehicle(scope: OwnerScope, vehicle_id: int) -> str:
    """Delete the vehicle, its rows (cascade) and its documents' files; return its name."""
    with write_session() as session:
        vehicle = owned_vehicle(session, scope, vehicle_id)
        name = f"{vehicle.brand} {vehicle.model}"
        stored = list(
            session.exec(select(Document.stored_path).where(Document.vehicle_id == vehicle.id)).all()
        )
        # Explicit deletes as well as ON DELETE CASCADE: correct even on a
        # connection where foreign keys were left off.
        for model in (Expense, MileageReading, Analysis, Document):
            session.exec(delete(model).where(model.vehicle_id == vehicle.id))
        session.delete(vehicle)
    # Files go once the rows are gone: a crash in between leaves orphan files,
    # never rows pointing at missing files.
    storage.delete_stored_files(stored)
    return name
