"""The vehicle's dashboard: the engine's analysis, shown as cards and charts."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date

import reflex as rx

from autocoach.domain.formatting import (
    format_date,
    format_decimal,
    format_eur,
    format_km,
    format_score,
)
from autocoach.domain.wording import ct_deadline
from autocoach.services import analysis, vehicles
from autocoach.settings import get_settings
from autocoach.state.garage import VehicleState, today

SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


@dataclasses.dataclass
class FactorView:
    label: str
    weight: str
    sentence: str
    tone: str  # good | bad | neutral


@dataclasses.dataclass
class CostView:
    label: str
    amount: float
    amount_label: str
    basis: str


@dataclasses.dataclass
class AlertView:
    type: str
    severity: str
    date: str
    message: str


@dataclasses.dataclass
class ScenarioView:
    label: str
    cost: str
    value: str
    net: str
    note: str
    net_amount: float
    cost_amount: float
    value_amount: float


@dataclasses.dataclass
class ComparisonView:
    name: str
    value: str
    monthly: str
    score: str
    is_current: bool


@dataclasses.dataclass
class CurvePoint:
    year: str
    value: float
    km: str


def _date_label(raw: str | None) -> str:
    if not raw:
        return ""
    from datetime import date

    return format_date(date.fromisoformat(raw))


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

    def _fill(self, payload: dict) -> None:
        score = float(payload["reliability_score"])
        self.score_value = score
        self.score = format_score(score)
        self.score_tone = "good" if score >= 7 else "bad" if score < 5 else "neutral"
        self.factors = [
            FactorView(
                label=f["label"],
                weight=("+" if f["weight"] > 0 else "") + format_decimal(f["weight"], 1),
                sentence=f["sentence"],
                tone="good" if f["weight"] > 0 else "bad" if f["weight"] < 0 else "neutral",
            )
            for f in payload["reliability_factors"]
        ]
        self.monthly_total = format_eur(payload["monthly_cost_estimate"])
        self.costs = [
            CostView(c["label"], float(c["amount"]), format_eur(c["amount"]), c["basis"])
            for c in payload["monthly_cost_breakdown"]
        ]
        resale = payload["resale"]
        self.value_range = f"{format_eur(resale['value_low'])} – {format_eur(resale['value_high'])}"
        self.value_estimate = format_eur(resale["value_estimate"])
        self.asking_price = format_eur(resale["recommended_price"])
        self.accept_price = format_eur(resale["accept_price"])
        self.best_time_label = resale.get("best_time_label") or ""
        self.best_time_reason = resale.get("best_time_reason") or ""
        self.resale_reasoning = resale.get("reasoning") or ""
        self.curve = [
            CurvePoint(year=p["date"][:4], value=float(p["value"]), km=format_km(p["km"]))
            for p in payload["value_curve"]
        ]
        alerts = sorted(
            payload["alerts"],
            key=lambda a: (SEVERITY_ORDER.get(a["severity"], 3), a.get("due_date") or "9999"),
        )
        self.alerts = [
            AlertView(a["type"], a["severity"], _date_label(a.get("due_date")), a["message"]) for a in alerts
        ]
        self.scenarios = [
            ScenarioView(
                label=s["label"],
                cost=format_eur(s["cumulative_cost"]),
                value=format_eur(s["value_at_end"]),
                net=format_eur(s["net_position"]),
                note=s.get("note") or "",
                net_amount=float(s["net_position"]),
                cost_amount=float(s["cumulative_cost"]),
                value_amount=float(s["value_at_end"]),
            )
            for s in payload["scenarios"]
        ]
        current = ComparisonView(
            name=f"{payload['vehicle']} (la vôtre)",
            value=format_eur(resale["value_estimate"]),
            monthly=format_eur(payload["monthly_cost_estimate"]) + "/mois",
            score=self.score,
            is_current=True,
        )
        self.comparisons = [current] + [
            ComparisonView(
                name=f"{c['make']} {c['model']}",
                value=format_eur(c["value_estimate"]),
                monthly=format_eur(c["monthly_cost"]) + "/mois",
                score=format_score(c["reliability_score"]),
                is_current=False,
            )
            for c in payload["comparisons"]
        ]
        self.crit_air = payload.get("crit_air_label") or ""
        due = payload.get("next_technical_inspection")
        self.next_ct = ct_deadline(date.fromisoformat(due), today()) if due else ""
        self.ct_overdue = bool(due) and date.fromisoformat(due) < today()
        self.annual_km = format_km(payload["annual_km"])
        self.summary = payload.get("summary") or ""

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
        except Exception:  # noqa: BLE001 - the page must stay usable
            import logging

            logging.getLogger(__name__).exception("Analysis failed for vehicle %s", vehicle_id)
            async with self:
                self.analysing = False
                self.analysis_error = (
                    "L'analyse n'a pas pu être calculée. Vérifiez la fiche du véhicule puis réessayez."
                )
            return
        async with self:
            if self._page_vehicle_id() != vehicle_id:
                self.analysing = False
                return
            self._fill(result.result.to_json_dict())
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
