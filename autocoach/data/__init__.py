"""Reference data embedded in the package: car catalogue, depreciation, prices.

The JSON files beside this module carry their own sources (`_source` fields).
`load_reference()` parses them once (cached) and returns an immutable
`ReferenceData`; `overrides` lets the owner replace prices from the settings
without touching the files (fuel prices moved 25 % within months).

Files: models.json (catalogue, depreciation, weaknesses), prices.json (priors),
fuel_snapshot.json (dated pump prices, refreshed by `python -m autocoach prices
update`), regions.json (département → région, carte grise rates, insurance),
zfe.json (low-emission zones, dated legal status), service_schedules.json
(makers' service intervals), market.json (market reputation effects).
market_prices.json (real dated prices) feeds bench/bench_valuation.py only.

Stdlib only: the analysis engine imports this module.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Mapping

__all__ = [
    "DepreciationProfile",
    "MakeSpec",
    "ModelSpec",
    "FuelVariant",
    "TimingSpec",
    "Weakness",
    "SegmentSpec",
    "Prices",
    "ReferenceData",
    "load_reference",
    "makes",
    "models_for",
    "normalize_name",
    "OVERRIDE_KEYS",
]

_FILES = (
    "models.json",
    "prices.json",
    "fuel_snapshot.json",
    "regions.json",
    "zfe.json",
    "service_schedules.json",
    "market.json",
)

# Keys accepted in `load_reference(overrides=...)`, with what they replace.
OVERRIDE_KEYS: dict[str, str] = {
    "fuel_prices": "dict carburant -> €/l (essence, diesel, gpl, e85)",
    "electricity_home": "€/kWh à domicile",
    "electricity_public": "€/kWh sur borne publique",
    "public_charging_share": "part de la recharge sur borne publique (0..1)",
    "ct_price": "prix d'un contrôle technique (€)",
    "insurance_monthly": "assurance moyenne de référence (€/mois)",
    "timing_belt_job": "prix d'un remplacement de distribution (€)",
    "annual_km_default": "kilométrage annuel par défaut",
    "carte_grise_rate_per_cv": "taxe régionale de carte grise (€/CV)",
}


def normalize_name(text: str) -> str:
    """Lower-case, accents removed, punctuation turned into single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", " ", ascii_text).strip()


@dataclass(frozen=True)
class TimingSpec:
    kind: str  # "courroie", "courroie_humide", "chaine", "inconnu"
    km: int | None = None
    years: int | None = None
    note: str = ""

    @property
    def is_belt(self) -> bool:
        return self.kind in ("courroie", "courroie_humide") and bool(self.km or self.years)

    @property
    def label(self) -> str:
        return {
            "courroie": "courroie de distribution",
            "courroie_humide": "courroie de distribution baignée dans l'huile",
            "chaine": "chaîne de distribution",
        }.get(self.kind, "distribution (type non connu)")


@dataclass(frozen=True)
class FuelVariant:
    fuel: str
    litres_per_100km: float | None  # fuel (or LPG) per 100 km, real-world estimate
    kwh_per_100km: float | None  # EVs and plug-in hybrids
    new_price: int | None  # overrides the model price for this energy (EVs cost more)
    # (first_year, last_year or None, timing preset name), first match wins.
    timing: tuple[tuple[int, int | None, str], ...] = ()


@dataclass(frozen=True)
class Weakness:
    id: str
    title: str
    detail: str
    fuels: tuple[str, ...]
    years: tuple[int, int]
    engine_keywords: tuple[str, ...]
    penalty: float
    gearbox: str | None = None
    remedy_category: str | None = None
    # Precise engine/gearbox codes or version names ("ea189", "etg6"): a match
    # makes the weakness certain; a family keyword alone leaves it uncertain.
    codes: tuple[str, ...] = ()
    # Codes of sibling parts that are NOT concerned ("ea288", "eat6"): a match
    # rules the weakness out.
    excludes: tuple[str, ...] = ()

    def applies_to_year(self, year: int) -> bool:
        return self.years[0] <= year <= self.years[1]


@dataclass(frozen=True)
class ModelSpec:
    make: str
    model: str
    aliases: tuple[str, ...]
    segment: str
    years: tuple[int, int | None]
    new_price: int
    fuels: Mapping[str, FuelVariant]
    weaknesses: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.make} {self.model}"

    def variant(self, fuel: str) -> FuelVariant | None:
        """Data for this energy; E85/LPG conversions fall back to the petrol engine."""
        found = self.fuels.get(fuel)
        if found is None and fuel in ("e85", "gpl", "autre"):
            found = self.fuels.get("essence")
        return found


