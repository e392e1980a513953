"""Guess which kind of document a text comes from, and parse it accordingly."""

from __future__ import annotations

import re

from autocoach.domain.documents.carte_grise import parse_carte_grise
from autocoach.domain.documents.common import ORIGIN_TEXT, ParsedDocument, clean_text, fold
from autocoach.domain.documents.histovec import parse_histovec
from autocoach.domain.documents.invoice import parse_invoice
from autocoach.domain.documents.layout import DocumentLayout

PARSERS = {
    "carte_grise": parse_carte_grise,
    "histovec": parse_histovec,
    "facture": parse_invoice,
}

MSG_UNKNOWN_TYPE = (
    "Type de document non reconnu : indiquez s'il s'agit d'un rapport Histovec, "
    "d'une carte grise ou d'une facture."
)
MSG_BAD_TYPE = "Type de document « {kind} » inconnu."

# Parsers that read word positions themselves; the others get a confidence per field here.
_LAYOUT_AWARE = {"carte_grise", "facture"}
# A value found by its label in running text, before the OCR's own confidence.
_TEXT_CONFIDENCE = 0.95

# Below this score the text is too poor to bet on a type.
MIN_SCORE = 4

_KEYWORDS: dict[str, tuple[tuple[str, int], ...]] = {
    "histovec": (
        (r"histovec", 6),
        (r"situation administrative", 4),
        (r"certificat de situation", 4),
        (r"nombre de titulaires", 3),
        (r"controles? techniques?", 2),
        (r"\bgages?\b", 1),
        (r"\boppositions?\b|\botci\b", 1),
        (r"vehicule vole", 1),
        (r"historique", 1),
        (r"reparation controlee", 1),
    ),
    "carte_grise": (
        (r"certificat d.immatriculation", 2),
        (r"republique francaise", 1),
        (r"\bcarte grise\b", 1),
        # Printed on every certificate whatever becomes of the small codes on a photo:
        # the C.4a statement, the V.9 directive, the machine-readable lines.
        (r"est le proprietaire du vehicule", 2),
        (r"(?<![0-9])(?:715/2007|70/220)\s?\*", 2),
        (r"c[rk]fra[a-z0-9]{4,9}<|\bci<<[a-z]", 4),
    ),
    "facture": (
        (r"\bfactures?\b", 4),
        (r"total\s*t\.?t\.?c", 3),
        (r"total\s*h\.?t", 2),
        (r"\btva\b", 2),
        (r"net a payer", 2),
        (r"main[- ]?d.?(?:oe|œ)uvre", 1),
        (r"designation|libelle", 1),
        (r"\bqte\b|quantite", 1),
        (r"prix unitaire|\bp\.?u\.?\b", 1),
        (r"siret", 1),
    ),
}
# Card field codes: several distinct ones are the signature of a carte grise.
_CARD_CODES = re.compile(
    r"(?<![A-Z0-9.,/])(?:C\s?[.,]?\s?[134]|[DP]\s?[.,]?\s?[123]|F\s?[.,]?\s?[123]|J\s?[.,]?\s?[123]|"
    r"P\s?[.,]?\s?[12356]|S\s?[.,]?\s?[12]|U\s?[.,]?\s?[12]|V\s?[.,]?\s?[79O]|X\s?[.,]?\s?1|"
    r"Y\s?[.,]?\s?[1-6]|Z\s?[.,]?\s?[1-4]|D\s?[.,]\s?2\s?[.,]\s?1)"
    r"(?![0-9A-Z])"
)


def document_scores(text: str) -> dict[str, int]:
    """Keyword score of each document type (exposed for diagnostics and tests)."""
    if not isinstance(text, str):
        return dict.fromkeys(PARSERS, 0)
    text = clean_text(text[:200_000])
    low = fold(text)
    scores = {}
    for kind, rules in _KEYWORDS.items():
        scores[kind] = sum(weight for pattern, weight in rules if re.search(pattern, low))
    codes = {re.sub(r"[\s.,]", "", m.group(0)) for m in _CARD_CODES.finditer(text.upper())}
    # OCR drops the dots ("D1", "P3"): count distinct codes, and only as a group,
    # since one "C3" in a model name proves nothing.
    if len(codes) >= 3:
        scores["carte_grise"] += 2 * min(len(codes), 8)
    return scores


def classify_document(text: str) -> str | None:
    """Best guess among "histovec", "carte_grise", "facture", or None."""
    scores = document_scores(text)
    kind, best = max(scores.items(), key=lambda item: item[1])
    if best < MIN_SCORE:
        return None
    if sum(1 for value in scores.values() if value == best) > 1:
        return None  # a tie means we cannot tell
    return kind


def parse_document(
    text: str, document_type: str | None = None, *, layout: DocumentLayout | None = None
) -> ParsedDocument:
    """Parse ``text`` as ``document_type``, guessing the type when not given.

    ``layout`` (the OCR's words and boxes, from ``ExtractedText.layout``) lets
    the parsers pair labels with values by position and rate each value by the
    OCR's confidence in its words; without it the text is taken as sure (a PDF
    text layer)."""
    if document_type is not None and document_type not in PARSERS:
        result = ParsedDocument(document_type=None)
        result.warn(MSG_BAD_TYPE.format(kind=str(document_type)[:40]))
        document_type = None
    else:
        result = None
    kind = document_type or classify_document(text)
    if kind is None:
        unknown = result or ParsedDocument(document_type=None)
        unknown.warn(MSG_UNKNOWN_TYPE)
        return unknown
    parsed = PARSERS[kind](text, layout=layout) if kind in _LAYOUT_AWARE else PARSERS[kind](text)
    if result is not None:
        parsed.warnings[:0] = result.warnings
    rate_unrated_fields(parsed, layout)
    return parsed


def rate_unrated_fields(parsed: ParsedDocument, layout: DocumentLayout | None) -> None:
    """Origin "texte" and a confidence for every field its parser did not rate.

    Rows (CT history, invoice lines) are rated by their weakest value."""
    for name, value in parsed.fields.items():
        if name in parsed.confidence:
            continue
        if layout is None:
            factor = 1.0
        elif isinstance(value, list):
            factor = min(
                (layout.confidence_of(v) for row in value if isinstance(row, dict) for v in row.values() if isinstance(v, (str, int, float)) and not isinstance(v, bool)),
                default=1.0,
            )
        elif isinstance(value, dict):
            factor = 1.0  # flags read from label/answer pairs
        else:
            factor = layout.confidence_of(value)
        parsed.note(name, ORIGIN_TEXT, _TEXT_CONFIDENCE * factor)
