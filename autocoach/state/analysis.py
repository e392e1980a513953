"""The vehicle's dashboard: the engine's analysis, shown as cards and charts."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import fields

import reflex as rx

from autocoach.domain.facts import InvalidVehicleData
from autocoach.services import analysis, vehicles
from autocoach.settings import get_settings
from autocoach.state.vehicle import VehicleState, today
from autocoach.views.analysis import (
    AlertView,
    ComparisonView,
    CostView,
    CurvePoint,
    FactorView,
    ReferenceView,
    SaleCheckView,
    ScenarioView,
    dashboard_view,
)

log = logging.getLogger(__name__)

MSG_ANALYSIS_FAILED = (
    "L'analyse n'a pas pu être calculée. Vérifiez la fiche du véhicule puis réessayez."
)


class AnalysisState(VehicleState):
    analysis_ready: bool = False
    analysing: bool = False
    analysis_error: str = ""
    score: str = ""
    score_value: float = 0
    score_tone: str = "neutral"
    factors: list[FactorView] = []
    monthly_total: str = ""
    costs: list[CostView] = []
    value_range: str = ""
    value_estimate: str = ""
    asking_price: str = ""
    accept_price: str = ""
    best_time_label: str = ""
    best_time_reason: str = ""
    resale_reasoning: str = ""
    curve: list[CurvePoint] = []
    alerts: list[AlertView] = []
    scenarios: list[ScenarioView] = []
    comparisons: list[ComparisonView] = []
    crit_air: str = ""
    next_ct: str = ""
    ct_overdue: bool = False
    summary: str = ""
    summary_notice: str = ""
    summary_from_ai: bool = False
    annual_km: str = ""
    cost_leaves_out: str = ""
    sale_checklist: list[SaleCheckView] = []
    sale_blocked: bool = False
    references: list[ReferenceView] = []

    @rx.event(background=True)
    async def run_analysis(self):
        """Compute (or take from the cache) this vehicle's analysis."""
        async with self:
            if self.analysing:
                return
            scope = self._scope()
            vehicle_id = self._page_vehicle_id()
            if scope is None or vehicle_id is None:
                return
            self.analysing = True
            self.analysis_error = ""
        try:
            result = await asyncio.to_thread(analysis.analyze_vehicle, scope, vehicle_id, today())
        except vehicles.NotFound:
            async with self:
                self.analysing = False
                self.analysis_ready = False
            return
        except InvalidVehicleData as exc:
            # The car's data breaks a rule: say which, the page links to the form.
            async with self:
                self.analysing = False
                self.analysis_ready = False
                self.analysis_error = f"L'analyse n'a pas pu être calculée : {exc}"
            return
        except Exception:  # noqa: BLE001 - the page must stay usable
            log.exception("Analysis failed for vehicle %s", vehicle_id)
            async with self:
                self.analysing = False
                self.analysis_ready = False
                self.analysis_error = MSG_ANALYSIS_FAILED
            return
        async with self:
            if self._page_vehicle_id() != vehicle_id:
                self.analysing = False
                return
            view = dashboard_view(result.result)
            for item in fields(view):
                setattr(self, item.name, getattr(view, item.name))
            self.summary_from_ai, self.summary_notice = False, ""
            self.analysis_ready = True
            self.analysing = get_settings().ai_enabled
        if not get_settings().ai_enabled:
            return
        # The engine's figures are on screen; the model's wording follows.
        try:
            told = await asyncio.to_thread(analysis.narrative, scope, result.analysis_id)
        except vehicles.NotFound:
            told = None
        async with self:
            self.analysing = False
            if told is not None and self._page_vehicle_id() == vehicle_id:
                self.summary = told.text
                self.summary_from_ai = told.from_ai
                self.summary_notice = told.notice