@dataclass(frozen=True)
class MakeSpec:
    name: str
    aliases: tuple[str, ...]
    profile: str
    reliability_prior: float
    maintenance_factor: float


@dataclass(frozen=True)
class DepreciationProfile:
    id: str
    label: str
    rates: tuple[float, ...]  # share of value lost during year 1, 2, ...
    then: float  # yearly rate after the listed years

    def rate(self, year_index: int) -> float:
        """Loss rate during year `year_index` (0 = first year)."""
        return self.rates[year_index] if year_index < len(self.rates) else self.then


@dataclass(frozen=True)
class SegmentSpec:
    id: str
    label: str
    new_price: int
    consumption: Mapping[str, Any]  # fuel -> l/100 (kWh for EV, [l, kWh] for PHEV)
    insurance_factor: float
    maintenance_monthly: float


@dataclass(frozen=True)
class Prices:
    fuel: Mapping[str, float]  # €/l, latest period unless overridden
    fuel_period: Mapping[str, str]
    electricity_home: float
    electricity_public: float
    public_charging_share: float
    e85_consumption_factor: float
    gpl_consumption_factor: float
    ct_price: float
    ct_fine: float
    insurance_monthly: float
    insurance_old_car_age: float
    insurance_old_car_factor: float
    maintenance_average_monthly: float
    maintenance_electric_factor: float
    maintenance_age_free_years: float
    maintenance_age_step: float
    maintenance_age_cap: float
    maintenance_reference_km: float
    maintenance_km_min: float
    maintenance_km_max: float
    timing_belt_job: float
    carte_grise_rate_per_cv: float  # national average, or the owner's override
    carte_grise_fixed: float
    carte_grise_old_years: float
    carte_grise_old_factor: float
    carte_grise_amortisation_months: int
    annual_km_default: int
    charging_losses: float = 0.0  # share of energy lost when charging at home
    electricity_period: str = ""
    fuel_snapshot_date: str = ""
    carte_grise_rate_is_override: bool = False
    insurance_is_override: bool = False

    @property
    def electricity_home_effective(self) -> float:
        """€ per kWh reaching the battery at home (tariff + charging losses)."""
        return self.electricity_home * (1 + self.charging_losses)

    @property
    def electricity_blended(self) -> float:
        """€/kWh for an average charging mix (mostly at home, losses included)."""
        share = self.public_charging_share
        return self.electricity_home_effective * (1 - share) + self.electricity_public * share


@dataclass(frozen=True)
class ValuationParams:
    standard_km_diesel: int
    standard_km_default: int
    mileage_weight: float
    mileage_bonus_cap_years: float
    mileage_malus_cap_years: float
    km_steps: tuple[tuple[int, float, str], ...]
    age_steps: tuple[tuple[float, float, str], ...]
    owner_step: float
    owner_floor: float
    minimum_value: int
    price_reference_year: int
    price_index_per_year: float


