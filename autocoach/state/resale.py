"""The "Vendre" tab: the ad to edit, copy and export, and the PDF report."""

from __future__ import annotations

import asyncio
import dataclasses

import reflex as rx

from autocoach import routes

from autocoach.domain.formatting import format_date, format_eur
from autocoach.domain.vehicle_form import parse_whole_number
from autocoach.models import GeneratedAd
from autocoach.services import resale, vehicles
from autocoach.state.vehicle import VehicleState, today

SOURCE_LABELS = {
    "template": "Rédigée par AutoCoach",
    "ai": "Rédigée par l'IA",
    "edited": "Modifiée par vous",
    "restored": "Version restaurée",
}
# Versions that hold the owner's own words: replacing them asks first.
OWNER_SOURCES = ("edited", "restored")
PLATFORM_LABELS = {"leboncoin": "LeBonCoin", "lacentrale": "La Centrale"}


@dataclasses.dataclass
class PastAd:
    ad_id: int
    when: str
    source: str
    title: str
    price: str


@dataclasses.dataclass
class FormFieldView:
    field_id: str
    label: str
    value: str
    note: str  # "42 / 60 caractères", or empty
    too_long: bool


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
    reminders: list[str] = []
    checklist: list[str] = []
    missing: list[str] = []
    past_ads: list[PastAd] = []
    form_fields: list[FormFieldView] = []
    edit_error: str = ""
    unsaved_edits: bool = False
    regenerate_open: bool = False
    _source_id: str = ""
    _variant: int = 0
    # Which ad the editor shows, for whom, and its saved text: a reconnect
    # (Reflex re-runs on_load) must not wipe edits not yet saved.
    _shown_ad: tuple[int, int, int] | None = None  # (user id, vehicle id, ad id)
    _saved_text: tuple[str, str, str] = ("", "", "")

    @rx.var
    def title_length(self) -> int:
        return len(self.ad_title)

    @rx.var
    def title_too_long(self) -> bool:
        return len(self.ad_title) > self.title_max

    @rx.var
    def platform_label(self) -> str:
        return PLATFORM_LABELS.get(self.platform, self.platform)

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
        self._source_id = row.source
        self.title_max = resale.title_limit(row.platform)
        self.margin = format_eur(payload.get("negotiation_margin") or 0)
        self.form_fields = [
            FormFieldView(
                f.id,
                f.label,
                f.value,
                f"{len(f.value)} / {f.limit} caractères" if f.limit else "",
                bool(f.limit and len(f.value) > f.limit),
            )
            for f in resale.form(row, row.platform)
        ]
        self.reminders = list(payload.get("seller_reminders") or [])
        self.checklist = list(payload.get("photo_checklist") or [])
        self.missing = resale.missing_mentions(row)
        self._variant = row.variant
        self.past_ads = [
            PastAd(ad.id, format_date(ad.created_at.date()), SOURCE_LABELS.get(ad.source, ad.source), ad.title, format_eur(ad.price))
            for ad in resale.history(scope, vehicle_id)[1:11]
            if ad.id is not None
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
        """Before the first ad: the site to write for. Afterwards: the same ad
        moves to the other site (its labels, its title limit), edits kept."""
        if platform not in PLATFORM_LABELS:
            return None
        self.platform = platform
        self.title_max = resale.title_limit(platform)
        scope = self._scope()
        vehicle_id = self._page_vehicle_id()
        if not self.ad_ready or scope is None or vehicle_id is None:
            return None
        typed = (self.ad_title, self.ad_description, self.ad_price)
        unsaved = self.unsaved_edits
        try:
            resale.set_platform(scope, vehicle_id, platform)
            self._show_ad(scope, vehicle_id)
        except vehicles.NotFound as exc:
            return rx.toast.error(str(exc))
        if unsaved:
            self.ad_title, self.ad_description, self.ad_price = typed
            self._note_edit()
        message = f"Annonce préparée pour {PLATFORM_LABELS[platform]}."
        if len(self.ad_title) > self.title_max:
            message += f" Le titre dépasse sa limite de {self.title_max} caractères : raccourcissez-le."
            return rx.toast.warning(message)
        return rx.toast.success(message)

    @rx.event
    def ask_regenerate(self):
        """A new wording replaces the owner's words only once they say so."""
        if self.unsaved_edits or self._source_id in OWNER_SOURCES:
            self.regenerate_open = True
            return None
        return ResaleState.generate(True)

    @rx.event
    def set_regenerate_open(self, value: bool):
        self.regenerate_open = value

    @rx.event
    def confirm_regenerate(self):
        self.regenerate_open = False
        kept = self._keep_unsaved()
        return [*kept, ResaleState.generate(True)]

    def _keep_unsaved(self) -> list:
        """Unsaved typing becomes a version of its own before anything replaces
        it, so it can be restored; nothing typed is lost."""
        if not self.unsaved_edits:
            return []
        scope = self._scope()
        vehicle_id = self._page_vehicle_id()
        price = parse_whole_number(self.ad_price.strip())
        if scope is None or vehicle_id is None or not self.ad_title.strip() or not self.ad_description.strip() or not price or price <= 0:
            return []
        try:
            resale.save_edit(scope, vehicle_id, title=self.ad_title.strip(), description=self.ad_description.strip(), price=price)
        except vehicles.NotFound:
            return []
        self.unsaved_edits = False
        return [rx.toast.info("Votre texte est gardé dans les versions précédentes.")]

    @rx.event
    def restore_version(self, ad_id: int):
        scope = self._scope()
        vehicle_id = self._page_vehicle_id()
        if scope is None or vehicle_id is None:
            return rx.toast.error("Votre session a expiré : reconnectez-vous.")
        kept = self._keep_unsaved()
        try:
            resale.restore(scope, vehicle_id, int(ad_id))
            self._show_ad(scope, vehicle_id)
        except (vehicles.NotFound, ValueError, TypeError):
            return rx.toast.error("Cette version de l'annonce n'existe plus.")
        self.edit_error = ""
        return [*kept, rx.toast.success("Version restaurée : c'est maintenant l'annonce affichée.")]

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
            self.edit_error = (
                f"Le titre dépasse la limite de {PLATFORM_LABELS.get(self.platform, '')} : "
                f"{self.title_max} caractères au plus ({len(title)})."
            )
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

    def _title_warning(self, row: GeneratedAd, platform: str) -> list:
        limit = resale.title_limit(platform)
        if len(row.title) <= limit:
            return []
        return [
            rx.toast.warning(
                f"Le titre fait {len(row.title)} caractères : {PLATFORM_LABELS[platform]} en accepte "
                f"{limit}. Raccourcissez-le avant de publier."
            )
        ]

    @rx.event
    def copy_all(self):
        row = self._current()
        if row is None:
            return rx.toast.error("Générez d'abord une annonce.")
        return [
            rx.set_clipboard(resale.as_text(row, self.platform)),
            rx.toast.success("Annonce complète copiée."),
            *self._title_warning(row, self.platform),
        ]

    @rx.event
    def download_text(self, platform: str):
        row = self._current()
        if row is None or platform not in PLATFORM_LABELS:
            return rx.toast.error("Générez d'abord une annonce.")
        return [
            rx.download(data=resale.form_as_text(row, platform), filename=f"annonce-{platform}.txt"),
            *self._title_warning(row, platform),
        ]

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
