"""The garage (dashboard): the owner's cars as cards, and the reminders switch."""

from __future__ import annotations

import reflex as rx

from autocoach import routes
from autocoach.services import analysis, reminders, vehicles
from autocoach.state.auth import SessionState
from autocoach.state.vehicle import today
from autocoach.views.vehicle import VehicleCard, garage_card


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
        self.cards = [garage_card(s.vehicle, s.reliability_score, s.alerts) for s in summaries]
        self.loaded = True
