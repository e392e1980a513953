"""Reliability score (1-10) with its factors, and the maintenance facts it uses.

The score starts at BASE_SCORE (an average used car) and each factor adds or
removes points; every factor carries its weight and a French sentence so the
owner sees why. Weights are AutoCoach's choices (documented below), not a
statistical model: they rank cars sensibly and are explained, that is all.

| factor                 | rule                                                        |
|------------------------|-------------------------------------------------------------|
| age                    | <3 yrs +0.5 · 3-6: 0 · 6-10: -0.5 · 10-15: -1.0 · ≥15: -1.5 |
| yearly mileage         | km / (12,500 × age): >1.3 -0.5 · >1.8 -1.0                  |
| total mileage          | ≥150,000 -0.5 · ≥200,000 -1.0 · ≥250,000 -1.5               |
| owners before current  | 0: +0.3 · 1: 0 · 2: -0.3 · 3+: -0.6 · unknown: 0            |
| maintenance (invoices) | services/yr over ≤5 yrs: ≥0.8 +0.7 · ≥0.4 +0.2 · less -0.3 · no invoice -0.3 |
| contrôle technique     | last favourable +0.3 (-0.1/defect, max 5) · major -1.0 · critical -2.0 · postponed -0.3 · each older unfavourable -0.2 (max -0.6) · none after 4.5 yrs -0.2 |
| known weaknesses       | penalty from data (×0.6 if the engine is not known, ×0.5 if the remedy was invoiced), total ≥ -2.5 |
| make reputation        | reliability_prior from data                                 |
| odometer               | rollback -1.5 × drop size (full at 20,000 km) × source trust · implausible pace -0.5 |
| Histovec               | VE/VEI procedure -1.5 · theft -1.0 · claims -0.3 each (max -0.9) |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from autocoach.data import MakeSpec, ModelSpec, ReferenceData, TimingSpec, Weakness, normalize_name
from autocoach.domain.facts import Expense, VehicleFacts
from autocoach.domain.formatting import format_date, format_decimal, format_km, round_half_up
from autocoach.domain.odometer import OdometerReport
from autocoach.domain.rules import add_fraction_of_years, add_years, estimated_when, years_between
from autocoach.domain.wording import count

__all__ = [
    "BASE_SCORE",
    "AVERAGE_KM_PER_YEAR",
    "ReliabilityFactor",
    "ReliabilityAssessment",
    "MaintenanceHistory",
    "maintenance_history",
    "service_schedule",
    "AppliedWeakness",
    "applicable_weaknesses",
    "TimingBeltStatus",
    "timing_belt_status",
    "assess_reliability",
]

BASE_SCORE = 7.0
AVERAGE_KM_PER_YEAR = 12_500  # French average 12,000-13,000 km/yr (brief)
MAINTENANCE_WINDOW_YEARS = 5
SERVICE_DEDUP_DAYS = 120  # two invoices of one service visit count once
UNKNOWN_ENGINE_FACTOR = 0.6
REMEDIED_FACTOR = 0.5
WEAKNESS_CAP = -2.5


@dataclass(frozen=True)
class ReliabilityFactor:
    key: str
    label: str
    weight: float  # points added (+) or removed (-) from BASE_SCORE
    sentence: str  # French


@dataclass(frozen=True)
class ReliabilityAssessment:
    score: float  # 1.0..10.0, one decimal
    base: float
    factors: tuple[ReliabilityFactor, ...]


# ---------------------------------------------------------------------------
# Maintenance history


@dataclass(frozen=True)
class MaintenanceHistory:
    window_start: date
    years: float
    invoices: int  # expenses of any kind in the window
    services: int  # distinct "vidange / entretien" visits in the window
    coverage: float | None  # services per year
    status: str  # "recent", "none", "regular", "partial", "poor", "not_required"
    last_service: Expense | None


def service_schedule(
    facts: VehicleFacts, make: MakeSpec | None, reference: ReferenceData
) -> tuple[float | None, str]:
    """Years between two services in the maker's schedule (None: no periodic service), and its label.

    service_schedules.json: Tesla plans no annual service (owner's manual);
    other EVs every 2 years (1 at Nissan, Hyundai, Kia); combustion cars yearly.
    """
    table = reference.schedules
    entry = table["default"]
    if facts.fuel_type == "electrique":
        entry = (table["electric_by_make"].get(make.name) if make is not None else None) or table["electric_default"]
    years = entry["years"]
    return (None if years is None else float(years)), entry["label"]


def maintenance_history(facts: VehicleFacts, as_of: date, interval_years: float | None = 1.0) -> MaintenanceHistory:
    """Services in the last 5 years, judged against the maker's interval.

    `interval_years` None means the maker plans no periodic service (Tesla):
    the status is then "not_required" and nothing is held against the car.
    """
    reg = facts.registration_date
    start = max(reg, add_years(as_of, -MAINTENANCE_WINDOW_YEARS))
    years = years_between(start, as_of)
    in_window = [e for e in facts.expenses if start <= e.date <= as_of]
    services_all = sorted((e for e in facts.expenses if e.category == "vidange" and e.date <= as_of), key=lambda e: e.date)
    last_service = services_all[-1] if services_all else None
    visits = 0
    previous: date | None = None
    for e in sorted((e for e in in_window if e.category == "vidange"), key=lambda e: e.date):
        if previous is None or (e.date - previous).days >= SERVICE_DEDUP_DAYS:
            visits += 1
            previous = e.date
    if interval_years is None:
        coverage = visits / years if years >= 1 else None
        return MaintenanceHistory(start, years, len(in_window), visits, coverage, "not_required", last_service)
    if years < max(1.0, interval_years):
        return MaintenanceHistory(start, years, len(in_window), visits, None, "recent", last_service)
    if not in_window:
        return MaintenanceHistory(start, years, 0, 0, 0.0, "none", last_service)
    coverage = visits / years
    ratio = coverage * interval_years  # 1.0 = exactly on schedule
    status = "regular" if ratio >= 0.8 else "partial" if ratio >= 0.4 else "poor"
    return MaintenanceHistory(start, years, len(in_window), visits, coverage, status, last_service)


# ---------------------------------------------------------------------------
# Known weaknesses


@dataclass(frozen=True)
class AppliedWeakness:
    weakness: Weakness
    certain: bool  # engine/gearbox known to match (else "if your engine is concerned")
    remedy: Expense | None  # invoice of the repair that addresses it
    penalty: float  # effective points removed (positive number)


def _engine_text(facts: VehicleFacts) -> str | None:
    parts = [p for p in (facts.engine, facts.version) if p]
    return " " + normalize_name(" ".join(parts)) + " " if parts else None


def applicable_weaknesses(
    facts: VehicleFacts, spec: ModelSpec | None, reference: ReferenceData
) -> list[AppliedWeakness]:
    if spec is None:
        return []
    # E85 kits and LPG conversions keep the petrol engine's weaknesses.
    fuel = "essence" if facts.fuel_type in ("e85", "autre") else facts.fuel_type
    engine = _engine_text(facts)
    result: list[AppliedWeakness] = []
    for wid in spec.weaknesses:
        w = reference.weaknesses[wid]
        if not w.applies_to_year(facts.year):
            continue
        if fuel not in w.fuels and not (fuel == "gpl" and "essence" in w.fuels):
            continue
        if engine is not None and any(f" {k} " in engine for k in w.excludes):
            continue  # a sibling engine/gearbox that is not concerned (EA288, EAT6)
        coded = engine is not None and any(f" {k} " in engine for k in w.codes)
        certain = True
        if w.gearbox:
            if facts.gearbox is None and not coded:
                certain = False
            elif facts.gearbox != w.gearbox:
                continue
        if w.engine_keywords and not coded:
            if engine is None:
                certain = False
            elif not any(f" {k} " in engine for k in w.engine_keywords):
                continue
        if w.codes and not coded:
            # Only the family is known (a TDI, an automatic gearbox): the
            # precise code decides, so the owner is asked to check.
            certain = False
        remedy = None
        if w.remedy_category:
            done = [e for e in facts.expenses if e.category == w.remedy_category]
            remedy = max(done, key=lambda e: e.date) if done else None
        penalty = w.penalty * (1 if certain else UNKNOWN_ENGINE_FACTOR) * (REMEDIED_FACTOR if remedy else 1)
        result.append(AppliedWeakness(w, certain, remedy, round_half_up(penalty, 2)))
    return result


# ---------------------------------------------------------------------------
# Timing belt


@dataclass(frozen=True)
class TimingBeltStatus:
    spec: TimingSpec
    last_replacement: Expense | None
    due_km: int | None
    due_date: date  # earliest of the km and age limits (km at the yearly pace)
    overdue: bool
    unknown_history: bool  # limits passed and no invoice: may have been done
    message: str  # French
    estimated: bool = False  # due date from a guessed registration date (year only)


def timing_belt_status(
    facts: VehicleFacts,
    as_of: date,
    reference: ReferenceData,
    spec: ModelSpec | None,
    current_km: int,
    annual_km: int,
) -> TimingBeltStatus | None:
    """Next timing-belt replacement, for engines with a belt (None otherwise)."""
    timing = reference.timing_for(spec, facts.fuel_type, facts.year)
    if timing is None or not timing.is_belt:
        return None
    done = sorted((e for e in facts.expenses if e.category == "distribution" and e.date <= as_of), key=lambda e: e.date)
    last = done[-1] if done else None
    reg = facts.registration_date
    if last is not None:
        base_km = last.mileage if last.mileage is not None else None
        due_km = base_km + timing.km if (base_km is not None and timing.km) else None
        age_limit = add_years(last.date, timing.years) if timing.years else None
    else:
        due_km = timing.km
        age_limit = add_years(reg, timing.years) if timing.years else None
    candidates: list[date] = []
    if due_km is not None:
        remaining = due_km - current_km
        candidates.append(add_fraction_of_years(as_of, remaining / max(annual_km, 1)) if remaining > 0 else as_of)
    if age_limit is not None:
        candidates.append(age_limit)
    due_date = min(candidates) if candidates else as_of
    overdue = due_date <= as_of
    estimated = (
        facts.first_registration_date is None and last is None and age_limit is not None and due_date == age_limit
    )
    unknown = last is None and overdue
    limits = " ou ".join(
        x for x in (format_km(timing.km) if timing.km else "", f"{timing.years} ans" if timing.years else "") if x
    )
    if unknown:
        message = (
            f"Distribution ({timing.label}) : remplacement préconisé tous les {limits} environ. "
            f"Le véhicule a dépassé ce seuil et aucune facture de remplacement n'est enregistrée : "
            f"vérifiez dans le carnet d'entretien qu'elle a été faite."
        )
    elif overdue:
        message = (
            f"Distribution ({timing.label}) : remplacement préconisé tous les {limits} environ ; "
            f"le dernier date du {format_date(last.date)} : il est à refaire."  # type: ignore[union-attr]
        )
    else:
        km_part = f" ou à {format_km(due_km)}" if due_km else ""
        when = f"{estimated_when(due_date)} (date estimée)" if estimated else f"vers le {format_date(due_date)}"
        message = (
            f"Distribution ({timing.label}) : prochain remplacement {when}"
            f"{km_part} (préconisation : tous les {limits} environ, à vérifier dans le carnet)."
        )
    if timing.note:
        message += f" {timing.note[0].upper()}{timing.note[1:]}."
    return TimingBeltStatus(timing, last, due_km, due_date, overdue, unknown, message, estimated)


# ---------------------------------------------------------------------------
# Score


def _age_factor(age: float) -> ReliabilityFactor:
    years = format_decimal(age, 1)
    if age < 3:
        return ReliabilityFactor("age", "Âge", 0.5, f"Véhicule récent ({years} ans) : peu d'usure liée à l'âge.")
    if age < 6:
        return ReliabilityFactor("age", "Âge", 0.0, f"{years} ans : âge moyen pour une occasion.")
    if age < 10:
        return ReliabilityFactor("age", "Âge", -0.5, f"{years} ans : joints, durites et électronique commencent à vieillir.")
    if age < 15:
        return ReliabilityFactor("age", "Âge", -1.0, f"{years} ans : les pannes liées à l'âge deviennent plus fréquentes.")
    return ReliabilityFactor("age", "Âge", -1.5, f"{years} ans : véhicule ancien, l'usure liée à l'âge pèse lourd.")


def _yearly_km_factor(km: int, age: float, annual_km: int | None = None) -> ReliabilityFactor:
    """Usage intensity. With the engine's annual km (issue 12: one figure for
    the whole result, its basis shown once in `annual_km_basis`), else the
    lifetime average."""
    if annual_km is not None:
        per_year = float(annual_km)
        pace = f"{format_km(annual_km)} par an (kilométrage annuel retenu pour toute l'analyse)"
    else:
        per_year = km / max(age, 1.0)
        pace = format_km(round(per_year, -2)) + " par an en moyenne depuis la mise en circulation"
    ratio = per_year / AVERAGE_KM_PER_YEAR
    if ratio > 1.8:
        return ReliabilityFactor("kilometrage_annuel", "Kilométrage annuel", -1.0, f"Environ {pace}, bien au-dessus de la moyenne française (12 500 km/an) : usure accélérée.")
    if ratio > 1.3:
        return ReliabilityFactor("kilometrage_annuel", "Kilométrage annuel", -0.5, f"Environ {pace}, au-dessus de la moyenne française (12 500 km/an).")
    return ReliabilityFactor("kilometrage_annuel", "Kilométrage annuel", 0.0, f"Environ {pace}, dans la moyenne française ou en dessous.")


def _total_km_factor(km: int) -> ReliabilityFactor:
    text = format_km(km)
    if km >= 250_000:
        return ReliabilityFactor("kilometrage_total", "Kilométrage total", -1.5, f"{text} : kilométrage très élevé, grosses pièces d'usure à prévoir.")
    if km >= 200_000:
        return ReliabilityFactor("kilometrage_total", "Kilométrage total", -1.0, f"{text} : kilométrage élevé (embrayage, turbo, suspensions).")
    if km >= 150_000:
        return ReliabilityFactor("kilometrage_total", "Kilométrage total", -0.5, f"{text} : kilométrage où les grosses pièces d'usure arrivent.")
    return ReliabilityFactor("kilometrage_total", "Kilométrage total", 0.0, f"{text} : pas de seuil d'usure majeur atteint.")


def _owners_factor(previous: int | None) -> ReliabilityFactor:
    if previous is None:
        return ReliabilityFactor("proprietaires", "Propriétaires", 0.0, "Nombre de propriétaires précédents inconnu (voir le rapport Histovec).")
    if previous == 0:
        return ReliabilityFactor("proprietaires", "Propriétaires", 0.3, "Première main : historique connu de bout en bout.")
    if previous == 1:
        return ReliabilityFactor("proprietaires", "Propriétaires", 0.0, "Un seul propriétaire avant vous.")
    weight = -0.3 if previous == 2 else -0.6
    return ReliabilityFactor("proprietaires", "Propriétaires", weight, f"{previous} propriétaires avant vous : historique plus difficile à reconstituer.")


def _window_words(history: MaintenanceHistory, registration: date) -> str:
    """The period the count covers, said as it is: the whole life of a young
    car, or only the last years of an older one."""
    if history.window_start > registration:
        return f"sur les {count(MAINTENANCE_WINDOW_YEARS, 'dernière année', 'dernières années')}"
    return f"en {format_decimal(history.years, 1)} ans, depuis la mise en circulation"


def _maintenance_factor(
    history: MaintenanceHistory, registration: date, schedule: str = ""
) -> ReliabilityFactor:
    label = "Entretien"
    if history.status == "not_required":
        return ReliabilityFactor("entretien", label, 0.0, f"Entretien : {schedule}, l'absence de révision n'est pas pénalisée.")
    if history.status == "recent":
        return ReliabilityFactor("entretien", label, 0.0, "Moins d'un an d'historique : trop tôt pour juger l'entretien.")
    if history.status == "none":
        return ReliabilityFactor("entretien", label, -0.3, "Aucune facture d'entretien enregistrée : l'entretien ne peut pas être vérifié. Ajoutez vos factures.")
    per_year = format_decimal(history.coverage or 0.0, 1)
    period = f"{count(history.services, 'entretien', zero='Aucun entretien')} {_window_words(history, registration)}"
    if history.services:
        period += f" ({per_year} par an)"
    if history.status == "regular":
        return ReliabilityFactor("entretien", label, 0.7, f"{period} : entretien régulier, documenté par factures.")
    if history.status == "partial":
        return ReliabilityFactor("entretien", label, 0.2, f"{period} : entretien en partie documenté.")
    return ReliabilityFactor("entretien", label, -0.3, f"{period} : entretien irrégulier ou non documenté.")


def _ct_factor(facts: VehicleFacts, as_of: date, age: float) -> ReliabilityFactor:
    history = sorted((i for i in facts.technical_inspections if i.date <= as_of), key=lambda i: i.date)
    label = "Contrôle technique"
    if not history:
        if age >= 4.5:
            return ReliabilityFactor("controle_technique", label, -0.2, "Aucun contrôle technique enregistré alors que le véhicule a plus de 4 ans : ajoutez le rapport Histovec ou le dernier procès-verbal.")
        return ReliabilityFactor("controle_technique", label, 0.0, "Pas encore de contrôle technique (véhicule de moins de 4 ans).")
    last = history[-1]
    older_bad = sum(1 for i in history[:-1] if i.result in ("defavorable_majeur", "defavorable_critique"))
    past = max(-0.6, -0.2 * older_bad)
    when = format_date(last.date)
    if last.result == "favorable":
        defects = min(5, len(last.defects))
        weight = 0.3 - 0.1 * defects + past
        detail = f" avec {count(len(last.defects), 'défaillance mineure notée')}" if last.defects else " sans défaillance notée"
        sentence = f"Dernier contrôle favorable le {when}{detail}."
    elif last.result == "defavorable_majeur":
        weight = -1.0 + past
        sentence = f"Contrôle du {when} défavorable (défaillances majeures) : contre-visite nécessaire."
    elif last.result == "defavorable_critique":
        weight = -2.0 + past
        sentence = f"Contrôle du {when} défavorable avec défaillances critiques : réparations obligatoires avant de rouler."
    else:
        weight = -0.3 + past
        sentence = f"Contrôle du {when} ajourné : il n'a pas pu être réalisé."
    if older_bad:
        sentence += f" {count(older_bad, 'contrôle défavorable plus ancien')} dans l'historique."
    return ReliabilityFactor("controle_technique", label, round_half_up(weight, 2), sentence)


def _weakness_factor(applied: AppliedWeakness) -> ReliabilityFactor:
    w = applied.weakness
    sentence = w.detail
    if not applied.certain:
        sentence += " (Pénalité réduite : à vérifier selon votre moteur ou votre boîte.)"
    if applied.remedy is not None:
        sentence += f" Intervention facturée le {format_date(applied.remedy.date)} : risque réduit."
    return ReliabilityFactor(f"faiblesse_{w.id}", w.title, -applied.penalty, sentence)


def assess_reliability(
    facts: VehicleFacts,
    as_of: date,
    reference: ReferenceData,
    *,
    spec: ModelSpec | None,
    make: MakeSpec | None,
    odometer: OdometerReport,
    history: MaintenanceHistory | None = None,
    typical: bool = False,
    annual_km: int | None = None,
) -> ReliabilityAssessment:
    """Score 1..10 with its factors.

    `typical=True` scores a model at this age and mileage without the owner's
    history (used for comparisons): only age, mileage, weaknesses and make.
    """
    age = years_between(facts.registration_date, as_of)
    km = odometer.current_km
    factors: list[ReliabilityFactor] = [_age_factor(age), _yearly_km_factor(km, age, annual_km), _total_km_factor(km)]
    if not typical:
        factors.append(_owners_factor(facts.previous_owners))
        interval, schedule = service_schedule(facts, make, reference)
        factors.append(
            _maintenance_factor(
                history or maintenance_history(facts, as_of, interval), facts.registration_date, schedule
            )
        )
        factors.append(_ct_factor(facts, as_of, age))

    # A typical car of another model (comparisons) has no known version: only
    # the weaknesses that hold for every version of it apply.
    weak = [
        _weakness_factor(a)
        for a in applicable_weaknesses(facts, spec, reference)
        if a.certain or not typical
    ]
    total_weak = sum(f.weight for f in weak)
    if total_weak < WEAKNESS_CAP:
        # Scale down so several weaknesses never sink a car on their own.
        scale = WEAKNESS_CAP / total_weak
        weak = [
            ReliabilityFactor(f.key, f.label, round_half_up(f.weight * scale, 2), f.sentence) for f in weak
        ]
    factors.extend(weak)

    if make is not None and make.reliability_prior:
        factors.append(
            ReliabilityFactor(
                "marque",
                "Réputation de la marque",
                make.reliability_prior,
                f"{make.name} figure parmi les marques les mieux placées dans les enquêtes de fiabilité publiées (estimation AutoCoach).",
            )
        )

    if not typical:
        if odometer.rollback_suspected:
            # Proportional to the drop and the trust in its sources (issue 14).
            weight = round_half_up(-1.5 * odometer.rollback_weight, 2)
            factors.append(ReliabilityFactor("compteur", "Compteur kilométrique", weight, "Un relevé kilométrique est inférieur à un relevé plus ancien : kilométrage réel incertain (pénalité proportionnelle à l'écart et à la fiabilité des relevés)."))
        elif odometer.implausible:
            factors.append(ReliabilityFactor("compteur", "Compteur kilométrique", -0.5, "Un écart entre relevés kilométriques est peu plausible : un relevé est sans doute erroné."))
        s = facts.situation
        if s.procedure_ve or s.vei:
            factors.append(ReliabilityFactor("histovec_ve", "Véhicule endommagé", -1.5, "Histovec signale une procédure « véhicule endommagé » : accident grave expertisé, réparations à vérifier."))
        if s.vol:
            factors.append(ReliabilityFactor("histovec_vol", "Vol déclaré", -1.0, "Histovec signale un vol : véhicule ou titre déclaré volé."))
        if facts.claims_count:
            weight = max(-0.9, -0.3 * facts.claims_count)
            factors.append(ReliabilityFactor("histovec_sinistres", "Sinistres", round_half_up(weight, 2), f"{count(facts.claims_count, 'sinistre expertisé')} dans l'historique Histovec."))

    raw = BASE_SCORE + sum(f.weight for f in factors)
    score = min(10.0, max(1.0, round_half_up(raw, 1)))
    return ReliabilityAssessment(score=score, base=BASE_SCORE, factors=tuple(factors))
