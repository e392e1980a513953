"""VehicleFacts: everything the analysis engine knows about one car.

`vehicle_facts_from_dict` turns a JSON-like dict (CLI input, a database row
exported as a dict) into validated facts, or raises `InvalidVehicleData` with a
French message the UI/CLI can show as is.

Input format (keys not listed are ignored, empty strings count as missing):

    {
      "brand": "Peugeot",              # required (alias "make")
      "model": "208",                  # required
      "version": "1.2 PureTech 82",    # optional, free text
      "engine": "1.2 PureTech",        # optional, helps match known weaknesses
      "year": 2017,                    # required, 1950..next year
      "first_registration_date": "2017-05-19",   # YYYY-MM-DD (carte grise B)
      "mileage": 63890,                # current odometer, km >= 0
      "fuel_type": "essence",          # vocabulary id (or its French label)
      "gearbox": "manuelle",           # manuelle | automatique
      "fiscal_power": 4, "power_kw": 60, "co2": 104,   # alias "co2_g_km"
      "euro_class": "EURO6",
      "previous_owners": 1,            # owners before the current one
      "purchase_date": "2021-03-02", "purchase_price": 9800,
      "vin": "VF3...", "license_plate": "AB-123-CD",
      "annual_km": 12000,              # optional owner estimate
      "insurance_monthly": 38.5,       # optional real premium, €/month
      "situation": {"gage": false, "opposition": false, "vol": false, ...},
      "claims_count": 0,               # sinistres listed by Histovec
      "expenses": [{"date": "2024-03-01", "mileage": 50000, "category": "vidange",
                    "amount": 189.9, "label": "Révision"}],
      "mileage_readings": [{"date": "2024-01-10", "km": 48000, "source": "proprietaire"}],
                                       # sources: READING_SOURCES ids, or "owner"
      "technical_inspections": [{"date": "2021-05-02", "result": "favorable",
                                 "mileage": 41000, "nature": "periodique",
                                 "defects": ["Feu de plaque"]}],
      "postcode": "69003",             # optional owner's postcode: région (carte grise
                                       # rate, insurance) and low-emission zones (ZFE)
      "battery_rental_monthly": 79,    # optional € a month for a rented EV battery
                                       # (Zoé, Kangoo Z.E., Twizy, Fluence); absent or 0
                                       # means the battery is owned
      "battery_soh": 88                # optional battery state of health, % (EVs)
    }

A mileage reading the owner marks as a typo carries `"typo": true`: the
engine then ignores every reading (owner, invoice, CT) of that date and km.

Situation flags may also be given at the top level (a flat database row).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any, Mapping

from autocoach.domain.formatting import format_date
from autocoach.domain.vehicle_schema import (
    FIELDS_BY_NAME,
    MAX_MILEAGE,
    MSG_DATED_IN_FUTURE,
    check_bounds,
    consistency_errors,
)
from autocoach.domain.vocabulary import (
    CT_RESULTS,
    EXPENSE_CATEGORIES,
    FUEL_TYPES,
    GEARBOXES,
    INSPECTION_NATURES,
    READING_SOURCES,
    SITUATION_FLAGS,
)

__all__ = [
    "InvalidVehicleData",
    "Expense",
    "MileageReading",
    "TechnicalInspection",
    "AdministrativeSituation",
    "VehicleFacts",
    "vehicle_facts_from_dict",
    "READING_SOURCES",
    "INSPECTION_NATURES",
]

_NATURE_CODES = {
    "vtp": "periodique",
    "ctp": "periodique",
    "cv": "contre_visite",
    "cvc": "contre_visite",
    "vtc": "complementaire",
    "periodique": "periodique",
    "contre_visite": "contre_visite",
    "contre visite": "contre_visite",
    "complementaire": "complementaire",
    "volontaire": "volontaire",
}

# Histovec result letters (A/AP, S/SP, R/RP, X) and their vocabulary ids.
_RESULT_CODES = {
    "a": "favorable",
    "ap": "favorable",
    "s": "defavorable_majeur",
    "sp": "defavorable_majeur",
    "r": "defavorable_critique",
    "rp": "defavorable_critique",
    "x": "ajourne",
}

_FUEL_ALIASES = {
    "gazole": "diesel",
    "gasoil": "diesel",
    "go": "diesel",
    "es": "essence",
    "sp95": "essence",
    "sp98": "essence",
    "hybride_essence": "hybride",
    "el": "electrique",
    "electricite": "electrique",
    "superethanol_e85": "e85",
    "superethanol": "e85",
    "gpl_gnv": "gpl",
    "gnv": "gpl",
}

class InvalidVehicleData(ValueError):
    """Bad input for the engine; the message is French and user-facing."""


@dataclass(frozen=True)
class Expense:
    date: date
    mileage: int | None
    category: str  # EXPENSE_CATEGORIES id
    amount: float  # € TTC
    label: str = ""


@dataclass(frozen=True)
class MileageReading:
    date: date
    km: int
    source: str = "proprietaire"  # READING_SOURCES id
    typo: bool = False  # marked by the owner as a typing/OCR error: ignored


@dataclass(frozen=True)
class TechnicalInspection:
    date: date
    result: str  # CT_RESULTS id
    mileage: int | None = None
    nature: str = "periodique"  # INSPECTION_NATURES id
    defects: tuple[str, ...] = ()


@dataclass(frozen=True)
class AdministrativeSituation:
    """Histovec "situation administrative" flags (all False = clean)."""

    gage: bool = False
    opposition: bool = False
    saisie: bool = False
    procedure_ve: bool = False
    vei: bool = False
    suspension: bool = False
    vol: bool = False
    perte: bool = False
    duplicata: bool = False
    annulation: bool = False

    def active(self) -> tuple[str, ...]:
        return tuple(f.name for f in fields(self) if getattr(self, f.name))


@dataclass(frozen=True)
class VehicleFacts:
    brand: str
    model: str
    year: int
    fuel_type: str = "essence"
    first_registration_date: date | None = None
    mileage: int | None = None
    version: str | None = None
    engine: str | None = None
    gearbox: str | None = None
    fiscal_power: int | None = None
    power_kw: int | None = None
    co2: int | None = None
    euro_class: str | None = None
    previous_owners: int | None = None
    purchase_date: date | None = None
    purchase_price: float | None = None
    vin: str | None = None
    license_plate: str | None = None
    annual_km: int | None = None
    insurance_monthly: float | None = None
    situation: AdministrativeSituation = field(default_factory=AdministrativeSituation)
    claims_count: int = 0
    expenses: tuple[Expense, ...] = ()
    mileage_readings: tuple[MileageReading, ...] = ()
    technical_inspections: tuple[TechnicalInspection, ...] = ()
    postcode: str | None = None  # owner's postcode (5 digits)
    battery_rental_monthly: float | None = None  # €/month, rented EV battery
    battery_soh: int | None = None  # battery state of health, %

    @property
    def registration_date(self) -> date:
        """First registration, or 1 July of the year when unknown (mid-year guess)."""
        return self.first_registration_date or date(self.year, 7, 1)

    @property
    def label(self) -> str:
        return f"{self.brand} {self.model}".strip()


# ---------------------------------------------------------------------------
# Parsing helpers: each raises InvalidVehicleData with the field named.


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _slug(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_")


def _text(d: Mapping[str, Any], key: str, label: str, *, max_len: int = 200) -> str | None:
    value = d.get(key)
    if _blank(value):
        return None
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise InvalidVehicleData(f"{label} : texte attendu.")
    text = str(value).strip()
    if len(text) > max_len:
        raise InvalidVehicleData(f"{label} : {max_len} caractères au maximum.")
    return text


def _int(value: Any, label: str, *, minimum: int = 0, maximum: int | None = None) -> int | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise InvalidVehicleData(f"{label} : nombre entier attendu.")
    if isinstance(value, str):
        cleaned = re.sub(r"[\s\u00a0\u202f]", "", value)
        if not re.fullmatch(r"-?\d+", cleaned):
            raise InvalidVehicleData(f"{label} : nombre entier attendu, reçu « {value} ».")
        number = int(cleaned)
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        raise InvalidVehicleData(f"{label} : nombre entier attendu, reçu « {value} ».")
    if number < minimum:
        if minimum == 0:
            raise InvalidVehicleData(f"{label} ne peut pas être négatif.")
        raise InvalidVehicleData(f"{label} doit être au moins {minimum}.")
    if maximum is not None and number > maximum:
        raise InvalidVehicleData(f"{label} : valeur trop grande ({number}, maximum {maximum}).")
    return number


def _amount(value: Any, label: str, *, maximum: float = 10_000_000) -> float | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise InvalidVehicleData(f"{label} : montant attendu.")
    if isinstance(value, str):
        cleaned = re.sub(r"[\s\u00a0\u202f€]", "", value).replace(",", ".")
        try:
            number = float(cleaned)
        except ValueError:
            raise InvalidVehicleData(f"{label} : montant attendu, reçu « {value} ».") from None
    elif isinstance(value, (int, float)):
        number = float(value)
    else:
        raise InvalidVehicleData(f"{label} : montant attendu, reçu « {value} ».")
    if number != number or number in (float("inf"), float("-inf")):
        raise InvalidVehicleData(f"{label} : montant invalide.")
    if number < 0:
        raise InvalidVehicleData(f"{label} ne peut pas être négatif.")
    if number > maximum:
        raise InvalidVehicleData(f"{label} : montant trop grand.")
    return number


def _date(value: Any, label: str) -> date | None:
    if _blank(value):
        return None
    if isinstance(value, date):
        # datetime is a date subclass: keep only the day.
        return date(value.year, value.month, value.day)
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InvalidVehicleData(f"{label} : date invalide « {value} » (format attendu AAAA-MM-JJ).")


def _bool(value: Any, label: str) -> bool:
    if _blank(value):
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and _slug(value) in ("oui", "true", "1", "non", "false", "0"):
        return _slug(value) in ("oui", "true", "1")
    raise InvalidVehicleData(f"{label} : oui/non attendu.")


def _fuel(value: Any) -> str:
    if _blank(value):
        raise InvalidVehicleData("L'énergie (carburant) est obligatoire.")
    if not isinstance(value, str):
        raise InvalidVehicleData("Énergie : texte attendu.")
    slug = _slug(value)
    if slug in FUEL_TYPES:
        return slug
    if slug in _FUEL_ALIASES:
        return _FUEL_ALIASES[slug]
    for fuel_id, label in FUEL_TYPES.items():
        if _slug(label) == slug:
            return fuel_id
    choices = ", ".join(FUEL_TYPES)
    raise InvalidVehicleData(f"Énergie inconnue : « {value} ». Valeurs possibles : {choices}.")


def _choice(value: Any, label: str, allowed: Mapping[str, str], codes: Mapping[str, str] | None = None) -> str:
    if not isinstance(value, str) or _blank(value):
        raise InvalidVehicleData(f"{label} est obligatoire.")
    slug = _slug(value)
    if slug in allowed:
        return slug
    if codes and slug.replace("_", " ") in codes:
        return codes[slug.replace("_", " ")]
    if codes and slug in codes:
        return codes[slug]
    for key, text in allowed.items():
        if _slug(text) == slug:
            return key
    raise InvalidVehicleData(
        f"{label} : valeur inconnue « {value} ». Valeurs possibles : {', '.join(allowed)}."
    )


def _max_len(name: str) -> int:
    return FIELDS_BY_NAME[name].max_length or 200


def _list(d: Mapping[str, Any], key: str, label: str) -> list[Mapping[str, Any]]:
    value = d.get(key)
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise InvalidVehicleData(f"{label} : liste attendue.")
    for i, item in enumerate(value, start=1):
        if not isinstance(item, Mapping):
            raise InvalidVehicleData(f"{label} n° {i} : objet attendu.")
    return list(value)


def _expense(item: Mapping[str, Any], i: int) -> Expense:
    where = f"Dépense n° {i}"
    day = _date(item.get("date"), f"{where}, date")
    if day is None:
        raise InvalidVehicleData(f"{where} : la date est obligatoire.")
    amount = _amount(item.get("amount"), f"{where}, montant")
    if amount is None:
        raise InvalidVehicleData(f"{where} : le montant est obligatoire.")
    category = item.get("category") or "autre"
    return Expense(
        date=day,
        mileage=_int(item.get("mileage"), f"{where}, kilométrage", maximum=MAX_MILEAGE),
        category=_choice(category, f"{where}, catégorie", EXPENSE_CATEGORIES),
        amount=round(amount, 2),
        label=(_text(item, "label", f"{where}, libellé", max_len=300) or ""),
    )


def _reading(item: Mapping[str, Any], i: int) -> MileageReading:
    where = f"Relevé kilométrique n° {i}"
    day = _date(item.get("date"), f"{where}, date")
    if day is None:
        raise InvalidVehicleData(f"{where} : la date est obligatoire.")
    km = _int(item.get("km", item.get("mileage")), f"{where}, kilométrage", maximum=MAX_MILEAGE)
    if km is None:
        raise InvalidVehicleData(f"{where} : le kilométrage est obligatoire.")
    source = item.get("source") or "proprietaire"
    codes = {"owner": "proprietaire", "ct": "controle_technique"}
    return MileageReading(
        date=day,
        km=km,
        source=_choice(source, f"{where}, source", READING_SOURCES, codes),
        typo=_bool(item.get("typo"), f"{where}, erreur de saisie"),
    )


def _inspection(item: Mapping[str, Any], i: int) -> TechnicalInspection:
    where = f"Contrôle technique n° {i}"
    day = _date(item.get("date"), f"{where}, date")
    if day is None:
        raise InvalidVehicleData(f"{where} : la date est obligatoire.")
    defects_raw = item.get("defects") or ()
    if not isinstance(defects_raw, (list, tuple)) or not all(isinstance(x, str) for x in defects_raw):
        raise InvalidVehicleData(f"{where}, défaillances : liste de textes attendue.")
    return TechnicalInspection(
        date=day,
        result=_choice(item.get("result"), f"{where}, résultat", CT_RESULTS, _RESULT_CODES),
        mileage=_int(item.get("mileage"), f"{where}, kilométrage", maximum=MAX_MILEAGE),
        nature=_choice(item.get("nature") or "periodique", f"{where}, nature", INSPECTION_NATURES, _NATURE_CODES),
        defects=tuple(x.strip() for x in defects_raw if x.strip()),
    )


def _situation(d: Mapping[str, Any]) -> AdministrativeSituation:
    nested = d.get("situation") or {}
    if not isinstance(nested, Mapping):
        raise InvalidVehicleData("Situation administrative : objet attendu.")
    values: dict[str, bool] = {}
    for flag, label in SITUATION_FLAGS.items():
        raw = nested.get(flag, d.get(flag))
        values[flag] = _bool(raw, f"Situation administrative, {label.lower()}")
    return AdministrativeSituation(**values)


def vehicle_facts_from_dict(d: Mapping[str, Any], *, today: date | None = None) -> VehicleFacts:
    """Validate a JSON-like dict and build VehicleFacts (see module docstring).

    `today` bounds the year (at most next year) and dates (not in the future).
    """
    if not isinstance(d, Mapping):
        raise InvalidVehicleData("Les données du véhicule doivent être un objet JSON.")
    today = today or date.today()
    brand = _text(d, "brand", "Marque") or _text(d, "make", "Marque")
    if not brand:
        raise InvalidVehicleData("La marque est obligatoire.")
    model = _text(d, "model", "Modèle")
    if not model:
        raise InvalidVehicleData("Le modèle est obligatoire.")
    if _blank(d.get("year")):
        raise InvalidVehicleData("L'année est obligatoire.")
    year = _int(d.get("year"), "Année", minimum=0)
    assert year is not None
    first_reg = _date(d.get("first_registration_date"), "Date de première immatriculation")
    purchase_date = _date(d.get("purchase_date"), "Date d'achat")
    # The same cross-field rules as the form and document application, same words.
    broken = consistency_errors(
        {"year": year, "first_registration_date": first_reg, "purchase_date": purchase_date}, today
    )
    if broken:
        raise InvalidVehicleData(next(iter(broken.values())))

    gearbox = None if _blank(d.get("gearbox")) else _choice(d.get("gearbox"), "Boîte de vitesses", GEARBOXES)
    euro = _text(d, "euro_class", "Norme Euro", max_len=_max_len("euro_class"))

    expenses = tuple(_expense(x, i) for i, x in enumerate(_list(d, "expenses", "Dépenses"), 1))
    readings = tuple(
        _reading(x, i) for i, x in enumerate(_list(d, "mileage_readings", "Relevés kilométriques"), 1)
    )
    inspections = tuple(
        _inspection(x, i)
        for i, x in enumerate(_list(d, "technical_inspections", "Contrôles techniques"), 1)
    )
    for what, items in (
        ("d'une dépense", expenses),
        ("d'un relevé kilométrique", readings),
        ("d'un contrôle technique", inspections),
    ):
        for item in items:
            if item.date > today:
                raise InvalidVehicleData(MSG_DATED_IN_FUTURE.format(what=what, day=format_date(item.date)))

    values = {
        "brand": brand,
        "model": model,
        "year": year,
        "fuel_type": _fuel(d.get("fuel_type")),
        "first_registration_date": first_reg,
        "mileage": _int(d.get("mileage"), "Le kilométrage"),
        "version": _text(d, "version", "Version", max_len=_max_len("version")),
        "gearbox": gearbox,
        "fiscal_power": _int(d.get("fiscal_power"), "La puissance fiscale"),
        "power_kw": _int(d.get("power_kw"), "La puissance (kW)"),
        "co2": _int(d.get("co2", d.get("co2_g_km")), "Le CO₂"),
        "euro_class": euro,
        "previous_owners": _int(d.get("previous_owners"), "Le nombre de propriétaires précédents"),
        "purchase_date": purchase_date,
        "purchase_price": _amount(d.get("purchase_price"), "Le prix d'achat"),
        "vin": _text(d, "vin", "VIN", max_len=_max_len("vin")),
        "license_plate": _text(d, "license_plate", "Immatriculation", max_len=_max_len("license_plate")),
    }
    # Every field within the vehicle schema's limits, with its message.
    for name, value in values.items():
        spec = FIELDS_BY_NAME[name]
        if spec.kind in ("int", "amount", "text") and (error := check_bounds(spec, value, today)):
            raise InvalidVehicleData(error)

    return VehicleFacts(
        **values,
        engine=_text(d, "engine", "Moteur"),
        annual_km=_int(d.get("annual_km"), "Le kilométrage annuel", maximum=300_000),
        insurance_monthly=_amount(d.get("insurance_monthly"), "L'assurance mensuelle", maximum=10_000),
        situation=_situation(d),
        claims_count=_int(d.get("claims_count"), "Le nombre de sinistres", maximum=100) or 0,
        expenses=expenses,
        mileage_readings=readings,
        technical_inspections=inspections,
        postcode=_postcode(d.get("postcode")),
        battery_rental_monthly=_amount(d.get("battery_rental_monthly"), "La location de batterie", maximum=1_000),
        battery_soh=_int(d.get("battery_soh"), "L'état de santé de la batterie (%)", maximum=100),
    )


def _postcode(value: Any) -> str | None:
    """French postcode, 5 digits (Corsica 20xxx, overseas 97xxx)."""
    if _blank(value):
        return None
    text = re.sub(r"[\s\u00a0]", "", str(value)) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not re.fullmatch(r"\d{5}", text):
        raise InvalidVehicleData(f"Code postal invalide « {value} » : 5 chiffres attendus.")
    return text
