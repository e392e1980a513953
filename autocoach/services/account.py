"""The owner's rights over their account (RGPD): export everything, delete everything.

`export_user_data` gives a zip the owner can read and take elsewhere (right of
access and portability, articles 15 and 20); `delete_account` erases the
account, its rows and its files (right to erasure, article 17).
"""

from __future__ import annotations

import io
import json
import logging
import re
import unicodedata
import zipfile
from typing import Any, BinaryIO

from sqlmodel import Session, col, delete, func, select

from autocoach.db import read_session, utcnow, write_session
from autocoach.domain.jsonable import to_jsonable
from autocoach.models import (
    Analysis,
    Document,
    Expense,
    LoginToken,
    MileageReading,
    ReminderSent,
    User,
    UserSession,
    Vehicle,
    VehicleFact,
)
from autocoach.services import mail, storage
from autocoach.services.vehicles import NotFound

log = logging.getLogger(__name__)

EXPORT_FORMAT = "autocoach-export"
EXPORT_VERSION = 1
MSG_NO_ACCOUNT = "Ce compte est introuvable."
# Internal columns that tell the owner nothing: where the encrypted file sits.
DOCUMENT_INTERNAL = {"stored_path"}
_UNSAFE = re.compile(r"[^\w.\- ()+,&'@]+")

README = """\
Export de vos données AutoCoach
===============================

Ce fichier zip contient toutes les données personnelles que AutoCoach conserve
sur vous, à la date indiquée dans donnees.json (« exported_at »).

- donnees.json : votre compte (adresse e-mail, date de création, dernière
  connexion, choix des rappels) et, pour chaque véhicule, toutes ses
  caractéristiques, ses relevés kilométriques, ses dépenses, les informations
  de ses documents (type, nom, taille, empreinte SHA-256, champs lus
  automatiquement), les résultats de ses analyses et les rappels envoyés.
  Les dates sont au format ISO 8601, en temps universel (UTC) ; les montants
  en euros. Les noms des champs sont ceux de l'application.
- documents/ : les fichiers que vous avez déposés, déchiffrés, tels que vous
  les avez envoyés (sans la position GPS des photos, retirée au dépôt).
  Chaque nom commence par le numéro du document dans donnees.json.

Ne figurent pas dans cet export :
- les liens de connexion et les sessions (seule leur empreinte est conservée) :
  ce sont des secrets techniques de sécurité, pas des données vous concernant
  utiles à consulter ou à transmettre ;
- les miniatures des photos, recalculées à partir de vos fichiers.

Pour supprimer votre compte et toutes ces données, utilisez « Supprimer mon
compte » dans l'application.
"""


def safe_filename(name: str, *, fallback: str = "document", max_length: int = 120) -> str:
    """A file name any OS accepts: no path, no control or reserved characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name).strip(" .")
    if not name:
        return fallback
    if len(name) > max_length:
        stem, dot, suffix = name.rpartition(".")
        if dot and 0 < len(suffix) <= 10:
            name = stem[: max_length - len(suffix) - 1] + "." + suffix
        else:
            name = name[:max_length]
    return name


def _dumps(session: Session, model: Any, vehicle_id: int, order: Any) -> list[dict]:
    """Every column of the vehicle's rows of `model` (the vehicle id is implied)."""
    rows = session.exec(
        select(model).where(model.vehicle_id == vehicle_id).order_by(order, col(model.id))
    ).all()
    return [row.model_dump(exclude={"vehicle_id"}) for row in rows]


