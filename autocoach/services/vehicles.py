"""Owner-scoped queries and commands: the one door to vehicles and their data.

Every function takes an `OwnerScope` built from the server-side session's user
id; every query filters by it. An id that belongs to someone else behaves
exactly like an id that does not exist (`NotFound`), so nothing leaks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_
from sqlmodel import Session, col, delete, select

from autocoach.db import read_session, utcnow, write_session
from autocoach.domain import review
from autocoach.domain.provenance import FieldProvenance, SourcedValue, resolve
from autocoach.domain.vehicle_form import VehicleInput
from autocoach.domain.vehicle_schema import FIELDS_BY_NAME
from autocoach.models import Analysis, Document, Expense, MileageReading, Vehicle, VehicleFact
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


MSG_NO_DOCUMENT = "Ce document est introuvable."


@dataclass(frozen=True)
class OwnerScope:
    user_id: int


def owned_vehicle(
    session: Session, scope: OwnerScope, vehicle_id: int, *, for_update: bool = False
) -> Vehicle:
    """`for_update`: lock the vehicle's row until the transaction ends, so the
    writes of one vehicle's readings go one at a time (PostgreSQL; SQLite's
    BEGIN IMMEDIATE already serialises every write)."""
    query = select(Vehicle).where(Vehicle.id == vehicle_id, Vehicle.user_id == scope.user_id)
    vehicle = session.exec(query.with_for_update() if for_update else query).first()
    if vehicle is None:
        raise NotFound()
    return vehicle


def owned_row(session: Session, scope: OwnerScope, model, row_id: int, missing: str):  # noqa: ANN001, ANN201
    """A row of a table hanging off `vehicle` (document, expense, reading,
    analysis), only if its vehicle belongs to the owner; else NotFound(missing)."""
    row = session.exec(
        select(model)
        .join(Vehicle, Vehicle.id == model.vehicle_id)
        .where(model.id == row_id, Vehicle.user_id == scope.user_id)
    ).first()
    if row is None:
        raise NotFound(missing)
    return row


def parse_id(raw: object) -> int | None:
    """Ids arrive from URLs as text; anything that is not a positive int is no id."""
    text = str(raw or "").strip()
    return int(text) if text.isdigit() and 0 < int(text) < 2**53 else None


# --- queries --------------------------------------------------------------------


@dataclass(frozen=True)
class VehicleSummary:
    vehicle: Vehicle
    reliability_score: float | None
    alerts: list[dict]


def list_vehicles(scope: OwnerScope) -> list[VehicleSummary]:
    with read_session() as session:
        vehicles = session.exec(
            select(Vehicle).where(Vehicle.user_id == scope.user_id).order_by(col(Vehicle.created_at))
        ).all()
        summaries = []
        for vehicle in vehicles:
            latest = _latest_analysis(session, vehicle.id)
            summaries.append(
                VehicleSummary(
                    vehicle=vehicle,
                    reliability_score=latest.reliability_score if latest else None,
                    alerts=list(((latest.result or {}).get("alerts") or []) if latest else []),
                )
            )
        return summaries


@dataclass(frozen=True)
class VehicleRecords:
    """What the vehicle page's records tab shows, read in one transaction."""

    vehicle: Vehicle
    provenance: dict[str, FieldProvenance]
    readings: list[MileageReading]
    expenses: list[Expense]


def vehicle_records(scope: OwnerScope, vehicle_id: int) -> VehicleRecords:
    with read_session() as session:
        vehicle = owned_vehicle(session, scope, vehicle_id)
        return VehicleRecords(
            vehicle,
            resolve(_fact_claims(session, vehicle_id)),
            _newest_first(session, MileageReading, vehicle_id, MileageReading.date, MileageReading.id),
            _newest_first(session, Expense, vehicle_id, Expense.date, Expense.id),
        )


def get_vehicle(scope: OwnerScope, vehicle_id: int) -> Vehicle:
    with read_session() as session:
        return owned_vehicle(session, scope, vehicle_id)


