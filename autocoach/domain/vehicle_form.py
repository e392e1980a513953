"""Validation of the vehicle form: raw strings in, a clean VehicleInput or
per-field French messages out. Pure: the state calls it, then saves."""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from autocoach.domain.plates import InvalidPlate, parse_plate
from autocoach.domain.vehicle_schema import (
    FIELDS_BY_NAME,
    MAX_MILEAGE,
    VEHICLE_FIELDS,
    FieldSpec,
    check_bounds,
    consistency_errors,
    invalid_message,
)

# French postcodes: 5 digits (Corsica 20xxx, overseas 97xxx).
_POSTCODE = re.compile(r"\d{5}")
# VINs never use I, O or Q (ISO 3779).
_VIN = re.compile(r"[A-HJ-NPR-Z0-9]{17}")

# The form edits every field of the vehicle schema, in its order.
FIELDS = tuple(spec.name for spec in VEHICLE_FIELDS)


@dataclass(frozen=True)
class VehicleInput:
    """A vehicle as the form (or the CLI) gives it, checked against the schema."""

    brand: str
    model: str
    year: int
    mileage: int
    fuel_type: str
    license_plate: str | None = None
    version: str | None = None
    gearbox: str | None = None
    previous_owners: int | None = None
    purchase_date: date | None = None
    purchase_price: float | None = None
    first_registration_date: date | None = None
    vin: str | None = None
    fiscal_power: int | None = None
    power_kw: int | None = None
    co2: int | None = None
    euro_class: str | None = None
    color: str | None = None
    postcode: str | None = None
    insurance_monthly: float | None = None
    battery_rental_monthly: float | None = None
    battery_soh: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)


class VehicleFormErrors(ValueError):
    """Field name -> French message, for every field that is wrong."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _clean(raw: dict, name: str) -> str:
    value = raw.get(name)
    return "" if value is None else str(value).strip()


def parse_whole_number(text: str) -> int | None:
    """Whole numbers as people type them: "63 890", "63.890", "63890 km"."""
    compact = re.sub(r"[\s\u00a0\u202f.]", "", text).lower().removesuffix("km").removesuffix("€")
    return int(compact) if compact.isdigit() else None


def _parse_price(text: str) -> float | None:
    compact = re.sub(r"[\s\u00a0\u202f€]", "", text).lower().removesuffix("eur")
    if re.fullmatch(r"\d{1,3}(\.\d{3})+(,\d{1,2})?", compact):  # 12.500,50
        compact = compact.replace(".", "")
    compact = compact.replace(",", ".")
    try:
        value = float(compact)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _parse_date(text: str) -> date | None:
    """ISO (from <input type=date>) or French JJ/MM/AAAA."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text) or None
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        return None
    return None


def parse_field(spec: FieldSpec, text: str, today: date) -> tuple[Any, str | None]:
    """One field as the owner typed it -> (typed value or None, French error or None)."""
    text = text.strip()
    if not text:
        return None, (spec.missing or invalid_message(spec, today)) if spec.required else None
    value: Any
    if spec.kind == "plate":
        try:
            return parse_plate(text).display, None
        except InvalidPlate as exc:
            return None, str(exc)
    if spec.kind == "vin":
        value = text.upper().replace(" ", "")
        return (value, None) if _VIN.fullmatch(value) else (None, invalid_message(spec, today))
    if spec.kind == "postcode":
        value = text.replace(" ", "")
        return (value, None) if _POSTCODE.fullmatch(value) else (None, invalid_message(spec, today))
    if spec.kind == "int":
        value = parse_whole_number(text)
    elif spec.kind == "amount":
        value = _parse_price(text)
    elif spec.kind == "date":
        value = _parse_date(text)
    else:
        value = text
    if value is None:
        return None, invalid_message(spec, today)
    return value, check_bounds(spec, value, today)


def validate_vehicle_form(raw: dict, today: date) -> VehicleInput:
    """Return the clean input or raise VehicleFormErrors listing every bad field.

    Field rules come from the vehicle schema; cross-field rules from
    `vehicle_schema.consistency_errors`, the same ones the engine applies.
    """
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name in FIELDS:
        values[name], error = parse_field(FIELDS_BY_NAME[name], _clean(raw, name), today)
        if error:
            errors[name] = error
    for name, message in consistency_errors(values, today).items():
        errors.setdefault(name, message)
    if errors:
        raise VehicleFormErrors(errors)
    return VehicleInput(**values)


def validate_mileage_update(raw_km: str, raw_date: str, today: date) -> tuple[int, date]:
    """A new odometer reading; raises VehicleFormErrors (keys km, date)."""
    errors: dict[str, str] = {}
    km = parse_whole_number(raw_km.strip()) if raw_km.strip() else None
    if km is None or not 0 <= km <= MAX_MILEAGE:
        errors["km"] = FIELDS_BY_NAME["mileage"].invalid
    reading_date = _parse_date(raw_date.strip()) if raw_date.strip() else today
    if reading_date is None:
        errors["date"] = "Date invalide : utilisez le format JJ/MM/AAAA."
    elif reading_date > today:
        errors["date"] = "La date du relevé ne peut pas être dans le futur."
    if errors:
        raise VehicleFormErrors(errors)
    return km, reading_date  # type: ignore[return-value]
