"""The document pipeline: upload -> stored file -> text -> fields -> records.

Each step is one function; the state runs `process_document` in a background
task so OCR never holds the page. What a document adds to the vehicle
(readings, expenses) is tied to it by `document_id`, so reprocessing replaces
its own effects and never touches anything else.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, delete, select

from autocoach.data import load_reference, normalize_name
from autocoach.db import read_session, utcnow, write_session
from autocoach.domain.documents.classify import parse_document
from autocoach.domain.vocabulary import DOCUMENT_TYPES, EXPENSE_CATEGORIES, FUEL_TYPES
from autocoach.models import Document, Expense, MileageReading, Vehicle
from autocoach.services import storage, vehicles
from autocoach.services.text import UnreadableDocument, extract_text

log = logging.getLogger(__name__)

MSG_UNKNOWN_TYPE = (
    "Nous n'avons pas reconnu ce document. Indiquez son type (Histovec, carte grise ou "
    "facture) puis relancez la lecture."
)
MSG_UNEXPECTED = "La lecture de ce document a échoué de façon inattendue. Réessayez."

# Carte grise field -> vehicle column, for the prefill the owner confirms.
CARTE_GRISE_TO_VEHICLE = {
    "license_plate": "license_plate",
    "brand": "brand",
    "model": "model",
    "vin": "vin",
    "first_registration_date": "first_registration_date",
    "fuel_type": "fuel_type",
    "fiscal_power": "fiscal_power",
    "power_kw": "power_kw",
    "co2": "co2_g_km",
}
VEHICLE_FIELD_LABELS = {
    "license_plate": "Plaque",
    "brand": "Marque",
    "model": "Modèle",
    "vin": "Numéro VIN",
    "first_registration_date": "Première immatriculation",
    "fuel_type": "Énergie",
    "fiscal_power": "Puissance fiscale (CV)",
    "power_kw": "Puissance (kW)",
    "co2_g_km": "CO₂ (g/km)",
    "year": "Année",
}


def add_upload(scope: vehicles.OwnerScope, vehicle_id: int, filename: str, data: bytes) -> Document:
    """Store one uploaded file for the owner's vehicle, queued for reading.

    Raises storage.RejectedUpload (French message) or vehicles.NotFound; in
    both cases nothing is written.
    """
    with read_session() as session:
        vehicles.owned_vehicle(session, scope, vehicle_id)  # before any work on the file
    stored = storage.store_upload(data)
    try:
        with write_session() as session:
            vehicles.owned_vehicle(session, scope, vehicle_id)
            document = Document(
                vehicle_id=vehicle_id,
                original_filename=(filename or "document")[-255:],
                stored_path=stored.stored_path,
                mime_type=stored.mime_type,
                size_bytes=stored.size_bytes,
                sha256=stored.sha256,
                status="pending",
            )
            session.add(document)
            session.flush()
            return document
    except BaseException as exc:
        storage.delete_stored_files([stored.stored_path])
        if isinstance(exc, Exception) and storage.is_disk_full(exc):
            raise storage.StorageFull() from exc
        raise


def _owned_document(session: Session, scope: vehicles.OwnerScope, document_id: int) -> Document:
    document = session.exec(
        select(Document)
        .join(Vehicle, Vehicle.id == Document.vehicle_id)
        .where(Document.id == document_id, Vehicle.user_id == scope.user_id)
    ).first()
    if document is None:
        raise vehicles.NotFound("Ce document est introuvable.")
    return document


def mark_reading(scope: vehicles.OwnerScope, document_id: int) -> None:
    with write_session() as session:
        document = _owned_document(session, scope, document_id)
        document.status, document.error_message = "reading", None
        session.add(document)


def _fail(scope: vehicles.OwnerScope, document_id: int, message: str) -> Document:
    with write_session() as session:
        document = _owned_document(session, scope, document_id)
        _remove_effects(session, document)
        document.status, document.error_message = "failed", message
        document.processed_at = utcnow()
        session.add(document)
        return document


def process_document(
    scope: vehicles.OwnerScope, document_id: int, document_type: str | None = None
) -> Document:
    """Read the file, parse it, save the fields and apply what they prove.

    Never raises for a bad document: the document ends `failed` with a French
    reason, and nothing saved before is touched.
    """
    with write_session() as session:
        document = _owned_document(session, scope, document_id)
        document.status, document.error_message = "reading", None
        session.add(document)
        stored_path, mime = document.stored_path, document.mime_type
        wanted_type = document_type or document.document_type
    try:
        extracted = extract_text(storage.read_stored(stored_path), mime)
    except UnreadableDocument as exc:
        return _fail(scope, document_id, str(exc))
    except Exception:  # noqa: BLE001 - one bad file must not break the page
        log.exception("Text extraction failed for document %s", document_id)
        return _fail(scope, document_id, MSG_UNEXPECTED)
    parsed = parse_document(extracted.text, wanted_type)
    if parsed.document_type not in DOCUMENT_TYPES:
        return _fail(scope, document_id, MSG_UNKNOWN_TYPE)
    result = parsed.to_json_dict()
    result["warnings"] = list(dict.fromkeys([*extracted.warnings, *result["warnings"]]))
    result["text_method"] = extracted.method
    result["pages"] = extracted.pages
    with write_session() as session:
        document = _owned_document(session, scope, document_id)
        vehicle = session.get(Vehicle, document.vehicle_id)
        _remove_effects(session, document)
        document.document_type = parsed.document_type
        if parsed.document_type == "carte_grise":
            result["proposals"] = carte_grise_proposals(vehicle, result["fields"])
        document.extracted = result
        document.status, document.error_message = "processed", None
        document.processed_at = utcnow()
        session.add(document)
        session.flush()
        _apply_effects(session, vehicle, document, parsed.fields)
        return document


def set_document_type(scope: vehicles.OwnerScope, document_id: int, document_type: str) -> None:
    """The owner corrects the guessed type; the caller then reprocesses."""
    if document_type not in DOCUMENT_TYPES:
        raise ValueError("Type de document inconnu.")
    with write_session() as session:
        document = _owned_document(session, scope, document_id)
        document.document_type = document_type
        document.status = "pending"
        session.add(document)


def delete_document(scope: vehicles.OwnerScope, document_id: int) -> str:
    """Remove a document, what it added to the vehicle, and its file.

    On a full disk the database may have no room to record the delete: the
    space reserve is given back and the delete tried once more, so owners can
    always free space."""
    try:
        name = _delete_document(scope, document_id)
    except Exception as exc:
        if not storage.is_disk_full(exc) or not storage.release_reserve():
            raise
        name = _delete_document(scope, document_id)
    storage.keep_reserve()
    return name


def _delete_document(scope: vehicles.OwnerScope, document_id: int) -> str:
    with write_session() as session:
        document = _owned_document(session, scope, document_id)
        name = document.original_filename
        stored_path = document.stored_path
        _remove_effects(session, document)
        session.delete(document)
    storage.delete_stored_files([stored_path])
    return name


# --- what documents prove ---------------------------------------------------------


def _as_date(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def _remove_effects(session: Session, document: Document) -> None:
    """Undo what this document added (before a re-read, a failure or a delete)."""
    session.exec(delete(Expense).where(col(Expense.document_id) == document.id))
    session.exec(delete(MileageReading).where(col(MileageReading.document_id) == document.id))
    session.flush()
    vehicle = session.get(Vehicle, document.vehicle_id)
    if vehicle is not None:
        _refresh_vehicle_mileage(session, vehicle)


def _refresh_vehicle_mileage(session: Session, vehicle: Vehicle) -> None:
    latest = session.exec(
        select(MileageReading)
        .where(MileageReading.vehicle_id == vehicle.id)
        .order_by(col(MileageReading.date).desc(), col(MileageReading.id).desc())
    ).first()
    if latest is not None and latest.km != vehicle.mileage:
        vehicle.mileage = latest.km
        vehicle.updated_at = utcnow()
        session.add(vehicle)


def _dominant_category(items: list[dict]) -> str:
    totals: dict[str, float] = {}
    for item in items:
        category = item.get("category") if item.get("category") in EXPENSE_CATEGORIES else "autre"
        amount = item.get("amount") if isinstance(item.get("amount"), (int, float)) else 0
        totals[category] = totals.get(category, 0) + amount
    # Labour says little about what was done: prefer the parts' category.
    ranked = sorted(totals.items(), key=lambda kv: (kv[0] != "main_oeuvre", kv[1]), reverse=True)
    return ranked[0][0] if ranked else "autre"


def _apply_effects(session: Session, vehicle: Vehicle, document: Document, fields: dict) -> None:
    if document.document_type == "facture":
        invoice_date = _as_date(fields.get("date"))
        total = fields.get("total_ttc") or fields.get("total_ht")
        mileage = fields.get("mileage") if isinstance(fields.get("mileage"), int) else None
        if invoice_date and isinstance(total, (int, float)) and total > 0:
            items = [i for i in fields.get("items") or [] if isinstance(i, dict)]
            labels = ", ".join(str(i.get("label", "")) for i in items[:4] if i.get("label"))
            garage = fields.get("garage") or "Garage"
            session.add(
                Expense(
                    vehicle_id=vehicle.id,
                    document_id=document.id,
                    date=invoice_date,
                    mileage=mileage,
                    category=_dominant_category(items),
                    amount=round(float(total), 2),
                    label=f"{garage} : {labels}"[:200] if labels else str(garage)[:200],
                )
            )
        if invoice_date and mileage:
            vehicles.add_reading(session, vehicle, mileage, invoice_date, "facture", document.id)
    elif document.document_type == "histovec":
        for inspection in fields.get("technical_inspections") or []:
            when = _as_date(inspection.get("date"))
            km = inspection.get("mileage")
            if when and isinstance(km, int) and km > 0:
                vehicles.add_reading(session, vehicle, km, when, "histovec", document.id)
    session.flush()
    _refresh_vehicle_mileage(session, vehicle)


def _display(field: str, value) -> str:
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if value is None:
        return "—"
    if field == "fuel_type":
        return FUEL_TYPES.get(str(value), str(value))
    return str(value)


def _catalogue_name(field: str, value, fields: dict):
    """Carte grise text is upper case ("PEUGEOT", "GRAND C4 PICASSO"): use the
    catalogue's spelling when it knows the make or model."""
    reference = load_reference()
    if field == "brand":
        make = reference.find_make(str(value))
        return make.name if make else str(value).title()
    if field == "model":
        spec = reference.find_model(fields.get("brand"), str(value))
        if spec is not None and normalize_name(spec.model) == normalize_name(str(value)):
            return spec.model
    return value


