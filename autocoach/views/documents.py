"""The documents card's view models: each document, its reading and its review."""

from __future__ import annotations

import dataclasses

from autocoach import routes
from autocoach.domain import review
from autocoach.domain.formatting import format_date, format_eur, format_km
from autocoach.domain.vehicle_schema import FIELDS_BY_NAME
from autocoach.domain.vocabulary import DOCUMENT_STATUSES, DOCUMENT_TYPES, REVIEW_STATUSES
from autocoach.models import Document

@dataclasses.dataclass
class ProposalView:
    field: str
    label: str
    current: str
    value: str
    shown: str
    note: str
    accept: bool
    # How to edit it: text | number | date | fuel | category
    input: str
    error: str


@dataclasses.dataclass
class DocumentView:
    id: int
    name: str
    type: str
    type_label: str
    status: str
    status_label: str
    error: str
    summary: str
    uploaded: str
    download_url: str
    thumbnail_url: str
    warnings: list[str]
    review_status: str
    review_label: str
    review_reason: str
    proposals: list[ProposalView]
    details: list[str]
    other_vehicle_id: int
    other_vehicle_label: str


def size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} Mo".replace(".", ",")
    return f"{max(1, size // 1024)} Ko"


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


def summary(document: Document) -> str:
    fields = (document.extracted or {}).get("fields") or {}
    parts: list[str] = []
    if document.document_type == "facture":
        if fields.get("garage"):
            parts.append(str(fields["garage"]))
        if isinstance(fields.get("total_ttc"), (int, float)):
            parts.append(format_eur(fields["total_ttc"], decimals=2))
        if isinstance(fields.get("mileage"), int):
            parts.append(format_km(fields["mileage"]))
    elif document.document_type == "histovec":
        inspections = fields.get("technical_inspections") or []
        if fields.get("owners_count"):
            parts.append(_plural(int(fields["owners_count"]), "titulaire", "titulaires"))
        parts.append(_plural(len(inspections), "contrôle technique", "contrôles techniques"))
    elif document.document_type == "carte_grise":
        name = " ".join(str(fields[k]) for k in ("brand", "model") if fields.get(k))
        if name:
            parts.append(name)
        if fields.get("license_plate"):
            parts.append(str(fields["license_plate"]))
    return " · ".join(parts)


def _input_kind(field: str) -> str:
    if field == "fuel_type":
        return "fuel"
    if field == "expense_category":
        return "category"
    spec = FIELDS_BY_NAME.get(field) or review.EXPENSE_FIELDS_BY_NAME.get(field)
    if spec is not None and spec.kind == "date":
        return "date"
    return "text"


def proposal_views(proposals: list[review.Proposal], errors: dict[str, str]) -> list[ProposalView]:
    return [
        ProposalView(
            field=p.field,
            label=p.label,
            current=p.current,
            value=p.value,
            shown=p.shown,
            note=p.note,
            accept=p.accept,
            input=_input_kind(p.field),
            error=errors.get(p.field, ""),
        )
        for p in proposals
    ]


def document_view(
    document: Document,
    has_thumbnail: bool,
    found: review.DocumentReview | None = None,
    errors: dict[str, str] | None = None,
) -> DocumentView:
    extracted = document.extracted or {}
    reviewing = found is not None and document.review_status in ("to_review", "held")
    return DocumentView(
        id=document.id,
        name=document.original_filename,
        type=document.document_type or "",
        type_label=DOCUMENT_TYPES.get(document.document_type or "", "Type à préciser"),
        status=document.status,
        status_label=DOCUMENT_STATUSES.get(document.status, document.status),
        error=document.error_message or "",
        summary=summary(document) if document.status == "processed" else "",
        uploaded=f"{format_date(document.uploaded_at.date())} · {size_label(document.size_bytes)}",
        download_url=routes.document_url(document.id),
        thumbnail_url=routes.document_thumbnail_url(document.id) if has_thumbnail else "",
        warnings=list(extracted.get("warnings") or []),
        review_status=(document.review_status or "") if document.status == "processed" else "",
        review_label=REVIEW_STATUSES.get(document.review_status or "", ""),
        review_reason=document.review_reason or "",
        proposals=proposal_views(found.proposals, errors or {}) if reviewing else [],
        details=list(found.details) if reviewing else [],
        other_vehicle_id=(found.other_vehicle_id or 0) if reviewing else 0,
        other_vehicle_label=found.other_vehicle_label if reviewing else "",
    )
