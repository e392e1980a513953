"""The vehicle's records: odometer readings and expenses, corrected or removed.

Every change re-runs the analysis, so the odometer check, the score, the costs
and the value follow at once. A removal can be undone from the page.
"""

from __future__ import annotations

import reflex as rx

from autocoach import routes
from autocoach.domain.formatting import format_km
from autocoach.domain.review import EXPENSE_FIELDS_BY_NAME
from autocoach.domain.vehicle_form import VehicleFormErrors, parse_field, validate_mileage_update
from autocoach.services import vehicles
from autocoach.state.analysis import AnalysisState
from autocoach.state.vehicle import today

# Expense form inputs -> schema fields.
_EXPENSE_INPUTS = {
    "date": "expense_date",
    "label": "expense_garage",
    "mileage": "expense_mileage",
    "amount": "expense_amount",
    "category": "expense_category",
}


class RecordsState(AnalysisState):
    # The reading or expense just removed, until the owner undoes it or moves on.
    removed_label: str = ""
    expense_errors: dict[str, str] = {}
    editing_expense: int = 0
    _removed_reading: dict = {}
    _removed_expense: dict = {}

    def _refresh(self, scope: vehicles.OwnerScope, message: str):
        self._show(scope, self._page_vehicle_id())
        return [rx.toast.success(message), AnalysisState.run_analysis]

    @rx.event
    def submit_mileage(self, form_data: dict):
        scope = self._scope()
        vehicle_id = self._page_vehicle_id()
        if scope is None or vehicle_id is None:
            return rx.redirect(routes.LOGIN)
        self.km_input = str(form_data.get("km", ""))
        self.date_input = str(form_data.get("date", ""))
        confirm = bool(form_data.get("confirm_correction"))
        try:
            km, on = validate_mileage_update(self.km_input, self.date_input, today())
            vehicles.record_mileage(scope, vehicle_id, km, on, confirm_correction=confirm)
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
        return self._refresh(scope, f"Kilométrage mis à jour : {format_km(km)}.")

    @rx.event
    def delete_reading(self, reading_id: int):
        scope = self._scope()
        if scope is None:
            return rx.redirect(routes.LOGIN)
        try:
            removed = vehicles.delete_reading(scope, int(reading_id))
        except vehicles.NotFound as exc:
            return rx.toast.error(str(exc))
        self._removed_reading = {
            "vehicle_id": removed.vehicle_id, "km": removed.km, "on": removed.date,
            "source": removed.source, "document_id": removed.document_id,
        }
        self._removed_expense = {}
        self.removed_label = f"Relevé de {format_km(removed.km)} supprimé."
        return self._refresh(scope, self.removed_label)

    @rx.event
    def mark_typo(self, reading_id: int, typo: bool):
        scope = self._scope()
        if scope is None:
            return rx.redirect(routes.LOGIN)
        try:
            reading = vehicles.mark_reading_typo(scope, int(reading_id), bool(typo))
        except vehicles.NotFound as exc:
            return rx.toast.error(str(exc))
        message = (
            f"Relevé de {format_km(reading.km)} marqué comme erreur de saisie : il n'est plus pris en compte."
            if reading.typo
            else f"Relevé de {format_km(reading.km)} de nouveau pris en compte."
        )
        return self._refresh(scope, message)

    @rx.event
    def undo_removal(self):
        scope = self._scope()
        if scope is None:
            return rx.redirect(routes.LOGIN)
        try:
            if self._removed_reading:
                vehicles.restore_reading(scope, **self._removed_reading)
            elif self._removed_expense:
                vehicles.restore_expense(scope, **self._removed_expense)
            else:
                return None
        except vehicles.NotFound as exc:
            return rx.toast.error(str(exc))
        self._removed_reading, self._removed_expense, self.removed_label = {}, {}, ""
        return self._refresh(scope, "Suppression annulée.")

    @rx.event
    def dismiss_removal(self):
        self._removed_reading, self._removed_expense, self.removed_label = {}, {}, ""

    @rx.event
    def edit_expense(self, expense_id: int):
        self.editing_expense = int(expense_id)
        self.expense_errors = {}

    @rx.event
    def cancel_expense_edit(self):
        self.editing_expense = 0
        self.expense_errors = {}

    @rx.event
    def save_expense(self, form_data: dict):
        scope = self._scope()
        expense_id = vehicles.parse_id(form_data.get("expense_id"))
        if scope is None or expense_id is None:
            return None
        values, errors = {}, {}
        for name, field in _EXPENSE_INPUTS.items():
            value, error = parse_field(EXPENSE_FIELDS_BY_NAME[field], str(form_data.get(name, "")), today())
            if error:
                errors[name] = error
            values[name] = value
        if errors:
            self.expense_errors = errors
            return None
        values["label"] = values["label"] or ""
        try:
            vehicles.update_expense(scope, expense_id, values)
        except vehicles.NotFound as exc:
            return rx.toast.error(str(exc))
        self.editing_expense, self.expense_errors = 0, {}
        return self._refresh(scope, "Dépense corrigée.")

    @rx.event
    def delete_expense(self, expense_id: int):
        scope = self._scope()
        if scope is None:
            return rx.redirect(routes.LOGIN)
        try:
            removed = vehicles.delete_expense(scope, int(expense_id))
        except vehicles.NotFound as exc:
            return rx.toast.error(str(exc))
        self._removed_expense = removed
        self._removed_reading = {}
        self.removed_label = "Dépense supprimée."
        return self._refresh(scope, self.removed_label)