def carte_grise_proposals(vehicle: Vehicle, fields: dict) -> list[dict]:
    """Fields of the carte grise that differ from the vehicle, for the owner to confirm."""
    proposals = []
    for source, target in CARTE_GRISE_TO_VEHICLE.items():
        value = fields.get(source)
        if value in (None, ""):
            continue
        if target == "first_registration_date":
            value = _as_date(value)
            if value is None:
                continue
        value = _catalogue_name(target, value, fields)
        current = getattr(vehicle, target)
        if current != value:
            proposals.append(
                {
                    "field": target,
                    "label": VEHICLE_FIELD_LABELS[target],
                    "current": _display(target, current),
                    "proposed": _display(target, value),
                    "value": value.isoformat() if isinstance(value, date) else value,
                }
            )
    return proposals


@dataclass(frozen=True)
class AppliedChanges:
    labels: list[str]


def apply_carte_grise(scope: vehicles.OwnerScope, document_id: int, accepted: list[str]) -> AppliedChanges:
    """Copy the confirmed carte grise fields onto the vehicle."""
    with write_session() as session:
        document = _owned_document(session, scope, document_id)
        vehicle = session.get(Vehicle, document.vehicle_id)
        proposals = (document.extracted or {}).get("proposals") or []
        applied = []
        for proposal in proposals:
            if proposal["field"] not in accepted:
                continue
            value = proposal["value"]
            if proposal["field"] == "first_registration_date":
                value = date.fromisoformat(value)
                vehicle.year = value.year
            setattr(vehicle, proposal["field"], value)
            applied.append(proposal["label"])
        vehicle.updated_at = utcnow()
        session.add(vehicle)
        extracted = dict(document.extracted or {})
        extracted["proposals"] = []
        extracted["applied"] = applied
        document.extracted = extracted
        session.add(document)
        return AppliedChanges(applied)
