"""Keep or sell: what each choice leaves you with, in euros.

For "keep N years": cumulative cost = the running costs you will actually pay
(energy, insurance, maintenance & repairs, contrôle technique) × 12 × N, plus the
timing-belt job when it falls due within the period; value at the end = the
estimated market value then (age + N, km + N × yearly km); net position =
value at the end − cumulative cost. Depreciation is not a payment: it shows up
as the lower value at the end. Carte grise is already paid: not counted.
"Sell now": no cost, value today, net = value today.

The monthly equivalent of keeping uses the same definition as the summary's
monthly cost (value lost at the same raw values + running costs); what
differs is named in `versus_monthly_cost` (the carte grise already paid,
the timing-belt job that falls in the period).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from autocoach.domain.costs import CostEstimate
from autocoach.domain.formatting import format_eur, round_half_up
from autocoach.domain.reliability import TimingBeltStatus
from autocoach.domain.rules import add_years
from autocoach.domain.valuation import ValuationContext, round_to_50, vehicle_value

__all__ = ["Scenario", "RUNNING_COST_KEYS", "keep_or_sell_scenarios"]

RUNNING_COST_KEYS = ("energy", "insurance", "maintenance", "controle_technique", "battery_rental")


@dataclass(frozen=True)
class Scenario:
    key: str  # "vendre_maintenant", "garder_1_an", "garder_2_ans", "garder_3_ans"
    label: str
    years: int
    end_date: date
    cumulative_cost: int  # € paid over the period
    value_at_end: int  # estimated market value at the end
    net_position: int  # value_at_end - cumulative_cost
    monthly_equivalent: int  # real cost of keeping per month vs selling now (0 for selling now)
    note: str  # French
    versus_monthly_cost: str = ""  # French: why it differs from the summary's monthly cost


def keep_or_sell_scenarios(
    as_of: date,
    ctx: ValuationContext,
    age: float,
    km: int,
    annual_km: int,
    costs: CostEstimate,
    belt: TimingBeltStatus | None,
    belt_cost: float,
) -> tuple[Scenario, ...]:
    running = sum(line.amount for line in costs.lines if line.key in RUNNING_COST_KEYS)
    raw_now = vehicle_value(ctx, age, km)
    value_now = round_to_50(raw_now)
    taxes = sum(line.amount for line in costs.lines if line.key == "taxes")
    result = [
        Scenario(
            key="vendre_maintenant",
            label="Vendre maintenant",
            years=0,
            end_date=as_of,
            cumulative_cost=0,
            value_at_end=value_now,
            net_position=value_now,
            monthly_equivalent=0,
            note=f"Vous récupérez environ {format_eur(value_now)} et n'avez plus de frais.",
        )
    ]
    for years in (1, 2, 3):
        end = add_years(as_of, years)
        cost = running * 12 * years
        note = f"{format_eur(running)}/mois de frais courants pendant {years} an{'s' if years > 1 else ''}"
        if belt is not None and belt.due_date <= end:
            cost += int(round_half_up(belt_cost))
            note += f", plus la distribution (environ {format_eur(belt_cost)})"
        raw_end = vehicle_value(ctx, age + years, km + years * annual_km)
        value_end = round_to_50(raw_end)
        net = value_end - cost
        # Raw values, as in the monthly cost's depreciation line.
        monthly = max(0, int(round_half_up((raw_now - raw_end + cost) / (12 * years))))
        note += (
            f" ; la voiture vaudra alors environ {format_eur(value_end)}. "
            f"Garder coûte en tout environ {format_eur(monthly)} par mois, perte de valeur comprise."
        )
        gaps = []
        if taxes:
            gaps.append(f"la carte grise déjà payée n'est pas comptée ici (-{format_eur(taxes)}/mois)")
        if belt is not None and belt.due_date <= end:
            gaps.append(
                f"la distribution à faire pendant la période est comptée ici "
                f"(+{format_eur(round_half_up(belt_cost / (12 * years)))}/mois)"
            )
        if years > 1:
            gaps.append("la perte de valeur est moyennée sur toute la période")
        versus = (
            f"Même définition que le coût mensuel ({format_eur(costs.total)}) : perte de valeur et frais courants"
            + (" ; " + " ; ".join(gaps) if gaps else "")
            + "."
        )
        result.append(
            Scenario(
                key=f"garder_{years}_an" + ("s" if years > 1 else ""),
                label=f"Garder {years} an" + ("s" if years > 1 else ""),
                years=years,
                end_date=end,
                cumulative_cost=int(cost),
                value_at_end=value_end,
                net_position=int(net),
                monthly_equivalent=monthly,
                note=note,
                versus_monthly_cost=versus,
            )
        )
    return tuple(result)
