"""Documents on the vehicle page: upload, progress of their reading (services/jobs.py), review, corrections."""

from __future__ import annotations

import asyncio
import time

import reflex as rx

from autocoach.domain.vocabulary import DOCUMENT_TYPES
from autocoach.services import documents, jobs, storage, vehicles
from autocoach.settings import get_settings
from autocoach.state.analysis import AnalysisState
from autocoach.state.vehicle import VehicleState, today
from autocoach.views.documents import DocumentView, document_view
from autocoach.state.undo import register_undoable

UPLOAD_ID = "documents-upload"
READING_STATUSES = ("pending", "reading")
# The page follows reading jobs by polling the database (any machine may read).
PROGRESS_POLL_S = 1.0
PROGRESS_MAX_POLLS = 3600


def _document_id(raw) -> int:  # noqa: ANN001 - whatever an event brings
    """An id from an event; anything else (23 digits, text) finds nothing."""
    return vehicles.parse_id(raw) or 0


class DocumentsState(VehicleState):
    items: list[DocumentView] = []
    upload_errors: list[str] = []
    uploading: bool = False
    processing: bool = False
    # Why the last "Appliquer" was refused, per document then field.
    _review_errors: dict[int, dict[str, str]] = {}
    # When the progress watcher last polled: a watcher whose worker died (its
    # flag left in Redis) is replaced rather than waited for.
    _watch_beat: float = 0.0

    @rx.var
    def max_upload_mb(self) -> int:
        return get_settings().max_upload_mb

    @rx.var
    def max_files_per_upload(self) -> int:
        return get_settings().max_files_per_upload

    def _views(self, found: list) -> list[DocumentView]:
        """(document, its review or None) pairs -> what the card shows."""
        return [
            document_view(
                document,
                document.mime_type != "application/pdf" and storage.has_thumbnail(document.stored_path),
                pending,
                self._review_errors.get(document.id),
            )
            for document, pending in found
        ]

    def _reload_documents(self, scope: vehicles.OwnerScope) -> None:
        vehicle_id = self._page_vehicle_id()
        try:
            found = documents.vehicle_documents(scope, vehicle_id, today()) if vehicle_id else []
        except vehicles.NotFound:
            found = []
        self.items = self._views(found)

    @rx.event
    def load_documents(self):
        self.upload_errors = []
        scope = self._scope()
        if scope is None or self._page_vehicle_id() is None:
            self.items = []
            return None
        self._reload_documents(scope)
        if any(item.status in READING_STATUSES for item in self.items):
            return DocumentsState.watch_progress
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
        vehicle_id = self._page_vehicle_id()
        if scope is None or vehicle_id is None:
            return rx.toast.error("Votre session a expiré : reconnectez-vous.")
        self.upload_errors = []
        try:
            documents.check_files_per_upload(len(files))  # before reading any of them
            received = [(file.name or "document", await file.read()) for file in files]
            outcome = await asyncio.to_thread(jobs.add_uploads, scope, vehicle_id, received)
        except storage.RejectedUpload as exc:
            self.upload_errors = [str(exc)]
            return rx.toast.error(str(exc))
        except vehicles.NotFound as exc:
            return rx.toast.error(str(exc))
        self.upload_errors = outcome.refusals
        self._reload_documents(scope)
        events = []
        if outcome.accepted:
            events.append(
                rx.toast.success(
                    f"{outcome.accepted} documents reçus : lecture en cours."
                    if outcome.accepted > 1
                    else "Document reçu : lecture en cours."
                )
            )
            events.append(DocumentsState.watch_progress)
        if self.upload_errors:
            events.append(rx.toast.error("Certains fichiers ont été refusés : voir le détail."))
        return events

    @rx.event(background=True)
    async def watch_progress(self):
        """Follow the queued documents as workers (here or elsewhere) read them."""
        async with self:
            if self.processing and time.time() - self._watch_beat < PROGRESS_POLL_S * 10:
                return
            scope = self._scope()
            vehicle_id = self._page_vehicle_id()
            if scope is None or vehicle_id is None:
                return
            self.processing, self._watch_beat = True, time.time()
        done = failed = 0
        try:
            for _ in range(PROGRESS_MAX_POLLS):
                await asyncio.sleep(PROGRESS_POLL_S)
                try:
                    found = await asyncio.to_thread(documents.vehicle_documents, scope, vehicle_id, today())
                except vehicles.NotFound:
                    break
                async with self:
                    if self._page_vehicle_id() != vehicle_id:
                        break  # the owner went to another vehicle
                    views = self._views(found)
                    before = {item.id: item.status for item in self.items}
                    self.items, self._watch_beat = views, time.time()
                for view in views:
                    if before.get(view.id) in READING_STATUSES and view.status == "processed":
                        done += 1
                    elif before.get(view.id) in READING_STATUSES and view.status == "failed":
                        failed += 1
                if not any(view.status in READING_STATUSES for view in views):
                    break
        finally:
            async with self:
                self.processing = False
                if self._page_vehicle_id() == vehicle_id:
                    try:
                        self._show(scope, vehicle_id)
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
            jobs.reread(scope, _document_id(document_id))
        except (vehicles.NotFound, ValueError) as exc:
            return rx.toast.error(str(exc))
        self._reload_documents(scope)
        return DocumentsState.watch_progress

    @rx.event
    def change_type(self, document_id: int, document_type: str):
        scope = self._scope()
        if scope is None:
            return None
        try:
            jobs.reread_as(scope, _document_id(document_id), document_type)
        except (vehicles.NotFound, ValueError) as exc:
            return rx.toast.error(str(exc))
        self._reload_documents(scope)
        return [
            rx.toast.info(f"Type corrigé : {DOCUMENT_TYPES[document_type]}. Nouvelle lecture en cours."),
            DocumentsState.watch_progress,
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
        message = (
            "Document appliqué à la fiche : " + ", ".join(changes.labels) + "."
            if changes.labels
            else "Document appliqué à la fiche."
        )
        return self._changed(scope, rx.toast.success(message))

    def _changed(self, scope: vehicles.OwnerScope, toast):  # noqa: ANN001, ANN202
        """After a change to the car's papers: the card, the record and the analysis follow."""
        self._reload_documents(scope)
        self._show(scope, self._page_vehicle_id())
        return [toast, AnalysisState.run_analysis]

    @rx.event
    def keep_document(self, document_id: int):
        scope = self._scope()
        if scope is None:
            return None
        try:
            documents.keep_document(scope, _document_id(document_id))
        except vehicles.NotFound as exc:
            return rx.toast.error(str(exc))
        return self._changed(scope, rx.toast.info("Document conservé, sans rien appliquer à la fiche."))

    @rx.event
    def move_document(self, document_id: int, vehicle_id: int):
        scope = self._scope()
        if scope is None:
            return None
        try:
            name = documents.move_document(scope, _document_id(document_id), _document_id(vehicle_id))
        except vehicles.NotFound as exc:
            return rx.toast.error(str(exc))
        return self._changed(scope, rx.toast.success(f"Document déplacé vers {name}, à vérifier sur sa fiche."))

    @rx.event
    def delete_document(self, document_id: int):
        scope = self._scope()
        if scope is None:
            return None
        try:
            name = documents.delete_document(scope, _document_id(document_id))
        except vehicles.NotFound as exc:
            return rx.toast.error(str(exc))
        return self._changed(scope, rx.toast.success(f"{name} supprimé."))

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
