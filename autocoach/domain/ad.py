"""Sale ad writer: turns proven facts into a LeBonCoin / La Centrale listing.

Two steps, both pure:

1. `ad_facts(facts, analysis, ...)` decides what the ad MAY say. Every claim
   in the ad comes from a field of `AdFacts`, and a field is only filled when
   the data backs it (an invoice, a CT, a Histovec report read, an owners
   count). Nothing is ever said about the maintenance booklet, smoking, past
   accidents or a warranty: the data cannot prove them.
2. `generate_ad(ad_facts, ...)` writes the text. `variant` picks, for every
   sentence, one of `AD_VARIANTS` equally true phrasings, so "Régénérer"
   gives another wording of the same facts.

Legal mentions of a used-car ad (domain brief, "Selling"): make, model,
version; month and year of first registration; mileage, or "kilométrage
compteur non garanti" when it cannot be justified; the price. They are always
in the description and listed in `Ad.legal_mentions`; the ones the data lacks
are listed in `Ad.missing_legal` so the UI can ask for them. The price is
written without "TTC": a private seller charges no VAT, and "TTC" reads as a
professional's price (the law asks for the all-in price, which this is).

Mileage "backed by a document" (see `mileage_evidence`): the odometer history
shows no rollback or implausible pace, and a reading from a document (CT,
invoice, or Histovec when a Histovec report was read; owner entries never
count) is dated within the 12 months before the analysis date, is not above
the mileage shown, and the distance driven since it is plausible.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Iterable, Mapping

from autocoach.domain.analysis import AnalysisResult
from autocoach.domain.facts import SITUATION_FLAGS, Expense, TechnicalInspection, VehicleFacts
from autocoach.domain.formatting import format_date, format_eur, format_km, format_month_year
from autocoach.domain.odometer import MAX_PLAUSIBLE_KM_PER_YEAR, ROLLBACK_TOLERANCE_KM
from autocoach.domain.reliability import maintenance_history
from autocoach.domain.rules import add_months, sale_inspection_check
from autocoach.domain.vocabulary import FUEL_TYPES, GEARBOXES
from autocoach.domain.wording import lower_first

__all__ = [
    "AD_VARIANTS",
    "PLATFORMS",
    "MILEAGE_PROOF_MONTHS",
    "NOT_GUARANTEED",
    "MileageEvidence",
    "MaintenanceItem",
    "AdFacts",
    "Ad",
    "ad_facts",
    "mileage_evidence",
    "generate_ad",
    "export_ad",
    "ad_as_text",
    "FormField",
    "form_fields",
    "price_line",
    "replace_price",
    "text_with_price",
]

# Number of phrasings of every sentence: variants 0..AD_VARIANTS-1 all differ,
# then they cycle (variant is taken modulo).
AD_VARIANTS = 3

# A document older than this proves the past, not today's odometer.
MILEAGE_PROOF_MONTHS = 12

# Legal wording when the mileage cannot be justified.
NOT_GUARANTEED = "kilométrage compteur non garanti"

# 1 kW = 1.35962 ch (cheval-vapeur DIN).
_CH_PER_KW = 1.35962

# Readings that come from a document (owner entries and ads do not prove anything;
# a carte grise carries no odometer figure).
_DOCUMENT_SOURCES = ("controle_technique", "facture", "histovec")

# Odometer findings that make any figure doubtful.
_DOUBT_FINDINGS = ("rollback", "implausible_rate")

# Invoice categories worth naming in an ad, in the order they are listed.
_MAINTENANCE_CATEGORIES = ("distribution", "vidange", "freins", "pneus")

_SOURCE_PHRASES = {
    "controle_technique": "le contrôle technique",
    "facture": "une facture",
    "histovec": "le rapport Histovec",
}

_DOCUMENTS_PROVEN_KEYS = ("histovec", "invoice_expenses", "invoice_count", "paper_fields")


@dataclass(frozen=True)
class Platform:
    id: str
    label: str
    # Listing field labels, by criterion id (same ids for every platform).
    field_labels: Mapping[str, str]


_CRITERIA_ORDER = (
    "marque",
    "modele",
    "version",
    "annee",
    "mise_en_circulation",
    "kilometrage",
    "carburant",
    "boite",
    "puissance_fiscale",
    "puissance",
    "couleur",
    "crit_air",
)

PLATFORMS: dict[str, Platform] = {
    "leboncoin": Platform(
        "leboncoin",
        "LeBonCoin",
        {
            "marque": "Marque",
            "modele": "Modèle",
            "version": "Version",
            "annee": "Année",
            "mise_en_circulation": "Date de première mise en circulation",
            "kilometrage": "Kilométrage",
            "carburant": "Carburant",
            "boite": "Boîte de vitesse",
            "puissance_fiscale": "Puissance fiscale",
            "puissance": "Puissance DIN",
            "couleur": "Couleur",
            "crit_air": "Crit'Air",
        },
    ),
    "lacentrale": Platform(
        "lacentrale",
        "La Centrale",
        {
            "marque": "Marque",
            "modele": "Modèle",
            "version": "Version",
            "annee": "Année",
            "mise_en_circulation": "Mise en circulation",
            "kilometrage": "Kilométrage compteur",
            "carburant": "Énergie",
            "boite": "Boîte de vitesses",
            "puissance_fiscale": "Puissance fiscale",
            "puissance": "Puissance DIN",
            "couleur": "Couleur extérieure",
            "crit_air": "Crit'Air",
        },
    ),
}


# ---------------------------------------------------------------------------
# What the ad may say


@dataclass(frozen=True)
class MileageEvidence:
    """The document reading that justifies the mileage shown."""

    date: date
    km: int
    source: str  # "controle_technique" | "facture" | "histovec"


@dataclass(frozen=True)
class MaintenanceItem:
    """The latest invoice of one category worth naming (e.g. distribution)."""

    category: str  # EXPENSE_CATEGORIES id
    date: date
    mileage: int | None = None


@dataclass(frozen=True)
class AdFacts:
    brand: str
    model: str
    year: int
    version: str | None = None
    first_registration: date | None = None  # None: month unknown (legal gap)
    mileage: int | None = None  # None: no figure at all
    mileage_backed: bool = False
    mileage_proof: MileageEvidence | None = None
    fuel_type: str = "essence"
    gearbox: str | None = None
    fiscal_power: int | None = None
    power_kw: int | None = None
    color: str | None = None
    previous_owners: int | None = None  # owners before the seller
    invoice_count: int = 0
    maintenance_items: tuple[MaintenanceItem, ...] = ()
    maintenance_regular: bool = False  # regular servicing proven by invoices
    inspections_count: int = 0
    last_inspection: TechnicalInspection | None = None
    histovec_read: bool = False
    histovec_clean: bool = False  # report read and no gage/opposition/vol/...
    situation_issues: tuple[str, ...] = ()  # labels of active administrative flags
    crit_air_label: str | None = None  # "Crit'Air 1", "Non classé"; None if unknown
    price: int = 0  # €, all in, the price to display
    negotiation_margin: int = 0  # € the seller may concede
    sale_ct_note: str | None = None  # CT situation for a sale (French)
    odometer_doubt: bool = False  # rollback or implausible pace detected
    as_of: date | None = None


def _clean(text: str | None) -> str | None:
    """NFC, single spaces, no control characters; None when empty."""
    if text is None:
        return None
    text = unicodedata.normalize("NFC", str(text))
    text = "".join(c if unicodedata.category(c)[0] != "C" else " " for c in text)
    text = " ".join(text.split())
    return text or None


def _documents_proven(
    value: Mapping[str, Any] | None,
) -> tuple[bool, tuple[Expense, ...] | None, int | None]:
    if value is None:
        return False, None, None
    unknown = sorted(set(value) - set(_DOCUMENTS_PROVEN_KEYS))
    if unknown:
        raise ValueError(f"documents_proven: unknown keys {unknown}; allowed: {_DOCUMENTS_PROVEN_KEYS}")
    invoices = value.get("invoice_expenses")
    count = value.get("invoice_count")
    return (
        bool(value.get("histovec", False)),
        tuple(invoices) if invoices is not None else None,
        int(count) if count is not None else None,
    )


def mileage_evidence(
    facts: VehicleFacts,
    analysis: AnalysisResult,
    *,
    invoices: Iterable[Expense] | None = None,
    histovec_read: bool = False,
) -> MileageEvidence | None:
    """The most recent document reading that justifies `analysis.current_km`, or None.

    See the module docstring for the rule. `invoices` are the expenses read
    from an invoice (default: all expenses).
    """
    if any(f.kind in _DOUBT_FINDINGS for f in analysis.odometer_findings):
        return None
    as_of = analysis.as_of
    shown = analysis.current_km
    oldest = add_months(as_of, -MILEAGE_PROOF_MONTHS)
    invoice_list = tuple(facts.expenses if invoices is None else invoices)
    candidates: list[MileageEvidence] = []
    for r in facts.mileage_readings:
        if r.source in ("controle_technique", "facture") or (r.source == "histovec" and histovec_read):
            candidates.append(MileageEvidence(r.date, r.km, r.source))
    candidates += [
        MileageEvidence(i.date, i.mileage, "controle_technique")
        for i in facts.technical_inspections
        if i.mileage is not None
    ]
    candidates += [
        MileageEvidence(e.date, e.mileage, "facture") for e in invoice_list if e.mileage is not None
    ]
    usable = []
    for c in candidates:
        if not oldest <= c.date <= as_of or c.km > shown + ROLLBACK_TOLERANCE_KM:
            continue
        # More km since the document than any private car drives: the shown
        # figure is not really justified by it.
        years = max((as_of - c.date).days, 30) / 365.25
        if shown - c.km > MAX_PLAUSIBLE_KM_PER_YEAR * years:
            continue
        usable.append(c)
    if not usable:
        return None
    # Prefer the latest date, then the highest figure, then the strongest source.
    rank = {s: i for i, s in enumerate(reversed(_DOCUMENT_SOURCES))}
    return max(usable, key=lambda c: (c.date, c.km, rank.get(c.source, -1)))


def _maintenance_items(invoices: tuple[Expense, ...], as_of: date) -> tuple[MaintenanceItem, ...]:
    items = []
    for category in _MAINTENANCE_CATEGORIES:
        same = [e for e in invoices if e.category == category and e.date <= as_of]
        if same:
            last = max(same, key=lambda e: (e.date, e.mileage or 0))
            items.append(MaintenanceItem(category, last.date, last.mileage))
    return tuple(items)


def ad_facts(
    facts: VehicleFacts,
    analysis: AnalysisResult,
    *,
    color: str | None = None,
    documents_proven: Mapping[str, Any] | None = None,
) -> AdFacts:
    """What the ad may say about this car, from the facts and their analysis.

    `documents_proven` tells which facts rest on a document read by AutoCoach:
      - "histovec": bool — a Histovec report of this car was read. Only then
        does the ad say "ni gage, ni opposition, ni vol", and only then do
        readings with source "histovec" justify the mileage;
      - "invoice_expenses": the `Expense`s of `facts.expenses` that come from
        an invoice (default: all of them, AutoCoach records garage invoices);
      - "invoice_count": number of invoice documents (default: distinct dates
        of those expenses, one invoice per garage visit);
      - "paper_fields": the vehicle fields whose value a paper gave (their
        provenance). When given, the number of owners is stated only if a
        Histovec report or the carte grise gave it.
    """
    histovec_read, invoices_given, count_given = _documents_proven(documents_proven)
    as_of = analysis.as_of
    given = facts.expenses if invoices_given is None else invoices_given
    invoices = tuple(e for e in given if e.date <= as_of)
    invoice_count = count_given if count_given is not None else len({e.date for e in invoices})

    # No declared mileage and no dated reading: the engine's 0 is not a figure.
    has_figure = facts.mileage is not None or bool(
        facts.mileage_readings or facts.technical_inspections or facts.expenses
    )
    mileage = analysis.current_km if has_figure and analysis.current_km > 0 else facts.mileage
    proof = None
    if mileage is not None:
        proof = mileage_evidence(facts, analysis, invoices=invoices, histovec_read=histovec_read)
    doubt = any(f.kind in _DOUBT_FINDINGS for f in analysis.odometer_findings)

    # "Entretien suivi" only from invoices: regular servicing over the years.
    regular = False
    if invoices:
        history = maintenance_history(replace(facts, expenses=invoices), as_of)
        regular = history.status == "regular" and history.services >= 2

    inspections = sorted(
        (i for i in facts.technical_inspections if i.date <= as_of), key=lambda i: i.date
    )
    active = facts.situation.active()
    known = analysis.crit_air is not None or analysis.crit_air_label == "Non classé"
    crit = analysis.crit_air_label if known else None
    sale = sale_inspection_check(facts.registration_date, inspections, as_of)
    price = max(0, int(analysis.resale.recommended_price))

    return AdFacts(
        brand=_clean(facts.brand) or "",
        model=_clean(facts.model) or "",
        year=facts.year,
        version=_clean(facts.version),
        first_registration=facts.first_registration_date,
        mileage=mileage,
        mileage_backed=proof is not None,
        mileage_proof=proof,
        fuel_type=facts.fuel_type,
        gearbox=facts.gearbox,
        fiscal_power=facts.fiscal_power,
        power_kw=facts.power_kw,
        color=_clean(color),
        previous_owners=(
            facts.previous_owners
            if documents_proven is None
            or "paper_fields" not in documents_proven
            or "previous_owners" in documents_proven["paper_fields"]
            else None
        ),
        invoice_count=invoice_count,
        maintenance_items=_maintenance_items(invoices, as_of),
        maintenance_regular=regular,
        inspections_count=len(inspections),
        last_inspection=inspections[-1] if inspections else None,
        histovec_read=histovec_read,
        histovec_clean=histovec_read and not active,
        situation_issues=tuple(SITUATION_FLAGS.get(flag, flag) for flag in active),
        crit_air_label=crit,
        price=price,
        negotiation_margin=max(0, price - int(analysis.resale.accept_price)),
        sale_ct_note=sale.message,
        odometer_doubt=doubt,
        as_of=as_of,
    )


# ---------------------------------------------------------------------------
# The ad


@dataclass(frozen=True)
class Ad:
    platform: str
    title: str
    description: str
    criteria: Mapping[str, str]  # criterion id -> value, in listing order
    price: int  # €, all in
    negotiation_margin: int  # €, for the seller's eyes only
    legal_mentions: tuple[str, ...]
    seller_reminders: tuple[str, ...]
    photo_checklist: tuple[str, ...]
    missing_legal: tuple[str, ...] = ()  # legal mentions the data lacks
    variant: int = 0

    @property
    def price_text(self) -> str:
        return format_eur(self.price)


def _platform(platform: str) -> Platform:
    try:
        return PLATFORMS[platform]
    except KeyError:
        raise ValueError(f"Unknown platform {platform!r}; expected one of {sorted(PLATFORMS)}") from None


def _pick(options: tuple[str, ...], variant: int) -> str:
    return options[variant % len(options)]


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _horsepower(kw: int) -> int:
    return int(kw * _CH_PER_KW + 0.5)


def _fuel_label(fuel: str) -> str:
    return FUEL_TYPES.get(fuel, fuel)


# --- title


_BRAND_SHORT = {
    "volkswagen": "VW",
    "mercedes-benz": "Mercedes",
    "alfa romeo": "Alfa",
    "rolls-royce": "Rolls",
    "aston martin": "Aston",
}


def _fit_words(words: list[str], limit: int) -> str:
    """As many leading words as fit; a lone too-long word is abbreviated."""
    out = ""
    for w in words:
        candidate = f"{out} {w}" if out else w
        if len(candidate) > limit:
            break
        out = candidate
    if out:
        return out
    if not words:
        return ""
    # Unavoidable mid-word cut: mark it as an abbreviation when there is room.
    first = words[0]
    return first[: limit - 1] + "." if limit >= 3 else first[:limit]


def _title(f: AdFacts, title_max: int) -> str:
    if title_max < 1:
        raise ValueError("title_max must be at least 1")
    brand = (_clean(f.brand) or "").split()
    model = (_clean(f.model) or "").split()
    version = (_clean(f.version) or "").split()
    year = [str(f.year)] if f.year else []
    short = _BRAND_SHORT.get(" ".join(brand).lower())
    brands = [brand] + ([short.split()] if short else [])

    candidates: list[list[str]] = []
    for b in brands:
        if version:
            candidates.append(b + model + version + year)
            candidates += [b + model + version[:k] for k in range(len(version), 0, -1)]
        candidates.append(b + model + year)
        candidates.append(b + model)
    base = brands[-1]
    candidates += [base + model[:k] for k in range(len(model) - 1, 0, -1)]
    # A brand too long on its own: the model says more than half a brand.
    candidates += [model[:k] for k in range(len(model), 0, -1)]
    for words in candidates:
        text = " ".join(words)
        if text and len(text) <= title_max:
            return text
    # Still too long (a very long name): split hyphenated words, keep what fits.
    pieces = [p for w in base + model for p in re.split(r"(?<=-)", w) if p]
    tokens = [p.rstrip("-") or p for p in pieces] or ["Voiture"]
    return _fit_words(tokens, title_max)


# --- description


def _mileage_text(f: AdFacts) -> str:
    if f.mileage is None:
        return NOT_GUARANTEED
    if f.mileage_backed:
        return format_km(f.mileage)
    return f"{format_km(f.mileage)} ({NOT_GUARANTEED})"


def _vehicle_name(f: AdFacts) -> str:
    return " ".join(p for p in (_clean(f.brand), _clean(f.model), _clean(f.version)) if p)


def _intro(f: AdFacts, v: int) -> str:
    name = _vehicle_name(f)
    km = _mileage_text(f)
    if f.mileage is not None:
        km_sentence = f"Kilométrage : {km}."
    else:
        km_sentence = f"Mention légale : {NOT_GUARANTEED}."
    if f.first_registration is not None:
        when = format_month_year(f.first_registration)
        options = (
            f"Je vends ma {name}, mise en circulation en {when}, {km}.",
            f"À vendre : {name}, première mise en circulation en {when}, {km}.",
            f"Je propose à la vente ma {name}. Mise en circulation : {when}. {km_sentence}",
        )
    else:
        options = (
            f"Je vends ma {name}, année {f.year}, {km}.",
            f"À vendre : {name} de {f.year}, {km}.",
            f"Je propose à la vente ma {name}. Année : {f.year}. {km_sentence}",
        )
    return _pick(options, v)


def _mileage_proof_sentence(f: AdFacts, v: int) -> str | None:
    p = f.mileage_proof
    if not f.mileage_backed or p is None:
        return None
    src = _SOURCE_PHRASES.get(p.source, p.source)
    day, km = format_date(p.date), format_km(p.km)
    return _pick(
        (
            f"Kilométrage attesté par {src} du {day} ({km}).",
            f"Le kilométrage est justifié par {src} du {day}, à {km}.",
            f"Justificatif du kilométrage : {src} du {day}, {km} relevés.",
        ),
        v,
    )


def _fuel_in_sentence(fuel: str) -> str:
    label = _fuel_label(fuel)
    # "Essence" -> "essence", but acronyms stay: "GPL / GNV".
    return label if label[:3].isupper() else label[0].lower() + label[1:]


def _specs(f: AdFacts, v: int) -> str | None:
    parts: list[str] = []
    if f.fuel_type and f.fuel_type != "autre":
        parts.append(_fuel_in_sentence(f.fuel_type))
    if f.gearbox:
        parts.append(f"boîte {GEARBOXES.get(f.gearbox, f.gearbox).lower()}")
    if f.fiscal_power is not None:
        parts.append(f"{f.fiscal_power} CV fiscaux")
    if f.power_kw is not None:
        parts.append(f"{f.power_kw} kW ({_horsepower(f.power_kw)} ch)")
    extra = []
    if f.color:
        extra.append(f"Couleur : {f.color}.")
    if f.crit_air_label:
        # A category, not a claim that the sticker is on the windscreen.
        crit = f.crit_air_label
        extra.append(f"{crit}." if crit.startswith("Crit") else f"Crit'Air : {crit.lower()}.")
    if not parts and not extra:
        return None
    if not parts:
        return " ".join(extra)
    lead = _pick(("Caractéristiques : ", "Fiche technique : ", "En bref : "), v)
    return " ".join([lead + ", ".join(parts) + "."] + extra)


def _owners(f: AdFacts, v: int) -> str | None:
    n = f.previous_owners
    if n is None:
        return None
    if n == 0:
        return _pick(
            (
                "Première main.",
                "Véhicule de première main.",
                "Voiture de première main : je suis son seul propriétaire.",
            ),
            v,
        )
    total = n + 1
    return _pick(
        (
            f"{total}e main.",
            f"Véhicule de {total}e main.",
            f"{total} propriétaires depuis la mise en circulation, moi compris.",
        ),
        v,
    )


def _inspection(f: AdFacts, v: int) -> str | None:
    ct = f.last_inspection
    if ct is None:
        return None
    day = format_date(ct.date)
    verdict = {
        "favorable": "favorable",
        "defavorable_majeur": "défavorable (défaillances majeures), contre-visite à faire",
        "defavorable_critique": "défavorable (défaillances critiques)",
    }.get(ct.result, "ajourné")
    if ct.nature == "contre_visite":
        options = (
            f"Dernière contre-visite le {day} : {verdict}.",
            f"Contre-visite du {day} : {verdict}.",
            f"Contre-visite passée le {day}, résultat {verdict}.",
        )
    else:
        options = (
            f"Dernier contrôle technique le {day} : {verdict}.",
            f"Contrôle technique du {day} : {verdict}.",
            f"Dernier passage au contrôle technique le {day}, résultat {verdict}.",
        )
    text = _pick(options, v)
    if f.inspections_count >= 2:
        text += " " + _pick(
            (
                f"Historique de {f.inspections_count} contrôles techniques disponible.",
                f"{f.inspections_count} contrôles techniques au dossier.",
                f"Les {f.inspections_count} procès-verbaux de contrôle technique sont disponibles.",
            ),
            v,
        )
    return text


def _histovec(f: AdFacts, v: int) -> str | None:
    if not (f.histovec_read and f.histovec_clean):
        return None
    return _pick(
        (
            "Rapport Histovec disponible : ni gage, ni opposition, ni vol déclaré.",
            "Histovec consulté : aucun gage, aucune opposition, aucun vol déclaré.",
            "Situation administrative saine selon Histovec (pas de gage, d'opposition ni de vol).",
        ),
        v,
    )


_ITEM_PHRASES = {
    "distribution": "distribution faite le {day}",
    "vidange": "dernier entretien (vidange) le {day}",
    "freins": "freins le {day}",
    "pneus": "pneus le {day}",
}


def _maintenance(f: AdFacts, v: int) -> str | None:
    if f.invoice_count <= 0:
        return None
    n = f.invoice_count
    invoices = _plural(n, "facture", "factures")
    # Invoices may be repairs as well as servicing: no "entretien" claim here.
    sentences = [
        _pick(
            (
                f"{invoices} de garage à l'appui.",
                f"{invoices} d'entretien ou de réparation à présenter.",
                f"Dossier de {invoices} de garage disponible.",
            ),
            v,
        )
    ]
    if f.maintenance_regular:
        sentences.append(
            _pick(
                (
                    "Entretien suivi.",
                    "Entretien suivi et régulier.",
                    "Entretien suivi, révisions régulières justifiées.",
                ),
                v,
            )
        )
    if f.maintenance_items:
        items = []
        for item in f.maintenance_items:
            phrase = _ITEM_PHRASES.get(item.category, item.category + " le {day}")
            text = phrase.format(day=format_date(item.date))
            if item.mileage is not None:
                text += f" à {format_km(item.mileage)}"
            items.append(text)
        lead = _pick(("Interventions justifiées : ", "Travaux facturés : ", "Au dossier : "), v)
        sentences.append(lead + " ; ".join(items) + ".")
    return " ".join(sentences)


def _price_paragraph(f: AdFacts, v: int) -> str:
    closer = _pick(
        (
            "Contact par message.",
            "Pour toute question, contactez-moi par message.",
            "Répondez à l'annonce pour plus d'informations ou pour convenir d'une visite.",
        ),
        v,
    )
    return f"{price_line(f.price)}.\n{closer}"


def _description(f: AdFacts, v: int) -> str:
    intro = " ".join(s for s in (_intro(f, v), _mileage_proof_sentence(f, v)) if s)
    history = " ".join(s for s in (_owners(f, v), _inspection(f, v), _histovec(f, v)) if s)
    paragraphs = [intro, _specs(f, v), history or None, _maintenance(f, v), _price_paragraph(f, v)]
    return "\n\n".join(p for p in paragraphs if p)


# --- listing fields, legal lines, reminders, photos


def _month_year(day: date) -> str:
    """MM/AAAA, the listing's format for the first registration."""
    return f"{day.month:02d}/{day.year:04d}"


