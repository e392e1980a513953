"""The garage (dashboard), the vehicle form and the vehicle page.

Thin: each handler checks the session, calls `services.vehicles` with the
owner's scope, and turns the result or the error into what the page shows.
"""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
from datetime import date

import reflex as rx

from autocoach import routes
from autocoach.data import load_reference
from autocoach.domain.formatting import format_date, format_eur, format_km, format_score
from autocoach.domain.plates import InvalidPlate, parse_plate
from autocoach.domain.vehicle_form import (
    FIELDS,
    VehicleFormErrors,
    validate_mileage_update,
    validate_vehicle_form,
)
from autocoach.domain.vocabulary import EXPENSE_CATEGORIES, FUEL_TYPES, GEARBOXES
from autocoach.models import Vehicle
from autocoach.services import analysis, reminders, vehicles
from autocoach.services.plate_lookup import lookup_plate
from autocoach.state.auth import SessionState
from autocoach.state.drafts import DRAFT_PREFIX, forget_draft_script


def today() -> date:
    return date.today()


def vehicle_id_from_path(path: str) -> int | None:
    """`/vehicles/12` or `/vehicles/12/edit` -> 12."""
    parts = [p for p in (path or "").split("/") if p]
    if len(parts) >= 2 and parts[0] == "vehicles":
        return vehicles.parse_id(parts[1])
    return None


@dataclasses.dataclass
class VehicleCard:
    id: int
    title: str
    subtitle: str
    plate: str
    mileage: str
    score: str
    next_alert: str
    href: str


@dataclasses.dataclass
class LabelledValue:
    label: str
    value: str


@dataclasses.dataclass
class ExpenseLine:
    date: str
    label: str
    category: str
    mileage: str
    amount: str


def _title(vehicle: Vehicle) -> str:
    return f"{vehicle.brand} {vehicle.model}"


def _subtitle(vehicle: Vehicle) -> str:
    parts = [str(vehicle.year), FUEL_TYPES.get(vehicle.fuel_type, vehicle.fuel_type)]
    if vehicle.gearbox:
        parts.append(GEARBOXES.get(vehicle.gearbox, vehicle.gearbox))
    return " · ".join(parts)


class GarageState(SessionState):
    cards: list[VehicleCard] = []
    loaded: bool = False
    reminders_on: bool = False

    @rx.event
    def set_reminders(self, enabled: bool):
        user_id = self._require_user_id()
        if user_id is None:
            return rx.redirect(routes.LOGIN)
        reminders.set_opt_in(user_id, bool(enabled))
        self.reminders_on = bool(enabled)
        return rx.toast.success(
            "Rappels activés : vous recevrez un e-mail 30 jours avant chaque échéance."
            if enabled
            else "Rappels désactivés."
        )

    @rx.event
    def load_garage(self):
        user_id = self._require_user_id()
        if user_id is None:
            return
        scope = vehicles.OwnerScope(user_id)
        self.reminders_on = reminders.is_opted_in(user_id)
        analysis.refresh_analyses(scope, today())
        summaries = vehicles.list_vehicles(scope)
        self.cards = [
            VehicleCard(
                id=s.vehicle.id,
                title=_title(s.vehicle),
                subtitle=_subtitle(s.vehicle),
                plate=s.vehicle.license_plate or "",
                mileage=format_km(s.vehicle.mileage),
                score="" if s.reliability_score is None else format_score(s.reliability_score),
                next_alert=s.next_alert.get("message", "") if s.next_alert else "",
                href=f"/vehicles/{s.vehicle.id}",
            )
            for s in summaries
        ]
        self.loaded = True


def _form_values_of(vehicle: Vehicle) -> dict[str, str]:
    values = {}
    for name in FIELDS:
        value = getattr(vehicle, name)
        if value is None:
            values[name] = ""
        elif isinstance(value, date):
            values[name] = value.isoformat()
        elif isinstance(value, float):
            values[name] = f"{value:.2f}".rstrip("0").rstrip(".")
        else:
            values[name] = str(value)
    return values


