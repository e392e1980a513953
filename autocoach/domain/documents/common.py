"""Shared pieces of the document parsers: result type and noisy-text helpers.

Everything here works on text that may come from OCR: accents may be lost,
``0`` and ``O`` swapped, spaces doubled or dropped, lines cut anywhere. The
helpers never raise on odd input; they return ``None`` or empty lists instead.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Iterator

from autocoach.domain.jsonable import to_jsonable
from autocoach.domain.plates import InvalidPlate, normalize_plate

# Longer inputs are cut: no real document is this long, and it bounds regex work.
MAX_TEXT_CHARS = 200_000

MSG_TRUNCATED = "Le texte du document est très long : seul le début a été analysé."
MSG_INTERNAL = "Une partie du document n'a pas pu être analysée (erreur inattendue)."

# Below this confidence (0..1) a value read is proposed "à vérifier", never applied silently.
LOW_CONFIDENCE = 0.6
# Where a value came from: the machine-readable lines, its field code, its shape
# and place on the page, or the running text (labels, keywords).
ORIGIN_MRZ = "mrz"
ORIGIN_CODE = "code"
ORIGIN_SHAPE = "forme"
ORIGIN_TEXT = "texte"
ORIGINS = (ORIGIN_MRZ, ORIGIN_CODE, ORIGIN_SHAPE, ORIGIN_TEXT)


@dataclass
class ParsedDocument:
    """What a parser could read from one document.

    ``fields`` holds plain Python values (``date``, ``float`` euros, ``int``,
    ``str``, ``bool``, lists and dicts of those); only fields actually read are
    present. ``warnings`` are French sentences meant for the owner.

    For each field read, ``confidence`` (0..1; under ``LOW_CONFIDENCE`` the
    value is "à vérifier"), ``origins`` (one of ``ORIGINS``) and, when two
    sources disagree, ``alternatives`` (the other candidate values).
    """

    document_type: str | None
    fields: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    confidence: dict[str, float] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    alternatives: dict[str, list] = field(default_factory=dict)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def note(self, name: str, origin: str, confidence: float, alternatives: list | None = None) -> None:
        """Record how field ``name`` was read."""
        self.origins[name] = origin
        self.confidence[name] = round(min(1.0, max(0.0, float(confidence))), 3)
        others = [a for a in (alternatives or []) if a != self.fields.get(name)]
        if others:
            self.alternatives[name] = list(dict.fromkeys(others))
        else:
            self.alternatives.pop(name, None)

    def to_check(self) -> list[str]:
        """Fields whose value must be confirmed by the owner ("à vérifier")."""
        return [name for name in self.fields if self.confidence.get(name, 1.0) < LOW_CONFIDENCE]

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "document_type": self.document_type,
            "fields": to_jsonable(self.fields),
            "warnings": [str(w) for w in self.warnings],
            "confidence": {str(k): float(v) for k, v in self.confidence.items()},
            "origins": {str(k): str(v) for k, v in self.origins.items()},
            "alternatives": {str(k): to_jsonable(v) for k, v in self.alternatives.items()},
        }


def guarded(document_type: str, parse: Callable[[str, ParsedDocument], None], text: Any) -> ParsedDocument:
    """Run ``parse`` so that no input can make a parser raise.

    A bug must not cost the owner the fields already read: they are kept and a
    warning says the reading is partial (the fuzz tests assert it never shows).
    """
    result = ParsedDocument(document_type=document_type)
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS]
        result.warn(MSG_TRUNCATED)
    try:
        parse(clean_text(text), result)
    except Exception:  # noqa: BLE001 - see docstring: partial result beats a crash
        result.warn(MSG_INTERNAL)
    return result


# --- text normalisation -----------------------------------------------------

_SPACES = dict.fromkeys(map(ord, "\u00a0\u202f\u2007\u2009\u2002\u2003\u2000\u2001\u2004\u2005\u2006\u2008\u200a\u3000\t\v\f"), " ")
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"), "-")
_QUOTES = dict.fromkeys(map(ord, "\u2018\u2019\u201b\u2032\u00b4\u0060"), "'")


def clean_text(text: str) -> str:
    """Unify spaces, dashes, quotes and line ends; drop control characters."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_SPACES).translate(_DASHES).translate(_QUOTES)
    # Control and format characters (and lone surrogates) only confuse the regexes.
    return "".join(
        ch for ch in text if ch == "\n" or unicodedata.category(ch)[0] != "C"
    )


def fold(text: str) -> str:
    """Lowercase without accents, one character for one, so match positions
    found in the folded text are valid in the original (keyword matching)."""
    out = []
    for ch in text:
        base = [c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)]
        out.append(base[0] if len(base) == 1 else ch)
    return "".join(out).lower()


def fold_upper(text: str) -> str:
    # Char by char: "ß".upper() is "SS" and would shift positions.
    return "".join(c if len(c.upper()) != 1 else c.upper() for c in fold(text))