def _criteria(f: AdFacts) -> dict[str, str]:
    values: dict[str, str | None] = {
        "marque": _clean(f.brand),
        "modele": _clean(f.model),
        "version": _clean(f.version),
        "annee": str(f.year) if f.year else None,
        "mise_en_circulation": _month_year(f.first_registration) if f.first_registration else None,
        "kilometrage": format_km(f.mileage) if f.mileage is not None else None,
        "carburant": _fuel_label(f.fuel_type) if f.fuel_type else None,
        "boite": GEARBOXES.get(f.gearbox, f.gearbox) if f.gearbox else None,
        "puissance_fiscale": f"{f.fiscal_power} CV" if f.fiscal_power is not None else None,
        "puissance": f"{_horsepower(f.power_kw)} ch ({f.power_kw} kW)" if f.power_kw is not None else None,
        "couleur": f.color,
        "crit_air": f.crit_air_label,
    }
    return {k: values[k] for k in _CRITERIA_ORDER if values[k]}  # type: ignore[misc]


def _legal(f: AdFacts) -> tuple[tuple[str, ...], tuple[str, ...]]:
    lines = [f"Marque : {_clean(f.brand) or ''}", f"Modèle : {_clean(f.model) or ''}"]
    missing = []
    if _clean(f.version):
        lines.append(f"Version : {_clean(f.version)}")
    else:
        missing.append("Version (case D.2 de la carte grise)")
    if f.first_registration:
        lines.append(f"Mise en circulation : {_month_year(f.first_registration)}")
    else:
        missing.append("Mois de première mise en circulation (case B de la carte grise)")
    if f.mileage is None:
        lines.append(f"Kilométrage : {NOT_GUARANTEED}")
        missing.append("Kilométrage au compteur")
    elif f.mileage_backed:
        lines.append(f"Kilométrage : {format_km(f.mileage)}")
    else:
        lines.append(f"Kilométrage : {format_km(f.mileage)} ({NOT_GUARANTEED})")
    lines.append(price_line(f.price))
    if f.price <= 0:
        missing.append("Prix de vente")
    return tuple(lines), tuple(missing)


