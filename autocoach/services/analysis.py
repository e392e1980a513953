"""Load a vehicle's facts from the database, run the engine, cache the result.

An `Analysis` row is reused while the inputs hash (facts + reference data +
day) is unchanged; any new reading, invoice or edit gives a new hash.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from autocoach.data import load_reference
from autocoach.db import read_session, write_session
from autocoach.domain.analysis import ENGINE_VERSION, AnalysisResult, analyze, inputs_hash
from autocoach.domain.facts import (
    SITUATION_FLAGS,
    InvalidVehicleData,
    VehicleFacts,
    vehicle_facts_from_dict,
)
from autocoach.domain.jsonable import to_jsonable
from autocoach.domain.odometer import OdometerReport, check_odometer
from autocoach.models import Analysis, Document, Expense, MileageReading, Vehicle
from autocoach.domain.vocabulary import DOCUMENT_TYPES
from autocoach.services import ai, report, vehicles
from autocoach.settings import get_settings

log = logging.getLogger(__name__)



def _facts_dict(session: Session, vehicle: Vehicle) -> dict:
    expenses = session.exec(select(Expense).where(Expense.vehicle_id == vehicle.id)).all()
    readings = session.exec(select(MileageReading).where(MileageReading.vehicle_id == vehicle.id)).all()
    histovec = session.exec(
        select(Document)
        .where(
            Document.vehicle_id == vehicle.id,
            Document.document_type == "histovec",
            Document.status == "processed",
            # Only what the owner applied: a held or kept report proves nothing here.
            Document.review_status == "applied",
        )
        .order_by(col(Document.uploaded_at))
    ).all()
    inspections: dict[str, dict] = {}
    situation: dict[str, bool] = {}
    claims = 0
    for document in histovec:  # later reports win
        fields = (document.extracted or {}).get("fields") or {}
        for inspection in fields.get("technical_inspections") or []:
            if inspection.get("date") and inspection.get("result"):
                inspections[str(inspection["date"])] = {
                    "date": inspection["date"],
                    "result": inspection["result"],
                    "mileage": inspection.get("mileage"),
                    "nature": inspection.get("nature") or "periodique",
                }
        for flag, value in (fields.get("situation") or {}).items():
            # The engine's "vol" covers the vehicle and its certificate.
            flag = "vol" if flag == "titre_vole" else flag
            if flag in SITUATION_FLAGS:
                situation[flag] = situation.get(flag, False) or bool(value)
        claims = max(claims, len(fields.get("claims") or []))
    return {
        "brand": vehicle.brand,
        "model": vehicle.model,
        "version": vehicle.version,
        "year": vehicle.year,
        "first_registration_date": vehicle.first_registration_date,
        "mileage": vehicle.mileage,
        "fuel_type": vehicle.fuel_type,
        "gearbox": vehicle.gearbox,
        "fiscal_power": vehicle.fiscal_power,
        "power_kw": vehicle.power_kw,
        "co2": vehicle.co2,
        "euro_class": vehicle.euro_class,
        "postcode": vehicle.postcode,
        "insurance_monthly": vehicle.insurance_monthly,
        "battery_rental_monthly": vehicle.battery_rental_monthly,
        "battery_soh": vehicle.battery_soh,
        "previous_owners": vehicle.previous_owners,
        "purchase_date": vehicle.purchase_date,
        "purchase_price": vehicle.purchase_price,
        "vin": vehicle.vin,
        "license_plate": vehicle.license_plate,
        "situation": situation,
        "claims_count": claims,
        "expenses": [
            {"date": e.date, "mileage": e.mileage, "category": e.category, "amount": e.amount, "label": e.label}
            for e in expenses
        ],
        "mileage_readings": [
            {"date": r.date, "km": r.km, "source": r.source, "typo": r.typo} for r in readings
        ],
        "technical_inspections": sorted(inspections.values(), key=lambda i: str(i["date"])),
    }


def stored_facts_dict(scope: vehicles.OwnerScope, vehicle_id: int) -> dict:
    """The engine's input as stored for this vehicle (JSON-like, dates in ISO form)."""
    with read_session() as session:
        vehicle = vehicles.owned_vehicle(session, scope, vehicle_id)
        return to_jsonable(_facts_dict(session, vehicle))


def vehicle_facts(scope: vehicles.OwnerScope, vehicle_id: int) -> VehicleFacts:
    """Everything the engine knows about the owner's vehicle."""
    with read_session() as session:
        vehicle = vehicles.owned_vehicle(session, scope, vehicle_id)
        return vehicle_facts_from_dict(to_jsonable(_facts_dict(session, vehicle)))


def odometer_report(scope: vehicles.OwnerScope, vehicle_id: int, as_of: date) -> OdometerReport:
    return check_odometer(vehicle_facts(scope, vehicle_id), as_of)


