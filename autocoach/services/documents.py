"""The document pipeline: upload -> stored file -> text -> fields -> review -> facts.

Each step is one function; reading runs in the background so OCR never holds
the page. Nothing read is applied before the owner reviews it
(`document_review`, then `apply_document`); a document that seems to concern
another car is held back. What a document adds to the vehicle (facts with
their source, readings, expenses) is tied to it by `document_id`, so a re-read,
a move or a delete removes its own effects and never touches anything else.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, delete, select

from autocoach.data import load_reference, normalize_name
from autocoach.db import read_session, utcnow, write_session
from autocoach.domain import review
from autocoach.domain.documents.classify import parse_document
from autocoach.domain.facts import SITUATION_FLAGS
from autocoach.domain.formatting import format_number
from autocoach.domain.vehicle_schema import VEHICLE_FIELDS, consistency_errors
from autocoach.domain.vocabulary import DOCUMENT_TYPES, EXPENSE_CATEGORIES
from autocoach.domain.wording import count
from autocoach.models import Document, Expense, MileageReading, Vehicle, VehicleFact
from autocoach.services import storage, vehicles
from autocoach.services.text import UnreadableDocument, extract_text
from autocoach.settings import get_settings

log = logging.getLogger(__name__)

MSG_UNKNOWN_TYPE = (
    "Nous n'avons pas reconnu ce document. Indiquez son type (Histovec, carte grise ou "
    "facture) puis relancez la lecture."
)
MSG_UNEXPECTED = "La lecture de ce document a échoué de façon inattendue. Réessayez."
MSG_DISK_FULL = storage.MSG_DISK_FULL


def _megabytes(size: int) -> str:
    return f"{format_number(size / (1024 * 1024), 1 if size < 10 * 1024 * 1024 else 0)} Mo"


def check_files_per_upload(files: int) -> None:
    """One upload holds at most MAX_FILES_PER_UPLOAD files: refused whole, before reading any."""
    limit = get_settings().max_files_per_upload
    if files > limit:
        raise storage.RejectedUpload(
            f"Vous avez envoyé {format_number(files)} fichiers : envoyez-en au plus "
            f"{format_number(limit)} à la fois. Aucun n'a été enregistré."
        )


def _check_quotas(session: Session, scope: vehicles.OwnerScope, vehicle_id: int, size: int) -> None:
    """Documents per vehicle and stored bytes per owner, failed documents included."""
    settings = get_settings()
    on_vehicle = session.exec(
        select(func.count()).select_from(Document).where(Document.vehicle_id == vehicle_id)
    ).one()
    if on_vehicle + 1 > settings.max_documents_per_vehicle:
        raise storage.RejectedUpload(
            f"Cette voiture a déjà {count(on_vehicle, 'document')}, le maximum : supprimez-en "
            "avant d'en ajouter."
        )
    stored = session.exec(
        select(func.coalesce(func.sum(Document.size_bytes), 0))
        .join(Vehicle, col(Vehicle.id) == col(Document.vehicle_id))
        .where(Vehicle.user_id == scope.user_id)
    ).one()
    limit = settings.max_storage_bytes_per_owner
    if stored + size > limit:
        raise storage.RejectedUpload(
            f"Vos documents occupent déjà {_megabytes(stored)} sur les {_megabytes(limit)} "
            f"autorisés : ce fichier de {_megabytes(size)} dépasserait la limite. Supprimez "
            "des documents pour faire de la place."
        )


def add_upload(scope: vehicles.OwnerScope, vehicle_id: int, filename: str, data: bytes) -> Document:
    """Store one uploaded file for the owner's vehicle, pending its reading.

    Raises storage.RejectedUpload (French message: unfit file, quota, disk
    full) or vehicles.NotFound; in every case nothing is written. The caller
    queues the reading (services/jobs.py).
    """
    with read_session() as session:
        vehicles.owned_vehicle(session, scope, vehicle_id)  # before any work on the file
        _check_quotas(session, scope, vehicle_id, len(data))
    try:
        stored = storage.store_upload(data)
    except OSError as exc:
        log.error("Could not store an upload: %s", exc)
        raise storage.StorageFull() from exc
    try:
        with write_session() as session:
            vehicles.owned_vehicle(session, scope, vehicle_id)
            # Again under the write lock: two uploads at once must not both fit.
            _check_quotas(session, scope, vehicle_id, stored.size_bytes)
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
    return vehicles.owned_row(session, scope, Document, document_id, vehicles.MSG_NO_DOCUMENT)


def mark_reading(scope: vehicles.OwnerScope, document_id: int) -> None:
    with write_session() as session:
        document = _owned_document(session, scope, document_id)
        document.status, document.error_message = "reading", None
        session.add(document)


def mark_failed(scope: vehicles.OwnerScope, document_id: int, message: str) -> Document:
    """The reading job gave up: failed with its French reason, effects removed."""
    return _fail(scope, document_id, message)


MSG_BEING_READ = "Ce document est en cours de lecture : réessayez dans un instant."


def _refuse_while_read(document: Document) -> None:
    """A worker holds the document (its lease runs): a second read at once
    could apply its effects twice."""
    if document.status == "reading" and document.lease_until and document.lease_until > utcnow():
        raise ValueError(MSG_BEING_READ)


def request_read(scope: vehicles.OwnerScope, document_id: int) -> None:
    """The owner asks for a new reading: pending again, with a fresh budget of tries.

    Raises ValueError (French) while a worker is reading it."""
    with write_session() as session:
        document = _owned_document(session, scope, document_id)
        _refuse_while_read(document)
        document.status, document.error_message = "pending", None
        document.lease_until, document.read_attempts = None, 0
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
    parsed = parse_document(extracted.text, wanted_type, layout=extracted.layout)
    if parsed.document_type not in DOCUMENT_TYPES:
        return _fail(scope, document_id, MSG_UNKNOWN_TYPE)
    result = parsed.to_json_dict()
    result["warnings"] = list(dict.fromkeys([*extracted.warnings, *result["warnings"]]))
    result["text_method"] = extracted.method
    result["pages"] = extracted.pages
    with write_session() as session:
        document = _owned_document(session, scope, document_id)
        vehicle = session.get(Vehicle, document.vehicle_id)
        # A re-read starts over: what the earlier reading applied goes.
        _remove_effects(session, document)
        document.document_type = parsed.document_type
        document.extracted = result
        document.status, document.error_message = "processed", None
        document.processed_at = utcnow()
        # Nothing is applied before the owner has seen it; another car's paper is held back.
        check = review.check_document(parsed.fields, vehicle.license_plate, vehicle.vin)
        document.review_status = "held" if check.reason else "to_review"
        document.review_reason = check.reason
        session.add(document)
        return document


def set_document_type(scope: vehicles.OwnerScope, document_id: int, document_type: str) -> None:
    """The owner corrects the guessed type; the caller then reprocesses."""
    if document_type not in DOCUMENT_TYPES:
        raise ValueError("Type de document inconnu.")
    with write_session() as session:
        document = _owned_document(session, scope, document_id)
        _refuse_while_read(document)
        document.document_type = document_type
        document.status, document.error_message = "pending", None
        document.lease_until, document.read_attempts = None, 0
        session.add(document)


def delete_document(scope: vehicles.OwnerScope, document_id: int) -> str:
    """Remove a document, what it added to the vehicle, and its file.

    On a full disk the database may have no room to record the delete: the
    space reserve is given back (or, without one, the file's own space is freed
    first) and the delete tried once more, so owners can always free space."""
    try:
        name = _delete_document(scope, document_id)
    except Exception as exc:
        if not storage.is_disk_full(exc):
            raise
        if not storage.release_reserve():
            with read_session() as session:
                stored_path = _owned_document(session, scope, document_id).stored_path
            storage.delete_stored_files([stored_path])
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
    """Undo what this document added (before a re-read, a failure, a move or a delete)."""
    session.exec(delete(Expense).where(col(Expense.document_id) == document.id))
    session.exec(delete(MileageReading).where(col(MileageReading.document_id) == document.id))
    cleared = frozenset(
        session.exec(select(VehicleFact.field).where(VehicleFact.document_id == document.id)).all()
    )
    session.exec(delete(VehicleFact).where(col(VehicleFact.document_id) == document.id))
    session.flush()
    vehicle = session.get(Vehicle, document.vehicle_id)
    if vehicle is not None:
        if cleared:
            vehicles.resolve_facts(session, vehicle, cleared)
        vehicles.show_latest_reading(session, vehicle)


def dominant_category(items: list[dict]) -> str:
    totals: dict[str, float] = {}
    for item in items:
        category = item.get("category") if item.get("category") in EXPENSE_CATEGORIES else "autre"
        amount = item.get("amount") if isinstance(item.get("amount"), (int, float)) else 0
        totals[category] = totals.get(category, 0) + amount
    # Labour says little about what was done: prefer the parts' category.
    ranked = sorted(totals.items(), key=lambda kv: (kv[0] != "main_oeuvre", kv[1]), reverse=True)
    return ranked[0][0] if ranked else "autre"


def catalogue_spelling(field: str, value):
    """Carte grise text is upper case ("PEUGEOT", "GRAND C4 PICASSO"): the
    catalogue's spelling when it knows the make or model (the model cut down
    to the catalogue's name when the reading has trailing noise)."""
    reference = load_reference()
    if field == "brand":
        make = reference.find_make(str(value))
        return make.name if make else str(value).title()
    return None