def _reminders(f: AdFacts, platform: Platform, missing: tuple[str, ...]) -> tuple[str, ...]:
    out = [f"Information obligatoire manquante : {m}. Complétez la fiche du véhicule." for m in missing]
    if f.situation_issues:
        out.append(
            "Situation administrative : " + ", ".join(lower_first(i) for i in f.situation_issues) + " — à régulariser avant la vente, "
            "sinon l'acheteur ne pourra pas immatriculer le véhicule."
        )
    if f.odometer_doubt:
        out.append(
            "Incohérence dans l'historique du kilométrage : éclaircissez-la avant de publier l'annonce."
        )
    if f.mileage is not None and not f.mileage_backed:
        out.append(
            f"Aucun justificatif du kilométrage de moins de {MILEAGE_PROOF_MONTHS} mois : l'annonce porte la mention "
            f"« {NOT_GUARANTEED} ». Une facture ou un contrôle technique récent permet de l'éviter."
        )
    ct = "Contrôle technique de moins de 6 mois obligatoire pour vendre une voiture de plus de 4 ans."
    if f.sale_ct_note:
        ct += " " + f.sale_ct_note
    out.append(ct)
    out += [
        "Certificat de situation administrative (non-gage) de moins de 15 jours à remettre à l'acheteur "
        "(gratuit sur Histovec).",
        "Certificat de cession (cerfa n° 15776) rempli et signé par vous et l'acheteur, "
        "puis déclaration de cession sur le site de l'ANTS dans les 15 jours.",
        "Carte grise barrée avec la mention « Vendu le … à … (heure) », datée et signée, remise à l'acheteur "
        "avec le code de cession.",
    ]
    if f.invoice_count or f.inspections_count:
        out.append(
            "Gardez à portée de main les factures et procès-verbaux cités dans l'annonce : "
            "l'acheteur voudra les voir."
        )
    if platform.id == "leboncoin":
        out.append(
            "LeBonCoin : à partir de la 3e annonce de voiture en 12 mois, "
            "l'annonce d'un particulier est payante."
        )
    return tuple(out)


