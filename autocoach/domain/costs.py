"""Monthly cost of ownership, line by line, each with its basis in French.

Lines (whole euros per month, each rounded half-up; the total is their sum, so
the breakdown always adds up exactly):

- depreciation: value today minus value in 12 months (at the yearly km), / 12;
- energy: consumption × yearly km / 100 × price, / 12 (fuel and/or electricity);
- insurance: the owner's premium, else the 2025 average for the energy and the
  owner's région (750 €/yr, 820 € for an EV, 590-940 € by région) / 12 ×
  segment factor, × 0.85 from 8 years (third-party cover is common);
- maintenance & repairs: invoices of the last 24 months (since purchase) when
  there are at least 2 over at least 12 months, else the segment prior × make
  × age × mileage factors (× 0.7 for an EV);
- contrôle technique: price / 24 when a CT falls within the next 24 months;
- carte grise: the registration taxes paid at purchase, spread over 48 months
  while the purchase is less than 48 months old (régional rate of the owner's
  postcode, else the average of the régions; electric cars pay it since
  1 May 2025 except in Hauts-de-France);
- battery_rental: the monthly rent of a rented EV battery, when there is one.

Left out (said in `LEAVES_OUT`): financing, parking, tolls, fines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from autocoach.data import MakeSpec, ModelSpec, ReferenceData, SegmentSpec
from autocoach.domain.facts import VehicleFacts
from autocoach.domain.formatting import (
    format_date,
    format_decimal,
    format_eur,
    format_km,
    round_half_up,
)
from autocoach.domain.rules import TechnicalInspectionStatus, add_months, estimated_when, years_between
from autocoach.domain.territory import carte_grise_rate, insurance_yearly
from autocoach.domain.wording import segment_noun, with_article

__all__ = [
    "CostLine",
    "CostEstimate",
    "Consumption",
    "consumption_for",
    "segment_for",
    "maintenance_monthly",
    "estimate_monthly_costs",
    "INVOICE_WINDOW_MONTHS",
    "LEAVES_OUT",
]

LEAVES_OUT = (
    "Ce coût mensuel ne comprend ni le financement (crédit, location), ni le stationnement, "
    "ni les péages, ni les amendes."
)

INVOICE_WINDOW_MONTHS = 24
# Loi de finances 2025, art. 119 (CIBS L.421-49): regions tax electric cars
# from 1 May 2025 unless they vote an exemption.
EV_REGIONAL_TAX_FROM = date(2025, 5, 1)
MIN_INVOICES = 2
MIN_INVOICE_MONTHS = 12

_FUEL_PRICE_KEY = {
    "essence": "essence",
    "hybride": "essence",
    "hybride_rechargeable": "essence",
    "autre": "essence",
    "diesel": "diesel",
    "gpl": "gpl",
    "e85": "e85",
}
_FUEL_NAMES = {
    "essence": "SP95-E10",
    "diesel": "gazole",
    "gpl": "GPL",
    "e85": "superéthanol E85",
}


@dataclass(frozen=True)
class CostLine:
    key: str  # "depreciation", "energy", "insurance", "maintenance", "controle_technique", "taxes", "battery_rental"
    label: str
    amount: int  # €/month, ≥ 0
    basis: str  # French: how the figure was obtained


@dataclass(frozen=True)
class CostEstimate:
    total: int
    lines: tuple[CostLine, ...]
    annual_km: int
    maintenance_from_invoices: bool

    def line(self, key: str) -> CostLine:
        return next(line for line in self.lines if line.key == key)


@dataclass(frozen=True)
class Consumption:
    litres_per_100km: float  # fuel (LPG/E85 volume for those energies)
    kwh_per_100km: float
    basis: str


def segment_for(spec: ModelSpec | None, reference: ReferenceData) -> SegmentSpec:
    return reference.segments[spec.segment if spec is not None else "C"]


def consumption_for(
    fuel: str, spec: ModelSpec | None, reference: ReferenceData
) -> Consumption:
    prices = reference.prices
    segment = segment_for(spec, reference)
    variant = spec.fuels.get(fuel) if spec is not None else None
    if variant is None and fuel == "autre" and spec is not None:
        variant = spec.variant(fuel)  # unknown energy: the petrol engine's figures
    source = f"{spec.label}" if spec is not None and variant is not None else f"moyenne segment {segment_noun(segment.id, segment.label).text}"
    if variant is not None:
        litres = variant.litres_per_100km or 0.0
        kwh = variant.kwh_per_100km or 0.0
    elif fuel in ("e85", "gpl") and spec is not None and spec.variant(fuel) is not None:
        # Conversion of a petrol engine: more volume of a cheaper fuel.
        petrol = spec.variant(fuel)
        factor = prices.e85_consumption_factor if fuel == "e85" else prices.gpl_consumption_factor
        litres, kwh = (petrol.litres_per_100km or 0.0) * factor, 0.0  # type: ignore[union-attr]
        source = f"{spec.label} essence × {format_decimal(factor, 2)} ({'E85' if fuel == 'e85' else 'GPL'})"
    else:
        default = segment.consumption.get(fuel)
        if fuel == "e85":
            litres, kwh = float(segment.consumption["essence"]) * prices.e85_consumption_factor, 0.0
        elif fuel == "electrique":
            litres, kwh = 0.0, float(default)
        elif fuel == "hybride_rechargeable":
            litres, kwh = float(default[0]), float(default[1])
        elif default is None:
            litres, kwh = float(segment.consumption["essence"]), 0.0
        else:
            litres, kwh = float(default), 0.0
    return Consumption(litres, kwh, f"{source}, estimation AutoCoach en usage réel")


def _energy_line(
    facts: VehicleFacts, spec: ModelSpec | None, reference: ReferenceData, annual_km: int
) -> CostLine:
    prices = reference.prices
    cons = consumption_for(facts.fuel_type, spec, reference)
    fuel_key = _FUEL_PRICE_KEY.get(facts.fuel_type, "essence")
    fuel_price = prices.fuel[fuel_key]
    elec = prices.electricity_blended
    yearly = annual_km / 100 * (cons.litres_per_100km * fuel_price + cons.kwh_per_100km * elec)
    monthly = yearly / 12
    bits = []
    if cons.litres_per_100km:
        bits.append(
            f"{format_decimal(cons.litres_per_100km, 1)} l/100 km à {format_decimal(fuel_price, 3)} €/l "
            f"({_FUEL_NAMES[fuel_key]}, prix {prices.fuel_period[fuel_key]})"
        )
    if cons.kwh_per_100km:
        losses = round(prices.charging_losses * 100)
        bits.append(
            f"{format_decimal(cons.kwh_per_100km, 1)} kWh/100 km à {format_decimal(elec, 3)} €/kWh "
            f"(tarif réglementé {format_decimal(prices.electricity_home, 4)} €/kWh"
            + (f" de {prices.electricity_period}" if prices.electricity_period else "")
            + (f" + {losses} % de pertes de recharge" if losses else "")
            + f", {round(prices.public_charging_share * 100)} % sur borne publique à "
            f"{format_decimal(prices.electricity_public, 2)} €/kWh)"
        )
    label = {
        "electrique": "Électricité",
        "hybride_rechargeable": "Carburant et électricité",
    }.get(facts.fuel_type, "Carburant")
    basis = f"{' + '.join(bits)} × {format_km(annual_km)} par an ({cons.basis})."
    return CostLine("energy", label, int(round_half_up(monthly)), basis)


def _insurance_line(
    facts: VehicleFacts, spec: ModelSpec | None, reference: ReferenceData, age: float
) -> CostLine:
    prices = reference.prices
    if facts.insurance_monthly is not None:
        return CostLine(
            "insurance", "Assurance", int(round_half_up(facts.insurance_monthly)), "Prime indiquée par le propriétaire."
        )
    segment = segment_for(spec, reference)
    electric = facts.fuel_type == "electrique"
    if prices.insurance_is_override:
        # The owner's settings replaced the reference average.
        monthly, where = prices.insurance_monthly, "réglage de prix"
    else:
        yearly, where = insurance_yearly(facts.postcode, electric, reference)
        monthly = yearly / 12
    amount = monthly * segment.insurance_factor
    basis = (
        f"Prime moyenne de {format_eur(monthly)}/mois ({where} ; La Tribune Auto 2025) "
        f"× {format_decimal(segment.insurance_factor, 2)} pour "
        f"{with_article(segment_noun(segment.id, segment.label))} (estimation AutoCoach)"
    )
    if age >= prices.insurance_old_car_age:
        amount *= prices.insurance_old_car_factor
        basis += f" × {format_decimal(prices.insurance_old_car_factor, 2)} après {int(prices.insurance_old_car_age)} ans (formule au tiers fréquente)"
    basis += ". Indiquez votre prime réelle pour un calcul exact."
    return CostLine("insurance", "Assurance", int(round_half_up(amount)), basis)


def maintenance_monthly(
    facts: VehicleFacts,
    spec: ModelSpec | None,
    make: MakeSpec | None,
    reference: ReferenceData,
    age: float,
    annual_km: int,
) -> tuple[float, str]:
    """Prior for maintenance & repairs (€/month) when invoices are too few."""
    prices = reference.prices
    segment = segment_for(spec, reference)
    amount = segment.maintenance_monthly
    bits = [f"{format_eur(segment.maintenance_monthly)}/mois pour {with_article(segment_noun(segment.id, segment.label))}"]
    if make is not None and make.maintenance_factor != 1:
        amount *= make.maintenance_factor
        bits.append(f"× {format_decimal(make.maintenance_factor, 2)} ({make.name})")
    if facts.fuel_type == "electrique":
        amount *= prices.maintenance_electric_factor
        bits.append(f"× {format_decimal(prices.maintenance_electric_factor, 2)} (électrique : ni vidange ni embrayage)")
    age_factor = min(
        prices.maintenance_age_cap,
        1 + prices.maintenance_age_step * max(0.0, age - prices.maintenance_age_free_years),
    )
    if age_factor != 1:
        amount *= age_factor
        bits.append(f"× {format_decimal(age_factor, 2)} (âge)")
    km_factor = min(
        prices.maintenance_km_max,
        max(prices.maintenance_km_min, 0.5 + 0.5 * annual_km / prices.maintenance_reference_km),
    )
    if km_factor != 1:
        amount *= km_factor
        bits.append(f"× {format_decimal(km_factor, 2)} (kilométrage annuel)")
    return amount, " ".join(bits)


def _maintenance_line(
    facts: VehicleFacts,
    spec: ModelSpec | None,
    make: MakeSpec | None,
    reference: ReferenceData,
    as_of: date,
    age: float,
    annual_km: int,
) -> tuple[CostLine, bool]:
    start = max(add_months(as_of, -INVOICE_WINDOW_MONTHS), facts.registration_date)
    if facts.purchase_date is not None:
        start = max(start, facts.purchase_date)
    months = years_between(start, as_of) * 12
    invoices = [
        e for e in facts.expenses if start <= e.date <= as_of and e.category != "controle_technique"
    ]
    if len(invoices) >= MIN_INVOICES and months >= MIN_INVOICE_MONTHS:
        total = sum(e.amount for e in invoices)
        amount = total / months
        basis = (
            f"{len(invoices)} factures d'entretien et réparations depuis le {format_date(start)} "
            f"({format_eur(total)} sur {format_decimal(months, 1)} mois)."
        )
        return CostLine("maintenance", "Entretien et réparations", int(round_half_up(amount)), basis), True
    amount, detail = maintenance_monthly(facts, spec, make, reference, age, annual_km)
    basis = (
        f"Pas assez de factures sur 24 mois : estimation AutoCoach d'après la moyenne française "
        f"(44 €/mois, Roole Data 2024) : {detail}."
    )
    return CostLine("maintenance", "Entretien et réparations", int(round_half_up(amount)), basis), False


def _ct_line(reference: ReferenceData, as_of: date, ct: TechnicalInspectionStatus) -> CostLine:
    price = reference.prices.ct_price
    if ct.due_date <= add_months(as_of, 24):
        return CostLine(
            "controle_technique",
            "Contrôle technique",
            int(round_half_up(price / 24)),
            f"Un contrôle tous les 2 ans à environ {format_eur(price)} (tarifs libres, estimation AutoCoach), "
            + (
                f"premier {estimated_when(ct.due_date)} (date estimée)."
                if ct.estimated
                else f"{'échéance dépassée depuis le' if ct.due_date < as_of else 'prochain avant le'} "
                f"{format_date(ct.due_date)}."
            ),
        )
    return CostLine(
        "controle_technique",
        "Contrôle technique",
        0,
        f"Premier contrôle technique {estimated_when(ct.due_date) + ' (date estimée)' if ct.estimated else 'avant le ' + format_date(ct.due_date)} : rien à prévoir dans les 2 ans.",
    )


def _taxes_line(facts: VehicleFacts, reference: ReferenceData, as_of: date) -> CostLine:
    cg = reference.prices
    label = "Carte grise"
    months = cg.carte_grise_amortisation_months
    if facts.purchase_date is None:
        return CostLine("taxes", label, 0, "Date d'achat inconnue : carte grise non comptée.")
    if add_months(facts.purchase_date, months) <= as_of:
        return CostLine("taxes", label, 0, f"Carte grise payée à l'achat il y a plus de {months // 12} ans : plus rien à étaler.")
    if facts.fiscal_power is None:
        return CostLine("taxes", label, 0, "Puissance fiscale inconnue : carte grise non comptée.")
    age_at_purchase = years_between(facts.registration_date, facts.purchase_date)
    electric = facts.fuel_type == "electrique"
    if cg.carte_grise_rate_is_override:
        rate, where = cg.carte_grise_rate_per_cv, "taux de vos réglages"
    elif electric and facts.purchase_date < EV_REGIONAL_TAX_FROM:
        rate, where = 0.0, "voitures électriques exonérées de taxe régionale avant le 01/05/2025"
    else:
        rate, where = carte_grise_rate(facts.postcode, electric, reference)
    regional = facts.fiscal_power * rate
    detail = f"{facts.fiscal_power} CV × {format_eur(rate, 2)} ({where})"
    if age_at_purchase >= cg.carte_grise_old_years and regional:
        regional *= cg.carte_grise_old_factor
        detail += ", moitié prix : plus de 10 ans"
    total = regional + cg.carte_grise_fixed
    return CostLine(
        "taxes",
        label,
        int(round_half_up(total / months)),
        f"Carte grise estimée à {format_eur(total, 2)} ({detail}, + {format_eur(cg.carte_grise_fixed, 2)} de taxe fixe "
        f"et d'acheminement), étalée sur {months} mois.",
    )


def _battery_line(facts: VehicleFacts) -> CostLine | None:
    rent = facts.battery_rental_monthly
    if not rent or facts.fuel_type != "electrique":
        return None
    return CostLine(
        "battery_rental",
        "Location de la batterie",
        int(round_half_up(rent)),
        f"Loyer de la batterie indiqué par le propriétaire : {format_eur(rent, 2)} par mois.",
    )


def estimate_monthly_costs(
    facts: VehicleFacts,
    as_of: date,
    reference: ReferenceData,
    *,
    spec: ModelSpec | None,
    make: MakeSpec | None,
    annual_km: int,
    value_now: float,
    value_next_year: float,
    ct: TechnicalInspectionStatus,
) -> CostEstimate:
    age = years_between(facts.registration_date, as_of)
    loss = max(0.0, value_now - value_next_year)
    depreciation = CostLine(
        "depreciation",
        "Perte de valeur",
        int(round_half_up(loss / 12)),
        f"La valeur estimée passe d'environ {format_eur(round(value_now, -1))} à "
        f"{format_eur(round(value_next_year, -1))} en 12 mois en roulant {format_km(annual_km)}.",
    )
    maintenance, from_invoices = _maintenance_line(facts, spec, make, reference, as_of, age, annual_km)
    lines = (
        depreciation,
        _energy_line(facts, spec, reference, annual_km),
        _insurance_line(facts, spec, reference, age),
        maintenance,
        _ct_line(reference, as_of, ct),
        _taxes_line(facts, reference, as_of),
    )
    battery = _battery_line(facts)
    if battery is not None:
        lines += (battery,)
    return CostEstimate(
        total=sum(line.amount for line in lines),
        lines=lines,
        annual_km=annual_km,
        maintenance_from_invoices=from_invoices,
    )