@dataclass(frozen=True, eq=False)
class ReferenceData:
    makes: Mapping[str, MakeSpec]
    models: tuple[ModelSpec, ...]
    segments: Mapping[str, SegmentSpec]
    weaknesses: Mapping[str, Weakness]
    timing_presets: Mapping[str, TimingSpec]
    profiles: Mapping[str, DepreciationProfile]
    valuation: ValuationParams
    prices: Prices
    sources: Mapping[str, str]
    fingerprint: str  # sha256 of the data files and overrides, for caching
    regions: Mapping[str, Any] = field(default_factory=dict)  # regions.json
    zfe: Mapping[str, Any] = field(default_factory=dict)  # zfe.json
    schedules: Mapping[str, Any] = field(default_factory=dict)  # service_schedules.json
    market: Mapping[str, Any] = field(default_factory=dict)  # market.json
    # Checkable sources (publisher, title, date, url) of the price snapshots.
    references: Mapping[str, Any] = field(default_factory=dict)
    _make_index: Mapping[str, str] = field(repr=False, default_factory=dict)

    # -- catalogue ---------------------------------------------------------
    def find_make(self, brand: str | None) -> MakeSpec | None:
        if not brand:
            return None
        name = self._make_index.get(normalize_name(brand))
        if name is None:
            name = self._make_index.get(normalize_name(brand).replace(" ", ""))
        return self.makes.get(name) if name else None

    def find_model(self, brand: str | None, model: str | None) -> ModelSpec | None:
        """Best catalogue entry for a make and a (possibly verbose) model name.

        Carte grise D.3 values look like "CLIO", "308 SW" or "GRAND C4 PICASSO":
        the longest catalogue name the input starts with wins.
        """
        make = self.find_make(brand)
        if make is None or not model:
            return None
        wanted = normalize_name(model)
        wanted_compact = wanted.replace(" ", "")
        best: tuple[int, ModelSpec] | None = None
        for spec in self.models:
            if spec.make != make.name:
                continue
            for name in (spec.model, *spec.aliases):
                cand = normalize_name(name)
                compact = cand.replace(" ", "")
                if not cand:
                    continue
                matched = (
                    wanted == cand
                    or wanted.startswith(cand + " ")
                    or wanted_compact == compact
                    or (len(compact) >= 3 and wanted_compact.startswith(compact))
                )
                if matched and (best is None or len(compact) > best[0]):
                    best = (len(compact), spec)
        return best[1] if best else None

    def make_names(self) -> list[str]:
        return sorted(self.makes, key=normalize_name)

    def model_names(self, make: str) -> list[str]:
        spec = self.find_make(make)
        if spec is None:
            return []
        return sorted((m.model for m in self.models if m.make == spec.name), key=normalize_name)

    def models_in_segment(self, segment: str) -> list[ModelSpec]:
        return [m for m in self.models if m.segment == segment]

    def timing_for(self, spec: ModelSpec | None, fuel: str, year: int) -> TimingSpec | None:
        variant = spec.variant(fuel) if spec is not None else None
        if variant is None:
            return None
        for first, last, preset in variant.timing:
            if first <= year and (last is None or year <= last):
                return self.timing_presets.get(preset)
        return None


# ---------------------------------------------------------------------------
# Loading


def _read(name: str) -> bytes:
    return resources.files(__package__).joinpath(name).read_bytes()


@lru_cache(maxsize=1)
def _raw() -> tuple[dict[str, Any], dict[str, Any], str]:
    blobs = {name: _read(name) for name in _FILES}
    digest = hashlib.sha256()
    for name in _FILES:
        digest.update(name.encode())
        digest.update(blobs[name])
    models = json.loads(blobs["models.json"])
    prices = json.loads(blobs["prices.json"])
    prices["_extra"] = {name: json.loads(blobs[name]) for name in _FILES[2:]}
    return models, prices, digest.hexdigest()


