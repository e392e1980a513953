"""Documents on the vehicle page: upload, background reading, review, corrections."""

from __future__ import annotations

import asyncio

import reflex as rx

from autocoach.domain.vocabulary import DOCUMENT_TYPES
from autocoach.services import documents, storage, vehicles
from autocoach.settings import get_settings
from autocoach.state.analysis import AnalysisState
from autocoach.state.vehicle import VehicleState, today
from autocoach.views.documents import DocumentView, document_view

UPLOAD_ID = "documents-upload"


class DocumentsState(VehicleState):
    items: list[DocumentView] = []
    upload_errors: list[str] = []
    uploading: bool = False
    processing: bool = False
    # Why the last "Appliquer" was refused, per document then field.
    _review_errors: dict[int, dict[str, str]] = {}

    @rx.var
    def max_upload_mb(self) -> int:
        return get_settings().max_upload_mb

    def _reload_documents(self, scope: vehicles.OwnerScope) -> None:
        vehicle_id = self._page_vehicle_id()
        try:
            found = documents.vehicle_documents(scope, vehicle_id, today()) if vehicle_id else []
        except vehicles.NotFound:
            found = []
        self.items = [
            document_view(
                document,
                document.mime_type != "application/pdf" and storage.has_thumbnail(document.stored_path),
                pending,
                self._review_errors.get(document.id),
            )
            for document, pending in found
        ]

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
                    f"{accepted} documents reçus : lecture en cours."
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
            message = "Lecture terminée : " + (
                "1 document lu" if done == 1 else f"{done} documents lus"
            )
            message += f", {failed} en échec." if failed else ". Vérifiez ce qui a été lu avant de l'appliquer."
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
    def apply_review(self, form_data: dict):
        """Apply what the owner ticked, with the values left in the inputs."""
        scope = self._scope()
        document_id = vehicles.parse_id(form_data.get("document_id"))
        if scope is None or document_id is None:
            return None
        accepted = {
            name.removeprefix("accept:"): str(form_data.get("value:" + name.removeprefix("accept:"), ""))
            for name, ticked in form_data.items()
            if name.startswith("accept:") and ticked
        }
        force = bool(form_data.get("force"))
        try:
            changes = documents.apply_document(scope, document_id, accepted, today(), force=force)
        except documents.ReviewErrors as exc:
            self._review_errors[document_id] = exc.errors
            self._reload_documents(scope)
            return rx.toast.error("Rien n'a été appliqué : " + " ".join(dict.fromkeys(exc.errors.values())))
        except vehicles.NotFound as exc:
            return rx.toast.error(str(exc))
        self._review_errors.pop(document_id, None)
        self._reload_documents(scope)
        self._show(scope, self._page_vehicle_id())
        message = (
            "Document appliqué à la fiche : " + ", ".join(changes.labels) + "."
            if changes.labels
            else "Document appliqué à la fiche."
        )
        return [rx.toast.success(message), AnalysisState.run_analysis]

    @rx.event
    def keep_document(self, document_id: int):
        scope = self._scope()
        if scope is None:
            return None
        try:
            documents.keep_document(scope, int(document_id))
        except vehicles.NotFound as exc:
            return rx.toast.error(str(exc))
        self._reload_documents(scope)
        self._show(scope, self._page_vehicle_id())
        return [rx.toast.info("Document conservé, sans rien appliquer à la fiche."), AnalysisState.run_analysis]

    @rx.event
    def move_document(self, document_id: int, vehicle_id: int):
        scope = self._scope()
        if scope is None:
            return None
        try:
            name = documents.move_document(scope, int(document_id), int(vehicle_id))
        except vehicles.NotFound as exc:
            return rx.toast.error(str(exc))
        self._reload_documents(scope)
        self._show(scope, self._page_vehicle_id())
        return [rx.toast.success(f"Document déplacé vers {name}, à vérifier sur sa fiche."), AnalysisState.run_analysis]

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