def _collect(user_id: int) -> tuple[dict, list[tuple[str, str]]]:
    """The owner's data as a dict, and (zip name, stored path) of each document file."""
    files: list[tuple[str, str]] = []
    with read_session() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(MSG_NO_ACCOUNT)
        data: dict[str, Any] = {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "exported_at": utcnow().isoformat(),
            "account": {
                "email": user.email,
                "created_at": user.created_at,
                "last_login": user.last_login,
                "reminders_opt_in": user.reminders_opt_in,
            },
            "vehicles": [],
        }
        vehicles = session.exec(
            select(Vehicle)
            .where(Vehicle.user_id == user_id)
            .order_by(col(Vehicle.created_at), col(Vehicle.id))
        ).all()
        for vehicle in vehicles:
            entry = vehicle.model_dump(exclude={"user_id"})
            entry["mileage_readings"] = _dumps(
                session, MileageReading, vehicle.id, col(MileageReading.date)
            )
            entry["expenses"] = _dumps(session, Expense, vehicle.id, col(Expense.date))
            entry["sources"] = _dumps(session, VehicleFact, vehicle.id, col(VehicleFact.id))
            documents = _dumps(session, Document, vehicle.id, col(Document.uploaded_at))
            for item in documents:
                name = f"documents/{item['id']}-{safe_filename(item['original_filename'])}"
                files.append((name, item["stored_path"]))
                for internal in DOCUMENT_INTERNAL:
                    item.pop(internal, None)
                item["file"] = name
            entry["documents"] = documents
            entry["analyses"] = _dumps(session, Analysis, vehicle.id, col(Analysis.created_at))
            entry["reminders_sent"] = _dumps(
                session, ReminderSent, vehicle.id, col(ReminderSent.sent_at)
            )
            data["vehicles"].append(entry)
    return data, files


def write_export(user_id: int, target: BinaryIO) -> None:
    """Write a zip of everything AutoCoach keeps about this owner to `target`:
    donnees.json, their documents decrypted under documents/, and LISEZMOI.txt.
    Documents are added one at a time, so memory stays at one file's size.

    Raises NotFound (French message) for an unknown account.
    """
    data, files = _collect(user_id)
    missing: list[str] = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, stored_path in files:
            try:
                content = storage.read_stored(stored_path)
            except (OSError, ValueError) as exc:
                # One lost file must not withhold the rest of the export.
                log.warning("Export of user %s: cannot read %s: %s", user_id, stored_path, exc)
                missing.append(name)
                continue
            archive.writestr(name, content)
            del content
        for vehicle in data["vehicles"]:
            for document in vehicle["documents"]:
                if document["file"] in missing:
                    document["file"] = None
                    document["file_error"] = "Fichier introuvable ou illisible sur le serveur."
        archive.writestr(
            "donnees.json", json.dumps(to_jsonable(data), ensure_ascii=False, indent=2) + "\n"
        )
        archive.writestr("LISEZMOI.txt", README)


def export_user_data(user_id: int) -> bytes:
    """The export as bytes (see write_export)."""
    buffer = io.BytesIO()
    write_export(user_id, buffer)
    return buffer.getvalue()


def delete_account(user_id: int) -> None:
    """Erase the account: every row of the owner, then every stored file of theirs.

    Raises NotFound (French message) for an unknown account.
    """
    with write_session() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(MSG_NO_ACCOUNT)
        email = user.email
        vehicle_ids = list(session.exec(select(Vehicle.id).where(Vehicle.user_id == user_id)).all())
        stored = list(
            session.exec(
                select(Document.stored_path).where(col(Document.vehicle_id).in_(vehicle_ids))
            ).all()
        )
        # Explicit deletes besides ON DELETE CASCADE: correct even on a
        # connection where foreign keys were left off. Children first.
        if vehicle_ids:
            for model in (ReminderSent, VehicleFact, Expense, MileageReading, Analysis, Document):
                session.exec(delete(model).where(col(model.vehicle_id).in_(vehicle_ids)))
            session.exec(delete(Vehicle).where(col(Vehicle.user_id) == user_id))
        session.exec(delete(UserSession).where(col(UserSession.user_id) == user_id))
        # Login tokens are keyed by email (the account may not exist yet when one is sent).
        session.exec(delete(LoginToken).where(func.lower(LoginToken.email) == email.lower()))
        session.exec(delete(User).where(col(User.id) == user_id))
    # Files go once the rows are committed: a crash in between leaves orphan
    # encrypted files, never rows pointing at missing files.
    storage.delete_stored_files(stored)
    mail.purge_outbox_for(email)
    log.info("Account %s deleted (%d vehicles, %d files)", user_id, len(vehicle_ids), len(stored))
