"""The resale assistant: write the ad from the vehicle's facts, keep every
version, export it for LeBonCoin and La Centrale."""

from __future__ import annotations

import dataclasses
from datetime import date

from sqlmodel import col, select

from autocoach.db import read_session, write_session
from autocoach.domain import ad as ads
from autocoach.domain.analysis import analyze
from autocoach.models import Document, Expense, GeneratedAd, Vehicle
from autocoach.services import analysis, vehicles
from autocoach.settings import get_settings


def title_limit(platform: str) -> int:
    settings = get_settings()
    return settings.lacentrale_title_max if platform == "lacentrale" else settings.leboncoin_title_max


def _ad_facts(scope: vehicles.OwnerScope, vehicle_id: int, as_of: date) -> ads.AdFacts:
    facts = analysis.vehicle_facts(scope, vehicle_id)
    with read_session() as session:
        vehicle = vehicles.owned_vehicle(session, scope, vehicle_id)
        histovec_read = (
            session.exec(
                select(Document.id).where(
                    Document.vehicle_id == vehicle_id,
                    Document.document_type == "histovec",
                    Document.status == "processed",
                )
            ).first()
            is not None
        )
        invoice_rows = session.exec(
            select(Expense).where(Expense.vehicle_id == vehicle_id, col(Expense.document_id).is_not(None))
        ).all()
        color = vehicle.color
    # Only expenses read from an invoice count as proof in the ad.
    proven = {(e.date, round(e.amount, 2)) for e in invoice_rows}
    invoice_expenses = [e for e in facts.expenses if (e.date, round(e.amount, 2)) in proven]
    return ads.ad_facts(
        facts,
        analyze(facts, as_of, analysis.reference_data()),
        color=color,
        documents_proven={"histovec": histovec_read, "invoice_expenses": invoice_expenses},
    )


def _save(vehicle_id: int, ad: ads.Ad, source: str) -> GeneratedAd:
    payload = ads.export_ad(ad, ad.platform)
    payload["seller_reminders"] = list(ad.seller_reminders)
    payload["photo_checklist"] = list(ad.photo_checklist)
    payload["legal_mentions"] = list(ad.legal_mentions)
    payload["missing_legal"] = list(ad.missing_legal)
    payload["negotiation_margin"] = ad.negotiation_margin
    with write_session() as session:
        row = GeneratedAd(
            vehicle_id=vehicle_id,
            platform=ad.platform,
            title=ad.title,
            description=ad.description,
            price=ad.price,
            payload=payload,
            source=source,
            variant=ad.variant,
        )
        session.add(row)
        session.flush()
        return row


def generate(
    scope: vehicles.OwnerScope, vehicle_id: int, as_of: date, *, platform: str = "leboncoin", variant: int = 0
) -> GeneratedAd:
    """Write a new ad (the template engine; the AI rewrites it when configured)."""
    from autocoach.services import ai

    limit = title_limit(platform)
    ad = ads.generate_ad(_ad_facts(scope, vehicle_id, as_of), platform=platform, title_max=limit, variant=variant)
    source = "template"
    if get_settings().ai_enabled:
        rewritten = ai.rewrite_ad(
            {
                "title": ad.title,
                "description": ad.description,
                "criteria": dict(ad.criteria),
                "price": ad.price,
                "title_max": limit,
                "legal_mentions": list(ad.legal_mentions),
            }
        )
        if rewritten:
            ad = dataclasses.replace(ad, title=rewritten["title"], description=rewritten["description"])
            source = "ai"
    return _save(vehicle_id, ad, source)


def save_edit(
    scope: vehicles.OwnerScope, vehicle_id: int, *, title: str, description: str, price: int
) -> GeneratedAd:
    """Keep the owner's edited version as the latest one."""
    latest = latest_ad(scope, vehicle_id)
    if latest is None:
        raise vehicles.NotFound("Générez d'abord une annonce.")
    payload = dict(latest.payload or {})
    with write_session() as session:
        vehicles.owned_vehicle(session, scope, vehicle_id)
        row = GeneratedAd(
            vehicle_id=vehicle_id,
            platform=latest.platform,
            title=title,
            description=description,
            price=price,
            payload=payload,
            source="edited",
            variant=latest.variant,
        )
        session.add(row)
        session.flush()
        return row


def latest_ad(scope: vehicles.OwnerScope, vehicle_id: int) -> GeneratedAd | None:
    with read_session() as session:
        vehicles.owned_vehicle(session, scope, vehicle_id)
        return session.exec(
            select(GeneratedAd)
            .where(GeneratedAd.vehicle_id == vehicle_id)
            .order_by(col(GeneratedAd.created_at).desc(), col(GeneratedAd.id).desc())
        ).first()


def history(scope: vehicles.OwnerScope, vehicle_id: int) -> list[GeneratedAd]:
    with read_session() as session:
        vehicles.owned_vehicle(session, scope, vehicle_id)
        return list(
            session.exec(
                select(GeneratedAd)
                .join(Vehicle, Vehicle.id == GeneratedAd.vehicle_id)
                .where(GeneratedAd.vehicle_id == vehicle_id)
                .order_by(col(GeneratedAd.created_at).desc(), col(GeneratedAd.id).desc())
            ).all()
        )


def _criteria(row: GeneratedAd, platform: str) -> list[dict]:
    """The listing's fields, with the target platform's labels."""
    labels = ads.PLATFORMS[platform].field_labels if platform in ads.PLATFORMS else {}
    return [
        {"field": c["field"], "label": labels.get(c["field"], c["label"]), "value": c["value"]}
        for c in (row.payload or {}).get("criteria") or []
        if c.get("value")
    ]


def _normalized(text: str) -> str:
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split()).casefold()


def missing_mentions(row: GeneratedAd) -> list[str]:
    """Legal mentions ("Kilométrage : 63 890 km ...") whose value the (possibly
    edited) ad no longer carries anywhere: title, description, criteria, price."""
    text = _normalized(as_text(row))
    missing = []
    for mention in (row.payload or {}).get("legal_mentions") or []:
        value = mention.split(" : ", 1)[-1]
        if _normalized(value) not in text:
            missing.append(mention)
    return missing


def as_text(row: GeneratedAd, platform: str | None = None) -> str:
    """The whole ad to paste: title, description, criteria, price."""
    criteria = _criteria(row, platform or row.platform)
    lines = "\n".join(f"{c['label']} : {c['value']}" for c in criteria)
    blocks = [row.title, row.description, lines, f"Prix : {_eur(row.price)} TTC"]
    return "\n\n".join(b for b in blocks if b) + "\n"


def _eur(value: int) -> str:
    from autocoach.domain.formatting import format_eur

    return format_eur(value)


def export(row: GeneratedAd, platform: str) -> dict:
    """The ad as a platform's JSON (the latest text, the platform's field labels)."""
    payload = dict(row.payload or {})
    payload.update(
        {
            "platform": platform,
            "platform_label": ads.PLATFORMS[platform].label,
            "title": row.title,
            "description": row.description,
            "criteria": _criteria(row, platform),
            "price": row.price,
            "price_text": f"{_eur(row.price)} TTC",
            "text": as_text(row, platform),
        }
    )
    return payload