def _photos(f: AdFacts) -> tuple[str, ...]:
    shots = [
        "Trois-quarts avant, en plein jour (photo principale)",
        "Trois-quarts arrière",
        "Profil complet",
        "Intérieur : planche de bord et sièges avant",
        "Sièges arrière",
        "Compteur allumé, kilométrage lisible",
        "Pneus : bande de roulement en gros plan",
        "Coffre ouvert",
        "Compartiment moteur",
    ]
    if f.fuel_type in ("electrique", "hybride_rechargeable"):
        shots.append("Capture du rapport d'état de santé de la batterie (SoH)")
        shots.append("Câbles de recharge, s'ils sont fournis")
    if f.invoice_count:
        shots.append("Dossier de factures étalé (kilométrages et dates lisibles, coordonnées masquées)")
    if f.last_inspection is not None:
        shots.append("Dernier procès-verbal de contrôle technique")
    if f.histovec_clean:
        shots.append("Page « situation administrative » du rapport Histovec")
    shots.append("Défauts visibles (rayures, chocs) photographiés honnêtement")
    shots.append("Plaque d'immatriculation masquée sur toutes les photos")
    return tuple(shots)


def generate_ad(facts: AdFacts, *, platform: str = "leboncoin", title_max: int, variant: int = 0) -> Ad:
    """Write the ad. Deterministic: same facts, platform, limit and variant, same ad."""
    p = _platform(platform)
    legal, missing = _legal(facts)
    return Ad(
        platform=p.id,
        title=_title(facts, title_max),
        description=_description(facts, variant),
        criteria=_criteria(facts),
        price=facts.price,
        negotiation_margin=facts.negotiation_margin,
        legal_mentions=legal,
        seller_reminders=_reminders(facts, p, missing),
        photo_checklist=_photos(facts),
        missing_legal=missing,
        variant=variant % AD_VARIANTS,
    )


