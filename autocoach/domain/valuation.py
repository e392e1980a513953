"""Market value today, value curve, and resale advice.

Value = new price × depreciation(effective age) × mileage steps × age steps
        × owners factor × condition factor

- new price: catalogue price (per energy) deflated by 2 %/yr for older years;
- depreciation: the profile's yearly loss rates, linear inside a year;
- effective age = age + 0.5 × clamp(km / standard_km − age, −2, +10), with the
  L'argus standard of 15,000 km/yr (20,000 diesel): 1 extra "standard year" of
  kilometres counts as half a year of age. Because the weight is < 1, the
  effective age still grows with age, so the value never rises with age; it
  grows with km, so the value never rises with km either;
- km steps (100k, 150k, 200k) and the 10-year step only multiply by ≤ 1;
- market reputation (market.json, issue 14): a known weakness buyers price in
  (1.2 PureTech belt), a class banned in the Grand Paris / Lyon ZFE, an
  odometer drop (proportional to its size and sources' trust), the battery's
  state of health; a rented battery removes 2 000 to 5 000 € (30 % of the
  value, clamped). Each shows with its effect in the explanation.

Every constant comes from the reference data (depreciation section).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date

from autocoach.data import DepreciationProfile, MakeSpec, ModelSpec, ReferenceData, SegmentSpec, ValuationParams
from autocoach.domain.facts import VehicleFacts
from autocoach.domain.formatting import (
    format_date,
    format_decimal,
    format_eur,
    format_km,
    format_month_year,
)
from autocoach.domain.odometer import OdometerReport
from autocoach.domain.reliability import UNKNOWN_ENGINE_FACTOR, TimingBeltStatus, applicable_weaknesses
from autocoach.domain.rules import (
    SaleInspectionCheck,
    TechnicalInspectionStatus,
    add_fraction_of_years,
    add_months,
    add_years,
    estimated_when,
)
from autocoach.domain.wording import count, lower_first, segment_noun

__all__ = [
    "ValuationContext",
    "ValueEstimate",
    "ValuePoint",
    "ResaleAdvice",
    "round_to_50",
    "new_price_for",
    "profile_for",
    "depreciation_factor",
    "effective_age",
    "vehicle_value",
    "valuation_context",
    "estimate_value",
    "value_curve",
    "resale_advice",
]

BASE_SPREAD = 0.08  # ± around the point estimate for a catalogued model, version known
UNKNOWN_VERSION_SPREAD = 0.12  # trim and options unknown: listings differ more
UNKNOWN_MODEL_SPREAD = 0.15
DOUBT_SPREAD = 0.05  # extra when the odometer is doubtful
ASK_FACTOR = 1.05  # asking price leaves room for negotiation
ACCEPT_FACTOR = 0.95
SELL_HORIZON_MONTHS = 24


def round_to_50(value: float) -> int:
    """Nearest multiple of 50 € (half up); monotone, so order is kept."""
    return int(math.floor(value / 50 + 0.5)) * 50


@dataclass(frozen=True)
class ValuationContext:
    """Everything the value depends on except age and km."""

    new_price: float
    profile: DepreciationProfile
    standard_km: int
    params: ValuationParams
    owner_factor: float
    condition_factor: float
    condition_notes: tuple[str, ...]
    spread: float
    new_price_basis: str
    battery_rental: bool = False  # a rented EV battery: a deduction in euros
    battery_deduction: tuple[float, float, float] = (0.0, 0.0, 0.0)  # (min €, max €, share of value)


@dataclass(frozen=True)
class ValueEstimate:
    value_low: int
    value: int
    value_high: int
    raw: float  # unrounded point estimate
    age_years: float
    effective_age: float
    km: int


@dataclass(frozen=True)
class ValuePoint:
    date: date
    age_years: float
    km: int
    value: int


@dataclass(frozen=True)
class ResaleAdvice:
    value_low: int
    value_estimate: int
    value_high: int
    recommended_price: int
    accept_price: int
    best_time_to_sell: date | None
    best_time_label: str
    best_time_reason: str
    reasoning: str


# ---------------------------------------------------------------------------
# Pure building blocks


def _of(segment: SegmentSpec) -> str:
    """"d'une compacte", "d'un SUV urbain"."""
    noun = segment_noun(segment.id, segment.label)
    return f"d'{'une' if noun.feminine else 'un'} {noun.text}"


def new_price_for(
    facts: VehicleFacts, spec: ModelSpec | None, reference: ReferenceData
) -> tuple[float, str]:
    params = reference.valuation
    if spec is not None:
        variant = spec.variant(facts.fuel_type)
        price = variant.new_price if variant and variant.new_price else spec.new_price
        basis = f"prix neuf catalogue d'environ {format_eur(price)} ({spec.label}, estimation AutoCoach)"
    else:
        segment = reference.segments["C"]
        price = segment.new_price
        basis = (
            f"modèle absent du catalogue : prix neuf moyen {_of(segment)} "
            f"({format_eur(price)}), fourchette élargie"
        )
    years_back = max(0, params.price_reference_year - facts.year)
    deflated = price * (1 - params.price_index_per_year) ** years_back
    if years_back:
        basis += f", ramené à environ {format_eur(round(deflated, -2))} pour un modèle {facts.year}"
    return deflated, basis


def profile_for(
    facts: VehicleFacts, make: MakeSpec | None, reference: ReferenceData
) -> DepreciationProfile:
    if facts.fuel_type == "electrique":
        return reference.profiles["electrique"]
    if make is not None:
        return reference.profiles[make.profile]
    return reference.profiles["standard"]


def depreciation_factor(profile: DepreciationProfile, age: float) -> float:
    """Share of the new price left after `age` years (linear inside a year)."""
    age = max(0.0, age)
    whole = int(age)
    factor = 1.0
    for i in range(whole):
        factor *= 1 - profile.rate(i)
    return factor * (1 - profile.rate(whole) * (age - whole))


def effective_age(age: float, km: float, standard_km: int, params: ValuationParams) -> float:
    excess_years = km / standard_km - age
    excess_years = min(params.mileage_malus_cap_years, max(-params.mileage_bonus_cap_years, excess_years))
    return max(0.0, age + params.mileage_weight * excess_years)


def vehicle_value(ctx: ValuationContext, age: float, km: float) -> float:
    """Raw market value (€, unrounded) at this age and odometer reading."""
    params = ctx.params
    value = ctx.new_price * depreciation_factor(ctx.profile, effective_age(age, km, ctx.standard_km, params))
    for threshold, factor, _ in params.km_steps:
        if km >= threshold:
            value *= factor
    for years, factor, _ in params.age_steps:
        if age >= years:
            value *= factor
    value *= ctx.owner_factor * ctx.condition_factor
    if ctx.battery_rental:
        low, high, share = ctx.battery_deduction
        # Monotone in the value (older is never worth more).
        value -= min(high, max(low, share * value))
    return max(float(params.minimum_value), value)


def battery_rental_deduction(ctx: ValuationContext, value_before: float) -> float:
    """Euros a rented battery removes from a value (for the explanation)."""
    if not ctx.battery_rental:
        return 0.0
    low, high, share = ctx.battery_deduction
    return min(high, max(low, share * value_before))


# ---------------------------------------------------------------------------
# From facts


def valuation_context(
    facts: VehicleFacts,
    reference: ReferenceData,
    *,
    spec: ModelSpec | None,
    make: MakeSpec | None,
    odometer: OdometerReport | None = None,
    ct_pending: bool = False,
    zfe_ban: str | None = None,
    age: float | None = None,
    as_of: date | None = None,
    typical: bool = False,
) -> ValuationContext:
    """Price, profile and the age/km-independent factors of one car.

    Only negative condition signals move the value (rollback, pending
    contre-visite, VE procedure, claims, reputation): a bonus tied to the maintenance
    record would jump when the car turns one and break "older is never
    worth more". Good maintenance shows in the reliability score instead.
    The one bonus is a measured battery state of health above what the age
    predicts: fixed for the car (computed at today's age), it cannot jump.
    """
    params = reference.valuation
    new_price, basis = new_price_for(facts, spec, reference)
    standard = params.standard_km_diesel if facts.fuel_type == "diesel" else params.standard_km_default
    owners_total = (facts.previous_owners if facts.previous_owners is not None else 1) + 1
    owner_factor = max(params.owner_floor, 1 - params.owner_step * (owners_total - 1))

    condition = 1.0
    notes: list[str] = []
    market = reference.market

    def apply(factor: float, text: str) -> None:
        nonlocal condition
        if factor == 1:
            return
        condition *= factor
        sign = "+" if factor > 1 else "-"
        notes.append(f"{text} ({sign}{format_decimal(abs(1 - factor) * 100, 0)} %)")

    if odometer is not None and odometer.rollback_suspected:
        unproven = market["unproven_mileage"]
        # Proportional to the drop and the trust in its readings (issue 14).
        apply(1 - float(unproven["max_discount"]) * odometer.rollback_weight, unproven["label"])
    if ct_pending:
        apply(0.95, "contre-visite en attente")
    if facts.situation.procedure_ve or facts.situation.vei:
        apply(0.80, "procédure véhicule endommagé")
    elif facts.claims_count:
        n = min(3, facts.claims_count)
        apply(1 - 0.03 * n, count(facts.claims_count, "sinistre expertisé"))
    for applied in applicable_weaknesses(facts, spec, reference):
        effect = market["weakness_effects"].get(applied.weakness.id)
        if effect is None or (as_of is not None and as_of < date.fromisoformat(effect["since"])):
            continue  # a reputation moves prices only once it is public
        if typical and not applied.certain:
            continue  # a rival's typical version: only what holds for every version
        loss = 1 - float(effect["factor"])
        if not applied.certain:
            loss *= UNKNOWN_ENGINE_FACTOR  # engine not known: as in the reliability score
        if applied.remedy is not None:
            loss /= 2  # the part was replaced: the reputation remains
        apply(1 - loss, effect["label"])
    if zfe_ban is not None:
        apply(float(market["zfe_banned"]["factor"]), f"{market['zfe_banned']['label']} ({zfe_ban})")
    if facts.fuel_type == "electrique" and facts.battery_soh is not None and age is not None:
        soh = market["battery_soh"]
        expected = float(soh["expected_at_new"]) - float(soh["loss_per_year"]) * age
        gap = (facts.battery_soh - expected) / 100 * float(soh["weight"])
        cap = float(soh["cap"])
        apply(1 + min(cap, max(-cap, gap)), f"{soh['label']} {facts.battery_soh} % (environ {format_decimal(max(0.0, expected), 0)} % attendus à cet âge)")
    if as_of is not None:
        index = market["used_market_index"]
        years = sorted(int(y) for y in index["by_year"])
        year = min(max(as_of.year, years[0]), years[-1])
        level = float(index["by_year"][str(year)])
        apply(level, f"{index['label']} {as_of.year}")
    rental = market["battery_rental"]
    battery_rental = facts.fuel_type == "electrique" and bool(facts.battery_rental_monthly)

    if spec is None:
        spread = UNKNOWN_MODEL_SPREAD
    else:
        spread = BASE_SPREAD if (facts.version or facts.engine) else UNKNOWN_VERSION_SPREAD
    if odometer is not None and not odometer.consistent:
        spread += DOUBT_SPREAD
    return ValuationContext(
        new_price=new_price,
        profile=profile_for(facts, make, reference),
        standard_km=standard,
        params=params,
        owner_factor=owner_factor,
        condition_factor=condition,
        condition_notes=tuple(notes),
        spread=spread,
        new_price_basis=basis,
        battery_rental=battery_rental,
        battery_deduction=(float(rental["min"]), float(rental["max"]), float(rental["share"])),
    )


def estimate_value(ctx: ValuationContext, age: float, km: int) -> ValueEstimate:
    raw = vehicle_value(ctx, age, km)
    return ValueEstimate(
        value_low=round_to_50(raw * (1 - ctx.spread)),
        value=round_to_50(raw),
        value_high=round_to_50(raw * (1 + ctx.spread)),
        raw=raw,
        age_years=age,
        effective_age=effective_age(age, km, ctx.standard_km, ctx.params),
        km=km,
    )


def value_curve(
    ctx: ValuationContext, as_of: date, age: float, km: int, annual_km: int, years: int = 5
) -> tuple[ValuePoint, ...]:
    """Value today and on each of the next `years` anniversaries of `as_of`."""
    return tuple(
        ValuePoint(
            date=add_years(as_of, n),
            age_years=round(age + n, 1),
            km=int(km + n * annual_km),
            value=round_to_50(vehicle_value(ctx, age + n, km + n * annual_km)),
        )
        for n in range(years + 1)
    )


# ---------------------------------------------------------------------------
# Resale advice


@dataclass(frozen=True)
class _Moment:
    deadline: date
    label: str
    reason: str


def _moments(
    facts: VehicleFacts,
    as_of: date,
    ctx: ValuationContext,
    km: int,
    annual_km: int,
    ct: TechnicalInspectionStatus,
    sale: SaleInspectionCheck,
    belt: TimingBeltStatus | None,
    belt_cost: float,
) -> list[_Moment]:
    horizon = add_months(as_of, SELL_HORIZON_MONTHS)
    reg = facts.registration_date
    guessed = facts.first_registration_date is None  # dates from reg are estimates
    found: list[_Moment] = []
    if belt is not None and not belt.overdue and belt.due_date <= horizon:
        found.append(
            _Moment(
                belt.due_date,
                "avant le remplacement de la distribution",
                "La distribution est à remplacer "
                + (f"{estimated_when(belt.due_date)} (date estimée)" if belt.estimated else f"vers le {format_date(belt.due_date)}")
                + (f" ou à {format_km(belt.due_km)}" if belt.due_km else "")
                + f" (environ {format_eur(belt_cost)}) : vendre avant vous évite cette dépense, "
                f"qu'un acheteur averti déduirait de toute façon du prix après.",
            )
        )
    first_ct = add_years(reg, 4)
    if as_of < first_ct <= horizon:
        found.append(
            _Moment(
                first_ct,
                "avant les 4 ans du véhicule",
                (f"Jusque {estimated_when(first_ct)} (date estimée)" if guessed else f"Jusqu'au {format_date(first_ct)}")
                + ", le véhicule a moins de 4 ans : la vente se fait sans contrôle technique. Après, il "
                "faudra en présenter un de moins de 6 mois.",
            )
        )
    elif as_of >= first_ct:
        if sale.ok and sale.valid_until is not None and sale.valid_until >= as_of:
            found.append(
                _Moment(
                    sale.valid_until,
                    "tant que le contrôle technique a moins de 6 mois",
                    f"{sale.message} Vendre d'ici là évite de repasser le contrôle pour la vente.",
                )
            )
        elif ct.kind == "periodique" and ct.overdue:
            window_end = add_months(as_of, 6)
            found.append(
                _Moment(
                    window_end,
                    "dans les 6 mois suivant le contrôle technique à repasser",
                    f"Le contrôle technique est dépassé depuis le {format_date(ct.due_date)} : "
                    f"repassez-le sans attendre ; il servira aussi pour une vente conclue dans les "
                    f"6 mois, soit avant le {format_date(window_end)}.",
                )
            )
        elif ct.kind == "periodique" and as_of <= ct.due_date <= horizon:
            window_end = add_months(ct.due_date, 6)
            found.append(
                _Moment(
                    window_end,
                    "dans les 6 mois suivant le prochain contrôle technique",
                    f"Le prochain contrôle technique est à faire avant le {format_date(ct.due_date)} : "
                    f"il servira aussi pour la vente si celle-ci a lieu dans les 6 mois qui suivent, "
                    f"soit avant le {format_date(window_end)}.",
                )
            )
    for threshold, factor, label in ctx.params.km_steps:
        if km < threshold:
            when = add_fraction_of_years(as_of, (threshold - km) / max(annual_km, 1))
            if when <= horizon:
                found.append(
                    _Moment(
                        when,
                        f"avant {format_km(threshold)}",
                        f"À votre rythme (environ {format_km(annual_km)} par an), le compteur passera "
                        f"{format_km(threshold)} vers {format_month_year(when)} ; ce seuil, filtre courant "
                        f"des acheteurs, fait perdre environ {round((1 - factor) * 100)} % de valeur.",
                    )
                )
            break
    for years, factor, label in ctx.params.age_steps:
        step_date = add_years(reg, int(years))
        if as_of < step_date <= horizon:
            found.append(
                _Moment(
                    step_date,
                    f"avant les {int(years)} ans du véhicule",
                    (f"{estimated_when(step_date).capitalize()} (date estimée)" if guessed else f"Le {format_date(step_date)}")
                    + f", le véhicule aura {int(years)} ans : ce cap fait perdre "
                    f"environ {round((1 - factor) * 100)} % de valeur en plus de la décote normale.",
                )
            )
    return sorted(found, key=lambda m: m.deadline)


def _que(clause: str) -> str:
    """"que" + clause, elided before a vowel ("qu'un contrôle…")."""
    return ("qu'" if clause[:1].lower() in "aeiouyéèêh" else "que ") + clause


def _join_clauses(clauses: tuple[str, ...]) -> str:
    """"que A, que B et que C" as French reads it."""
    parts = [_que(c) for c in clauses]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " et " + parts[-1]


def resale_advice(
    facts: VehicleFacts,
    as_of: date,
    ctx: ValuationContext,
    estimate: ValueEstimate,
    *,
    annual_km: int,
    ct: TechnicalInspectionStatus,
    sale: SaleInspectionCheck,
    belt: TimingBeltStatus | None,
    belt_cost: float,
    odometer: OdometerReport,
    next_year_value: float,
    blockers: tuple[str, ...] = (),
) -> ResaleAdvice:
    """Value range, asking price and when to sell.

    `blockers` (French clauses, e.g. "le gage n'est pas levé"): a sale is then
    impossible, and the timing says so instead of giving a date.
    """
    recommended = min(estimate.value_high, round_to_50(estimate.raw * ASK_FACTOR))
    accept = max(estimate.value_low, round_to_50(estimate.raw * ACCEPT_FACTOR))
    moments = _moments(facts, as_of, ctx, estimate.km, annual_km, ct, sale, belt, belt_cost)
    yearly_loss = max(0.0, estimate.raw - next_year_value)
    if blockers:
        when = None
        label = "Vente impossible tant " + _join_clauses(blockers)
        reason = "Régularisez d'abord : aucune date de vente ne peut être conseillée avant."
    elif moments:
        best = moments[0]
        if (best.deadline - as_of).days <= 31:
            label = "Dès maintenant"
        else:
            label = f"Avant {format_month_year(best.deadline)} ({best.label})"
        when: date | None = best.deadline
        reason = best.reason
    else:
        when = None
        label = "Pas d'échéance particulière"
        reason = (
            "Aucun seuil (distribution, contrôle technique, kilométrage, âge) dans les 2 prochaines "
            f"années : la valeur baisse régulièrement, d'environ {format_eur(round(yearly_loss, -1))} par an."
        )

    parts = [
        f"Valeur estimée : {format_eur(estimate.value)} (fourchette {format_eur(estimate.value_low)} à "
        f"{format_eur(estimate.value_high)}).",
        f"Calcul : {ctx.new_price_basis} ; décote « {ctx.profile.label} » sur "
        f"{format_decimal(estimate.age_years, 1)} ans, âge équivalent "
        f"{format_decimal(estimate.effective_age, 1)} ans compte tenu des {format_km(estimate.km)} "
        f"(référence {format_km(ctx.standard_km)} par an).",
    ]
    if ctx.owner_factor < 1:
        parts.append(f"Nombre de propriétaires : -{round((1 - ctx.owner_factor) * 100)} %.")
    if ctx.condition_notes:
        parts.append("Ajustements : " + ", ".join(ctx.condition_notes) + ".")
    if ctx.battery_rental:
        before = vehicle_value(replace(ctx, battery_rental=False), estimate.age_years, estimate.km)
        deduction = before - estimate.raw
        parts.append(
            f"Batterie en location : -{format_eur(round(deduction, -1))} (les acheteurs paient 2 000 à "
            f"5 000 € de moins qu'avec une batterie achetée)."
        )
    parts.append(
        f"Affichez {format_eur(recommended)} pour garder une marge de négociation ; "
        f"n'acceptez pas moins de {format_eur(accept)}."
    )
    if facts.purchase_price and facts.purchase_date:
        parts.append(
            f"Vous l'avez payée {format_eur(facts.purchase_price)} le {format_date(facts.purchase_date)}."
        )
    parts.append(sale.message)
    if odometer.rollback_suspected:
        parts.append(
            "Le kilométrage ne peut pas être justifié : l'annonce doit porter la mention "
            "« kilométrage compteur non garanti »."
        )
    s = facts.situation
    if s.gage:
        parts.append("Un gage est inscrit : il doit être levé avant la vente.")
    if s.opposition or s.saisie or s.vol or s.suspension or s.annulation:
        parts.append("La situation administrative (Histovec) bloque la vente tant qu'elle n'est pas régularisée.")
    if belt is not None and belt.overdue:
        parts.append(
            f"La distribution est à faire ou à justifier : un acheteur déduira environ {format_eur(belt_cost)} du prix."
        )
    parts.append(f"Meilleur moment pour vendre : {lower_first(label)}. {reason}")
    return ResaleAdvice(
        value_low=estimate.value_low,
        value_estimate=estimate.value,
        value_high=estimate.value_high,
        recommended_price=recommended,
        accept_price=accept,
        best_time_to_sell=when,
        best_time_label=label,
        best_time_reason=reason,
        reasoning=" ".join(parts),
    )