class VehicleFormState(SessionState):
    """Add (plate step, then form) and edit."""

    mode: str = "new"  # new | edit
    step: str = "plate"  # plate | form
    plate_input: str = ""
    plate_error: str = ""
    lookup_note: str = ""
    lookup_found: bool = False
    looking_up: bool = False
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    # Bumped when values are replaced, so the uncontrolled inputs re-mount.
    form_key: int = 0
    brand: str = ""
    saving: bool = False
    not_found: bool = False
    editing_page_id: int = 0
    _editing_id: int | None = None
    # The vehicle's values as last loaded into the edit form.
    _loaded_values: dict[str, str] = {}
    # Whose form this is: a draft is never shown to the next account logged
    # in from the same tab.
    _form_user_id: int | None = None
    # "<email>|<random>" while a new-car form is open in this tab, kept in the
    # tab's sessionStorage: when the page reconnects under a new session token
    # (Reflex does so when the server has not yet seen the old socket close),
    # the fresh state learns from it that the form was open, and the browser
    # puts the unsaved typing back (FormDraft).
    new_form_open: str = rx.SessionStorage("", name="autocoach_new_vehicle_form")

    @rx.var
    def draft_key(self) -> str:
        """Where the browser keeps this form's unsaved typing ("" = nowhere)."""
        if not self.user_email:
            return ""
        if self.mode == "edit":
            return f"{DRAFT_PREFIX}edit:{self.user_email}:{self.editing_page_id}" if self.editing_page_id else ""
        if self.new_form_open.startswith(f"{self.user_email}|"):
            return f"{DRAFT_PREFIX}new:{self.new_form_open}"
        return ""

    def _open_new_form(self) -> None:
        # A new form, a new draft key: an older draft never fills it.
        self.new_form_open = f"{self.user_email}|{secrets.token_hex(6)}"

    @rx.var
    def model_options(self) -> list[str]:
        return load_reference().model_names(self.brand) if self.brand else []

    @rx.var
    def error_count(self) -> int:
        return len(self.errors)

    @rx.event
    def start_new(self):
        user_id = self._require_user_id()
        if user_id is None:
            return
        if (
            self.mode == "new"
            and self._form_user_id == user_id
            and (self.step == "form" or self.plate_input)
        ):
            # A form in progress (the connection came back, another worker
            # answers, the page reloaded): keep what the owner typed. Inputs
            # are only re-mounted when form_key changes.
            return
        # A fresh state (a new session token) for a tab whose form was open:
        # show the form again; the browser refills it from its draft.
        reopen = bool(self.user_email) and self.new_form_open.startswith(f"{self.user_email}|")
        self.mode, self.step = "new", "plate"
        self.plate_input = self.plate_error = self.lookup_note = ""
        self.lookup_found = False
        self.values, self.errors = {name: "" for name in FIELDS}, {}
        self.brand = ""
        self.not_found = False
        self._editing_id = None
        self._form_user_id = user_id
        self.form_key += 1
        if reopen:
            self.step = "form"
        else:
            self.new_form_open = ""

    @rx.event
    def start_edit(self):
        user_id = self._require_user_id()
        if user_id is None:
            return
        vehicle_id = vehicle_id_from_path(self.router.url.path)
        try:
            vehicle = vehicles.get_vehicle(vehicles.OwnerScope(user_id), vehicle_id or 0)
        except vehicles.NotFound:
            self.mode, self.step = "edit", "form"
            self.errors, self.lookup_note = {}, ""
            self.not_found = True
            self._editing_id = None
            return
        self.not_found = False
        saved = _form_values_of(vehicle)
        if (
            self.mode == "edit"
            and self._form_user_id == user_id
            and self._editing_id == vehicle.id
            and saved == self._loaded_values
        ):
            # This form is already open on this vehicle, unchanged since: a
            # reconnect (Reflex re-runs on_load) keeps what is on screen,
            # typed or submitted with errors.
            return
        self.mode, self.step = "edit", "form"
        self.errors, self.lookup_note = {}, ""
        self._editing_id = vehicle.id
        self._form_user_id = user_id
        self.editing_page_id = vehicle.id
        self.values = saved
        self._loaded_values = dict(saved)
        self.brand = vehicle.brand
        self.form_key += 1

    @rx.event
    def set_plate_input(self, value: str):
        self.plate_input = value
        self.plate_error = ""

    @rx.event
    def set_brand(self, value: str):
        self.brand = value.strip()

    @rx.event(background=True)
    async def submit_plate(self, form_data: dict):
        async with self:
            text = str(form_data.get("plate", self.plate_input))
            self.plate_input = text
            try:
                plate = parse_plate(text).display
            except InvalidPlate as exc:
                self.plate_error = str(exc)
                return
            self.plate_error = ""
            self.looking_up = True
        result = await asyncio.to_thread(lookup_plate, plate)
        async with self:
            self.looking_up = False
            self.values = {name: "" for name in FIELDS} | result.fields | {"license_plate": plate}
            self.brand = self.values.get("brand", "")
            self.lookup_note = result.note
            self.lookup_found = result.found
            self.step = "form"
            self._open_new_form()
            self.form_key += 1

    @rx.event
    def skip_plate(self):
        self.values = {name: "" for name in FIELDS}
        self.lookup_note = ""
        self.step = "form"
        self._open_new_form()
        self.form_key += 1

    @rx.event
    def back_to_plate(self):
        self.step = "plate"
        return self._forget_new_form()

    def _forget_new_form(self):
        """The new-car form is closed: its draft goes too."""
        script = forget_draft_script(self.draft_key) if self.draft_key else None
        self.new_form_open = ""
        return rx.call_script(script) if script else None

    @rx.event
    def submit_form(self, form_data: dict):
        user_id = self._require_user_id()
        if user_id is None:
            return rx.redirect(routes.LOGIN)
        # Keep everything typed, whatever happens next.
        self.values = {name: str(form_data.get(name, "") or "") for name in FIELDS}
        confirm_correction = bool(form_data.get("confirm_correction"))
        try:
            data = validate_vehicle_form(self.values, today())
        except VehicleFormErrors as exc:
            self.errors = exc.errors
            return rx.toast.error("Le formulaire contient des erreurs : corrigez les champs signalés.")
        scope = vehicles.OwnerScope(user_id)
        saved_draft_key = self.draft_key
        # Act only in the context the page was opened for: an edit form that
        # found no car (someone else's, or none) saves nothing, and a new car
        # is created only from the new-car form, by the owner who opened it.
        if self.mode == "edit" and (self._editing_id is None or self._form_user_id != user_id):
            self.errors = {}
            self.not_found = True
            return rx.toast.error(str(vehicles.NotFound()))
        if self.mode != "edit" and (self.step != "form" or self._form_user_id != user_id):
            return rx.toast.error("Ce formulaire n'est plus ouvert : rechargez la page.")
        try:
            if self.mode == "edit":
                vehicle = vehicles.update_vehicle(
                    scope, self._editing_id, data, today(), confirm_correction=confirm_correction
                )
                message = "Modifications enregistrées."
            else:
                vehicle = vehicles.create_vehicle(scope, data, today())
                message = f"{vehicle.brand} {vehicle.model} ajoutée à votre garage."
                # Saved: the next visit starts a fresh form.
                self.values, self.step = {name: "" for name in FIELDS}, "plate"
                self.plate_input = ""
                self.new_form_open = ""
        except vehicles.MileageDecrease as exc:
            self.errors = {"mileage": str(exc)}
            return None
        except vehicles.NotFound as exc:
            self.errors = {}
            self.not_found = True
            return rx.toast.error(str(exc))
        self.errors = {}
        done = [rx.toast.success(message), rx.redirect(f"/vehicles/{vehicle.id}")]
        if saved_draft_key:
            done.insert(0, rx.call_script(forget_draft_script(saved_draft_key)))
        return done