# ---------------------------------------------------------------------------
# Export


def _labelled_criteria(ad: Ad, platform: Platform) -> list[tuple[str, str, str]]:
    return [(key, platform.field_labels.get(key, key), value) for key, value in ad.criteria.items()]


def ad_as_text(ad: Ad) -> str:
    """Copy-paste text: title, blank line, description, criteria, and the price
    once (after the criteria only when the description does not give it)."""
    p = _platform(ad.platform)
    return text_with_price(ad.title, ad.description, _labelled_criteria(ad, p), ad.price)


def price_line(price: int) -> str:
    """"Prix : 9 490 €" (no "TTC": see the module docstring)."""
    return f"Prix : {format_eur(price)}"


_SPACES = "[ \u00a0\u202f.]?"


def _price_pattern(price: int) -> re.Pattern[str]:
    """A euro amount however it was typed: "9 300 €", "9300€", "9.300 euros",
    optionally followed by "TTC". A bare number (a mileage, a year) never matches."""
    digits = str(abs(int(price)))
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    number = _SPACES.join(groups)
    return re.compile(rf"(?<![\d\u202f.,]){number}(?:,00)?[ \u00a0\u202f]?(?:€|euros?\b)(?:[ \u00a0]TTC\b)?")


def replace_price(text: str, old_price: int, new_price: int) -> str:
    """The owner set a new price: every mention of the old one in the text
    becomes the new one, so the ad never shows two prices."""
    if old_price == new_price or old_price <= 0:
        return text
    return _price_pattern(old_price).sub(format_eur(new_price), text)


