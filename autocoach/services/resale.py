"""The resale assistant: write the ad from the vehicle's facts, keep every
version (restorable), export it field by field for LeBonCoin and La Centrale."""

from __future__ import annotations

import dataclasses
from datetime import date

from sqlmodel import col, select

from autocoach.db import read_session, write_session
from autocoach.domain import ad as ads
from autocoach.domain.analysis import analyze
from autocoach.domain.formatting import format_eur
from autocoach.models import Document, Expense, GeneratedAd, Vehicle
from autocoach.services import ai, analysis, vehicles
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
                    # A report held back (another car's) or kept aside proves nothing.
                    Document.review_status == "applied",
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
        documents_proven={
            "histovec": histovec_read,
            "invoice_expenses": invoice_expenses,
            "paper_fields": {
                name for name, known in vehicles.vehicle_provenance(scope, vehicle_id).items()
                if known.used.source in ("carte_grise", "histovec")
            },
        },
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


def _repriced_payload(payload: dict, price: int) -> dict:
    """The stored mentions follow the price the owner set."""
    payload = dict(payload)
    payload["legal_mentions"] = [
        ads.price_line(price) if m.startswith("Prix : ") else m for m in payload.get("legal_mentions") or []
    ]
    payload["price"] = price
    payload["price_text"] = format_eur(price)
    return payload


def save_edit(
    scope: vehicles.OwnerScope, vehicle_id: int, *, title: str, description: str, price: int
) -> GeneratedAd:
    """Keep the owner's edited version as the latest one. A new price replaces
    the old one everywhere in the text: the ad never shows two prices."""
    latest = latest_ad(scope, vehicle_id)
    if latest is None:
        raise vehicles.NotFound("Générez d'abord une annonce.")
    description = ads.replace_price(description, latest.price, price)
    return _add_version(scope, vehicle_id, latest, title=title, description=description, price=price, source="edited")


def _add_version(
    scope: vehicles.OwnerScope,
    vehicle_id: int,
    base: GeneratedAd,
    *,
    title: str,
    description: str,
    price: int,
    source: str,
    platform: str | None = None,
) -> GeneratedAd:
    with write_session() as session:
        vehicles.owned_vehicle(session, scope, vehicle_id)
        row = GeneratedAd(
            vehicle_id=vehicle_id,
            platform=platform or base.platform,
            title=title,
            description=description,
            price=price,
            payload=_repriced_payload(base.payload or {}, price),
            source=source,
            variant=base.variant,
        )
        session.add(row)
        session.flush()
        return row


def restore(scope: vehicles.OwnerScope, vehicle_id: int, ad_id: int) -> GeneratedAd:
    """An earlier version becomes the latest again (as a new version, so the
    one it replaces stays in the history), on the platform chosen now."""
    latest = latest_ad(scope, vehicle_id)
    with read_session() as session:
        vehicles.owned_vehicle(session, scope, vehicle_id)
        old = session.exec(
            select(GeneratedAd).where(GeneratedAd.id == ad_id, GeneratedAd.vehicle_id == vehicle_id)
        ).first()
    if old is None or latest is None:
        raise vehicles.NotFound("Cette version de l'annonce n'existe plus.")
    return _add_version(
        scope, vehicle_id, old, title=old.title, description=old.description, price=old.price,
        source="restored", platform=latest.platform,
    )


def set_platform(scope: vehicles.OwnerScope, vehicle_id: int, platform: str) -> GeneratedAd | None:
    """Publish the latest ad on another site: same text, the site's labels and limit."""
    if platform not in ads.PLATFORMS:
        raise ValueError(f"unknown platform {platform!r}")
    with write_session() as session:
        vehicles.owned_vehicle(session, scope, vehicle_id)
        row = session.exec(
            select(GeneratedAd)
            .where(GeneratedAd.vehicle_id == vehicle_id)
            .order_by(col(GeneratedAd.created_at).desc(), col(GeneratedAd.id).desc())
        ).first()
        if row is not None:
            row.platform = platform
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
    """The whole ad to paste: title, description, criteria, the price once."""
    criteria = [(c["field"], c["label"], c["value"]) for c in _criteria(row, platform or row.platform)]
    return ads.text_with_price(row.title, row.description, criteria, row.price)


def form(row: GeneratedAd, platform: str | None = None) -> tuple[ads.FormField, ...]:
    """What to paste into each field of the site's form, in the form's order."""
    platform = platform or row.platform
    return ads.form_fields(
        platform,
        title=row.title,
        description=row.description,
        price=row.price,
        criteria={c["field"]: c["value"] for c in (row.payload or {}).get("criteria") or []},
        title_max=title_limit(platform),
    )


def form_as_text(row: GeneratedAd, platform: str | None = None) -> str:
    """The download: each form field with its label, in the site's order, then
    the whole ad for a site that takes one text."""
    platform = platform or row.platform
    label = ads.PLATFORMS[platform].label
    blocks = [f"Annonce pour {label} : chaque champ du formulaire, dans l'ordre"]
    for field in form(row, platform):
        blocks.append(f"{field.label}\n{field.value}")
    blocks.append("Annonce complète (à coller d'un bloc)\n" + as_text(row, platform))
    return "\n\n".join(blocks).rstrip("\n") + "\n"


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
            "price_text": format_eur(row.price),
            "text": as_text(row, platform),
        }
    )
    return payload