class VehicleState(SessionState):
    """One vehicle's page."""

    found: bool = False
    loaded: bool = False
    title: str = ""
    subtitle: str = ""
    plate: str = ""
    mileage: str = ""
    details: list[LabelledValue] = []
    readings: list[LabelledValue] = []
    expenses: list[ExpenseLine] = []
    expenses_total: str = ""
    page_id: int = 0
    km_input: str = ""
    date_input: str = ""
    mileage_errors: dict[str, str] = {}
    odometer_warnings: list[str] = []
    needs_correction: bool = False
    delete_open: bool = False
    _vehicle_id: int | None = None

    def _scope(self) -> vehicles.OwnerScope | None:
        user_id = self._require_user_id()
        return vehicles.OwnerScope(user_id) if user_id is not None else None

    def _page_vehicle_id(self) -> int | None:
        """The vehicle of the page, from its URL. Substates use this rather than
        the parent's backend var, which Reflex does not share with them; every
        service call checks ownership anyway."""
        return vehicle_id_from_path(self.router.url.path)

    def _show(self, scope: vehicles.OwnerScope, vehicle_id: int) -> None:
        vehicle = vehicles.get_vehicle(scope, vehicle_id)
        history = vehicles.mileage_history(scope, vehicle_id)
        self._vehicle_id = vehicle.id
        self.page_id = vehicle.id
        self.found = True
        self.title = _title(vehicle)
        self.subtitle = _subtitle(vehicle)
        self.plate = vehicle.license_plate or ""
        self.mileage = format_km(vehicle.mileage)
        pairs = [
            ("Version", vehicle.version),
            ("Première immatriculation", vehicle.first_registration_date and format_date(vehicle.first_registration_date)),
            ("Énergie", FUEL_TYPES.get(vehicle.fuel_type, vehicle.fuel_type)),
            ("Boîte de vitesses", vehicle.gearbox and GEARBOXES.get(vehicle.gearbox)),
            ("Puissance fiscale", vehicle.fiscal_power and f"{vehicle.fiscal_power} CV"),
            ("Propriétaires précédents", None if vehicle.previous_owners is None else str(vehicle.previous_owners)),
            ("Date d'achat", vehicle.purchase_date and format_date(vehicle.purchase_date)),
            ("Prix d'achat", None if vehicle.purchase_price is None else format_eur(vehicle.purchase_price)),
            ("VIN", vehicle.vin),
            ("Couleur", vehicle.color),
        ]
        self.details = [LabelledValue(label, str(value)) for label, value in pairs if value]
        sources = {
            "owner": "saisi par vous",
            "correction": "correction",
            "histovec": "Histovec",
            "facture": "facture",
            "carte_grise": "carte grise",
        }
        self.readings = [
            LabelledValue(format_date(r.date), f"{format_km(r.km)} ({sources.get(r.source, r.source)})")
            for r in history
        ]
        expenses = vehicles.list_expenses(scope, vehicle.id)
        self.expenses = [
            ExpenseLine(
                date=format_date(e.date),
                label=e.label or EXPENSE_CATEGORIES.get(e.category, e.category),
                category=EXPENSE_CATEGORIES.get(e.category, e.category),
                mileage=format_km(e.mileage) if e.mileage else "—",
                amount=format_eur(e.amount, decimals=2),
            )
            for e in expenses
        ]
        self.expenses_total = (
            f"Total : {format_eur(sum(e.amount for e in expenses), decimals=2)}" if expenses else ""
        )
        report = analysis.odometer_report(scope, vehicle.id, today())
        self.odometer_warnings = [
            f.message for f in report.findings if f.severity in ("critical", "warning")
        ]

    @rx.event
    def load_vehicle(self):
        self.loaded = False
        self.delete_open = False
        self.mileage_errors, self.needs_correction = {}, False
        self.km_input, self.date_input = "", today().isoformat()
        scope = self._scope()
        if scope is None:
            return
        vehicle_id = vehicle_id_from_path(self.router.url.path)
        try:
            self._show(scope, vehicle_id or 0)
        except vehicles.NotFound:
            self.found = False
            self._vehicle_id = None
            self.title = ""
            self.details, self.readings = [], []
        self.loaded = True

    def _acting_vehicle_id(self) -> int | None:
        # From the page's URL when the state was lost (Redis restarted empty,
        # another worker): the action still applies to the car on screen,
        # and every service call checks ownership.
        return self._vehicle_id or self._page_vehicle_id()

    @rx.event
    def submit_mileage(self, form_data: dict):
        scope = self._scope()
        if scope is None:
            return rx.redirect(routes.LOGIN)
        self._vehicle_id = self._acting_vehicle_id()
        if self._vehicle_id is None:
            return rx.toast.error(str(vehicles.NotFound()))
        self.km_input = str(form_data.get("km", ""))
        self.date_input = str(form_data.get("date", ""))
        confirm = bool(form_data.get("confirm_correction"))
        try:
            km, on = validate_mileage_update(self.km_input, self.date_input, today())
            vehicles.record_mileage(scope, self._vehicle_id, km, on, confirm_correction=confirm)
        except VehicleFormErrors as exc:
            self.mileage_errors = exc.errors
            return None
        except vehicles.MileageDecrease as exc:
            self.mileage_errors = {"km": str(exc)}
            self.needs_correction = True
            return None
        except vehicles.NotFound as exc:
            self.found = False
            return rx.toast.error(str(exc))
        self.mileage_errors, self.needs_correction = {}, False
        self.km_input = ""
        self._show(scope, self._vehicle_id)
        from autocoach.state.analysis import AnalysisState  # (it builds on this state)

        return [rx.toast.success(f"Kilométrage mis à jour : {format_km(km)}."), AnalysisState.run_analysis]

    @rx.event
    def set_delete_open(self, value: bool):
        self.delete_open = value

    @rx.event
    def delete_vehicle(self):
        scope = self._scope()
        if scope is None:
            return rx.redirect(routes.LOGIN)
        vehicle_id = self._acting_vehicle_id()
        if vehicle_id is None:
            return rx.toast.error(str(vehicles.NotFound()))
        try:
            name = vehicles.delete_vehicle(scope, vehicle_id)
        except vehicles.NotFound as exc:
            return rx.toast.error(str(exc))
        self.delete_open = False
        self.found = False
        self._vehicle_id = None
        return [
            rx.toast.success(f"{name} supprimée, avec ses documents."),
            rx.redirect(routes.DASHBOARD),
        ]
