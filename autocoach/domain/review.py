"""What a document read proposes, for the owner to accept, reject or edit.

Pure: the document's parsed fields and the vehicle's current values in,
`Proposal`s out; then the owner's decisions in, typed values (or French
errors) out. The same code serves the app's review step and the `ingest` CLI.

A value that looks like OCR noise (a trailing fragment such as "2008 P6 6",
an impossible length, a low reading confidence, a date outside the car's life)
carries a note and is not pre-accepted. A document whose plate or VIN is not
this car's is held back (`DocumentCheck.reason`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Callable, Mapping

from autocoach.domain.documents.common import LOW_CONFIDENCE
from autocoach.domain.formatting import format_date, format_eur, format_km
from autocoach.domain.plates import InvalidPlate, parse_plate
from autocoach.domain.vehicle_form import parse_field
from autocoach.domain.vehicle_schema import (
    FIELDS_BY_NAME,
    MAX_MILEAGE,
    FieldSpec,
    dated_item_error,
)
from autocoach.domain.vocabulary import EXPENSE_CATEGORIES


# An invoice becomes an expense; these are its editable fields.
EXPENSE_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("expense_date", "Date de la facture", "date", required=True),
    FieldSpec("expense_garage", "Garage", "text", max_length=120),
    FieldSpec("expense_mileage", "Kilométrage relevé", "int", minimum=0, maximum=MAX_MILEAGE,
              unit="km", invalid="Le kilométrage doit être un nombre entre 0 et 1 500 000 km."),
    FieldSpec("expense_amount", "Montant TTC", "amount", required=True, minimum=0.01,
              maximum=100_000, unit="€", invalid="Le montant doit être un nombre positif en euros."),
    FieldSpec("expense_category", "Catégorie", "choice", required=True,
              vocabulary=EXPENSE_CATEGORIES, invalid="Choisissez une catégorie dans la liste."),
)
EXPENSE_FIELDS_BY_NAME = {spec.name: spec for spec in EXPENSE_FIELDS}

# Carte grise field -> vehicle field.
CARTE_GRISE_FIELDS = (
    "license_plate", "vin", "brand", "model", "version", "first_registration_date", "fuel_type",
    "fiscal_power", "power_kw", "co2", "euro_class",
)
HISTOVEC_FIELDS = ("license_plate", "vin", "brand", "first_registration_date", "previous_owners")

MSG_OTHER_PLATE = "Ce document semble concerner {plate}, pas {ours}."
MSG_OTHER_VIN = "Ce document semble concerner le véhicule de numéro VIN {vin}, pas celui-ci."
NOTE_LOW_CONFIDENCE = "Lecture incertaine : à vérifier."
NOTE_FRAGMENT = "Fragment de texte inattendu en fin de valeur : à vérifier."
NOTE_CATALOGUE = "Lu « {read} » : corrigé d'après notre catalogue, à vérifier."
NOTE_IMPLAUSIBLE = "Valeur inhabituelle pour une voiture : à vérifier."
# Below these a value read is more likely an OCR slip than a real car's.
PLAUSIBLE_MINIMUM = {"power_kw": 20, "co2": 20, "fiscal_power": 2}
NOTE_ALTERNATIVES = "Le document se contredit, autre lecture : {others}. À vérifier."


@dataclass(frozen=True)
class Proposal:
    field: str
    label: str
    current: str  # what the vehicle has now, as shown ("—" when nothing)
    value: str  # the value read, as the owner would type it (editable)
    shown: str  # the value read, as shown
    note: str = ""  # why to check it ("" when it looks right)
    accept: bool = True  # pre-ticked


@dataclass(frozen=True)
class DocumentCheck:
    reason: str | None = None  # French, when the document seems to be another car's
    plate: str | None = None
    vin: str | None = None


@dataclass(frozen=True)
class DocumentReview:
    """What the owner reviews for one document."""

    proposals: list[Proposal]
    # Situation, CT and history lines a Histovec report adds (read-only).
    details: list[str]
    # The owner's vehicle this document seems to concern, when it is another one.
    other_vehicle_id: int | None = None
    other_vehicle_label: str = ""


@dataclass(frozen=True)
class Decision:
    """Typed values the owner accepted, or the errors that stop them."""

    vehicle: dict[str, Any]
    expense: dict[str, Any] | None
    errors: dict[str, str]


def _plate(value: Any) -> str | None:
    try:
        return parse_plate(str(value)).display if value else None
    except InvalidPlate:
        return None


def check_document(fields: Mapping[str, Any], plate: str | None, vin: str | None) -> DocumentCheck:
    """Is this document about this car? Compared on the plate, then the VIN."""
    read_plate = _plate(fields.get("license_plate"))
    read_vin = str(fields.get("vin") or "").upper() or None
    ours = _plate(plate)
    if read_plate and ours and read_plate != ours:
        return DocumentCheck(MSG_OTHER_PLATE.format(plate=read_plate, ours=ours), read_plate, read_vin)
    if read_vin and vin and len(read_vin) == 17 and read_vin != vin.upper():
        return DocumentCheck(MSG_OTHER_VIN.format(vin=read_vin), read_plate, read_vin)
    return DocumentCheck(None, read_plate, read_vin)


def as_input_text(value: Any) -> str:
    """A typed value as the owner would type it in the form."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def shown(spec: FieldSpec, value: Any) -> str:
    """A typed value as the page shows it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, date):
        return format_date(value)
    if spec.vocabulary is not None:
        return spec.vocabulary.get(str(value), str(value))
    if spec.unit == "km":
        return format_km(value)
    if spec.unit.startswith("€"):
        money = format_eur(value, decimals=2 if isinstance(value, float) and value % 1 else 0)
        return money + spec.unit[1:]  # "38,50 €/mois"
    if spec.unit:
        return f"{value}\u00a0{spec.unit}"
    return str(value)


def _typed(spec: FieldSpec, raw: Any, today: date) -> tuple[Any, str | None]:
    """A parser's value, checked like a typed one."""
    if isinstance(raw, (list, dict)) or isinstance(raw, bool):
        return None, "Valeur illisible."
    return parse_field(spec, as_input_text(raw) if not isinstance(raw, str) else raw, today)