def _latest_analysis(session: Session, vehicle_id: int) -> Analysis | None:
    return session.exec(
        select(Analysis)
        .where(Analysis.vehicle_id == vehicle_id)
        .order_by(col(Analysis.created_at).desc(), col(Analysis.id).desc())
    ).first()


def _newest_first(session: Session, model, vehicle_id: int, *order) -> list:  # noqa: ANN001
    """The vehicle's rows of `model`, ordered by `order` columns, newest first."""
    query = select(model).where(model.vehicle_id == vehicle_id)
    return list(session.exec(query.order_by(*(col(c).desc() for c in order))).all())


def _owned_rows(scope: OwnerScope, vehicle_id: int, model, *order) -> list:  # noqa: ANN001
    with read_session() as session:
        owned_vehicle(session, scope, vehicle_id)
        return _newest_first(session, model, vehicle_id, *order)


def mileage_history(scope: OwnerScope, vehicle_id: int) -> list[MileageReading]:
    """Readings, newest first."""
    return _owned_rows(scope, vehicle_id, MileageReading, MileageReading.date, MileageReading.id)


def list_documents(scope: OwnerScope, vehicle_id: int) -> list[Document]:
    return _owned_rows(scope, vehicle_id, Document, Document.uploaded_at)


def get_document(scope: OwnerScope, document_id: int) -> Document:
    with read_session() as session:
        return owned_row(session, scope, Document, document_id, MSG_NO_DOCUMENT)


def list_expenses(scope: OwnerScope, vehicle_id: int) -> list[Expense]:
    return _owned_rows(scope, vehicle_id, Expense, Expense.date, Expense.id)


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
    show_latest_reading(session, vehicle)


# --- facts and their sources -------------------------------------------------------


def _fact_claims(session: Session, vehicle_id: int) -> list[SourcedValue]:
    rows = session.exec(
        select(VehicleFact).where(VehicleFact.vehicle_id == vehicle_id).order_by(col(VehicleFact.id))
    ).all()
    return [
        SourcedValue(
            field=row.field,
            value=_from_json(row.field, row.value),
            source=row.source,
            document_id=row.document_id,
            source_date=row.source_date,
            corrected=row.corrected,
            sequence=row.id or 0,
        )
        for row in rows
    ]


def _to_json(value) -> str:
    return json.dumps(value.isoformat() if isinstance(value, date) else value, ensure_ascii=False)


def _from_json(field: str, text: str):
    value = json.loads(text)
    spec = FIELDS_BY_NAME.get(field)
    if spec is not None and spec.kind == "date" and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def resolve_facts(session: Session, vehicle: Vehicle, cleared: frozenset[str] = frozenset()) -> None:
    """Set each vehicle column to the value its sources' precedence gives.

    `cleared`: fields whose sources were just removed; those left with no
    source at all become unknown again (required ones keep their value).
    """
    resolved = resolve(_fact_claims(session, vehicle.id))
    for name in cleared - resolved.keys():
        spec = FIELDS_BY_NAME.get(name)
        if spec is not None and not spec.required and name != "mileage":
            setattr(vehicle, name, None)
    for name, provenance in resolved.items():
        if name == "mileage" or name not in FIELDS_BY_NAME:
            continue
        value = provenance.used.value
        if FIELDS_BY_NAME[name].required and value is None:
            continue
        setattr(vehicle, name, value)
    if vehicle.first_registration_date and abs(vehicle.first_registration_date.year - vehicle.year) > 1:
        vehicle.year = vehicle.first_registration_date.year
    vehicle.updated_at = utcnow()
    session.add(vehicle)


def record_facts(
    session: Session,
    vehicle: Vehicle,
    values: dict,
    source: str,
    *,
    document_id: int | None = None,
    source_date: date | None = None,
    corrected: set[str] | frozenset[str] = frozenset(),
) -> None:
    """Remember what `source` says of each field, then let precedence decide."""
    for name, value in values.items():
        if name == "mileage" or name not in FIELDS_BY_NAME:
            continue
        # One value per field and source document: a newer one replaces it.
        session.exec(
            delete(VehicleFact).where(
                VehicleFact.vehicle_id == vehicle.id,
                VehicleFact.field == name,
                VehicleFact.source == source,
                VehicleFact.document_id == document_id
                if document_id is not None
                else col(VehicleFact.document_id).is_(None),
            )
        )
        session.add(
            VehicleFact(
                vehicle_id=vehicle.id,
                field=name,
                source=source,
                document_id=document_id,
                source_date=source_date,
                value=_to_json(value),
                corrected=name in corrected,
            )
        )
    session.flush()
    resolve_facts(session, vehicle)


