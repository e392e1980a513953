"""The "Vendre" tab: the ad to edit, copy and export, and the PDF report."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import reflex as rx

from autocoach import routes

from autocoach.domain.formatting import format_date, format_eur
from autocoach.domain.vehicle_form import parse_whole_number
from autocoach.models import GeneratedAd
from autocoach.services import resale, vehicles
from autocoach.state.vehicle import VehicleState, today

SOURCE_LABELS = {"template": "Rédigée par AutoCoach", "ai": "Rédigée par l'IA", "edited": "Modifiée par vous"}
PLATFORM_LABELS = {"leboncoin": "LeBonCoin", "lacentrale": "La Centrale"}


@dataclasses.dataclass
class Criterion:
    label: str
    value: str


@dataclasses.dataclass
class PastAd:
    when: str
    source: str
    title: str


class ResaleState(VehicleState):
    ad_ready: bool = False
    generating: bool = False
    platform: str = "leboncoin"
    ad_title: str = ""
    ad_description: str = ""
    ad_price: str = ""
    ad_source: str = ""
    title_max: int = 70
    margin: str = ""
    criteria: list[Criterion] = []
    reminders: list[str] = []
    checklist: list[str] = []
    missing: list[str] = []
    past_ads: list[PastAd] = []
    edit_error: str = ""
    unsaved_edits: bool = False
    _variant: int = 0
    # Which ad the editor shows, for whom, and its saved text: a reconnect
    # (Reflex re-runs on_load) must not wipe edits not yet saved.
    _shown_ad: tuple[int, int, int] | None = None  # (user id, vehicle id, ad id)
    _saved_text: tuple[str, str, str] = ("", "", "")

    @rx.var
    def title_length(self) -> int:
        return len(self.ad_title)

    def _show_ad(self, scope: vehicles.OwnerScope, vehicle_id: int) -> None:
        row = resale.latest_ad(scope, vehicle_id)
        self.ad_ready = row is not None
        if row is None:
            return
        payload = row.payload or {}
        self.platform = row.platform
        self.ad_title = row.title
        self.ad_description = row.description
        self.ad_price = str(row.price)
        self._shown_ad = (scope.user_id, vehicle_id, row.id)
        self._saved_text = (self.ad_title, self.ad_description, self.ad_price)
        self.unsaved_edits = False
        self.ad_source = SOURCE_LABELS.get(row.source, row.source)
        self.title_max = resale.title_limit(row.platform)
        self.margin = format_eur(payload.get("negotiation_margin") or 0)
        self.criteria = [Criterion(c["label"], c["value"]) for c in resale.export(row, row.platform)["criteria"]]
        self.reminders = list(payload.get("seller_reminders") or [])
        self.checklist = list(payload.get("photo_checklist") or [])
        self.missing = resale.missing_mentions(row)
        self._variant = row.variant
        self.past_ads = [
            PastAd(format_date(ad.created_at.date()), SOURCE_LABELS.get(ad.source, ad.source), ad.title)
            for ad in resale.history(scope, vehicle_id)[1:6]
        ]

    @rx.event
    def load_ad(self):
        scope = self._scope()
        vehicle_id = self._page_vehicle_id()
        self.edit_error = ""
        if scope is None or vehicle_id is None:
            return
        shown_before = self._shown_ad
        typed = (self.ad_title, self.ad_description, self.ad_price)
        try:
            self._show_ad(scope, vehicle_id)
        except vehicles.NotFound:
            self.ad_ready = False
            return
        if self.ad_ready and self._shown_ad == shown_before and typed != self._saved_text:
            # Same owner, same car, same latest ad: put the unsaved edits back.
            self.ad_title, self.ad_description, self.ad_price = typed
            self.unsaved_edits = True

    @rx.event(background=True)
    async def generate(self, regenerate: bool = False):
        async with self:
            if self.generating:
                return
            scope = self._scope()
            vehicle_id = self._page_vehicle_id()
            if scope is None or vehicle_id is None:
                return
            self.generating = True
            variant = self._variant + 1 if regenerate else 0
            platform = self.platform
        try:
            await asyncio.to_thread(
                resale.generate, scope, vehicle_id, today(), platform=platform, variant=variant
            )
        except vehicles.NotFound as exc:
            async with self:
                self.generating = False
            yield rx.toast.error(str(exc))
            return
        async with self:
            self.generating = False
            self._show_ad(scope, vehicle_id)
        yield rx.toast.success("Nouvelle annonce rédigée." if regenerate else "Annonce rédigée : relisez-la, modifiez-la, copiez-la.")

    @rx.event
    def set_platform(self, platform: str):
        if platform in PLATFORM_LABELS:
            self.platform = platform
            self.title_max = resale.title_limit(platform)

    def _note_edit(self) -> None:
        self.unsaved_edits = (self.ad_title, self.ad_description, self.ad_price) != self._saved_text

    @rx.event
    def set_ad_title(self, value: str):
        self.ad_title = value
        self._note_edit()

    @rx.event
    def set_ad_description(self, value: str):
        self.ad_description = value
        self._note_edit()

    @rx.event
    def set_ad_price(self, value: str):
        self.ad_price = value
        self._note_edit()

    @rx.event
    def save_edit(self, form_data: dict | None = None):
        scope = self._scope()
        vehicle_id = self._page_vehicle_id()
        if scope is None or vehicle_id is None:
            return rx.toast.error("Votre session a expiré : reconnectez-vous.")
        if form_data:
            # What the fields show is what gets saved.
            self.ad_title = str(form_data.get("title", self.ad_title))
            self.ad_description = str(form_data.get("description", self.ad_description))
            self.ad_price = str(form_data.get("price", self.ad_price))
            self._note_edit()
        price = parse_whole_number(self.ad_price.strip())
        title = self.ad_title.strip()
        if not title:
            self.edit_error = "Le titre ne peut pas être vide."
        elif len(title) > self.title_max:
            self.edit_error = f"Le titre dépasse {self.title_max} caractères ({len(title)})."
        elif not self.ad_description.strip():
            self.edit_error = "La description ne peut pas être vide."
        elif price is None or price <= 0:
            self.edit_error = "Le prix doit être un montant en euros, par exemple 8 900."
        else:
            self.edit_error = ""
        if self.edit_error:
            return None
        try:
            resale.save_edit(scope, vehicle_id, title=title, description=self.ad_description.strip(), price=price)
        except vehicles.NotFound as exc:
            return rx.toast.error(str(exc))
        self._show_ad(scope, vehicle_id)
        return rx.toast.success("Modifications de l'annonce enregistrées.")

    def _current(self) -> GeneratedAd | None:
        scope = self._scope()
        vehicle_id = self._page_vehicle_id()
        if scope is None or vehicle_id is None:
            return None
        try:
            return resale.latest_ad(scope, vehicle_id)
        except vehicles.NotFound:
            return None

    @rx.event
    def copy_title(self):
        return [rx.set_clipboard(self.ad_title), rx.toast.success("Titre copié dans le presse-papiers.")]

    @rx.event
    def copy_description(self):
        return [
            rx.set_clipboard(self.ad_description),
            rx.toast.success("Description copiée dans le presse-papiers."),
        ]

    @rx.event
    def copy_all(self):
        row = self._current()
        if row is None:
            return rx.toast.error("Générez d'abord une annonce.")
        return [rx.set_clipboard(resale.as_text(row, self.platform)), rx.toast.success("Annonce complète copiée.")]

    @rx.event
    def download_text(self, platform: str):
        row = self._current()
        if row is None or platform not in PLATFORM_LABELS:
            return rx.toast.error("Générez d'abord une annonce.")
        return rx.download(data=resale.as_text(row, platform), filename=f"annonce-{platform}.txt")

    @rx.event
    def download_json(self, platform: str):
        row = self._current()
        if row is None or platform not in PLATFORM_LABELS:
            return rx.toast.error("Générez d'abord une annonce.")
        data = json.dumps(resale.export(row, platform), ensure_ascii=False, indent=2)
        return rx.download(data=data, filename=f"annonce-{platform}.json")

    @rx.event
    def download_report(self):
        vehicle_id = self._page_vehicle_id()
        if vehicle_id is None:
            return None
        # The browser fetches it with its session cookie; the route checks the owner.
        return [
            rx.download(url=routes.report_url(vehicle_id)),
            rx.toast.info("Rapport en préparation : le téléchargement va commencer."),
        ]
