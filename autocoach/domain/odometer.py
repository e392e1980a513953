"""Odometer consistency: every dated reading (CT, invoices, owner) in one line.

A later reading lower than an earlier one (beyond a small tolerance for typing
or OCR slips) suggests a rollback or an error; a pace no private car sustains
suggests a wrong reading. The declared current mileage lower than a dated
reading is more likely a stale entry than fraud: reported as such.

A drop weighs in proportion to its size (full weight from 20 000 km) and to
the trust in the weaker of its two sources (a CT reading beats an invoice
typo): `rollback_weight` (0..1) scales the score and value penalties. A
reading the owner marks as a typo (`typo: true`) removes every reading of
that date and km, whatever document it came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from autocoach.domain.facts import MileageReading, VehicleFacts
from autocoach.domain.formatting import format_date, format_km
from autocoach.domain.rules import years_between

__all__ = [
    "ROLLBACK_TOLERANCE_KM",
    "MAX_PLAUSIBLE_KM_PER_YEAR",
    "OdometerFinding",
    "OdometerReport",
    "collect_readings",
    "check_odometer",
    "estimate_annual_km",
]

# Small slips (a misread digit on a scan, readings on the same week) are normal.
ROLLBACK_TOLERANCE_KM = 300
# Beyond ~80,000 km/yr a private car is implausible (taxis reach it, rarely).
MAX_PLAUSIBLE_KM_PER_YEAR = 80_000
# Short gaps make the pace meaningless (two readings a week apart).
MIN_DAYS_FOR_RATE = 30
SAME_DAY_CONFLICT_KM = 1_000
# A drop this large (or more) between two trusted readings is a full rollback.
ROLLBACK_FULL_KM = 20_000
# How much each source's reading is trusted (official records first).
SOURCE_TRUST: dict[str, float] = {
    "controle_technique": 1.0,
    "histovec": 1.0,
    "carte_grise": 0.8,
    "correction": 0.8,
    "facture": 0.6,
    "proprietaire": 0.5,
    "declaration": 0.5,
    "annonce": 0.4,
}

_SOURCE_LABELS = {
    "proprietaire": "saisie du propriétaire",
    "correction": "correction du propriétaire",
    "controle_technique": "contrôle technique",
    "facture": "facture",
    "histovec": "Histovec",
    "carte_grise": "carte grise",
    "annonce": "annonce",
    "declaration": "kilométrage déclaré",
}


@dataclass(frozen=True)
class OdometerFinding:
    kind: str  # "rollback", "implausible_rate", "same_day_conflict", "stale_declared", "before_registration"
    severity: str  # "critical", "warning", "info"
    date: date
    message: str  # French
    weight: float = 0.0  # rollback only: size × trust, 0..1


@dataclass(frozen=True)
class OdometerReport:
    readings: tuple[MileageReading, ...]  # sorted by date, then km
    findings: tuple[OdometerFinding, ...]
    current_km: int  # today's odometer: declared mileage or the latest reading if higher
    rollback_suspected: bool
    implausible: bool
    rollback_weight: float = 0.0  # 0..1: how strongly the readings show a rollback

    @property
    def consistent(self) -> bool:
        return not self.rollback_suspected and not self.implausible


def _label(source: str) -> str:
    return _SOURCE_LABELS.get(source, source)


def collect_readings(facts: VehicleFacts, as_of: date) -> list[MileageReading]:
    """All dated readings up to `as_of`: owner/Histovec readings, CTs, invoices."""
    typos = {(r.date, r.km) for r in facts.mileage_readings if r.typo}
    readings = [r for r in facts.mileage_readings if r.date <= as_of and not r.typo]
    readings += [
        MileageReading(i.date, i.mileage, "controle_technique")
        for i in facts.technical_inspections
        if i.mileage is not None and i.date <= as_of
    ]
    readings += [
        MileageReading(e.date, e.mileage, "facture")
        for e in facts.expenses
        if e.mileage is not None and e.date <= as_of
    ]
    # An owner's correction replaces the owner's own earlier, higher entries
    # (a typo); readings from documents (CT, invoices) cannot be corrected.
    corrections = [r for r in readings if r.source == "correction"]
    readings = [
        r
        for r in readings
        if not (
            r.source == "proprietaire"
            and any(c.date >= r.date and c.km < r.km for c in corrections)
        )
    ]
    # Readings the owner marked as typos are dropped, whatever their source.
    readings = [r for r in readings if (r.date, r.km) not in typos]
    # Exact duplicates (a CT also typed in as a reading) add nothing.
    return sorted(set(readings), key=lambda r: (r.date, r.km, r.source))


def rollback_weight(high: MileageReading, low: MileageReading) -> float:
    """0..1: drop size (full from ROLLBACK_FULL_KM) × trust of the weaker source."""
    size = min(1.0, max(0, high.km - low.km) / ROLLBACK_FULL_KM)
    trust = min(SOURCE_TRUST.get(high.source, 0.5), SOURCE_TRUST.get(low.source, 0.5))
    return round(size * trust, 3)


def check_odometer(facts: VehicleFacts, as_of: date) -> OdometerReport:
    readings = collect_readings(facts, as_of)
    findings: list[OdometerFinding] = []
    rollback = implausible = False
    reg = facts.registration_date

    for r in readings:
        if facts.first_registration_date and r.date < reg and r.km > 1_000:
            findings.append(
                OdometerFinding(
                    "before_registration",
                    "warning",
                    r.date,
                    f"Relevé de {format_km(r.km)} daté du {format_date(r.date)}, avant la première "
                    f"immatriculation ({format_date(reg)}) : vérifiez la date.",
                )
            )

    # One value per day (the highest); several different values the same day
    # are reported, then the day is compared with earlier days.
    by_day: dict[date, list[MileageReading]] = {}
    for r in readings:
        by_day.setdefault(r.date, []).append(r)
    best: MileageReading | None = None  # highest reading of any earlier day
    previous: MileageReading | None = None  # anchor of the pace check
    flagged: MileageReading | None = None
    strongest = 0.0
    for day in sorted(by_day):
        same_day = by_day[day]
        low = min(same_day, key=lambda r: r.km)
        top = max(same_day, key=lambda r: r.km)
        if top.km - low.km > SAME_DAY_CONFLICT_KM:
            findings.append(
                OdometerFinding(
                    "same_day_conflict",
                    "warning",
                    day,
                    f"Deux relevés différents le {format_date(day)} : {format_km(low.km)} "
                    f"({_label(low.source)}) et {format_km(top.km)} ({_label(top.source)}).",
                )
            )
        if best is not None and low.km < best.km - ROLLBACK_TOLERANCE_KM and best is not flagged:
            # One finding per high reading, not one per later reading.
            flagged = best
            rollback = True
            weight = rollback_weight(best, low)
            strongest = max(strongest, weight)
            drop = best.km - low.km
            if weight >= 0.5:
                tail = "Compteur remplacé, erreur de saisie ou fraude : à éclaircir avant toute vente."
            else:
                tail = (
                    "L'écart est faible ou vient d'un document peu sûr : sans doute une erreur de saisie. "
                    "Marquez le relevé erroné comme erreur de saisie pour l'écarter."
                )
            findings.append(
                OdometerFinding(
                    "rollback",
                    "critical" if weight >= 0.5 else "warning",
                    day,
                    f"Kilométrage en baisse de {format_km(drop)} : {format_km(low.km)} le {format_date(day)} "
                    f"({_label(low.source)}) alors que {format_km(best.km)} avaient été relevés le "
                    f"{format_date(best.date)} ({_label(best.source)}). {tail}",
                    weight,
                )
            )
        if previous is None:
            previous = top
        elif (day - previous.date).days >= MIN_DAYS_FOR_RATE:
            years = (day - previous.date).days / 365.25
            pace = (top.km - previous.km) / years
            if pace > MAX_PLAUSIBLE_KM_PER_YEAR:
                implausible = True
                findings.append(
                    OdometerFinding(
                        "implausible_rate",
                        "warning",
                        day,
                        f"Rythme peu plausible : {format_km(top.km - previous.km)} entre le "
                        f"{format_date(previous.date)} et le {format_date(day)}, soit environ "
                        f"{format_km(round(pace, -3))} par an. Un des relevés est sans doute erroné.",
                    )
                )
            previous = top
        if best is None or top.km > best.km:
            best = top

    # The first reading against the first registration (0 km then).
    if readings and facts.first_registration_date:
        first = readings[0]
        span = (first.date - reg).days
        if span >= MIN_DAYS_FOR_RATE and first.km / (span / 365.25) > MAX_PLAUSIBLE_KM_PER_YEAR:
            implausible = True
            findings.append(
                OdometerFinding(
                    "implausible_rate",
                    "warning",
                    first.date,
                    f"Rythme peu plausible : {format_km(first.km)} le {format_date(first.date)}, "
                    f"moins de {format_km(round(span / 365.25 * MAX_PLAUSIBLE_KM_PER_YEAR, -3))} "
                    f"auraient été possibles depuis la mise en circulation.",
                )
            )

    # The latest reading, not the highest: after a suspected rollback the
    # old high figure is the doubtful one and the owner's meter shows the rest.
    latest = max(readings, key=lambda r: (r.date, r.km)) if readings else None
    declared = facts.mileage
    if declared is not None and latest is not None and declared < latest.km - ROLLBACK_TOLERANCE_KM:
        top = latest
        findings.append(
            OdometerFinding(
                "stale_declared",
                "info",
                as_of,
                f"Le kilométrage déclaré ({format_km(declared)}) est inférieur au relevé du "
                f"{format_date(top.date)} ({format_km(top.km)}, {_label(top.source)}) : mettez-le à jour.",
            )
        )
    current = max(declared or 0, latest.km if latest else 0)

    return OdometerReport(
        readings=tuple(readings),
        findings=tuple(sorted(findings, key=lambda f: (f.date, f.kind))),
        current_km=current,
        rollback_suspected=rollback,
        implausible=implausible,
        rollback_weight=strongest,
    )


def estimate_annual_km(facts: VehicleFacts, as_of: date, report: OdometerReport, default: int) -> tuple[int, str]:
    """Yearly mileage and a French sentence saying how it was obtained.

    Owner's figure first; else the pace between the latest reading and one at
    least a year earlier (last 4 years); else mileage / age; else the French
    average. Clamped to 2,000..60,000 km and rounded to 100 km.
    """
    if facts.annual_km:
        return _clamp(facts.annual_km), "kilométrage annuel indiqué par le propriétaire"
    points = list(report.readings)
    if facts.mileage is not None:
        points.append(MileageReading(as_of, facts.mileage, "declaration"))
    points = [p for p in points if p.date <= as_of]
    if points and report.consistent:
        latest = max(points, key=lambda p: (p.date, p.km))
        older = [p for p in points if 365 <= (latest.date - p.date).days <= 4 * 366 and p.km <= latest.km]
        if older:
            base = min(older, key=lambda p: p.date)
            years = (latest.date - base.date).days / 365.25
            return (
                _clamp((latest.km - base.km) / years),
                f"rythme constaté entre le {format_date(base.date)} et le {format_date(latest.date)}",
            )
    age = years_between(facts.registration_date, as_of)
    if report.current_km > 0 and age >= 1:
        return _clamp(report.current_km / age), "kilométrage total divisé par l'âge du véhicule"
    return _clamp(default), "moyenne française (environ 12 500 km/an)"


def _clamp(km_per_year: float) -> int:
    return int(round(min(60_000, max(2_000, km_per_year)), -2))
