"""One vehicle schema: every field of a vehicle, once.

The database column sizes (`models.Vehicle`), the form's validation
(`vehicle_form`), the engine's input validation (`facts`), document proposals
and the detail list all read their names, limits, units, labels and
vocabularies here. Cross-field rules (`consistency_errors`) live here too, so
the form, a document being applied and the CLI refuse the same vehicle with
the same French sentence: the engine never meets a vehicle the form accepted
and it refuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping

from autocoach.domain.vocabulary import FUEL_TYPES, GEARBOXES

MIN_YEAR = 1950
MAX_MILEAGE = 1_500_000
MAX_OWNERS = 20
MAX_PRICE = 5_000_000


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str  # French, as the owner reads it
    kind: str  # text | int | amount | date | choice | plate | vin | postcode
    required: bool = False
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""  # km, €, CV, kW, g/km, %
    vocabulary: Mapping[str, str] | None = None
    # Identity and history: official papers beat what the owner typed.
    official: bool = False
    # Shown to the owner when a required value is missing / cannot be used.
    missing: str = ""
    invalid: str = ""


VEHICLE_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("license_plate", "Immatriculation", "plate", max_length=16, official=True),
    FieldSpec("brand", "Marque", "text", required=True, max_length=60, official=True,
              missing="Indiquez la marque, par exemple « Peugeot »."),
    FieldSpec("model", "Modèle", "text", required=True, max_length=80, official=True,
              missing="Indiquez le modèle, par exemple « 208 »."),
    FieldSpec("version", "Version", "text", max_length=120, official=True),
    # Its maximum is next year: see `year_range_message`.
    FieldSpec("year", "Année", "int", required=True, minimum=MIN_YEAR, official=True,
              missing="Indiquez l'année de mise en circulation."),
    FieldSpec("first_registration_date", "Première immatriculation", "date", official=True),
    FieldSpec("mileage", "Kilométrage", "int", required=True, minimum=0, maximum=MAX_MILEAGE,
              unit="km", missing="Indiquez le kilométrage actuel.",
              invalid="Le kilométrage doit être un nombre entre 0 et 1 500 000 km."),
    FieldSpec("fuel_type", "Énergie", "choice", required=True, max_length=30,
              vocabulary=FUEL_TYPES, official=True,
              missing="Choisissez une énergie dans la liste.",
              invalid="Choisissez une énergie dans la liste."),
    FieldSpec("gearbox", "Boîte de vitesses", "choice", max_length=20, vocabulary=GEARBOXES,
              invalid="Choisissez « Manuelle » ou « Automatique »."),
    FieldSpec("fiscal_power", "Puissance fiscale", "int", minimum=1, maximum=100, unit="CV",
              official=True, invalid="La puissance fiscale (case P.6) va de 1 à 100 CV."),
    FieldSpec("power_kw", "Puissance", "int", minimum=1, maximum=2000, unit="kW", official=True,
              invalid="La puissance (case P.2) va de 1 à 2 000 kW."),
    FieldSpec("co2", "CO₂", "int", minimum=0, maximum=1000, unit="g/km", official=True,
              invalid="Le CO₂ (case V.7) va de 0 à 1 000 g/km."),
    FieldSpec("euro_class", "Norme Euro", "text", max_length=60, official=True),
    FieldSpec("previous_owners", "Propriétaires précédents", "int", minimum=0,
              maximum=MAX_OWNERS, official=True,
              invalid=f"Le nombre de propriétaires précédents va de 0 à {MAX_OWNERS}."),
    FieldSpec("purchase_date", "Date d'achat", "date"),
    FieldSpec("purchase_price", "Prix d'achat", "amount", minimum=0, maximum=MAX_PRICE, unit="€",
              invalid="Le prix d'achat doit être un montant positif en euros."),
    FieldSpec("vin", "Numéro VIN", "vin", max_length=17, official=True,
              invalid="Le numéro VIN (case E de la carte grise) compte 17 caractères, "
              "sans les lettres I, O et Q."),
    FieldSpec("color", "Couleur", "text", max_length=40),
    # The owner's own situation: where the car lives and what it really costs.
    FieldSpec("postcode", "Code postal", "postcode", max_length=5,
              invalid="Le code postal compte 5 chiffres, par exemple 69003."),
    FieldSpec("insurance_monthly", "Assurance", "amount", minimum=0, maximum=10_000, unit="€/mois",
              invalid="L'assurance doit être un montant mensuel positif en euros."),
    FieldSpec("battery_rental_monthly", "Location de la batterie", "amount", minimum=0,
              maximum=1_000, unit="€/mois",
              invalid="La location de batterie doit être un montant mensuel entre 0 et 1 000 €."),
    FieldSpec("battery_soh", "État de santé de la batterie", "int", minimum=0, maximum=100,
              unit="%", invalid="L'état de santé de la batterie va de 0 à 100 %."),
)

FIELDS_BY_NAME: dict[str, FieldSpec] = {spec.name: spec for spec in VEHICLE_FIELDS}

def too_long_message(spec: FieldSpec) -> str:
    return f"{spec.label} : {spec.max_length} caractères au maximum."


def year_range_message(today: date) -> str:
    return MSG_YEAR_RANGE.format(low=MIN_YEAR, high=today.year + 1)


def invalid_message(spec: FieldSpec, today: date) -> str:
    """What to tell the owner when the value cannot be used."""
    if spec.name == "year":
        return year_range_message(today)
    if spec.invalid:
        return spec.invalid
    if spec.kind == "date":
        return f"{spec.label} : date invalide, utilisez le format JJ/MM/AAAA."
    return f"{spec.label} : valeur invalide."


def check_bounds(spec: FieldSpec, value: Any, today: date) -> str | None:
    """The French message when a typed value breaks the field's limits, else None."""
    if value is None:
        return None
    if spec.max_length is not None and isinstance(value, str) and len(value) > spec.max_length:
        return too_long_message(spec)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        maximum = today.year + 1 if spec.name == "year" else spec.maximum
        if (spec.minimum is not None and value < spec.minimum) or (
            maximum is not None and value > maximum
        ):
            return invalid_message(spec, today)
    if spec.vocabulary is not None and value not in spec.vocabulary:
        return invalid_message(spec, today)
    return None


