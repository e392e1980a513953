"""Where the owner lives: région (carte grise rate, insurance) and low-emission zones.

Pure functions over the reference tables `regions.json` and `zfe.json`
(each dated and sourced). Without a postcode the national average is used
and said; with one, the région comes from the département (first 2 digits,
3 overseas, Corsica 20xxx -> Corse).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from statistics import mean

from autocoach.data import ReferenceData
from autocoach.domain.formatting import format_date

__all__ = [
    "Region",
    "region_for_postcode",
    "departement_of",
    "carte_grise_rate",
    "insurance_yearly",
    "ZoneRule",
    "ZfeVerdict",
    "zfe_zones",
    "zfe_verdict",
    "NOT_CLASSIFIED_RANK",
]

# "Non classé" ranks after Crit'Air 5 in the ban order.
NOT_CLASSIFIED_RANK = 6


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    rate_per_cv: float
    ev_share: float  # share of the regional tax an electric car pays (0 = exempt)
    source: str  # key in regions.json "sources"


def departement_of(postcode: str) -> str:
    if postcode.startswith("97"):
        return postcode[:3]
    if postcode.startswith("20"):
        return "2A" if int(postcode[:3]) < 202 else "2B"
    return postcode[:2]


def region_for_postcode(postcode: str | None, reference: ReferenceData) -> Region | None:
    if not postcode:
        return None
    dep = departement_of(postcode)
    for code, deps in reference.regions["departements"].items():
        if dep in deps:
            r = reference.regions["regions"][code]
            return Region(code, r["name"], float(r["rate_per_cv"]), float(r["ev_share"]), r["source"])
    return None


def _metropolitan(reference: ReferenceData) -> list[Region]:
    overseas = {"GUA", "MTQ", "GUF", "REU", "MAY"}
    return [
        Region(code, r["name"], float(r["rate_per_cv"]), float(r["ev_share"]), r["source"])
        for code, r in reference.regions["regions"].items()
        if code not in overseas
    ]


def carte_grise_rate(
    postcode: str | None, electric: bool, reference: ReferenceData
) -> tuple[float, str]:
    """Regional tax per fiscal horsepower (€/CV) and a French phrase saying which."""
    region = region_for_postcode(postcode, reference)
    checked = format_date(date.fromisoformat(reference.regions["checked_on"]))
    if region is not None:
        rate = region.rate_per_cv * (region.ev_share if electric else 1.0)
        if electric and region.ev_share == 0:
            return 0.0, f"{region.name} : voitures électriques exonérées de taxe régionale (tarifs au {checked})"
        return rate, f"tarif {region.name} au {checked}"
    regions = _metropolitan(reference)
    rates = [r.rate_per_cv * (r.ev_share if electric else 1.0) for r in regions]
    what = "électriques comprises, " if electric else ""
    return (
        mean(rates),
        f"moyenne des {len(rates)} régions métropolitaines ({what}tarifs au {checked}) : "
        f"indiquez votre code postal pour le tarif de votre région",
    )


def insurance_yearly(postcode: str | None, electric: bool, reference: ReferenceData) -> tuple[float, str]:
    """Average yearly premium (€) for this energy and région, with its basis."""
    table = reference.regions["insurance"]
    by_energy = table["yearly_by_energy"]
    base = float(by_energy["electrique"] if electric else by_energy["default"])
    region = region_for_postcode(postcode, reference)
    energy = "voiture électrique" if electric else "toutes énergies"
    if region is not None and region.code in table["yearly_by_region"]:
        regional = float(table["yearly_by_region"][region.code])
        amount = regional * base / float(by_energy["default"])
        return amount, f"moyenne {region.name} ({energy}, {table['as_of']})"
    if region is not None:
        return base, f"moyenne nationale ({energy}, {table['as_of']}) : pas de chiffre publié pour {region.name}"
    return base, f"moyenne nationale ({energy}, {table['as_of']}, de 590 à 940 € par an selon la région)"


# ---------------------------------------------------------------------------
# Low-emission zones (ZFE)


@dataclass(frozen=True)
class ZoneRule:
    id: str
    name: str
    banned_from: int | None  # smallest banned class today (6 = only "non classé"), None = no ban yet
    since: date | None
    hours: str
    note: str
    source: str


@dataclass(frozen=True)
class ZfeVerdict:
    allowed: bool | None  # None when the owner's place is near but maybe outside the zone
    zone: ZoneRule | None
    message: str  # French


def _rank(category: int | None) -> int:
    return NOT_CLASSIFIED_RANK if category is None else category


def zfe_zones(reference: ReferenceData, as_of: date) -> list[ZoneRule]:
    """Every zone with the ban in force on `as_of`."""
    zones = []
    for z in reference.zfe["zones"]:
        current = None
        for step in sorted(z["steps"], key=lambda s: s["since"]):
            if date.fromisoformat(step["since"]) <= as_of:
                current = step
        zones.append(
            ZoneRule(
                id=z["id"],
                name=z["name"],
                banned_from=current["banned_from"] if current else None,
                since=date.fromisoformat(current["since"]) if current else None,
                hours=z.get("hours", ""),
                note=z.get("note", ""),
                source=z["source"],
            )
        )
    return zones


def banned_in(zone: ZoneRule, category: int | None) -> bool:
    return zone.banned_from is not None and _rank(category) >= zone.banned_from


def _classes(banned_from: int) -> str:
    if banned_from >= NOT_CLASSIFIED_RANK:
        return "véhicules non classés"
    listed = ", ".join(str(n) for n in range(banned_from, 5)) + (" et 5" if banned_from < 5 else "5")
    return f"vignettes Crit'Air {listed} et les non classés"


def _status_sentence(reference: ReferenceData) -> str:
    return reference.zfe["legal_status"]["short"]


def zfe_verdict(
    category: int | None, classified: bool, postcode: str | None, reference: ReferenceData, as_of: date
) -> ZfeVerdict:
    """May the car drive in the owner's ZFE? Without a postcode: the zones banning it.

    `classified` is False when the Crit'Air class could not be determined:
    then nothing is asserted.
    """
    zones = zfe_zones(reference, as_of)
    checked = format_date(date.fromisoformat(reference.zfe["checked_on"]))
    status = _status_sentence(reference)
    if not classified:
        return ZfeVerdict(None, None, "Classe Crit'Air inconnue : impossible de dire dans quelles ZFE le véhicule peut rouler.")
    label = "non classé" if category is None else f"Crit'Air {category}"
    if postcode:
        dep = departement_of(postcode)
        for z in reference.zfe["zones"]:
            rule = next(r for r in zones if r.id == z["id"])
            core = any(postcode.startswith(p) for p in z["core_postcodes"])
            near = dep in z["departements"]
            if not (core or near):
                continue
            where = "Votre code postal est dans" if core else "Votre code postal est proche de"
            if banned_in(rule, category):
                since = format_date(rule.since) if rule.since else ""
                text = (
                    f"{where} la ZFE {rule.name} : les {_classes(rule.banned_from)} y sont interdits "
                    f"depuis le {since} ({rule.hours}). Votre véhicule ({label}) ne peut pas y circuler"
                    + ("" if core else " si votre commune est dans le périmètre : vérifiez sur le site de la métropole")
                    + f", sauf dérogation locale. {status} (tableau vérifié le {checked})."
                )
                return ZfeVerdict(False if core else None, rule, text)
            text = (
                f"{where} la ZFE {rule.name} : votre véhicule ({label}) peut y circuler"
                + (f" (interdits : {_classes(rule.banned_from)})" if rule.banned_from else "")
                + f". {status} (tableau vérifié le {checked})."
            )
            return ZfeVerdict(True, rule, text)
        return ZfeVerdict(
            True,
            None,
            f"Votre code postal n'est dans aucune des principales ZFE suivies par AutoCoach : votre "
            f"véhicule ({label}) n'y est pas concerné ; vérifiez les villes où vous allez "
            f"(tableau vérifié le {checked}).",
        )
    banning = [z for z in zones if banned_in(z, category)]
    if not banning:
        return ZfeVerdict(
            True,
            None,
            f"Votre véhicule ({label}) peut circuler dans toutes les principales ZFE (tableau vérifié le "
            f"{checked}). Indiquez votre code postal pour une réponse précise.",
        )
    names = ", ".join(z.name for z in banning)
    return ZfeVerdict(
        None,
        None,
        f"Votre véhicule ({label}) est interdit dans ces ZFE : {names}. {status}. Indiquez votre "
        f"code postal pour savoir si vous êtes concerné (tableau vérifié le {checked}).",
    )


def big_city_ban(category: int | None, classified: bool, reference: ReferenceData, as_of: date) -> ZoneRule | None:
    """The Grand Paris or Lyon ban hitting this class, if any (moves the market value)."""
    if not classified:
        return None
    for z in zfe_zones(reference, as_of):
        if z.id in ("grand_paris", "lyon") and banned_in(z, category):
            return z
    return None