def _model_tidy(brand: str | None):
    reference = load_reference()

    def tidy(field: str, value):
        if field == "brand":
            return catalogue_spelling(field, value)
        if field == "model":
            spec = reference.find_model(brand, str(value))
            if spec is None:
                return None
            if normalize_name(spec.model) == normalize_name(str(value)):
                return spec.model
            # "2008 P6 6": the catalogue's model starts the reading, noise follows.
            if normalize_name(str(value)).startswith(normalize_name(spec.model)):
                return spec.model
        return None

    return tidy


def vehicle_documents(
    scope: vehicles.OwnerScope, vehicle_id: int, today: date
) -> list[tuple[Document, review.DocumentReview | None]]:
    """The vehicle's documents, newest first, each with its review when it awaits one."""
    found = []
    for document in vehicles.list_documents(scope, vehicle_id):
        waiting = document.status == "processed" and document.review_status in ("to_review", "held")
        found.append((document, document_review(scope, document.id, today) if waiting else None))
    return found


def _proposals(document: Document, vehicle: Vehicle, today: date) -> list[review.Proposal]:
    extracted = document.extracted or {}
    fields = extracted.get("fields") or {}
    confidence = extracted.get("confidence") or {}
    if document.document_type == "facture":
        items = [i for i in fields.get("items") or [] if isinstance(i, dict)]
        return review.expense_proposals(
            fields, dominant_category(items), vehicle.first_registration_date, today,
            confidence=confidence,
        )
    brand = fields.get("brand") or vehicle.brand
    proposals = review.vehicle_proposals(
        document.document_type or "", fields, vehicle_values(vehicle), today,
        confidence=confidence, tidy=_model_tidy(catalogue_spelling("brand", brand)),
        alternatives=extracted.get("alternatives") or {},
    )
    if document.review_status == "held":
        # Applied anyway, another car's paper never overwrites this car's identity unasked.
        proposals = [review.held_identity(p) for p in proposals]
    return proposals


