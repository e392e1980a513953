"""Documents on the vehicle page: upload, background reading, corrections."""

from __future__ import annotations

import asyncio
import dataclasses

import reflex as rx

from autocoach.domain.formatting import format_date, format_eur, format_km
from autocoach.domain.vocabulary import DOCUMENT_STATUSES, DOCUMENT_TYPES
from autocoach.domain.wording import count
from autocoach.models import Document
from autocoach.services import documents, storage, vehicles
from autocoach.settings import get_settings
from autocoach.state.analysis import AnalysisState
from autocoach.state.garage import VehicleState
from autocoach.state.undo import register_undoable

UPLOAD_ID = "documents-upload"


@dataclasses.dataclass
class Proposal:
    field: str
    label: str
    current: str
    proposed: str


@dataclasses.dataclass
class DocumentView:
    id: int
    name: str
    type: str
    type_label: str
    status: str
    status_label: str
    error: str
    summary: str
    uploaded: str
    download_url: str
    thumbnail_url: str
    warnings: list[str]
    proposals: list[Proposal]
    applied: str


def _size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} Mo".replace(".", ",")
    return f"{max(1, size // 1024)} Ko"


def _summary(document: Document) -> str:
    fields = (document.extracted or {}).get("fields") or {}
    parts: list[str] = []
    if document.document_type == "facture":
        if fields.get("garage"):
            parts.append(str(fields["garage"]))
        if isinstance(fields.get("total_ttc"), (int, float)):
            parts.append(format_eur(fields["total_ttc"], decimals=2))
        if isinstance(fields.get("mileage"), int):
            parts.append(format_km(fields["mileage"]))
    elif document.document_type == "histovec":
        inspections = fields.get("technical_inspections") or []
        if fields.get("owners_count"):
            parts.append(count(int(fields["owners_count"]), "propriétaire"))
        parts.append(count(len(inspections), "contrôle technique"))
    elif document.document_type == "carte_grise":
        name = " ".join(str(fields[k]) for k in ("brand", "model") if fields.get(k))
        if name:
            parts.append(name)
        if fields.get("license_plate"):
            parts.append(str(fields["license_plate"]))
    return " · ".join(parts)


def _view(document: Document) -> DocumentView:
    extracted = document.extracted or {}
    return DocumentView(
        id=document.id,
        name=document.original_filename,
        type=document.document_type or "",
        type_label=DOCUMENT_TYPES.get(document.document_type or "", "Type à préciser"),
        status=document.status,
        status_label=DOCUMENT_STATUSES.get(document.status, document.status),
        error=document.error_message or "",
        summary=_summary(document) if document.status == "processed" else "",
        uploaded=f"{format_date(document.uploaded_at.date())} · {_size_label(document.size_bytes)}",
        download_url=f"/files/documents/{document.id}",
        thumbnail_url=(
            f"/files/documents/{document.id}/thumbnail"
            if document.mime_type != "application/pdf" and storage.has_thumbnail(document.stored_path)
            else ""
        ),
        warnings=list(extracted.get("warnings") or []),
        proposals=[
            Proposal(p["field"], p["label"], p["current"], p["proposed"])
            for p in extracted.get("proposals") or []
        ],
        applied=", ".join(extracted.get("applied") or []),
    )