_CODE_TOKEN = re.compile(r"^[A-Z]{1,2}\.?\d{1,2}$")


def noise_note(spec: FieldSpec, value: Any, confidence: float | None) -> str:
    """Why a value read looks doubtful ("" when it does not)."""
    if confidence is not None and confidence < LOW_CONFIDENCE:
        return NOTE_LOW_CONFIDENCE
    if spec.kind == "text" and isinstance(value, str):
        tokens = value.split()
        if len(tokens) >= 2 and (len(tokens[-1]) == 1 or _CODE_TOKEN.match(tokens[-1].upper())):
            return NOTE_FRAGMENT
    return ""


def _proposal(
    spec: FieldSpec,
    raw: Any,
    current: Any,
    today: date,
    confidence: float | None,
    tidy: Callable[[str, Any], Any] | None,
    alternatives: list | None = None,
) -> Proposal | None:
    value, error = _typed(spec, raw, today)
    note = ""
    if error:
        note, value = f"À vérifier : {error}", raw
    else:
        note = noise_note(spec, value, confidence)
        minimum = PLAUSIBLE_MINIMUM.get(spec.name)
        if minimum is not None and isinstance(value, (int, float)) and 0 < value < minimum and not note:
            note = NOTE_IMPLAUSIBLE
        if alternatives and not note:
            # Two places of the paper (machine-readable lines, coded fields) disagree.
            note = NOTE_ALTERNATIVES.format(others=", ".join(f"« {a} »" for a in alternatives))
        if tidy is not None and isinstance(value, str):
            better = tidy(spec.name, value)
            if better and better != value:
                # The catalogue's spelling ("GRAND C4 PICASSO" -> "Grand C4 Picasso");
                # a model cut down to the catalogue's name is flagged.
                if better.upper().replace(" ", "") != value.upper().replace(" ", ""):
                    note = NOTE_CATALOGUE.format(read=value)
                value = better
    if not error and value == current:
        return None
    if spec.kind == "date" and isinstance(value, date) and not note:
        # A paper's date in the future is a misreading ("2O19" read as 2079…).
        date_error = dated_item_error(f"de {spec.label.lower()}", value, None, today)
        note = f"À vérifier : {date_error}" if date_error else ""
    return Proposal(
        field=spec.name,
        label=spec.label,
        current=shown(spec, current),
        value=as_input_text(value),
        shown=shown(spec, value) if not error else str(raw),
        note=note,
        accept=not note,
    )


