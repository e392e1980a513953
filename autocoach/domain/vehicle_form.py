"""Validation of the vehicle form: raw strings in, a clean VehicleInput or
per-field French messages out. Pure: the state calls it, then saves."""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from datetime import date

from autocoach.domain.plates import InvalidPlate, parse_plate
from autocoach.domain.vocabulary import FUEL_TYPES, GEARBOXES

MIN_YEAR = 1950
MAX_MILEAGE = 1_500_000
MAX_OWNERS = 20
MAX_PRICE = 5_000_000
# VINs never use I, O or Q (ISO 3779).
_VIN = re.compile(r"[A-HJ-NPR-Z0-9]{17}")

FIELDS = (
    "license_plate",
    "brand",
    "model",
    "version",
    "year",
    "mileage",
    "fuel_type",
    "gearbox",
    "previous_owners",
    "purchase_date",
    "purchase_price",
    "first_registration_date",
    "vin",
    "fiscal_power",
    "color",
)


@dataclass(frozen=True)
class VehicleInput:
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
    color: str | None = None

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


def validate_vehicle_form(raw: dict, today: date) -> VehicleInput:
    """Return the clean input or raise VehicleFormErrors listing every bad field."""
    errors: dict[str, str] = {}
    max_year = today.year + 1

    plate_text = _clean(raw, "license_plate")
    plate = None
    if plate_text:
        try:
            plate = parse_plate(plate_text).display
        except InvalidPlate as exc:
            errors["license_plate"] = str(exc)

    brand = _clean(raw, "brand")
    if not brand:
        errors["brand"] = "Indiquez la marque, par exemple « Peugeot »."
    elif len(brand) > 60:
        errors["brand"] = "La marque ne peut pas dépasser 60 caractères."
    model = _clean(raw, "model")
    if not model:
        errors["model"] = "Indiquez le modèle, par exemple « 208 »."
    elif len(model) > 80:
        errors["model"] = "Le modèle ne peut pas dépasser 80 caractères."
    version = _clean(raw, "version") or None
    if version and len(version) > 120:
        errors["version"] = "La version ne peut pas dépasser 120 caractères."

    year = parse_whole_number(_clean(raw, "year"))
    if not _clean(raw, "year"):
        errors["year"] = "Indiquez l'année de mise en circulation."
    elif year is None or not MIN_YEAR <= year <= max_year:
        errors["year"] = f"L'année doit être comprise entre {MIN_YEAR} et {max_year}."

    mileage_text = _clean(raw, "mileage")
    mileage = parse_whole_number(mileage_text)
    if not mileage_text:
        errors["mileage"] = "Indiquez le kilométrage actuel."
    elif mileage is None or not 0 <= mileage <= MAX_MILEAGE:
        errors["mileage"] = "Le kilométrage doit être un nombre entre 0 et 1 500 000 km."

    fuel_type = _clean(raw, "fuel_type")
    if fuel_type not in FUEL_TYPES:
        errors["fuel_type"] = "Choisissez une énergie dans la liste."

    gearbox = _clean(raw, "gearbox") or None
    if gearbox is not None and gearbox not in GEARBOXES:
        errors["gearbox"] = "Choisissez « Manuelle » ou « Automatique »."

    owners_text = _clean(raw, "previous_owners")
    owners = parse_whole_number(owners_text) if owners_text else None
    if owners_text and (owners is None or not 0 <= owners <= MAX_OWNERS):
        errors["previous_owners"] = f"Le nombre de propriétaires précédents va de 0 à {MAX_OWNERS}."

    purchase_text = _clean(raw, "purchase_date")
    purchase_date = _parse_date(purchase_text) if purchase_text else None
    if purchase_text and purchase_date is None:
        errors["purchase_date"] = "Date d'achat invalide : utilisez le format JJ/MM/AAAA."
    elif purchase_date and purchase_date > today:
        errors["purchase_date"] = "La date d'achat ne peut pas être dans le futur."
    elif purchase_date and purchase_date.year < MIN_YEAR:
        errors["purchase_date"] = f"La date d'achat ne peut pas être avant {MIN_YEAR}."

    price_text = _clean(raw, "purchase_price")
    price = _parse_price(price_text) if price_text else None
    if price_text and (price is None or not 0 <= price <= MAX_PRICE):
        errors["purchase_price"] = "Le prix d'achat doit être un montant positif en euros."

    first_reg_text = _clean(raw, "first_registration_date")
    first_reg = _parse_date(first_reg_text) if first_reg_text else None
    if first_reg_text and first_reg is None:
        errors["first_registration_date"] = (
            "Date de première immatriculation invalide : utilisez le format JJ/MM/AAAA."
        )
    elif first_reg and first_reg > today:
        errors["first_registration_date"] = (
            "La date de première immatriculation ne peut pas être dans le futur."
        )
    elif first_reg and year and abs(first_reg.year - year) > 1 and "year" not in errors:
        errors["first_registration_date"] = (
            "Cette date ne correspond pas à l'année indiquée : vérifiez l'une ou l'autre."
        )

    vin = _clean(raw, "vin").upper().replace(" ", "") or None
    if vin and not _VIN.fullmatch(vin):
        errors["vin"] = (
            "Le numéro VIN (case E de la carte grise) compte 17 caractères, "
            "sans les lettres I, O et Q."
        )

    power_text = _clean(raw, "fiscal_power")
    fiscal_power = parse_whole_number(power_text) if power_text else None
    if power_text and (fiscal_power is None or not 1 <= fiscal_power <= 100):
        errors["fiscal_power"] = "La puissance fiscale (case P.6) va de 1 à 100 CV."

    color = _clean(raw, "color") or None
    if color and len(color) > 40:
        errors["color"] = "La couleur ne peut pas dépasser 40 caractères."

    if errors:
        raise VehicleFormErrors(errors)
    return VehicleInput(
        brand=brand,
        model=model,
        year=year,  # type: ignore[arg-type]  (checked above)
        mileage=mileage,  # type: ignore[arg-type]
        fuel_type=fuel_type,
        license_plate=plate,
        version=version,
        gearbox=gearbox,
        previous_owners=owners,
        purchase_date=purchase_date,
        purchase_price=price,
        first_registration_date=first_reg,
        vin=vin,
        fiscal_power=fiscal_power,
        color=color,
    )


def validate_mileage_update(raw_km: str, raw_date: str, today: date) -> tuple[int, date]:
    """A new odometer reading; raises VehicleFormErrors (keys km, date)."""
    errors: dict[str, str] = {}
    km = parse_whole_number(raw_km.strip()) if raw_km.strip() else None
    if km is None or not 0 <= km <= MAX_MILEAGE:
        errors["km"] = "Le kilométrage doit être un nombre entre 0 et 1 500 000 km."
    reading_date = _parse_date(raw_date.strip()) if raw_date.strip() else today
    if reading_date is None:
        errors["date"] = "Date invalide : utilisez le format JJ/MM/AAAA."
    elif reading_date > today:
        errors["date"] = "La date du relevé ne peut pas être dans le futur."
    if errors:
        raise VehicleFormErrors(errors)
    return km, reading_date  # type: ignore[return-value]
