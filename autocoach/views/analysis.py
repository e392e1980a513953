"""The vehicle dashboard's view model, from the engine's typed result."""

from __future__ import annotations

import dataclasses

from autocoach.domain.analysis import AnalysisResult
from autocoach.domain.rules import estimated_when
from autocoach.domain.wording import ct_deadline
from autocoach.domain.formatting import (
    format_date,
    format_decimal,
    format_eur,
    format_km,
    format_score,
)

# Alerts: the most serious first, then the nearest date.
SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}
GOOD_SCORE = 7.0
POOR_SCORE = 5.0


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


@dataclasses.dataclass
class SaleCheckView:
    label: str
    status: str  # ok | warning | blocking
    message: str


@dataclasses.dataclass
class ReferenceView:
    topic: str
    text: str  # "Publisher, « Title », date" or "Estimation AutoCoach"
    url: str


@dataclasses.dataclass
class DashboardView:
    score: str
    score_value: float
    score_tone: str
    factors: list[FactorView]
    monthly_total: str
    costs: list[CostView]
    value_range: str
    value_estimate: str
    asking_price: str
    accept_price: str
    best_time_label: str
    best_time_reason: str
    resale_reasoning: str
    curve: list[CurvePoint]
    alerts: list[AlertView]
    scenarios: list[ScenarioView]
    comparisons: list[ComparisonView]
    crit_air: str
    next_ct: str
    ct_overdue: bool
    annual_km: str
    summary: str
    cost_leaves_out: str
    sale_checklist: list[SaleCheckView]
    sale_blocked: bool
    references: list[ReferenceView]


def _reference_text(ref) -> str:
    if ref.estimate:
        return f"Estimation AutoCoach ({ref.title})" if ref.title else "Estimation AutoCoach"
    parts = [ref.publisher, f"« {ref.title} »" if ref.title else "", ref.date]
    return ", ".join(p for p in parts if p)


def _ct_label(result: AnalysisResult) -> str:
    """The CT deadline as a label: late, next, or an estimate from a guessed date."""
    due = result.next_technical_inspection
    if not due:
        return ""
    if result.next_technical_inspection_estimated:
        return f"Contrôle technique {estimated_when(due)} (date estimée)"
    return ct_deadline(due, result.as_of)


def tone(score: float) -> str:
    return "good" if score >= GOOD_SCORE else "bad" if score < POOR_SCORE else "neutral"


def _signed(weight: float) -> str:
    return ("+" if weight > 0 else "") + format_decimal(weight, 1)


def dashboard_view(result: AnalysisResult) -> DashboardView:
    resale = result.resale
    score = format_score(result.reliability_score)
    alerts = sorted(
        result.alerts,
        key=lambda a: (SEVERITY_ORDER.get(a.severity, 3), a.due_date.isoformat() if a.due_date else "9999"),
    )
    current = ComparisonView(
        name=f"{result.vehicle} (la vôtre)",
        value=format_eur(resale.value_estimate),
        monthly=format_eur(result.monthly_cost_estimate) + "/mois",
        score=score,
        is_current=True,
    )
    return DashboardView(
        score=score,
        score_value=float(result.reliability_score),
        score_tone=tone(result.reliability_score),
        factors=[
            FactorView(f.label, _signed(f.weight), f.sentence,
                       "good" if f.weight > 0 else "bad" if f.weight < 0 else "neutral")
            for f in result.reliability_factors
        ],
        monthly_total=format_eur(result.monthly_cost_estimate),
        costs=[
            CostView(c.label, float(c.amount), format_eur(c.amount), c.basis)
            for c in result.monthly_cost_breakdown
        ],
        value_range=f"{format_eur(resale.value_low)} – {format_eur(resale.value_high)}",
        value_estimate=format_eur(resale.value_estimate),
        asking_price=format_eur(resale.recommended_price),
        accept_price=format_eur(resale.accept_price),
        best_time_label=resale.best_time_label or "",
        best_time_reason=resale.best_time_reason or "",
        resale_reasoning=resale.reasoning or "",
        curve=[
            CurvePoint(year=str(p.date.year), value=float(p.value), km=format_km(p.km))
            for p in result.value_curve
        ],
        alerts=[
            AlertView(a.type, a.severity, format_date(a.due_date) if a.due_date else "", a.message)
            for a in alerts
        ],
        scenarios=[
            ScenarioView(
                label=s.label,
                cost=format_eur(s.cumulative_cost),
                value=format_eur(s.value_at_end),
                net=format_eur(s.net_position),
                note=" ".join(p for p in (s.note, getattr(s, "versus_monthly_cost", "")) if p),
                net_amount=float(s.net_position),
                cost_amount=float(s.cumulative_cost),
                value_amount=float(s.value_at_end),
            )
            for s in result.scenarios
        ],
        comparisons=[current]
        + [
            ComparisonView(
                name=f"{c.make} {c.model}",
                value=format_eur(c.value_estimate),
                monthly=format_eur(c.monthly_cost) + "/mois",
                score=format_score(c.reliability_score),
                is_current=False,
            )
            for c in result.comparisons
        ],
        crit_air=result.crit_air_label or "",
        next_ct=_ct_label(result),
        ct_overdue=bool(result.next_technical_inspection)
        and not result.next_technical_inspection_estimated
        and result.next_technical_inspection < result.as_of,
        annual_km=format_km(result.annual_km),
        summary=result.summary or "",
        cost_leaves_out=result.monthly_cost_leaves_out,
        sale_checklist=[SaleCheckView(i.label, i.status, i.message) for i in result.sale_checklist],
        sale_blocked=result.sale_blocked,
        references=[ReferenceView(r.topic, _reference_text(r), r.url) for r in result.references],
    )
