"""The vehicle page's base state: the car, its records and their sources.

Thin: each handler resolves the owner and the page's vehicle, calls a service
and assigns the view models of `autocoach.views.vehicle`.
"""

from __future__ import annotations

from datetime import date

import reflex as rx

from autocoach import routes
from autocoach.domain.formatting import format_km
from autocoach.services import analysis, vehicles
from autocoach.state.auth import SessionState
from autocoach.views import vehicle as view
from autocoach.views.vehicle import DetailView, ExpenseView, ReadingView


def today() -> date:
    return date.today()


def vehicle_id_from_path(path: str) -> int | None:
    """`/vehicles/12` or `/vehicles/12/edit` -> 12."""
    parts = [p for p in (path or "").split("/") if p]
    if len(parts) >= 2 and parts[0] == "vehicles":
        return vehicles.parse_id(parts[1])
    return None


class VehicleState(SessionState):
    """One vehicle's page."""

    found: bool = False
    loaded: bool = False
    title: str = ""
    subtitle: str = ""
    plate: str = ""
    mileage: str = ""
    details: list[DetailView] = []
    readings: list[ReadingView] = []
    expenses: list[ExpenseView] = []
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
        records = vehicles.vehicle_records(scope, vehicle_id)
        vehicle = records.vehicle
        self._vehicle_id = vehicle.id
        self.page_id = vehicle.id
        self.found = True
        self.title = view.title(vehicle)
        self.subtitle = view.subtitle(vehicle)
        self.plate = vehicle.license_plate or ""
        self.mileage = format_km(vehicle.mileage)
        self.details = view.details(vehicle, records.provenance)
        self.readings = view.readings(records.readings)
        self.expenses = view.expenses(records.expenses)
        self.expenses_total = view.expenses_total(records.expenses)
        self.odometer_warnings = analysis.odometer_warnings(scope, vehicle.id, today())

    @rx.event
    def load_vehicle(self):
        self.loaded = False
        self.delete_open = False
        self.mileage_errors, self.needs_correction = {}, False
        self.km_input, self.date_input = "", today().isoformat()
        scope = self._scope()
        if scope is None:
            return
        try:
            self._show(scope, self._page_vehicle_id() or 0)
        except vehicles.NotFound:
            self.found = False
            self._vehicle_id = None
            self.title = ""
            self.details, self.readings = [], []
        self.loaded = True

    @rx.event
    def set_delete_open(self, value: bool):
        self.delete_open = value

    @rx.event
    def delete_vehicle(self):
        scope = self._scope()
        if scope is None:
            return rx.redirect(routes.LOGIN)
        # From the page's URL when the state was lost (Redis restarted empty,
        # another worker): the action still applies to the car on screen, and
        # the service checks ownership.
        vehicle_id = self._vehicle_id or self._page_vehicle_id()
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