def _histovec_details(fields: dict) -> list[str]:
    lines = []
    active = [flag for flag, on in (fields.get("situation") or {}).items() if on]
    labels = list(dict.fromkeys(
        SITUATION_FLAGS.get("vol" if flag == "titre_vole" else flag, flag) for flag in active
    ))
    lines.append(
        "Situation administrative : " + (", ".join(labels) if labels else "aucune opposition, aucun gage")
    )
    inspections = fields.get("technical_inspections") or []
    if inspections:
        lines.append(f"Contrôles techniques lus : {len(inspections)}")
    claims = fields.get("claims") or []
    if claims:
        lines.append(f"Sinistres déclarés : {len(claims)}")
    return lines


def document_review(scope: vehicles.OwnerScope, document_id: int, today: date) -> review.DocumentReview:
    """What the document proposes against the vehicle as it is now."""
    with read_session() as session:
        document = _owned_document(session, scope, document_id)
        vehicle = session.get(Vehicle, document.vehicle_id)
        fields = (document.extracted or {}).get("fields") or {}
        other_id, other_label = None, ""
        if document.review_status == "held":
            check = review.check_document(fields, vehicle.license_plate, vehicle.vin)
            other = vehicles.find_vehicle_by_identity(session, scope, check.plate, check.vin)
            if other is not None and other.id != vehicle.id:
                other_id = other.id
                other_label = f"{other.brand} {other.model} ({other.license_plate or other.vin})"
        details = _histovec_details(fields) if document.document_type == "histovec" else []
        return review.DocumentReview(_proposals(document, vehicle, today), details, other_id, other_label)