def mentions_price(text: str, price: int) -> bool:
    return price > 0 and _price_pattern(price).search(text) is not None


def text_with_price(
    title: str, description: str, criteria: Iterable[tuple[str, str, str]], price: int
) -> str:
    """The whole ad to paste: title, description, "label : value" criteria, and
    the price line only when the description does not already give the price."""
    lines = "\n".join(f"{label} : {value}" for _, label, value in criteria)
    blocks = [title, description, lines, "" if mentions_price(description, price) else price_line(price)]
    return "\n\n".join(b for b in blocks if b) + "\n"


@dataclass(frozen=True)
class FormField:
    """One field of a site's ad form, with what to paste into it."""

    id: str  # "titre", "prix", "description" or a criterion id
    label: str  # the site's own label
    value: str
    limit: int | None = None  # characters the site accepts (title only)


# The fields of each site's ad form, in the order the form asks for them
# (observed on the sites' private-seller forms; criteria the ad lacks are skipped).
FORM_ORDER: dict[str, tuple[str, ...]] = {
    "leboncoin": (
        "titre", "marque", "modele", "annee", "mise_en_circulation", "kilometrage", "carburant",
        "boite", "puissance_fiscale", "puissance", "couleur", "crit_air", "description", "prix",
    ),
    "lacentrale": (
        "marque", "modele", "version", "annee", "mise_en_circulation", "kilometrage", "carburant",
        "boite", "puissance_fiscale", "puissance", "couleur", "crit_air", "prix", "titre", "description",
    ),
}
_FORM_LABELS = {
    "leboncoin": {"titre": "Titre de l'annonce", "description": "Description", "prix": "Prix"},
    "lacentrale": {"titre": "Titre de l'annonce", "description": "Commentaire du vendeur", "prix": "Prix de vente"},
}