class DocumentsState(VehicleState):
    items: list[DocumentView] = []
    upload_errors: list[str] = []
    uploading: bool = False
    processing: bool = False

    @rx.var
    def max_upload_mb(self) -> int:
        return get_settings().max_upload_mb

    def _reload_documents(self, scope: vehicles.OwnerScope) -> None:
        vehicle_id = self._page_vehicle_id()
        try:
            found = vehicles.list_documents(scope, vehicle_id) if vehicle_id else []
        except vehicles.NotFound:
            found = []
        self.items = [_view(d) for d in found]

    @rx.event
    def load_documents(self):
        self.upload_errors = []
        scope = self._scope()
        if scope is None or self._page_vehicle_id() is None:
            self.items = []
            return None
        self._reload_documents(scope)
        if any(item.status in ("pending", "reading") for item in self.items):
            return DocumentsState.process_queue
        return None

    @rx.event
    def handle_rejected(self, rejections: list[dict]):
        """Files the browser refused before sending (size, type): say why."""
        max_mb = get_settings().max_upload_mb
        self.upload_errors = []
        for rejection in rejections if isinstance(rejections, list) else []:
            if not isinstance(rejection, dict):
                continue
            name = str(rejection.get("name") or "fichier")[:120]
            codes = {str(code) for code in rejection.get("codes") or []}
            if "file-too-large" in codes:
                reason = f"le fichier dépasse la taille maximale de {max_mb} Mo."
            elif "file-invalid-type" in codes:
                reason = "ce type de fichier n'est pas accepté (PDF ou photo JPEG, PNG, HEIC)."
            else:
                reason = "ce fichier ne peut pas être envoyé."
            self.upload_errors.append(f"{name} : {reason}")
        return rx.toast.error("Certains fichiers ont été refusés : voir le détail.")

    @rx.event
    async def handle_upload(self, files: list[rx.UploadFile]):
        if not files:
            # The browser refused them all (see handle_rejected, which may run
            # first): keep its messages.
            return None
        scope = self._scope()
        if scope is None or self._page_vehicle_id() is None:
            return rx.toast.error("Votre session a expiré : reconnectez-vous.")
        self.upload_errors = []
        accepted = 0
        for file in files:
            name = file.name or "document"
            try:
                data = await file.read()
                await asyncio.to_thread(documents.add_upload, scope, self._page_vehicle_id(), name, data)
                accepted += 1
            except storage.RejectedUpload as exc:
                self.upload_errors.append(f"{name} : {exc}")
            except vehicles.NotFound as exc:
                return rx.toast.error(str(exc))
        self._reload_documents(scope)
        events = []
        if accepted:
            events.append(
                rx.toast.success(
                    f"{count(accepted, 'document reçu')} : lecture en cours."
                    if accepted > 1
                    else "Document reçu : lecture en cours."
                )
            )
            events.append(DocumentsState.process_queue)
        if self.upload_errors:
            events.append(rx.toast.error("Certains fichiers ont été refusés : voir le détail."))
        return events

    @rx.event(background=True)
    async def process_queue(self):
        """Read every queued document of this vehicle, one after the other."""
        async with self:
            if self.processing:
                return
            scope = self._scope()
            if scope is None or self._page_vehicle_id() is None:
                return
            self.processing = True
            queued = [item.id for item in self.items if item.status in ("pending", "reading")]
        done = failed = 0
        try:
            for document_id in queued:
                try:
                    await asyncio.to_thread(documents.mark_reading, scope, document_id)
                    async with self:
                        self._reload_documents(scope)
                    result = await asyncio.to_thread(documents.process_document, scope, document_id)
                except vehicles.NotFound:
                    continue  # deleted meanwhile
                if result.status == "processed":
                    done += 1
                else:
                    failed += 1
                async with self:
                    self._reload_documents(scope)
        finally:
            async with self:
                self.processing = False
                if self._page_vehicle_id() is not None:
                    try:
                        self._show(scope, self._page_vehicle_id())
                    except vehicles.NotFound:
                        pass
        if done or failed:
            message = f"Lecture terminée : {count(done, 'document analysé')}"
            message += f", {failed} en échec." if failed else "."
            return [rx.toast.info(message), AnalysisState.run_analysis]
        return None

    @rx.event
    def retry(self, document_id: int):
        scope = self._scope()
        if scope is None:
            return None
        try:
            documents.mark_reading(scope, int(document_id))
        except vehicles.NotFound as exc:
            return rx.toast.error(str(exc))
        self._reload_documents(scope)
        return DocumentsState.process_queue

    @rx.event
    def change_type(self, document_id: int, document_type: str):
        scope = self._scope()
        if scope is None:
            return None
        try:
            documents.set_document_type(scope, int(document_id), document_type)
        except (vehicles.NotFound, ValueError) as exc:
            return rx.toast.error(str(exc))
        self._reload_documents(scope)
        return [
            rx.toast.info(f"Type corrigé : {DOCUMENT_TYPES[document_type]}. Nouvelle lecture en cours."),
            DocumentsState.process_queue,
        ]

    @rx.event
    def apply_proposals(self, form_data: dict):
        scope = self._scope()
        document_id = vehicles.parse_id(form_data.get("document_id"))
        if scope is None or document_id is None:
            return None
        accepted = [name for name, value in form_data.items() if value and name != "document_id"]
        return self._apply(scope, document_id, accepted)

    def _apply(self, scope: vehicles.OwnerScope, document_id: int, accepted: list[str]):
        try:
            changes = documents.apply_carte_grise(scope, document_id, accepted)
        except vehicles.NotFound as exc:
            return rx.toast.error(str(exc))
        self._reload_documents(scope)
        self._show(scope, self._page_vehicle_id())
        if not changes.labels:
            return rx.toast.info("Aucune modification appliquée.")
        return [
            rx.toast.success("Fiche mise à jour : " + ", ".join(changes.labels) + "."),
            AnalysisState.run_analysis,
        ]

    @rx.event
    def dismiss_proposals(self, document_id: int):
        scope = self._scope()
        if scope is None:
            return None
        return self._apply(scope, int(document_id), [])

    @rx.event
    def delete_document(self, document_id: int):
        scope = self._scope()
        if scope is None:
            return None
        try:
            name = documents.delete_document(scope, int(document_id))
        except vehicles.NotFound as exc:
            return rx.toast.error(str(exc))
        self._reload_documents(scope)
        self._show(scope, self._page_vehicle_id())
        return [rx.toast.success(f"{name} supprimé."), AnalysisState.run_analysis]

    @rx.event
    def after_undoable_delete(self):
        """A delete that waited for "Annuler" (state/undo.py) went through."""
        scope = self._scope()
        vehicle_id = self._page_vehicle_id()
        if scope is None or vehicle_id is None:
            return None
        self._reload_documents(scope)
        try:
            self._show(scope, vehicle_id)
        except vehicles.NotFound:
            return None
        return AnalysisState.run_analysis


register_undoable("document", documents.delete_document, [DocumentsState.after_undoable_delete])
