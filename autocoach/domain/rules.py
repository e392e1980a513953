"""Regulatory rules: contrôle technique dates, Crit'Air, CT for a sale.

Sources (domain brief): first CT within the 6 months before the 4th
anniversary of first registration, then every 2 years from the last CT; major
defects → contre-visite within 2 months; critical defects → drive only until
midnight of the test day; €135 fine for an expired CT; selling needs a CT under
6 months old. Crit'Air per the arrêté of 21 June 2016.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable

from autocoach.domain.facts import TechnicalInspection
from autocoach.domain.formatting import format_date, format_month_year

__all__ = [
    "CT_FINE_EUR",
    "SALE_CT_MAX_AGE_MONTHS",
    "add_months",
    "add_years",
    "years_between",
    "TechnicalInspectionStatus",
    "technical_inspection_status",
    "next_technical_inspection",
    "SaleInspectionCheck",
    "sale_inspection_check",
    "CritAirInfo",
    "crit_air",
    "crit_air_details",
    "parse_euro_class",
]

CT_FINE_EUR = 135
SALE_CT_MAX_AGE_MONTHS = 6
FIRST_CT_YEARS = 4
CT_PERIOD_YEARS = 2
CONTRE_VISITE_MONTHS = 2


# ---------------------------------------------------------------------------
# Calendar helpers (clamp 29-31 to the month's last day, like the law does).


def add_months(day: date, months: int) -> date:
    total = day.year * 12 + (day.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    # Last day of the target month.
    next_first = date(year + (month == 12), month % 12 + 1, 1)
    last = (next_first - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def add_fraction_of_years(day: date, years: float) -> date:
    """`day` + a possibly fractional number of years (whole months, then days)."""
    months = years * 12
    whole_months = int(months + 1e-9)  # 1.3333… × 12 must give 16, not 15.999…
    rest_days = max(0, round((months - whole_months) * 30.44))
    return add_months(day, whole_months) + timedelta(days=rest_days)


def years_between(start: date, end: date) -> float:
    """Calendar age in years: whole anniversaries + fraction of the current year.

    Exactly 7.0 on the 7th anniversary (unlike days / 365.25); negative spans
    give 0.
    """
    if end <= start:
        return 0.0
    whole = end.year - start.year
    if add_years(start, whole) > end:
        whole -= 1
    last = add_years(start, whole)
    nxt = add_years(start, whole + 1)
    return whole + (end - last).days / (nxt - last).days


# ---------------------------------------------------------------------------
# Contrôle technique


@dataclass(frozen=True)
class TechnicalInspectionStatus:
    due_date: date
    kind: str  # "premier", "periodique", "contre_visite", "immediat", "inconnu" (first CT past, none on record)
    window_start: date | None  # first CT: earliest useful date (6 months before)
    overdue: bool
    last_inspection: TechnicalInspection | None
    reason: str  # French, explains how the date was computed
    # Derived from a guessed registration date (year only, 1 July assumed):
    # shown as "vers juillet 2023", never as a deadline.
    estimated: bool = False


def _sorted(inspections: Iterable[TechnicalInspection], as_of: date | None) -> list[TechnicalInspection]:
    items = [i for i in inspections if as_of is None or i.date <= as_of]
    # Same-day visits: keep input order (the contre-visite is listed after).
    return sorted(items, key=lambda i: i.date)


def _status_from(
    first_registration: date, history: list[TechnicalInspection]
) -> tuple[date, str, date | None, TechnicalInspection | None, str]:
    if not history:
        due = add_years(first_registration, FIRST_CT_YEARS)
        start = add_months(due, -6)
        return (
            due,
            "premier",
            start,
            None,
            f"Premier contrôle technique dans les 6 mois précédant le 4e anniversaire de la "
            f"première immatriculation : entre le {format_date(start)} et le {format_date(due)}.",
        )
    last = history[-1]
    if last.result == "defavorable_critique":
        return (
            last.date,
            "immediat",
            None,
            last,
            f"Défaillances critiques au contrôle du {format_date(last.date)} : le véhicule ne "
            f"pouvait circuler que jusqu'à minuit le jour du contrôle ; contre-visite obligatoire "
            f"avant de reprendre la route.",
        )
    if last.result == "defavorable_majeur":
        due = add_months(last.date, CONTRE_VISITE_MONTHS)
        return (
            due,
            "contre_visite",
            None,
            last,
            f"Défaillances majeures au contrôle du {format_date(last.date)} : contre-visite à "
            f"faire dans les 2 mois, avant le {format_date(due)}.",
        )
    if last.result == "ajourne":
        # Arrêté of 18 June 1991 (CT des véhicules légers), art. 10: a visit
        # "ajournée" could not be carried out and gives no new deadline: the
        # previous one (last favourable CT + 2 years, or the first CT) holds.
        prev_due, prev_kind, prev_start, _, _ = _status_from(first_registration, history[:-1])
        kind = prev_kind if prev_kind != "immediat" else "periodique"
        return (
            prev_due,
            kind,
            prev_start,
            last,
            f"Contrôle du {format_date(last.date)} ajourné (non réalisé) : il ne repousse pas "
            f"l'échéance, le contrôle reste à faire avant le {format_date(prev_due)}.",
        )
    # Favourable. After a favourable contre-visite the 2 years run from the
    # periodic visit that required it, not from the contre-visite itself.
    anchor = last
    if last.nature == "contre_visite":
        for earlier in reversed(history[:-1]):
            if earlier.nature != "contre_visite":
                anchor = earlier
                break
        limit = add_months(anchor.date, CONTRE_VISITE_MONTHS)
        if anchor is not last and anchor.result == "defavorable_majeur" and last.date > limit:
            # Arrêté of 18 June 1991, art. 10-1 (as amended 2 March 2017): past
            # the 2 months the contre-visite is no longer allowed; a full new
            # CT is required, so the car has had no valid CT since `limit`.
            return (
                limit,
                "periodique",
                None,
                last,
                f"La contre-visite du {format_date(last.date)} a été faite après le délai de 2 mois "
                f"(à faire avant le {format_date(limit)}) : elle ne vaut pas contrôle, un contrôle "
                f"technique complet est à repasser.",
            )
    due = add_years(anchor.date, CT_PERIOD_YEARS)
    if anchor is last:
        reason = (
            f"Contrôle favorable le {format_date(last.date)} : prochain contrôle dans les 2 ans, "
            f"avant le {format_date(due)}."
        )
    else:
        reason = (
            f"Contre-visite favorable le {format_date(last.date)} : les 2 ans courent depuis la "
            f"visite initiale du {format_date(anchor.date)}, prochain contrôle avant le "
            f"{format_date(due)}."
        )
    return due, "periodique", None, last, reason


def estimated_when(day: date) -> str:
    """A date derived from a guess, as French words: "vers juillet 2019"."""
    return f"vers {format_month_year(day)}"


ESTIMATE_NOTE = (
    "date estimée : la date de première immatriculation est inconnue, AutoCoach suppose le "
    "1er juillet de l'année ; indiquez-la pour une échéance exacte"
)


def technical_inspection_status(
    first_registration: date,
    inspections: Iterable[TechnicalInspection] = (),
    as_of: date | None = None,
    *,
    estimated_registration: bool = False,
) -> TechnicalInspectionStatus:
    """Next CT deadline with its kind and explanation.

    Inspections dated after `as_of` are ignored. The due date is the last day
    the car may still be driven legally (the anniversary date).
    `estimated_registration`: the first registration is a guess (year only);
    dates derived from it are then worded as estimates.
    """
    history = _sorted(inspections, as_of)
    due, kind, start, last, reason = _status_from(first_registration, history)
    today = as_of or date.today()
    overdue = due < today
    if kind == "premier" and overdue:
        # Past the first deadline with no CT on record: most likely the owner
        # has not added it yet, so say "unknown" rather than "expired".
        kind = "inconnu"
        reason = (
            f"Aucun contrôle technique enregistré alors que le premier était à faire avant le "
            f"{format_date(due)} : ajoutez le dernier procès-verbal ou le rapport Histovec pour "
            f"connaître la prochaine échéance (rouler sans contrôle valide : amende de {CT_FINE_EUR} €)."
        )
    elif overdue and kind == "periodique" and "prochain" in reason:
        # A date already past is never the "prochain" contrôle.
        reason = (
            f"Dernier contrôle le {format_date(last.date)} : le suivant était à faire avant le "
            f"{format_date(due)}, la date est dépassée. Faites-le sans attendre (rouler sans "
            f"contrôle valide : amende de {CT_FINE_EUR} €)."
        )
    estimated = estimated_registration and all(i.result == "ajourne" for i in history)
    if estimated:
        if kind == "inconnu":
            reason = (
                f"Aucun contrôle technique enregistré alors que le premier était à faire "
                f"{estimated_when(due)} ({ESTIMATE_NOTE}) : ajoutez le dernier procès-verbal ou le "
                f"rapport Histovec pour connaître la prochaine échéance."
            )
        else:
            reason = f"Premier contrôle technique {estimated_when(due)} ({ESTIMATE_NOTE})."
    return TechnicalInspectionStatus(
        due_date=due,
        kind=kind,
        window_start=start,
        overdue=overdue,
        last_inspection=last,
        reason=reason,
        estimated=estimated,
    )


def next_technical_inspection(
    first_registration: date,
    inspections: Iterable[TechnicalInspection] = (),
    as_of: date | None = None,
) -> date:
    """Date by which the next contrôle technique must be done."""
    return technical_inspection_status(first_registration, inspections, as_of).due_date


@dataclass(frozen=True)
class SaleInspectionCheck:
    ok: bool
    valid_until: date | None  # last day the current CT is accepted for a sale
    message: str  # French


def sale_inspection_check(
    first_registration: date, inspections: Iterable[TechnicalInspection], sale_date: date
) -> SaleInspectionCheck:
    """Can the car be sold on `sale_date` with its current CT?

    A car under 4 years needs no CT; otherwise the CT must be under 6 months
    old (a favourable visit, or one with major defects whose contre-visite is
    then the buyer's to do within 2 months).
    """
    if sale_date < add_years(first_registration, FIRST_CT_YEARS):
        return SaleInspectionCheck(True, None, "Véhicule de moins de 4 ans : pas de contrôle technique exigé pour la vente.")
    history = _sorted(inspections, sale_date)
    usable = [i for i in history if i.result in ("favorable", "defavorable_majeur")]
    if not usable:
        return SaleInspectionCheck(False, None, "Aucun contrôle technique connu : il en faut un de moins de 6 mois pour vendre.")
    if history[-1].result == "defavorable_critique":
        return SaleInspectionCheck(False, None, "Le dernier contrôle a relevé des défaillances critiques : faites les réparations et la contre-visite avant de vendre.")
    last = usable[-1]
    anchor = last
    if last.nature == "contre_visite":
        for earlier in reversed(history):
            if earlier.nature != "contre_visite" and earlier.date <= last.date:
                anchor = earlier
                break
        late_limit = add_months(anchor.date, CONTRE_VISITE_MONTHS)
        if anchor is not last and anchor.result == "defavorable_majeur" and last.date > late_limit:
            return SaleInspectionCheck(
                False,
                late_limit,
                f"La contre-visite du {format_date(last.date)} a été faite après le délai de 2 mois : "
                f"elle ne vaut pas contrôle, il faut repasser un contrôle technique complet pour vendre.",
            )
    valid_until = add_months(anchor.date, SALE_CT_MAX_AGE_MONTHS)
    if last.result == "defavorable_majeur":
        # Sale allowed, but the contre-visite deadline (2 months) still runs.
        valid_until = add_months(last.date, CONTRE_VISITE_MONTHS)
        if sale_date > valid_until:
            return SaleInspectionCheck(
                False,
                valid_until,
                f"La contre-visite exigée par le contrôle du {format_date(last.date)} n'a pas été "
                f"faite avant le {format_date(valid_until)} : un nouveau contrôle est nécessaire pour vendre.",
            )
        return SaleInspectionCheck(
            True,
            valid_until,
            f"Le contrôle du {format_date(last.date)} impose une contre-visite avant le "
            f"{format_date(valid_until)} : vendre avant est possible, l'acheteur devra la faire "
            f"(ou faites les réparations et la contre-visite vous-même pour mieux vendre).",
        )
    if sale_date <= valid_until:
        return SaleInspectionCheck(True, valid_until, f"Le contrôle technique du {format_date(anchor.date)} est valable pour une vente jusqu'au {format_date(valid_until)}.")
    return SaleInspectionCheck(False, valid_until, f"Le dernier contrôle technique ({format_date(anchor.date)}) a plus de 6 mois : il faudra en repasser un pour vendre.")


# ---------------------------------------------------------------------------
# Crit'Air


@dataclass(frozen=True)
class CritAirInfo:
    category: int | None  # 0..5, None when not classified or unknown
    status: str  # "classe", "non_classe", "indetermine"
    label: str  # "Crit'Air 1", "Non classé", "Indéterminé"
    basis: str  # French: what the category was derived from


def parse_euro_class(value: str | None) -> int | None:
    """Euro norm number from a V.9 text ("EURO6", "Euro 6d-TEMP", "70/220*2001/100EURO3")."""
    if not value:
        return None
    match = re.search(r"euro\s*([1-6])", value, re.IGNORECASE)
    if match:
        return int(match.group(1))
    match = re.fullmatch(r"\s*([1-6])[a-z\- ]*\s*", value, re.IGNORECASE)
    return int(match.group(1)) if match else None


_PETROL_LIKE = ("essence", "hybride", "e85")

# Arrêté of 21 June 2016 (NOR DEVR1612345A), annex, cars (M1): first
# registration date -> class, when the Euro norm (V.9) is not known. Every
# boundary is a 1 January, so a known year alone gives the class.
# (first day, class or None for "non classé"), newest first.
CRIT_AIR_BY_DATE: dict[str, tuple[tuple[date, int | None], ...]] = {
    "diesel": (
        (date(2011, 1, 1), 2),  # Euro 5 and 6
        (date(2006, 1, 1), 3),  # Euro 4
        (date(2001, 1, 1), 4),  # Euro 3
        (date(1997, 1, 1), 5),  # Euro 2: 1 Jan 1997 - 31 Dec 2000
        (date.min, None),  # Euro 1 and older
    ),
    "essence": (
        (date(2011, 1, 1), 1),  # Euro 5 and 6
        (date(2006, 1, 1), 2),  # Euro 4
        (date(1997, 1, 1), 3),  # Euro 2 and 3
        (date.min, None),
    ),
}
# Same arrêté, by Euro norm (V.9).
CRIT_AIR_BY_EURO: dict[str, dict[int, int]] = {
    "diesel": {6: 2, 5: 2, 4: 3, 3: 4, 2: 5},
    "essence": {6: 1, 5: 1, 4: 2, 3: 3, 2: 3},
}


def _class_on(kind: str, day: date) -> int | None:
    return next(cat for first, cat in CRIT_AIR_BY_DATE[kind] if day >= first)


def crit_air_details(
    fuel_type: str,
    euro_class: str | None,
    first_registration_date: date | None,
    year: int | None = None,
) -> CritAirInfo:
    """Crit'Air category for a car (arrêté of 21 June 2016).

    Order: the Euro class (V.9) when readable, else the first registration
    date, else the year alone when the whole year falls in one class (it
    always does: every boundary is a 1 January). Non-plug-in hybrids are
    treated as petrol cars (the common case). Cars only: two-wheelers and
    heavy vehicles have other tables and are out of AutoCoach's scope.
    """
    euro = parse_euro_class(euro_class)
    if fuel_type == "electrique":
        return CritAirInfo(0, "classe", "Crit'Air 0", "Véhicule électrique : vignette Crit'Air 0 (verte).")
    if fuel_type in ("gpl", "hybride_rechargeable"):
        what = "GPL / gaz" if fuel_type == "gpl" else "hybride rechargeable"
        return CritAirInfo(1, "classe", "Crit'Air 1", f"Véhicule {what} : vignette Crit'Air 1.")
    if fuel_type not in _PETROL_LIKE + ("diesel",):
        return CritAirInfo(None, "indetermine", "Indéterminé", "Énergie non reconnue : catégorie Crit'Air à vérifier sur le site officiel.")

    kind = "diesel" if fuel_type == "diesel" else "essence"
    if euro is not None:
        cat = CRIT_AIR_BY_EURO[kind].get(euro)
        basis = f"Norme Euro {euro} ({kind}, carte grise V.9)"
    elif first_registration_date is not None:
        d = first_registration_date
        cat = _class_on(kind, d)
        basis = f"Date de première immatriculation ({d.strftime('%d/%m/%Y')}, {kind}), norme Euro inconnue"
    elif year is not None:
        first, last = _class_on(kind, date(year, 1, 1)), _class_on(kind, date(year, 12, 31))
        if first != last:  # cannot happen with the 2016 table, kept for a future one
            return CritAirInfo(None, "indetermine", "Indéterminé", f"Année {year} à cheval sur deux catégories : indiquez la date de première immatriculation.")
        cat = first
        basis = f"Année {year} ({kind}) : toute l'année relève de la même catégorie, norme Euro et date exacte inconnues"
    else:
        return CritAirInfo(None, "indetermine", "Indéterminé", "Ni norme Euro ni date de première immatriculation : catégorie indéterminée.")
    if cat is None:
        return CritAirInfo(None, "non_classe", "Non classé", f"{basis} : véhicule non classé (Euro 1 ou antérieur), interdit dans la plupart des ZFE.")
    return CritAirInfo(cat, "classe", f"Crit'Air {cat}", f"{basis} : vignette Crit'Air {cat}.")


def crit_air(
    fuel_type: str, euro_class: str | None, first_registration_date: date | None, year: int | None = None
) -> int | None:
    """Crit'Air category 0..5, or None (not classified, or not determinable)."""
    return crit_air_details(fuel_type, euro_class, first_registration_date, year).category