def _frozen(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


def _timing_list(value: Any) -> tuple[tuple[int, int | None, str], ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return ((0, None, value),)
    return tuple((int(a), None if b is None else int(b), str(p)) for a, b, p in value)


def _french_date(iso: str) -> str:
    """'2026-03-15' -> '15/03/2026' (the data module cannot import formatting)."""
    parts = iso.split("-")
    return "/".join(reversed(parts)) if len(parts) == 3 else iso


def _positive(name: str, value: Any, *, upper: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"Valeur invalide pour « {name} » : {value!r} (nombre positif attendu).")
    if upper is not None and value > upper:
        raise ValueError(f"Valeur invalide pour « {name} » : {value!r} (maximum {upper}).")
    return float(value)


def _build(overrides: Mapping[str, Any] | None) -> ReferenceData:
    models_raw, prices_raw, digest = _raw()
    # None means "not set" (an empty settings field), not zero.
    overrides = {k: v for k, v in dict(overrides or {}).items() if v is not None}
    unknown = sorted(set(overrides) - set(OVERRIDE_KEYS))
    if unknown:
        raise ValueError(f"Réglage de prix inconnu : {', '.join(unknown)}.")

    makes: dict[str, MakeSpec] = {}
    make_index: dict[str, str] = {}
    for name, m in models_raw["makes"].items():
        makes[name] = MakeSpec(
            name=name,
            aliases=tuple(m.get("aliases", ())),
            profile=m["profile"],
            reliability_prior=float(m.get("reliability_prior", 0.0)),
            maintenance_factor=float(m.get("maintenance_factor", 1.0)),
        )
        for alias in (name, *m.get("aliases", ())):
            make_index[normalize_name(alias)] = name
            make_index[normalize_name(alias).replace(" ", "")] = name

    weaknesses = {
        wid: Weakness(
            id=wid,
            title=w["title"],
            detail=w["detail"],
            fuels=tuple(w["fuels"]),
            years=(int(w["years"][0]), int(w["years"][1])),
            engine_keywords=tuple(normalize_name(k) for k in w.get("engine_keywords", ())),
            penalty=float(w["penalty"]),
            gearbox=w.get("gearbox"),
            remedy_category=w.get("remedy_category"),
            codes=tuple(normalize_name(k) for k in w.get("codes", ())),
            excludes=tuple(normalize_name(k) for k in w.get("excludes", ())),
        )
        for wid, w in models_raw["weaknesses"].items()
    }
    presets = {
        name: TimingSpec(kind=p["kind"], km=p.get("km"), years=p.get("years"), note=p.get("note", ""))
        for name, p in models_raw["timing_presets"].items()
        if not name.startswith("_")
    }
    models: list[ModelSpec] = []
    for m in models_raw["models"]:
        fuels = {
            fuel: FuelVariant(
                fuel=fuel,
                litres_per_100km=v.get("l"),
                kwh_per_100km=v.get("kwh"),
                new_price=v.get("new_price"),
                timing=_timing_list(v.get("timing")),
            )
            for fuel, v in m["fuels"].items()
        }
        for wid in m.get("weaknesses", ()):
            if wid not in weaknesses:
                raise ValueError(f"models.json: unknown weakness {wid!r} for {m['model']}")
        if m["make"] not in makes:
            raise ValueError(f"models.json: unknown make {m['make']!r}")
        models.append(
            ModelSpec(
                make=m["make"],
                model=m["model"],
                aliases=tuple(m.get("aliases", ())),
                segment=m["segment"],
                years=(int(m["years"][0]), m["years"][1]),
                new_price=int(m["new_price"]),
                fuels=MappingProxyType(fuels),
                weaknesses=tuple(m.get("weaknesses", ())),
            )
        )

    dep = models_raw["depreciation"]
    profiles = {
        pid: DepreciationProfile(id=pid, label=p["label"], rates=tuple(p["rates"]), then=float(p["then"]))
        for pid, p in dep["profiles"].items()
    }
    valuation = ValuationParams(
        standard_km_diesel=int(dep["standard_km_per_year"]["diesel"]),
        standard_km_default=int(dep["standard_km_per_year"]["default"]),
        mileage_weight=float(dep["mileage_weight"]),
        mileage_bonus_cap_years=float(dep["mileage_bonus_cap_years"]),
        mileage_malus_cap_years=float(dep["mileage_malus_cap_years"]),
        km_steps=tuple((int(s["km"]), float(s["factor"]), s["label"]) for s in dep["km_steps"]),
        age_steps=tuple((float(s["years"]), float(s["factor"]), s["label"]) for s in dep["age_steps"]),
        owner_step=float(dep["owner_step"]),
        owner_floor=float(dep["owner_floor"]),
        minimum_value=int(dep["minimum_value"]),
        price_reference_year=int(models_raw["price_reference_year"]),
        price_index_per_year=float(models_raw["price_index_per_year"]),
    )

    ins = prices_raw["insurance"]
    maint = prices_raw["maintenance"]
    segments = {
        sid: SegmentSpec(
            id=sid,
            label=s["label"],
            new_price=int(s["new_price"]),
            consumption=MappingProxyType(dict(s["consumption"])),
            insurance_factor=float(ins["segment_factors"].get(sid, 1.0)),
            maintenance_monthly=float(maint["segment_monthly"].get(sid, maint["average_monthly"])),
        )
        for sid, s in models_raw["segments"].items()
    }

    # Latest period of each fuel is the default price.
    fuel_price: dict[str, float] = {}
    fuel_period: dict[str, str] = {}
    for fuel, series in prices_raw["fuel_prices"].items():
        if fuel.startswith("_"):
            continue
        latest = max(series, key=lambda e: e["period"])
        fuel_price[fuel] = float(latest["price"])
        fuel_period[fuel] = str(latest["period"])
    extra = prices_raw["_extra"]
    snapshot = extra["fuel_snapshot.json"]
    for fuel, price in snapshot["prices"].items():
        if fuel in fuel_price and price is not None:
            fuel_price[fuel] = float(price)
            fuel_period[fuel] = f"relevé du {_french_date(snapshot['date'])}"
    for fuel, price in dict(overrides.get("fuel_prices") or {}).items():
        if fuel not in fuel_price:
            raise ValueError(f"Carburant inconnu dans les réglages de prix : {fuel}.")
        fuel_price[fuel] = _positive(f"fuel_prices.{fuel}", price, upper=10)
        fuel_period[fuel] = "réglage du propriétaire"

    elec = prices_raw["electricity"]
    ct = prices_raw["controle_technique"]
    cg = prices_raw["carte_grise"]

    def pick(key: str, default: Any, upper: float | None = None) -> float:
        return _positive(key, overrides[key], upper=upper) if key in overrides else float(default)

    prices = Prices(
        fuel=MappingProxyType(fuel_price),
        fuel_period=MappingProxyType(fuel_period),
        electricity_home=pick("electricity_home", elec["home"], 5),
        electricity_public=pick("electricity_public", elec["public"], 5),
        public_charging_share=pick("public_charging_share", elec["public_share"], 1),
        e85_consumption_factor=float(prices_raw["e85_consumption_factor"]),
        gpl_consumption_factor=float(prices_raw["gpl_consumption_factor"]),
        ct_price=pick("ct_price", ct["price"], 1000),
        ct_fine=float(ct["fine"]),
        insurance_monthly=pick("insurance_monthly", ins["average_monthly"], 2000),
        insurance_old_car_age=float(ins["old_car_age"]),
        insurance_old_car_factor=float(ins["old_car_factor"]),
        maintenance_average_monthly=float(maint["average_monthly"]),
        maintenance_electric_factor=float(maint["electric_factor"]),
        maintenance_age_free_years=float(maint["age_free_years"]),
        maintenance_age_step=float(maint["age_step_per_year"]),
        maintenance_age_cap=float(maint["age_factor_cap"]),
        maintenance_reference_km=float(maint["reference_km_per_year"]),
        maintenance_km_min=float(maint["km_factor_min"]),
        maintenance_km_max=float(maint["km_factor_max"]),
        timing_belt_job=pick("timing_belt_job", maint["timing_belt_job"], 20000),
        carte_grise_rate_per_cv=pick("carte_grise_rate_per_cv", cg["rate_per_cv"], 200),
        carte_grise_fixed=float(cg["fixed"]),
        carte_grise_old_years=float(cg["old_vehicle_years"]),
        carte_grise_old_factor=float(cg["old_vehicle_factor"]),
        carte_grise_amortisation_months=int(cg["amortisation_months"]),
        annual_km_default=int(pick("annual_km_default", prices_raw["usage"]["annual_km_default"], 200000)),
        charging_losses=float(elec.get("charging_losses", 0.0)),
        electricity_period=str(elec.get("home_period", "")),
        fuel_snapshot_date=str(snapshot["date"]),
        carte_grise_rate_is_override="carte_grise_rate_per_cv" in overrides,
        insurance_is_override="insurance_monthly" in overrides,
    )

    sources = {
        "catalogue": models_raw["_source"],
        "depreciation": dep["_source"],
        "makes": models_raw["makes_source"],
        "timing": models_raw["timing_presets"]["_source"],
        "prices": prices_raw["_source"],
        "fuel": snapshot["_source"],
        "electricity": elec["_source"],
        "controle_technique": ct["_source"],
        "insurance": ins["_source"],
        "maintenance": maint["_source"],
        "carte_grise": cg["_source"],
        "usage": prices_raw["usage"]["_source"],
    }
    fp = hashlib.sha256(
        (digest + json.dumps(overrides, sort_keys=True, default=str)).encode()
    ).hexdigest()
    return ReferenceData(
        makes=MappingProxyType(makes),
        models=tuple(models),
        segments=MappingProxyType(segments),
        weaknesses=MappingProxyType(weaknesses),
        timing_presets=MappingProxyType(presets),
        profiles=MappingProxyType(profiles),
        valuation=valuation,
        prices=prices,
        sources=MappingProxyType(sources),
        regions=_frozen(extra["regions.json"]),
        zfe=_frozen(extra["zfe.json"]),
        schedules=_frozen(extra["service_schedules.json"]),
        market=_frozen(extra["market.json"]),
        references=_frozen({"fuel": snapshot["source"], "electricity": elec["source"]}),
        fingerprint=fp,
        _make_index=MappingProxyType(make_index),
    )


@lru_cache(maxsize=1)
def _default_reference() -> ReferenceData:
    return _build(None)


def load_reference(overrides: Mapping[str, Any] | None = None) -> ReferenceData:
    """Reference data, with owner price overrides applied (see OVERRIDE_KEYS).

    Raises ValueError (French message) for an unknown or invalid override.
    Without overrides the result is cached and shared.
    """
    if not overrides:
        return _default_reference()
    return _build(overrides)


def makes() -> list[str]:
    """Makes of the catalogue, sorted, for the UI's select."""
    return _default_reference().make_names()


def models_for(make: str) -> list[str]:
    """Model names of one make (empty list for an unknown make)."""
    return _default_reference().model_names(make)