def form_fields(
    platform: str,
    *,
    title: str,
    description: str,
    price: int,
    criteria: Mapping[str, str],
    title_max: int,
) -> tuple[FormField, ...]:
    """What to paste into each field of the site's form, in its order. The
    version is part of LeBonCoin's title, not a field of its own."""
    p = _platform(platform)
    own = _FORM_LABELS[p.id]
    values = {
        **{k: v for k, v in criteria.items() if v},
        "titre": title,
        "description": description,
        "prix": str(price) if price > 0 else "",
    }
    return tuple(
        FormField(
            key,
            own.get(key) or p.field_labels.get(key, key),
            _digits(values[key]) if key in _NUMERIC_FIELDS else values[key],
            title_max if key == "titre" else None,
        )
        for key in FORM_ORDER[p.id]
        if values.get(key)
    )


# Fields the sites' forms take as a bare number ("63890", not "63 890 km").
_NUMERIC_FIELDS = ("kilometrage", "puissance_fiscale", "prix")


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit()) or text


def export_ad(ad: Ad, platform: str) -> dict[str, Any]:
    """JSON-able dict for download; field labels are the platform's."""
    p = _platform(platform)
    relabelled = replace(ad, platform=p.id)
    return {
        "format": "autocoach-ad",
        "version": 1,
        "platform": p.id,
        "platform_label": p.label,
        "title": ad.title,
        "description": ad.description,
        "criteria": [
            {"field": key, "label": label, "value": value}
            for key, label, value in _labelled_criteria(ad, p)
        ],
        "price": ad.price,
        "price_text": ad.price_text,
        "negotiation_margin": ad.negotiation_margin,
        "legal_mentions": list(ad.legal_mentions),
        "missing_legal": list(ad.missing_legal),
        "seller_reminders": list(ad.seller_reminders),
        "photo_checklist": list(ad.photo_checklist),
        "variant": ad.variant,
        "text": ad_as_text(relabelled),
    }
