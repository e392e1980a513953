"""`python -m autocoach ingest`: papers read and applied to a vehicle described in JSON.

The same code path as the app, on a throw-away database: the vehicle is
created as the form creates it, each file is stored, read, checked against
the car and, when it matches, applied as if the owner accepted every
pre-ticked proposal. The output says where each value came from.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlmodel import SQLModel, col, select

from autocoach.db import get_engine, read_session, write_session
from autocoach.domain.analysis import analyze
from autocoach.domain.jsonable import to_jsonable
from autocoach.domain.facts import VehicleFacts, vehicle_facts_from_dict
from autocoach.domain.vehicle_form import VehicleInput
from autocoach.domain.vehicle_schema import VEHICLE_FIELDS
from autocoach.models import Document, Expense, MileageReading, User
from autocoach.services import analysis, documents, storage, vehicles


def _vehicle_input(facts: VehicleFacts) -> VehicleInput:
    values = {spec.name: getattr(facts, spec.name, None) for spec in VEHICLE_FIELDS}
    values["mileage"] = facts.mileage or 0
    return VehicleInput(**{k: v for k, v in values.items() if k in VehicleInput.__dataclass_fields__})


def _owner() -> vehicles.OwnerScope:
    with write_session() as session:
        user = User(email="ingest@localhost")
        session.add(user)
        session.flush()
        return vehicles.OwnerScope(user.id)


def _add_history(scope: vehicles.OwnerScope, vehicle_id: int, facts: VehicleFacts) -> None:
    with write_session() as session:
        vehicle = vehicles.owned_vehicle(session, scope, vehicle_id)
        for reading in facts.mileage_readings:
            vehicles.add_reading(session, vehicle, reading.km, reading.date, reading.source)
        for expense in facts.expenses:
            session.add(
                Expense(
                    vehicle_id=vehicle_id, date=expense.date, mileage=expense.mileage,
                    category=expense.category, amount=expense.amount, label=expense.label,
                )
            )


def _document_status(document: Document) -> tuple[str, str | None]:
    if document.status == "failed":
        return "failed", document.error_message
    if document.review_status == "held":
        return "mismatch", document.review_reason
    return "applied", None


def ingest(payload: dict, files: list[Path], as_of: date) -> dict:
    """Apply `files` to the vehicle `payload` (see the module docstring).

    Raises InvalidVehicleData (French) when the vehicle itself is inconsistent.
    The configured database must be empty and disposable.
    """
    facts = vehicle_facts_from_dict(payload, today=as_of)
    SQLModel.metadata.create_all(get_engine())
    storage.documents_root().mkdir(parents=True, exist_ok=True)
    scope = _owner()
    vehicle = vehicles.create_vehicle(scope, _vehicle_input(facts), as_of, first_reading=facts.mileage is not None)
    _add_history(scope, vehicle.id, facts)

    reports = []
    for path in files:
        document = documents.add_upload(scope, vehicle.id, path.name, path.read_bytes())
        document = documents.process_document(scope, document.id)
        if document.status == "processed" and document.review_status == "to_review":
            try:
                documents.apply_as_proposed(scope, document.id, as_of)
            except documents.ReviewErrors as exc:
                reports.append({"file": path.name, "type": document.document_type, "status": "failed",
                                "reason": " ".join(dict.fromkeys(exc.errors.values()))})
                continue
        document = vehicles.get_document(scope, document.id)
        status, reason = _document_status(document)
        reports.append({"file": path.name, "type": document.document_type, "status": status, "reason": reason})
    return _output(scope, vehicle.id, payload, as_of, reports)


def _output(scope: vehicles.OwnerScope, vehicle_id: int, payload: dict, as_of: date, reports: list) -> dict:
    records = vehicles.vehicle_records(scope, vehicle_id)
    with read_session() as session:
        names = {
            d.id: d.original_filename
            for d in session.exec(select(Document).where(Document.vehicle_id == vehicle_id)).all()
        }
        readings = session.exec(
            select(MileageReading).where(MileageReading.vehicle_id == vehicle_id).order_by(col(MileageReading.date))
        ).all()
    vehicle_out = {}
    for spec in VEHICLE_FIELDS:
        value = getattr(records.vehicle, spec.name)
        if value is None:
            continue
        known = records.provenance.get(spec.name)
        used = known.used if known else None
        vehicle_out[spec.name] = {
            "value": to_jsonable(value),
            "source": used.source if used else "proprietaire",
            "document": names.get(used.document_id) if used and used.document_id else None,
        }
    # The engine sees the payload's own inputs (insurance, CT list, situation…)
    # updated with everything the papers proved.
    merged = dict(payload)
    merged.update(analysis.stored_facts_dict(scope, vehicle_id))
    merged["technical_inspections"] = list(payload.get("technical_inspections") or []) + [
        i for i in merged.get("technical_inspections") or []
        if i.get("date") not in {str(p.get("date")) for p in payload.get("technical_inspections") or []}
    ]
    situation = dict(payload.get("situation") or {})
    for flag, on in (merged.get("situation") or {}).items():
        situation[flag] = bool(situation.get(flag)) or bool(on)
    merged["situation"] = situation
    merged["claims_count"] = max(int(payload.get("claims_count") or 0), int(merged.get("claims_count") or 0))
    facts = vehicle_facts_from_dict(merged, today=as_of)
    result = analyze(facts, as_of, analysis.reference_data())
    return {
        "vehicle": vehicle_out,
        "mileage_readings": [
            {"date": r.date.isoformat(), "km": r.km, "source": r.source, "document": names.get(r.document_id)}
            for r in readings
        ],
        "expenses": [
            {"date": e.date.isoformat(), "mileage": e.mileage, "amount": e.amount, "category": e.category,
             "document": names.get(e.document_id)}
            for e in reversed(records.expenses)
        ],
        "documents": reports,
        "analysis": result.to_json_dict(),
    }

