"""Read owner documents (Histovec report, carte grise, garage invoice) into data.

Pure text -> fields parsers: no I/O, no OCR (see ``autocoach.services.text``),
no framework. Every parser tolerates OCR noise and never raises.
"""

from __future__ import annotations

from autocoach.domain.documents.carte_grise import FUEL_CODES, parse_carte_grise
from autocoach.domain.documents.classify import classify_document, parse_document
from autocoach.domain.documents.common import ParsedDocument
from autocoach.domain.documents.histovec import ct_nature, ct_result, parse_histovec
from autocoach.domain.documents.invoice import expense_category, parse_invoice

__all__ = [
    "FUEL_CODES",
    "ParsedDocument",
    "classify_document",
    "ct_nature",
    "ct_result",
    "expense_category",
    "parse_carte_grise",
    "parse_document",
    "parse_histovec",
    "parse_invoice",
]