class ReviewErrors(ValueError):
    """Field -> French message: what the owner accepted cannot be applied as is."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class AppliedChanges:
    labels: list[str]


def _document_date(document: Document) -> date:
    fields = (document.extracted or {}).get("fields") or {}
    for key in ("certificate_date", "report_date", "date"):
        found = _as_date(fields.get(key))
        if found:
            return found
    return (document.processed_at or document.uploaded_at).date()


def apply_document(
    scope: vehicles.OwnerScope,
    document_id: int,
    accepted: dict[str, str],
    today: date,
    *,
    force: bool = False,
) -> AppliedChanges:
    """Apply what the owner accepted (field -> the text left in its input).

    A held document (another car's, it seems) is applied only with `force`.
    The vehicle that results must pass the same cross-field rules as the form;
    otherwise nothing is written and ReviewErrors says why.
    """
    with write_session() as session:
        document = _owned_document(session, scope, document_id)
        if document.status != "processed":
            raise ReviewErrors({"document": "Ce document n'a pas encore été lu."})
        if document.review_status == "held" and not force:
            raise ReviewErrors({"document": document.review_reason or "Document mis de côté."})
        vehicle = session.get(Vehicle, document.vehicle_id)
        proposals = _proposals(document, vehicle, today)
        decision = review.decide(proposals, accepted, today, vehicle.first_registration_date)
        errors = dict(decision.errors)
        merged = vehicle_values(vehicle) | decision.vehicle
        for name, message in consistency_errors(merged, today).items():
            if name in decision.vehicle or name in ("year", "first_registration_date", "purchase_date"):
                errors.setdefault(name, message)
        if errors:
            raise ReviewErrors(errors)
        _remove_effects(session, document)
        source_date = _document_date(document)
        source = document.document_type or "proprietaire"
        if decision.vehicle:
            vehicles.record_facts(
                session, vehicle, decision.vehicle, source, document_id=document.id,
                source_date=source_date,
                corrected={
                    p.field for p in proposals
                    if p.field in decision.vehicle and accepted.get(p.field, p.value) != p.value
                },
            )
        fields = (document.extracted or {}).get("fields") or {}
        if decision.expense is not None:
            _add_expense(session, vehicle, document, decision.expense, fields)
        if document.document_type == "histovec":
            for inspection in fields.get("technical_inspections") or []:
                when = _as_date(inspection.get("date"))
                km = inspection.get("mileage")
                if when and isinstance(km, int) and km > 0 and when <= today:
                    vehicles.add_reading(session, vehicle, km, when, "histovec", document.id)
        document.review_status, document.review_reason = "applied", None
        session.add(document)
        session.flush()
        vehicles.show_latest_reading(session, vehicle)
        labels = [p.label for p in proposals if p.field in accepted]
        return AppliedChanges(labels)


def _add_expense(session: Session, vehicle: Vehicle, document: Document, expense: dict, fields: dict) -> None:
    items = [i for i in fields.get("items") or [] if isinstance(i, dict)]
    labels = ", ".join(str(i.get("label", "")) for i in items[:4] if i.get("label"))
    garage = expense.get("garage") or "Garage"
    session.add(
        Expense(
            vehicle_id=vehicle.id,
            document_id=document.id,
            date=expense["date"],
            mileage=expense.get("mileage"),
            category=expense["category"],
            amount=round(float(expense["amount"]), 2),
            label=(f"{garage} : {labels}" if labels else str(garage))[:200],
        )
    )
    if expense.get("mileage"):
        vehicles.add_reading(session, vehicle, expense["mileage"], expense["date"], "facture", document.id)


def keep_document(scope: vehicles.OwnerScope, document_id: int) -> None:
    """Keep the document on file without applying anything from it."""
    with write_session() as session:
        document = _owned_document(session, scope, document_id)
        _remove_effects(session, document)
        document.review_status = "kept"
        session.add(document)


def move_document(scope: vehicles.OwnerScope, document_id: int, vehicle_id: int) -> str:
    """Move a document to another of the owner's vehicles, to be reviewed there."""
    with write_session() as session:
        document = _owned_document(session, scope, document_id)
        target = vehicles.owned_vehicle(session, scope, vehicle_id)
        _remove_effects(session, document)
        document.vehicle_id = target.id
        fields = (document.extracted or {}).get("fields") or {}
        check = review.check_document(fields, target.license_plate, target.vin)
        document.review_status = "held" if check.reason else "to_review"
        document.review_reason = check.reason
        session.add(document)
        return f"{target.brand} {target.model}"


def vehicle_values(vehicle: Vehicle) -> dict:
    return {spec.name: getattr(vehicle, spec.name) for spec in VEHICLE_FIELDS}


def apply_as_proposed(
    scope: vehicles.OwnerScope, document_id: int, today: date, *, force: bool = False
) -> AppliedChanges:
    """Accept every pre-ticked proposal as read (what `ingest` does, and a one-click apply)."""
    found = document_review(scope, document_id, today)
    accepted = {p.field: p.value for p in found.proposals if p.accept}
    return apply_document(scope, document_id, accepted, today, force=force)
