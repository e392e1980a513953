"""Where each value of a vehicle comes from, and which source wins.

Precedence (the README repeats it):
1. The owner's explicit correction wins over everything and stays marked so.
2. For identity and history fields (`FieldSpec.official`), official papers
   (carte grise, Histovec) beat the plate provider, which beats what the
   owner typed; between two papers the more recent one wins.
3. For the owner's own fields (purchase, colour, gearbox…) the latest value wins.
When sources disagree, `FieldProvenance.others` keeps the values not used, so
the page can show both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable

from autocoach.domain.formatting import format_date
from autocoach.domain.vehicle_schema import FIELDS_BY_NAME
from autocoach.domain.vocabulary import FACT_SOURCES

# Higher wins for official fields.
SOURCE_RANK: dict[str, int] = {
    "carte_grise": 3,
    "histovec": 3,
    "fournisseur_plaque": 2,
    "facture": 1,
    "proprietaire": 0,
}


@dataclass(frozen=True)
class SourcedValue:
    field: str
    value: Any
    source: str  # FACT_SOURCES id
    document_id: int | None = None
    source_date: date | None = None
    corrected: bool = False
    # Entry order: later entries win ties.
    sequence: int = 0


@dataclass(frozen=True)
class FieldProvenance:
    used: SourcedValue
    # Other sources' values that differ from the one used.
    others: tuple[SourcedValue, ...] = ()


def _key(claim: SourcedValue, official: bool) -> tuple:
    rank = SOURCE_RANK.get(claim.source, 0) if official else 0
    return (claim.corrected, rank, claim.source_date or date.min, claim.sequence)


def resolve(claims: Iterable[SourcedValue]) -> dict[str, FieldProvenance]:
    """The value each field uses, by the precedence in the module docstring."""
    by_field: dict[str, list[SourcedValue]] = {}
    for claim in claims:
        by_field.setdefault(claim.field, []).append(claim)
    resolved = {}
    for name, field_claims in by_field.items():
        spec = FIELDS_BY_NAME.get(name)
        official = bool(spec and spec.official)
        used = max(field_claims, key=lambda c: _key(c, official))
        others: dict[Any, SourcedValue] = {}
        for claim in sorted(field_claims, key=lambda c: _key(c, official), reverse=True):
            if claim.value != used.value and claim.value is not None and claim.value not in others:
                others[claim.value] = claim
        resolved[name] = FieldProvenance(used, tuple(others.values()))
    return resolved


def source_label(claim: SourcedValue) -> str:
    """ "carte grise du 12/03/2024", "saisi par vous", "corrigé par vous"… """
    if claim.source == "proprietaire":
        return "corrigé par vous" if claim.corrected else FACT_SOURCES["proprietaire"]
    label = FACT_SOURCES.get(claim.source, claim.source)
    if claim.source_date is not None:
        label = f"{label} du {format_date(claim.source_date)}"
    return f"{label}, corrigé par vous" if claim.corrected else label
