"""analyze(facts, as_of, reference) -> AnalysisResult: the whole engine, one call.

Pure and deterministic: same facts, same date, same reference data give the
same result (and the same `inputs_hash`, which callers use as a cache key).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping

from autocoach.data import ReferenceData, load_reference
from autocoach.domain.comparison import Comparison, compare_models
from autocoach.domain.costs import LEAVES_OUT, CostLine, estimate_monthly_costs, segment_for
from autocoach.domain.facts import VehicleFacts
from autocoach.domain.formatting import (
    format_date,
    format_eur,
    format_km,
    format_score,
)
from autocoach.domain.odometer import OdometerFinding, check_odometer, estimate_annual_km
from autocoach.domain.reliability import (
    ReliabilityFactor,
    applicable_weaknesses,
    assess_reliability,
    maintenance_history,
    service_schedule,
    timing_belt_status,
)
from autocoach.domain.rules import (
    CT_FINE_EUR,
    add_months,
    crit_air_details,
    estimated_when,
    sale_inspection_check,
    technical_inspection_status,
    years_between,
)
from autocoach.domain.wording import lower_first
from autocoach.domain.scenarios import Scenario, keep_or_sell_scenarios
from autocoach.domain.territory import ZfeVerdict, big_city_ban, zfe_verdict
from autocoach.domain.valuation import (
    ResaleAdvice,
    ValuePoint,
    estimate_value,
    resale_advice,
    valuation_context,
    value_curve,
    vehicle_value,
)

__all__ = [
    "ENGINE_VERSION",
    "Alert",
    "AnalysisResult",
    "SaleCheckItem",
    "SourceRef",
    "analyze",
    "inputs_hash",
    "most_urgent_alert",
    "sale_checklist",
    "SEVERITIES",
]

# Bump when a rule or a weight changes: cached analyses are then recomputed.
ENGINE_VERSION = "1.1.0"

# Alert severities, most serious first.
SEVERITIES = ("critical", "warning", "info")

# Alert types (stable ids): controle_technique, crit_air, distribution,
# entretien, kilometrage, situation_administrative, faiblesse_connue, zfe,
# batterie.


@dataclass(frozen=True)
class Alert:
    type: str
    due_date: date | None
    severity: str  # "critical", "warning", "info"
    message: str  # French


@dataclass(frozen=True)
class SourceRef:
    """A source shown to the owner: checkable (publisher, title, date, URL), or
    marked as an AutoCoach estimate."""

    topic: str  # French: what it backs
    publisher: str
    title: str
    date: str
    url: str
    estimate: bool = False


@dataclass(frozen=True)
class SaleCheckItem:
    """One line of "Pour vendre en règle": blocking items make a sale impossible."""

    key: str  # "situation_<flag>", "kilometrage", "controle_technique"
    label: str  # French
    status: str  # "ok", "blocking", "warning"
    message: str  # French


@dataclass(frozen=True)
class AnalysisResult:
    engine_version: str
    as_of: date
    vehicle: str
    model_known: bool
    segment: str
    age_years: float
    current_km: int
    annual_km: int
    annual_km_basis: str
    reliability_score: float
    reliability_base: float
    reliability_factors: tuple[ReliabilityFactor, ...]
    monthly_cost_estimate: int
    monthly_cost_breakdown: tuple[CostLine, ...]
    resale: ResaleAdvice
    value_curve: tuple[ValuePoint, ...]
    alerts: tuple[Alert, ...]
    scenarios: tuple[Scenario, ...]
    comparisons: tuple[Comparison, ...]
    crit_air: int | None
    crit_air_label: str
    next_technical_inspection: date
    odometer_findings: tuple[OdometerFinding, ...]
    summary: str
    sources: Mapping[str, str]
    # Added by issue 14 (keys above stay stable for the pages).
    monthly_cost_leaves_out: str = LEAVES_OUT
    crit_air_basis: str = ""
    zfe_message: str = ""
    zfe_allowed: bool | None = None
    next_technical_inspection_estimated: bool = False
    sale_checklist: tuple[SaleCheckItem, ...] = ()
    sale_blocked: bool = False
    references: tuple[SourceRef, ...] = ()

    def to_json_dict(self) -> dict[str, Any]:
        """Plain JSON types: dates as YYYY-MM-DD, numbers as numbers."""
        return _jsonable(self)


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    return value


def inputs_hash(facts: VehicleFacts, reference: ReferenceData | None = None, as_of: date | None = None) -> str:
    """Stable sha256 of everything that affects the result.

    Facts, reference data (files + owner overrides), engine version, and the
    analysis date when given (ages, due dates and values all move with it:
    pass it unless the cache is keyed by day elsewhere).
    """
    reference = reference or load_reference()
    payload = {
        "engine": ENGINE_VERSION,
        "reference": reference.fingerprint,
        "facts": _jsonable(facts),
        "as_of": as_of.isoformat() if as_of else None,
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def analyze(
    facts: VehicleFacts, as_of: date | None = None, reference: ReferenceData | None = None
) -> AnalysisResult:
    as_of = as_of or date.today()
    reference = reference or load_reference()
    spec = reference.find_model(facts.brand, facts.model)
    make = reference.find_make(facts.brand)
    reg = facts.registration_date
    age = years_between(reg, as_of)

    odometer = check_odometer(facts, as_of)
    km = odometer.current_km
    annual_km, annual_basis = estimate_annual_km(facts, as_of, odometer, reference.prices.annual_km_default)
    interval, _ = service_schedule(facts, make, reference)
    history = maintenance_history(facts, as_of, interval)
    belt = timing_belt_status(facts, as_of, reference, spec, km, annual_km)
    belt_cost = reference.prices.timing_belt_job
    guessed = facts.first_registration_date is None  # year only: 1 July assumed
    ct = technical_inspection_status(reg, facts.technical_inspections, as_of, estimated_registration=guessed)
    sale = sale_inspection_check(reg, facts.technical_inspections, as_of)

    reliability = assess_reliability(
        facts, as_of, reference, spec=spec, make=make, odometer=odometer, history=history, annual_km=annual_km
    )
    crit = crit_air_details(facts.fuel_type, facts.euro_class, facts.first_registration_date, facts.year)
    classified = crit.status != "indetermine"
    zfe = zfe_verdict(crit.category, classified, facts.postcode, reference, as_of)
    ban = big_city_ban(crit.category, classified, reference, as_of)
    ctx = valuation_context(
        facts,
        reference,
        spec=spec,
        make=make,
        odometer=odometer,
        ct_pending=ct.kind in ("contre_visite", "immediat"),
        zfe_ban=f"{crit.label}, interdite à {ban.name.split(' (')[0]} depuis le {format_date(ban.since)}" if ban and ban.since else None,
        age=age,
        as_of=as_of,
    )
    estimate = estimate_value(ctx, age, km)
    next_year = vehicle_value(ctx, age + 1, km + annual_km)
    costs = estimate_monthly_costs(
        facts,
        as_of,
        reference,
        spec=spec,
        make=make,
        annual_km=annual_km,
        value_now=estimate.raw,
        value_next_year=next_year,
        ct=ct,
    )
    checklist = sale_checklist(facts, sale, odometer, ct)
    blockers = tuple(item.label for item in checklist if item.status == "blocking")
    resale = resale_advice(
        facts,
        as_of,
        ctx,
        estimate,
        annual_km=annual_km,
        ct=ct,
        sale=sale,
        belt=belt,
        belt_cost=belt_cost,
        odometer=odometer,
        next_year_value=next_year,
        blockers=tuple(_BLOCKER_WORDS.get(item.key, item.label) for item in checklist if item.status == "blocking"),
    )
    scenarios = keep_or_sell_scenarios(as_of, ctx, age, km, annual_km, costs, belt, belt_cost)
    comparisons = compare_models(facts, as_of, reference, spec=spec, current_km=km, annual_km=annual_km)
    alerts = _alerts(facts, as_of, km, ct, crit, zfe, belt, history, interval, odometer.findings, spec, reference)
    segment = segment_for(spec, reference)
    label = spec.label if spec is not None else facts.label
    summary = _summary(label, facts, km, reliability.score, costs.total, costs.lines, resale, ct, alerts)

    return AnalysisResult(
        engine_version=ENGINE_VERSION,
        as_of=as_of,
        vehicle=label,
        model_known=spec is not None,
        segment=segment.id,
        age_years=round(age, 2),
        current_km=km,
        annual_km=annual_km,
        annual_km_basis=annual_basis,
        reliability_score=reliability.score,
        reliability_base=reliability.base,
        reliability_factors=reliability.factors,
        monthly_cost_estimate=costs.total,
        monthly_cost_breakdown=costs.lines,
        resale=resale,
        value_curve=value_curve(ctx, as_of, age, km, annual_km),
        alerts=alerts,
        scenarios=scenarios,
        comparisons=comparisons,
        crit_air=crit.category,
        crit_air_label=crit.label,
        next_technical_inspection=ct.due_date,
        odometer_findings=odometer.findings,
        summary=summary,
        sources=reference.sources,
        crit_air_basis=crit.basis,
        zfe_message=zfe.message,
        zfe_allowed=zfe.allowed,
        next_technical_inspection_estimated=ct.estimated,
        sale_checklist=checklist,
        sale_blocked=bool(blockers),
        references=_references(facts, reference, make, zfe),
    )


# ---------------------------------------------------------------------------
# Sources shown to the owner (issue 14: checkable, or marked as estimates)


def _ref(topic: str, source: Mapping[str, Any]) -> SourceRef:
    return SourceRef(topic, source["publisher"], source["title"], source["date"], source["url"])


def _references(facts: VehicleFacts, reference: ReferenceData, make, zfe: ZfeVerdict) -> tuple[SourceRef, ...]:  # type: ignore[no-untyped-def]
    refs: list[SourceRef] = []
    if facts.fuel_type != "electrique":
        refs.append(_ref("Prix des carburants", reference.references["fuel"]))
    if facts.fuel_type in ("electrique", "hybride_rechargeable"):
        refs.append(_ref("Prix de l'électricité", reference.references["electricity"]))
    sources = reference.regions["sources"]
    refs.append(_ref("Assurance", sources["insurance_2025"]))
    refs.append(_ref("Assurance", sources["insurance_2025_check"]))
    refs.append(_ref("Carte grise", sources["cheval_2025"]))
    if facts.fuel_type == "electrique":
        refs.append(_ref("Carte grise des voitures électriques", sources["ev_2025"]))
    zsources = reference.zfe["sources"]
    for key in reference.zfe["legal_status"]["sources"]:
        refs.append(_ref("Statut des ZFE", zsources[key]))
    if zfe.zone is not None:
        refs.append(_ref(f"ZFE {zfe.zone.name}", zsources[zfe.zone.source]))
    if facts.fuel_type == "electrique" and make is not None:
        entry = reference.schedules["electric_by_make"].get(make.name)
        if entry is not None and entry.get("source"):
            refs.append(_ref("Entretien", reference.schedules["sources"][entry["source"]]))
    refs.append(
        SourceRef(
            "Décote, entretien et fiabilité",
            "AutoCoach",
            "Estimation AutoCoach (profils de décote calibrés sur des prix réels relevés, "
            "coûts d'entretien moyens, pénalités de fiabilité)",
            "2026-11",
            "",
            estimate=True,
        )
    )
    return tuple(refs)


# ---------------------------------------------------------------------------
# Sale checklist (issue 12 item 6: sale blockers are blockers)

# Rollbacks weighing at least this much (size × trust) make the mileage unproven.
ODOMETER_BLOCKING_WEIGHT = 0.5

_SITUATION_BLOCKERS = (
    ("opposition", "Opposition au transfert (OTCI)", "l'opposition au transfert (OTCI) n'est pas levée"),
    ("gage", "Gage", "le gage n'est pas levé"),
    ("vol", "Déclaration de vol", "la déclaration de vol n'est pas levée"),
    ("saisie", "Déclaration valant saisie", "la saisie n'est pas levée"),
    ("suspension", "Certificat suspendu", "le certificat d'immatriculation est suspendu"),
    ("annulation", "Certificat annulé", "le certificat d'immatriculation n'est pas régularisé"),
)
_BLOCKER_WORDS: dict[str, str] = {f"situation_{flag}": words for flag, _, words in _SITUATION_BLOCKERS}
_BLOCKER_WORDS["kilometrage"] = "l'incohérence du kilométrage n'est pas éclaircie"
_BLOCKER_WORDS["controle_technique"] = "un contrôle technique valide de moins de 6 mois n'est pas passé"


def sale_checklist(facts: VehicleFacts, sale, odometer, ct) -> tuple[SaleCheckItem, ...]:  # type: ignore[no-untyped-def]
    """"Pour vendre en règle": administrative situation, mileage, CT."""
    items: list[SaleCheckItem] = []
    s = facts.situation
    for flag, label, words in _SITUATION_BLOCKERS:
        if getattr(s, flag):
            items.append(SaleCheckItem(f"situation_{flag}", label, "blocking", f"Vente impossible tant que {words}."))
    if not any(item.status == "blocking" for item in items):
        items.append(SaleCheckItem("situation", "Situation administrative", "ok", "Ni gage, ni opposition, ni vol signalés."))
    if odometer.rollback_suspected and odometer.rollback_weight >= ODOMETER_BLOCKING_WEIGHT:
        items.append(
            SaleCheckItem(
                "kilometrage",
                "Kilométrage incohérent",
                "blocking",
                "Un relevé kilométrique baisse nettement : à éclaircir (justificatif de remplacement du compteur "
                "ou d'erreur) avant de vendre, sinon l'annonce doit dire « kilométrage non garanti ».",
            )
        )
    elif odometer.rollback_suspected or odometer.implausible:
        items.append(SaleCheckItem("kilometrage", "Kilométrage", "warning", "Un relevé semble erroné : vérifiez-le ou marquez-le comme erreur de saisie."))
    else:
        items.append(SaleCheckItem("kilometrage", "Kilométrage", "ok", "Relevés kilométriques cohérents."))
    # A CT that is missing, expired or failed blocks the sale; one that is
    # valid but over 6 months old is a step to take before selling (a new CT),
    # not a blocker: every car over 4 years would otherwise be "unsellable".
    if sale.ok:
        ct_status = "ok"
    elif ct.overdue or ct.kind in ("inconnu", "immediat") or sale.valid_until is None:
        ct_status = "blocking"
    else:
        ct_status = "warning"
    items.append(SaleCheckItem("controle_technique", "Contrôle technique", ct_status, sale.message))
    return tuple(items)


# ---------------------------------------------------------------------------
# Alerts and summary


def _alerts(facts, as_of, km, ct, crit, zfe: ZfeVerdict, belt, history, interval, findings, spec, reference) -> tuple[Alert, ...]:  # type: ignore[no-untyped-def]
    alerts: list[Alert] = []

    # Contrôle technique: always present, severity from the deadline.
    if ct.kind == "immediat":
        alerts.append(Alert("controle_technique", ct.due_date, "critical", ct.reason))
    elif ct.estimated:
        # A date derived from a guessed 1 July is no deadline (issue 14 rule 8).
        alerts.append(Alert("controle_technique", None, "warning" if ct.kind == "inconnu" else "info", ct.reason))
    elif ct.kind == "inconnu":
        alerts.append(Alert("controle_technique", ct.due_date, "warning", ct.reason))
    elif ct.overdue:
        alerts.append(
            Alert(
                "controle_technique",
                ct.due_date,
                "critical",
                f"Contrôle technique dépassé depuis le {format_date(ct.due_date)} : le véhicule ne "
                f"devrait plus circuler (amende de {CT_FINE_EUR} €). Prenez rendez-vous au plus vite.",
            )
        )
    else:
        soon = ct.due_date <= add_months(as_of, 3)
        severity = "warning" if soon or ct.kind == "contre_visite" else "info"
        alerts.append(Alert("controle_technique", ct.due_date, severity, ct.reason))

    alerts.append(Alert("crit_air", None, "warning" if crit.status == "non_classe" else "info", crit.basis))
    # Issue 14 rule 6: a precise ZFE verdict (zfe.json, dated), not "check the rules".
    if crit.status != "indetermine":
        severity = "info"
        if zfe.allowed is False:
            severity = "critical"
        elif zfe.allowed is None:
            severity = "warning"
        alerts.append(Alert("zfe", None, severity, zfe.message))
    if facts.fuel_type == "electrique":
        spec_label = spec.label if spec is not None else ""
        if facts.battery_rental_monthly is None and any(
            name in spec_label for name in ("Zoe", "Kangoo", "Twizy", "Fluence")
        ):
            alerts.append(
                Alert(
                    "batterie",
                    None,
                    "info",
                    "Beaucoup de ces modèles ont été vendus avec une batterie en location : si c'est le cas, "
                    "indiquez le loyer mensuel, il compte dans le coût et dans la valeur de revente.",
                )
            )

    if belt is not None:
        belt_due = None if belt.estimated else belt.due_date  # a guess is no deadline
        if belt.overdue:
            alerts.append(Alert("distribution", belt_due, "warning", belt.message))
        elif belt.due_date <= add_months(as_of, 6):
            alerts.append(Alert("distribution", belt_due, "warning", belt.message))
        elif belt.due_date <= add_months(as_of, 24):
            alerts.append(Alert("distribution", belt_due, "info", belt.message))

    age = years_between(facts.registration_date, as_of)
    last = history.last_service
    # The maker's schedule (Tesla: none; EVs: 2 years; combustion: yearly).
    period = 12 * interval if interval is not None else None
    if period is None:
        pass
    elif last is not None:
        months = years_between(last.date, as_of) * 12
        km_since = None
        if last.mileage is not None and km:
            km_since = km - last.mileage
        if months > period + 12 or (km_since is not None and km_since > 30_000):
            alerts.append(
                Alert(
                    "entretien",
                    None,
                    "warning",
                    f"Dernier entretien facturé le {format_date(last.date)}"
                    + (f", il y a {format_km(km_since)}" if km_since and km_since > 0 else "")
                    + " : une révision est en retard.",
                )
            )
        elif months > period:
            due = add_months(last.date, int(period))
            what = "annuelle" if period == 12 else f"(tous les {int(period) // 12} ans)"
            alerts.append(
                Alert(
                    "entretien",
                    due,
                    "info",
                    f"Dernier entretien facturé le {format_date(last.date)} : une révision {what} est à prévoir.",
                )
            )
    elif age >= 1 + period / 12:
        alerts.append(
            Alert(
                "entretien",
                None,
                "info",
                ("Aucune révision enregistrée" if facts.fuel_type == "electrique" else "Aucune vidange ni révision enregistrée")
                + " : ajoutez vos factures pour suivre l'entretien.",
            )
        )

    for f in findings:
        alerts.append(Alert("kilometrage", f.date, f.severity, f.message))

    s = facts.situation
    admin = [
        (s.opposition, "critical", "Opposition au transfert du certificat (OTCI) : la vente est impossible tant qu'elle n'est pas levée."),
        (s.saisie, "critical", "Déclaration valant saisie : la vente est impossible tant qu'elle n'est pas levée."),
        (s.vol, "critical", "Véhicule ou titre déclaré volé dans Histovec : contactez la préfecture ou la gendarmerie."),
        (s.suspension, "critical", "Certificat d'immatriculation suspendu : le véhicule ne peut ni circuler ni être vendu."),
        (s.annulation, "critical", "Certificat d'immatriculation annulé : régularisation obligatoire."),
        (s.gage, "warning", "Gage inscrit : il doit être levé (certificat de non-gage) avant la vente."),
        (s.procedure_ve or s.vei, "warning", "Procédure « véhicule endommagé » signalée : gardez les preuves de réparation et du contrôle par l'expert."),
        (s.perte, "info", "Perte du titre déclarée : un duplicata est nécessaire pour vendre."),
        (s.duplicata, "info", "Un duplicata du certificat a été émis : vérifiez que vous détenez bien le dernier."),
    ]
    for active, severity, message in admin:
        if active:
            alerts.append(Alert("situation_administrative", None, severity, message))

    for applied in applicable_weaknesses(facts, spec, reference):
        w = applied.weakness
        severity = "warning" if applied.certain and applied.remedy is None and w.penalty >= 1 else "info"
        text = f"{w.title} : {w.detail}"
        if not applied.certain:
            text += " Vérifiez si votre version est concernée."
        alerts.append(Alert("faiblesse_connue", None, severity, text))

    order = {s: i for i, s in enumerate(SEVERITIES)}
    return tuple(
        sorted(alerts, key=lambda a: (order[a.severity], a.due_date or date.max, a.type))
    )


_ENERGY_WORDS = {"Carburant": "de carburant", "Électricité": "d'électricité", "Carburant et électricité": "d'énergie"}


def _summary(label, facts, km, score, total, lines, resale, ct, alerts) -> str:  # type: ignore[no-untyped-def]
    energy = next(line for line in lines if line.key == "energy")
    energy_words = _ENERGY_WORDS.get(energy.label, "d'énergie")
    loss = next(line for line in lines if line.key == "depreciation")
    parts = [
        f"{label} de {facts.year}, {format_km(km)} : fiabilité estimée {format_score(score)}.",
        f"Coût estimé {format_eur(total)} par mois, dont {format_eur(energy.amount)} "
        f"{energy_words} et {format_eur(loss.amount)} de perte de valeur.",
        f"Valeur de revente actuelle : {format_eur(resale.value_low)} à {format_eur(resale.value_high)}.",
    ]
    if ct.kind == "inconnu":
        parts.append("Aucun contrôle technique enregistré : ajoutez le dernier pour connaître l'échéance.")
    elif ct.overdue or ct.kind == "immediat":
        parts.append(f"Contrôle technique à refaire sans attendre (échéance du {format_date(ct.due_date)}).")
    elif ct.estimated:
        parts.append(f"Premier contrôle technique {estimated_when(ct.due_date)} (date estimée).")
    else:
        parts.append(f"Prochain contrôle technique avant le {format_date(ct.due_date)}.")
    if resale.best_time_label.startswith("Vente impossible"):
        parts.append(f"{resale.best_time_label}.")
    elif resale.best_time_to_sell is not None:
        parts.append(f"Meilleur moment pour vendre : {lower_first(resale.best_time_label)}.")
    critical = sum(1 for a in alerts if a.severity == "critical")
    if critical:
        parts.append(f"Attention : {critical} alerte{'s' if critical > 1 else ''} importante{'s' if critical > 1 else ''} à traiter.")
    return " ".join(parts)


def most_urgent_alert(alerts: list[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The alert an owner should read first, from stored (JSON) alerts: the
    most severe, then the earliest deadline; an undated alert of a higher
    severity comes before a dated one of a lower severity."""
    order = {s: i for i, s in enumerate(SEVERITIES)}
    ranked = sorted(
        alerts,
        key=lambda a: (order.get(a.get("severity", ""), len(order)), a.get("due_date") or "9999-12-31"),
    )
    return ranked[0] if ranked else None
