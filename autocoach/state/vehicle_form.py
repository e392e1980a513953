"""The vehicle form: add (plate step, then form) and edit.

Thin: validation is `domain.vehicle_form` (the vehicle schema's rules), saving
is `services.vehicles`.
"""

from __future__ import annotations

import asyncio
import secrets

import reflex as rx

from autocoach import routes
from autocoach.data import load_reference
from autocoach.domain.plates import InvalidPlate, parse_plate
from autocoach.domain.review import as_input_text
from autocoach.domain.vehicle_form import FIELDS, VehicleFormErrors, validate_vehicle_form
from autocoach.models import Vehicle
from autocoach.services import vehicles
from autocoach.services.plate_lookup import lookup_plate
from autocoach.state.auth import SessionState
from autocoach.state.drafts import DRAFT_PREFIX, forget_draft_script
from autocoach.state.vehicle import today, vehicle_id_from_path


def _form_values_of(vehicle: Vehicle) -> dict[str, str]:
    return {name: as_input_text(getattr(vehicle, name)) for name in FIELDS}


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
    # What the plate provider answered: values the owner keeps are sourced to it.
    _provider_fields: dict[str, str] = {}
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
            self._provider_fields = dict(result.fields) if result.found else {}
            self.step = "form"
            self._open_new_form()
            self.form_key += 1

    @rx.event
    def skip_plate(self):
        self._provider_fields = {}
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
                vehicle = vehicles.create_vehicle(scope, data, today(), self._provider_fields)
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
        done = [rx.toast.success(message), rx.redirect(routes.vehicle_url(vehicle.id))]
        if saved_draft_key:
            done.insert(0, rx.call_script(forget_draft_script(saved_draft_key)))
        return done