def odometer_warnings(scope: vehicles.OwnerScope, vehicle_id: int, as_of: date) -> list[str]:
    """The odometer findings the owner must see (none when the facts cannot be read:
    the analysis says why)."""
    try:
        report = odometer_report(scope, vehicle_id, as_of)
    except InvalidVehicleData:
        return []
    return [f.message for f in report.findings if f.severity in ("critical", "warning")]


@dataclass(frozen=True)
class VehicleAnalysis:
    result: AnalysisResult
    analysis_id: int
    from_cache: bool


def reference_data():
    """The engine's reference data with the owner's price overrides (PRICE_OVERRIDES)."""
    return load_reference(get_settings().price_overrides or None)


def analyze_vehicle(scope: vehicles.OwnerScope, vehicle_id: int, as_of: date) -> VehicleAnalysis:
    """The engine's result for this vehicle today, from the cache when inputs are unchanged."""
    reference = reference_data()
    facts = vehicle_facts(scope, vehicle_id)
    digest = inputs_hash(facts, reference, as_of)
    result = analyze(facts, as_of, reference)
    cached_id = _cached_analysis_id(vehicle_id, digest)
    if cached_id is not None:
        # The common case (every page load): no write transaction, no lock.
        return VehicleAnalysis(result, cached_id, True)
    with write_session() as session:
        vehicles.owned_vehicle(session, scope, vehicle_id)
        # Another worker may have stored it meanwhile.
        cached_id = _cached_analysis_id(vehicle_id, digest, session)
        if cached_id is not None:
            return VehicleAnalysis(result, cached_id, True)
        payload = result.to_json_dict()
        row = Analysis(
            vehicle_id=vehicle_id,
            reliability_score=result.reliability_score,
            monthly_cost_estimate=result.monthly_cost_estimate,
            resale_recommendation=payload.get("resale"),
            result=payload,
            inputs_hash=digest,
            engine_version=ENGINE_VERSION,
        )
        session.add(row)
        session.flush()
        return VehicleAnalysis(result, row.id, False)


def _cached_analysis_id(vehicle_id: int, digest: str, session: Session | None = None) -> int | None:
    query = select(Analysis.id).where(
        Analysis.vehicle_id == vehicle_id,
        Analysis.inputs_hash == digest,
        Analysis.engine_version == ENGINE_VERSION,
    )
    if session is not None:
        return session.exec(query).first()
    with read_session() as reader:
        return reader.exec(query).first()


def refresh_analyses(scope: vehicles.OwnerScope, as_of: date) -> None:
    """Bring every vehicle's cached analysis up to date (for the garage's cards).

    A vehicle the engine cannot analyse keeps its last analysis: the garage
    must open whatever one car's data looks like.
    """
    with read_session() as session:
        ids = session.exec(select(Vehicle.id).where(Vehicle.user_id == scope.user_id)).all()
    for vehicle_id in ids:
        try:
            analyze_vehicle(scope, vehicle_id, as_of)
        except vehicles.NotFound:
            continue
        except Exception:  # noqa: BLE001
            log.exception("Analysis of vehicle %s failed", vehicle_id)


@dataclass(frozen=True)
class Narrative:
    text: str
    from_ai: bool
    notice: str


def narrative(scope: vehicles.OwnerScope, analysis_id: int) -> Narrative:
    """The analysis in words: the AI's when configured and it answers, else the
    engine's. Stored with the analysis, so the model is asked once per analysis."""
    with read_session() as session:
        row = vehicles.owned_row(session, scope, Analysis, analysis_id, "Cette analyse est introuvable.")
        payload = dict(row.result or {})
    cached = payload.get("narrative")
    if cached:
        return Narrative(cached["text"], cached["source"] == "ai", cached.get("notice", ""))
    text = ai.narrate_analysis(payload)
    if text.source == "engine" and not text.notice:
        return Narrative(text.text, False, "")  # no AI configured: nothing to store
    with write_session() as session:
        row = session.get(Analysis, analysis_id)
        result = dict(row.result or {})
        result["narrative"] = {"text": text.text, "source": text.source, "notice": text.notice}
        row.result = result
        session.add(row)
    return Narrative(text.text, text.source == "ai", text.notice)


def vehicle_report(scope: vehicles.OwnerScope, vehicle_id: int, as_of: date) -> tuple[str, bytes]:
    """The PDF report of the owner's vehicle: (download name, bytes)."""
    done = analyze_vehicle(scope, vehicle_id, as_of)
    facts = vehicle_facts(scope, vehicle_id)
    papers = [
        report.ReportDocument(
            title=d.original_filename,
            type_label=DOCUMENT_TYPES.get(d.document_type or "", "Document"),
            date=d.uploaded_at.date(),
        )
        for d in vehicles.list_documents(scope, vehicle_id)
    ]
    data = report.ReportInput(
        facts=facts,
        analysis=done.result,
        license_plate=facts.license_plate,
        documents=papers,
        generated_at=as_of,
    )
    return report.report_filename(data), report.build_report(data)