def squash(text: str) -> str:
    """Collapse runs of spaces and trim."""
    return re.sub(r"[ ]{2,}", " ", text).strip()


def lines_of(text: str) -> list[str]:
    return [squash(line) for line in text.split("\n")]


# --- dates --------------------------------------------------------------------

# OCR reads 0 as O/o/D and 1 as l/I/|: accept them inside date-shaped tokens.
_D = r"[0-9OoDlI|]"
DATE_RE = re.compile(
    rf"(?<![0-9A-Za-z])({_D}{{1,2}})\s?[/.\-]\s?({_D}{{1,2}})\s?[/.\-]\s?({_D}{{4}}|{_D}{{2}})(?![0-9])"
)
_MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1,
    "fevrier": 2, "fevr": 2, "fev": 2,
    "mars": 3, "mar": 3,
    "avril": 4, "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7, "juil": 7,
    "aout": 8,
    "septembre": 9, "sept": 9, "sep": 9,
    "octobre": 10, "oct": 10,
    "novembre": 11, "nov": 11,
    "decembre": 12, "dec": 12,
}
_MONTH_NAME_RE = re.compile(
    r"(?<![0-9a-z])(\d{1,2})(?:er)?\s+(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?\s+(\d{4})(?![0-9])"
)
_DIGIT_FIX = str.maketrans({"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "|": "1"})


def _make_date(day: int, month: int, year: int) -> date | None:
    if year < 100:
        # Two-digit years: documents here are about cars, none from before 1930.
        year += 2000 if year <= (date.today().year % 100) + 1 else 1900
    if not 1900 <= year <= 2100:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_dates(text: str) -> list[tuple[date, int, int]]:
    """All dates in ``text`` as (date, start, end), in text order."""
    found: list[tuple[date, int, int]] = []
    for m in DATE_RE.finditer(text):
        d, mo, y = (g.translate(_DIGIT_FIX) for g in m.groups())
        # Require real digits to dominate: "lO/OD/IIII" is not a date.
        raw = "".join(m.groups())
        if len(raw) - sum(ch.isdigit() for ch in raw) > min(3, len(raw) // 2):
            continue
        value = _make_date(int(d), int(mo), int(y))
        if value is not None:
            found.append((value, m.start(), m.end()))
    for m in _MONTH_NAME_RE.finditer(fold(text)):
        value = _make_date(int(m.group(1)), _MONTHS[m.group(2)], int(m.group(3)))
        if value is not None:
            found.append((value, m.start(), m.end()))
    found.sort(key=lambda item: item[1])
    return found


def first_date(text: str) -> date | None:
    dates = find_dates(text)
    return dates[0][0] if dates else None


# --- numbers and amounts ------------------------------------------------------

# 1 234,56 / 1.234,56 / 1234.56 / 1234,5 / 1 234 ; optional sign and currency.
AMOUNT_RE = re.compile(
    r"(?<![0-9A-Za-z.,])(-\s?)?((?:\d{1,3}(?:[ .'](?=\d{3}(?!\d))\d{3}){1,3}|\d{1,12})(?:[.,]\d{1,2})?)(?![0-9])(?:\s?(?:€|eur(?:os?)?\b|e\b))?",
    re.IGNORECASE,
)


def parse_amount(raw: str) -> Decimal | None:
    """French or English written amount -> Decimal euros, or None."""
    if not isinstance(raw, str):
        return None
    text = raw.strip().replace("€", "").replace(" ", "").replace("'", "")
    text = re.sub(r"(?i)eur(?:os?)?$", "", text).strip()
    negative = text.startswith("-")
    text = text.lstrip("-+")
    if not text or not re.fullmatch(r"[\d.,]+", text) or not text[0].isdigit():
        return None
    last_sep = max(text.rfind(","), text.rfind("."))
    if last_sep == -1:
        integer, decimals = text, ""
    else:
        tail = text[last_sep + 1 :]
        if text[last_sep] == "." and len(tail) == 3 and text.count(",") == 0:
            # "1.234": a thousands dot, as French invoices print it.
            integer, decimals = text.replace(".", ""), ""
        else:
            integer, decimals = text[:last_sep], tail
    integer = integer.replace(".", "").replace(",", "")
    if not integer.isdigit() or (decimals and not decimals.isdigit()) or len(decimals) > 2:
        return None
    if len(integer.lstrip("0")) > 9:
        return None  # a billion euros is not a garage bill: a run of digits misread
    try:
        value = Decimal(f"{integer}.{decimals or '0'}")
    except InvalidOperation:
        return None
    return -value if negative else value


def find_amounts(text: str, *, need_decimals: bool = False) -> list[tuple[Decimal, int, int]]:
    """Amounts in ``text`` as (value, start, end); skips pieces of dates."""
    # Positions inside a date, marked once: checking each amount against each
    # date would be quadratic on long OCR output.
    in_date = bytearray(len(text) + 1)
    for _, s, e in find_dates(text):
        in_date[s:e] = b"\x01" * (e - s)
    found: list[tuple[Decimal, int, int]] = []
    for m in AMOUNT_RE.finditer(text):
        if in_date[m.start()] or in_date[m.end() - 1]:
            continue
        number = m.group(2)
        has_decimals = bool(re.search(r"[.,]\d{1,2}$", number))
        has_currency = bool(re.search(r"(€|eur|e)\s*$", m.group(0), re.IGNORECASE))
        if need_decimals and not (has_decimals or has_currency):
            continue
        value = parse_amount((m.group(1) or "").replace(" ", "") + number)
        if value is not None:
            found.append((value, m.start(), m.end()))
    return found


def money(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01")))


# --- plates and VIN -----------------------------------------------------------

_PLATE_DIGIT_FIX = str.maketrans({"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "|": "1", "Z": "2", "S": "5", "B": "8"})
# "/" before: "205/55 R16" is a tyre size, not plate "55 R 16".
_SIV_RE = re.compile(r"(?<![A-Z0-9/])([A-Z]{2})\s?[-. ]?\s?([0-9OQDILZSB|]{3})\s?[-. ]?\s?([A-Z]{2})(?![A-Z0-9])")
_FNI_RE = re.compile(r"(?<![A-Z0-9/])([0-9]{1,4})\s?[-. ]?\s?([A-Z]{1,3})\s?[-. ]?\s?(2A|2B|97[1-6]|[0-9]{2})(?![A-Z0-9])")


def plate_candidates(text: str, *, allow_fni: bool = True) -> Iterator[str]:
    """Valid plates found in ``text`` (official display form), in text order."""
    upper = fold_upper(text)
    hits: list[tuple[int, str]] = []
    for m in _SIV_RE.finditer(upper):
        if sum(ch.isdigit() for ch in m.group(2)) < 2:
            continue  # "EN SOL DE" is French, not EN-501-DE: one OCR slip at most
        hits.append((m.start(), f"{m.group(1)}-{m.group(2).translate(_PLATE_DIGIT_FIX)}-{m.group(3)}"))
    if allow_fni:
        for m in _FNI_RE.finditer(upper):
            hits.append((m.start(), f"{m.group(1)} {m.group(2)} {m.group(3)}"))
    hits.sort(key=lambda item: item[0])
    for _, candidate in hits:
        plate = normalize_plate_or_none(candidate)
        if plate:
            yield plate


def normalize_plate_or_none(candidate: str) -> str | None:
    try:
        return normalize_plate(candidate)
    except InvalidPlate:
        return None
    except Exception:  # noqa: BLE001 - a plates bug must not break document reading
        return None


VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_VIN_FIX = str.maketrans({"O": "0", "Q": "0", "I": "1"})
_VIN_TOKEN_RE = re.compile(r"(?<![A-Z0-9])([A-Z0-9]{17})(?![A-Z0-9])")


def fix_vin(raw: str) -> str | None:
    """17-character VIN with OCR confusions fixed (O,Q->0, I->1), or None."""
    compact = re.sub(r"[\s\-.]", "", fold_upper(raw)).translate(_VIN_FIX)
    if len(compact) != 17 or any(ch not in VIN_CHARS for ch in compact):
        return None
    # A VIN always mixes letters (manufacturer code) and digits (serial).
    if not any(ch.isdigit() for ch in compact) or not any(ch.isalpha() for ch in compact):
        return None
    return compact


def find_vin(text: str) -> str | None:
    for m in _VIN_TOKEN_RE.finditer(fold_upper(text)):
        vin = fix_vin(m.group(1))
        if vin and sum(ch.isdigit() for ch in vin) >= 5:
            return vin
    return None


# --- labelled values ------------------------------------------------------------


def value_after(lines: list[str], index: int, end: int, lookahead: int = 2) -> str:
    """Text after position ``end`` of line ``index``, or the next non-empty line(s)."""
    rest = lines[index][end:].strip(" :.-\t|")
    if rest:
        return rest
    for nxt in lines[index + 1 : index + 1 + lookahead]:
        if nxt.strip(" :.-|"):
            return nxt.strip(" :.-|")
    return ""


def labelled(lines: list[str], label_re: re.Pattern[str], lookahead: int = 2) -> str | None:
    """Value of the first line whose folded text matches ``label_re``."""
    for i, line in enumerate(lines):
        m = label_re.search(fold(line))
        if m:
            value = value_after(lines, i, m.end(), lookahead)
            if value:
                return value
    return None


def fuzzy_ratio(a: str, b: str) -> float:
    from difflib import SequenceMatcher

    return SequenceMatcher(None, a, b).ratio()