def vehicle_provenance(scope: OwnerScope, vehicle_id: int) -> dict[str, FieldProvenance]:
    """Where each of the vehicle's values comes from (fields never sourced are absent)."""
    with read_session() as session:
        owned_vehicle(session, scope, vehicle_id)
        return resolve(_fact_claims(session, vehicle_id))


def find_vehicle_by_identity(
    session: Session, scope: OwnerScope, plate: str | None, vin: str | None
) -> Vehicle | None:
    """The owner's vehicle with this plate or VIN, if any."""
    if not plate and not vin:
        return None
    conditions = []
    if plate:
        conditions.append(Vehicle.license_plate == plate)
    if vin:
        conditions.append(Vehicle.vin == vin)
    return session.exec(
        select(Vehicle).where(Vehicle.user_id == scope.user_id, or_(*conditions))
    ).first()


def create_vehicle(
    scope: OwnerScope,
    data: VehicleInput,
    today: date,
    provider_fields: dict | None = None,
    *,
    first_reading: bool = True,
) -> Vehicle:
    """A new vehicle; values the plate provider gave and the owner kept are sourced to it."""
    provider_fields = provider_fields or {}
    with write_session() as session:
        vehicle = Vehicle(user_id=scope.user_id, **data.as_dict())
        session.add(vehicle)
        session.flush()
        values = {k: v for k, v in data.as_dict().items() if v is not None}
        from_provider = {
            k: v for k, v in values.items() if review.as_input_text(v) == provider_fields.get(k)
        }
        typed = {k: v for k, v in values.items() if k not in from_provider}
        record_facts(session, vehicle, typed, "proprietaire", source_date=today)
        if from_provider:
            record_facts(session, vehicle, from_provider, "fournisseur_plaque", source_date=today)
        if first_reading:
            add_reading(session, vehicle, data.mileage, today, "proprietaire")
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
        vehicle = owned_vehicle(session, scope, vehicle_id, for_update=True)
        mileage_changed = data.mileage != vehicle.mileage
        used = resolve(_fact_claims(session, vehicle.id))
        changed = {
            name: value
            for name, value in data.as_dict().items()
            if name != "mileage" and value != getattr(vehicle, name)
        }
        # Changing a value a paper gave is an explicit correction: it wins and stays marked.
        corrected = {
            name for name in changed if name in used and used[name].used.source != "proprietaire"
        }
        record_facts(session, vehicle, changed, "proprietaire", source_date=today, corrected=corrected)
        if mileage_changed:
            # A refused reading rolls the whole save back: nothing half-written.
            _owner_reading(session, vehicle, data.mileage, today, confirm_correction)
        return vehicle


def _owner_reading(session: Session, vehicle: Vehicle, km: int, on: date, confirm_correction: bool) -> None:
    """A reading the owner typed: below an earlier one only as a confirmed correction."""
    if not confirm_correction:
        _check_reading(session, vehicle.id, km, on)
    add_reading(session, vehicle, km, on, "correction" if confirm_correction else "proprietaire")


def record_mileage(
    scope: OwnerScope,
    vehicle_id: int,
    km: int,
    on: date,
    *,
    confirm_correction: bool = False,
) -> Vehicle:
    with write_session() as session:
        vehicle = owned_vehicle(session, scope, vehicle_id, for_update=True)
        _owner_reading(session, vehicle, km, on, confirm_correction)
        return vehicle