# --- cross-field rules ---------------------------------------------------------------

MSG_PURCHASE_BEFORE_REGISTRATION = "La date d'achat est antérieure à la première immatriculation."
MSG_PURCHASE_IN_FUTURE = "La date d'achat est dans le futur."
MSG_REGISTRATION_IN_FUTURE = "La date de première immatriculation est dans le futur."
MSG_YEAR_VS_REGISTRATION = (
    "L'année ne correspond pas à la date de première immatriculation : vérifiez l'une ou l'autre."
)
MSG_YEAR_RANGE = "L'année doit être comprise entre {low} et {high}."
# `what` names the record with its article: "de la facture", "du relevé".
MSG_DATED_BEFORE_REGISTRATION = (
    "Date {what} ({day}) antérieure à la première immatriculation ({registration})."
)
MSG_DATED_IN_FUTURE = "Date {what} ({day}) dans le futur."


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def consistency_errors(values: Mapping[str, Any], today: date) -> dict[str, str]:
    """Field name -> French message for every cross-field rule the values break.

    `values` holds typed values (int, date, str, None) under the schema's names.
    """
    errors: dict[str, str] = {}
    year = values.get("year")
    first_reg = values.get("first_registration_date")
    purchase = values.get("purchase_date")
    if isinstance(year, int) and not MIN_YEAR <= year <= today.year + 1:
        errors["year"] = year_range_message(today)
    if isinstance(first_reg, date):
        if first_reg > today:
            errors["first_registration_date"] = MSG_REGISTRATION_IN_FUTURE
        elif first_reg.year < MIN_YEAR:
            errors["first_registration_date"] = (
                f"La date de première immatriculation est antérieure à {MIN_YEAR}."
            )
        elif isinstance(year, int) and "year" not in errors and abs(first_reg.year - year) > 1:
            errors["first_registration_date"] = MSG_YEAR_VS_REGISTRATION
    if isinstance(purchase, date):
        if purchase > today:
            errors["purchase_date"] = MSG_PURCHASE_IN_FUTURE
        elif (
            isinstance(first_reg, date)
            and "first_registration_date" not in errors
            and purchase < first_reg
        ):
            errors["purchase_date"] = MSG_PURCHASE_BEFORE_REGISTRATION
        elif purchase.year < MIN_YEAR:
            errors["purchase_date"] = f"La date d'achat ne peut pas être avant {MIN_YEAR}."
    return errors


def dated_item_error(what: str, day: date, first_registration: date | None, today: date) -> str | None:
    """A dated record (invoice, reading, CT) must fall between registration and today.

    `what` names it with its article: "de la facture", "du relevé kilométrique".
    """
    if day > today:
        return MSG_DATED_IN_FUTURE.format(what=what, day=_day(day))
    if first_registration is not None and day < first_registration:
        return MSG_DATED_BEFORE_REGISTRATION.format(
            what=what, day=_day(day), registration=_day(first_registration)
        )
    return None