def vehicle_proposals(
    document_type: str,
    fields: Mapping[str, Any],
    current: Mapping[str, Any],
    today: date,
    *,
    confidence: Mapping[str, float] | None = None,
    tidy: Callable[[str, Any], Any] | None = None,
    alternatives: Mapping[str, list] | None = None,
) -> list[Proposal]:
    """The vehicle values a carte grise or a Histovec report proposes.

    `current` holds the vehicle's typed values; `tidy(field, value)` may return
    the catalogue's spelling of a make or model.
    """
    confidence = confidence or {}
    if document_type == "carte_grise":
        names = CARTE_GRISE_FIELDS
        read = dict(fields)
        # D.2 (type, variant, version) is the version the ad must state.
        read.setdefault("version", fields.get("variant"))
    elif document_type == "histovec":
        names = HISTOVEC_FIELDS
        read = dict(fields)
        owners = fields.get("owners_count")
        if isinstance(owners, int) and not isinstance(owners, bool) and owners >= 1:
            # Histovec counts every holder, the current one included.
            read["previous_owners"] = owners - 1
    else:
        return []
    proposals = []
    for name in names:
        raw = read.get(name)
        if raw in (None, ""):
            continue
        found = _proposal(
            FIELDS_BY_NAME[name], raw, current.get(name), today, confidence.get(name), tidy,
            (alternatives or {}).get(name),
        )
        if found is not None:
            proposals.append(found)
    return proposals


def expense_proposals(
    fields: Mapping[str, Any],
    category: str,
    first_registration: date | None,
    today: date,
    *,
    confidence: Mapping[str, float] | None = None,
) -> list[Proposal]:
    """An invoice's expense, field by field (every field shown, even when empty)."""
    confidence = confidence or {}
    total = fields.get("total_ttc") or fields.get("total_ht")
    read = {
        "expense_date": (fields.get("date"), "date"),
        "expense_garage": (fields.get("garage"), "garage"),
        "expense_mileage": (fields.get("mileage"), "mileage"),
        "expense_amount": (total, "total_ttc"),
        "expense_category": (category, None),
    }
    proposals = []
    for spec in EXPENSE_FIELDS:
        raw, source_name = read[spec.name]
        if raw in (None, ""):
            proposals.append(
                Proposal(spec.name, spec.label, "—", "", "non lu",
                         note="Non lu : complétez-le." if spec.required else "", accept=spec.required)
            )
            continue
        value, error = _typed(spec, raw, today)
        note = f"À vérifier : {error}" if error else noise_note(
            spec, value, confidence.get(source_name) if source_name else None
        )
        if not error and spec.kind == "date" and isinstance(value, date):
            date_error = dated_item_error("de la facture", value, first_registration, today)
            if date_error:
                note = f"À vérifier : {date_error}"
        proposals.append(
            Proposal(
                field=spec.name,
                label=spec.label,
                current="—",
                value=as_input_text(value if not error else raw),
                shown=shown(spec, value) if not error else str(raw),
                note=note,
                accept=not note or spec.required,
            )
        )
    return proposals


NOTE_OTHER_CAR = "Valeur d'un autre véhicule, semble-t-il : à vérifier."


def held_identity(proposal: Proposal) -> Proposal:
    """On a document held back as another car's, none of the car's values is pre-accepted."""
    if proposal.field in FIELDS_BY_NAME:
        return replace(proposal, note=NOTE_OTHER_CAR, accept=False)
    return proposal


def decide(
    proposals: list[Proposal],
    accepted: Mapping[str, str],
    today: date,
    first_registration: date | None = None,
) -> Decision:
    """The owner's decisions -> typed values, checked like the form's.

    `accepted` maps each accepted proposal's field to the text the owner left
    in its input (edited or not); fields not in it are rejected.
    """
    vehicle: dict[str, Any] = {}
    expense: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for proposal in proposals:
        if proposal.field not in accepted:
            continue
        spec = FIELDS_BY_NAME.get(proposal.field) or EXPENSE_FIELDS_BY_NAME[proposal.field]
        value, error = parse_field(spec, str(accepted[proposal.field] or ""), today)
        if error:
            errors[proposal.field] = error
            continue
        if proposal.field in EXPENSE_FIELDS_BY_NAME:
            expense[proposal.field.removeprefix("expense_")] = value
        else:
            vehicle[proposal.field] = value
    registration = vehicle.get("first_registration_date")
    if isinstance(registration, date) and "year" not in vehicle:
        # The year follows the paper's first registration (carte grise B, Histovec).
        vehicle["year"] = registration.year
    if expense:
        when = expense.get("date")
        if isinstance(when, date):
            date_error = dated_item_error("de la facture", when, first_registration, today)
            if date_error:
                errors["expense_date"] = date_error
        for spec in EXPENSE_FIELDS:
            key = spec.name.removeprefix("expense_")
            if spec.required and expense.get(key) is None and spec.name not in errors:
                errors[spec.name] = spec.missing or f"{spec.label} : obligatoire pour une dépense."
    return Decision(vehicle, expense or None, errors)