def restore_reading(scope: OwnerScope, vehicle_id: int, km: int, on: date, source: str, document_id: int | None) -> None:
    """Put back a reading the owner just removed (undo)."""
    with write_session() as session:
        vehicle = owned_vehicle(session, scope, vehicle_id)
        if document_id is not None and session.get(Document, document_id) is None:
            document_id = None
        add_reading(session, vehicle, km, on, source, document_id)


def _owned_reading(session: Session, scope: OwnerScope, reading_id: int) -> MileageReading:
    return owned_row(session, scope, MileageReading, reading_id, "Ce relevé est introuvable.")


def mark_reading_typo(scope: OwnerScope, reading_id: int, typo: bool) -> MileageReading:
    """The owner says a reading is a typing or reading error (kept, ignored by the engine)."""
    with write_session() as session:
        reading = _owned_reading(session, scope, reading_id)
        reading.typo = typo
        session.add(reading)
        session.flush()
        session.refresh(reading)
        session.expunge(reading)
        return reading


def delete_reading(scope: OwnerScope, reading_id: int) -> MileageReading:
    """Remove one odometer reading (a typo); the vehicle shows its latest remaining one.

    Returns the removed row so that the page can offer to put it back.
    """
    with write_session() as session:
        reading = _owned_reading(session, scope, reading_id)
        vehicle = session.get(Vehicle, reading.vehicle_id)
        session.delete(reading)
        session.flush()
        show_latest_reading(session, vehicle)
        session.expunge(reading)
        return reading


def _owned_expense(session: Session, scope: OwnerScope, expense_id: int) -> Expense:
    return owned_row(session, scope, Expense, expense_id, "Cette dépense est introuvable.")


def update_expense(scope: OwnerScope, expense_id: int, values: dict) -> Expense:
    """Correct an expense (date, garage label, km, amount, category); its reading follows."""
    with write_session() as session:
        expense = _owned_expense(session, scope, expense_id)
        vehicle = session.get(Vehicle, expense.vehicle_id)
        for name in ("date", "mileage", "amount", "category", "label"):
            if name in values:
                setattr(expense, name, values[name])
        session.add(expense)
        if expense.document_id is not None:
            # The invoice's reading follows the corrected date and km.
            session.exec(
                delete(MileageReading).where(
                    MileageReading.document_id == expense.document_id,
                    MileageReading.source == "facture",
                )
            )
            session.flush()
            if expense.mileage:
                add_reading(session, vehicle, expense.mileage, expense.date, "facture", expense.document_id)
        session.flush()
        show_latest_reading(session, vehicle)
        return expense


def delete_expense(scope: OwnerScope, expense_id: int) -> dict:
    """Remove an expense (its invoice stays); returns what `restore_expense` needs."""
    with write_session() as session:
        expense = _owned_expense(session, scope, expense_id)
        kept = expense.model_dump(include={"vehicle_id", "document_id", "date", "mileage", "category", "amount", "label"})
        session.delete(expense)
        return kept


def restore_expense(scope: OwnerScope, vehicle_id: int, document_id: int | None = None, **values) -> None:
    """Put back an expense the owner just removed (undo)."""
    with write_session() as session:
        owned_vehicle(session, scope, vehicle_id)
        if document_id is not None and session.get(Document, document_id) is None:
            document_id = None
        session.add(Expense(vehicle_id=vehicle_id, document_id=document_id, **values))


def show_latest_reading(session: Session, vehicle: Vehicle) -> None:
    """The vehicle shows its latest reading (by date, then by entry order)."""
    latest = session.exec(
        select(MileageReading)
        .where(MileageReading.vehicle_id == vehicle.id)
        .order_by(col(MileageReading.date).desc(), col(MileageReading.id).desc())
    ).first()
    if latest is not None and latest.km != vehicle.mileage:
        vehicle.mileage = latest.km
        vehicle.updated_at = utcnow()
        session.add(vehicle)


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
        for model in (VehicleFact, Expense, MileageReading, Analysis, Document):
            session.exec(delete(model).where(model.vehicle_id == vehicle.id))
        session.delete(vehicle)
    # Files go once the rows are gone: a crash in between leaves orphan files,
    # never rows pointing at missing files.
    storage.delete_stored_files(stored)
    return name
