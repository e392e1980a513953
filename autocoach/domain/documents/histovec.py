"""Histovec report / certificat de situation administrative (CSA) -> fields.

Histovec's PDF has a real text layer; photos of the report go through OCR. The
report is a set of labelled values ("Marque : RENAULT", "- Gage" then
"Aucun" on the next line), a dated history, and a technical-inspection table
(date, nature, result, odometer) printed newest first.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from autocoach.domain.documents.carte_grise import canonical_make
from autocoach.domain.documents.common import (
    ParsedDocument,
    find_dates,
    fold,
    guarded,
    lines_of,
    plate_candidates,
)

DOCUMENT_TYPE = "histovec"

MSG_CT_UNREADABLE = (
    "Le tableau des contrôles techniques n'a pas pu être lu : vérifiez-le dans le rapport."
)
MSG_CT_PARTIAL = "Certains contrôles techniques n'ont pas pu être lus entièrement."
MSG_MILEAGE_DROP = (
    "Le kilométrage relevé baisse entre le contrôle du {before} et celui du {after} : "
    "compteur à vérifier."
)
MSG_SITUATION_MISSING = (
    "La situation administrative (gage, opposition, vol) n'a pas été trouvée dans ce document."
)
MSG_NOT_HISTOVEC = "Ce document ne ressemble pas à un rapport Histovec."

# Situation items: label at the start of a line (after any bullet), value on the
# same line or just below, as the CSA prints them.
_SITUATION_LABELS: dict[str, re.Pattern[str]] = {
    "gage": re.compile(r"^(?:presence d.un )?gages?\b"),
    "opposition": re.compile(
        r"^(?:opposition au transfert|otci\b|oppositions?\b(?! vehicule endommage))"
    ),
    "saisie": re.compile(r"^(?:declaration valant saisie|saisie\b|vehicule saisi)"),
    "procedure_ve": re.compile(
        r"^(?:procedure (?:de reparation controlee|ve\b|vei\b|vge\b)|procedure de vehicule endommage|o?vei?\b)"
    ),
    "suspension": re.compile(r"^(?:immatriculation suspendue|suspension\b)"),
    "annulation": re.compile(r"^(?:immatriculation annulee|annulation\b)"),
    "vol": re.compile(r"^(?:vehicule vole|vol du vehicule|vol\b)"),
    "titre_vole": re.compile(r"^(?:certificat d.immatriculation vole|titre vole|vol du titre)"),
    "perte": re.compile(r"^(?:certificat d.immatriculation perdu|titre perdu|perte\b)"),
    "duplicata": re.compile(r"^(?:certificat d.immatriculation duplicata|titre duplicata|duplicata\b)"),
}
_NO_RE = re.compile(r"\b(?:non|aucune?s?|neant|pas de|sans|0)\b")
_YES_RE = re.compile(
    r"\b(?:oui|presence|en cours|inscrite?s?|declaree?|[1-9]\d?\s+(?:gages?|oppositions?)|gagee?|volee?|perdue?|suspendue?|annulee?)\b"
)

# Section headings, matched against a whole line (numbering and colon removed).
_HEADINGS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("controle", r"(?:historique des )?controles? techniques?(?: \(.*\))?"),
        ("sinistre", r"(?:historique des )?sinistres?(?: declares?)?"),
        ("historique", r"historique(?: des operations| du vehicule| administratif)?"),
        ("situation", r"situation administrative(?: du vehicule)?"),
        ("titulaire", r"titulaires?(?: (?:et|&) titres?)?"),
        ("synthese", r"synthese(?: du rapport)?"),
        ("identification", r"identification du vehicule|vehicule|caracteristiques(?: techniques)?"),
        ("kilometrage", r"(?:historique du )?kilometrage"),
    )
)
_CT_SECTION_END = {"sinistre", "historique", "situation", "titulaire", "synthese", "identification"}

_RESULT_CODE_RE = re.compile(r"(?<![\w])(AP|SP|RP|A|S|R|X)(?![\w])")
_KM_RE = re.compile(r"(\d{1,3}(?:[ .]\d{3}){1,2}|\d{1,7})\s?kms?\b", re.IGNORECASE)
_BARE_NUMBER_RE = re.compile(r"(?<![\d/.,])(\d{1,3}(?:[ .]\d{3}){1,2}|\d{3,7})(?![\d/,]|\.\d)")

_RESULT_CODES = {
    "A": "favorable",
    "AP": "favorable",
    "S": "defavorable_majeur",
    "SP": "defavorable_majeur",
    "R": "defavorable_critique",
    "RP": "defavorable_critique",
    "X": "ajourne",
}


def parse_histovec(text: str) -> ParsedDocument:
    """Read a Histovec report / CSA. Never raises; see module docstring."""
    return guarded(DOCUMENT_TYPE, _parse, text)


def ct_result(text: str) -> str | None:
    """Map a CT result as printed (code A/S/R/X..., or wording) to CT_RESULTS."""
    folded = fold(text)
    if re.search(r"defavorable|refuse", folded):
        if re.search(r"critique|immobilis", folded):
            return "defavorable_critique"
        return "defavorable_majeur"
    if re.search(r"\bfavorable|\baccepte|\bconforme", folded):
        return "favorable"
    if re.search(r"\bajourne|\binterrompu|\bannule", folded):
        return "ajourne"
    if re.search(r"contre[- ]?visite (?:obligatoire|a prevoir|necessaire)", folded):
        return "defavorable_majeur"
    m = _RESULT_CODE_RE.search(text)  # codes are capitals; "à" folded to "a" is not "A"
    if m:
        return _RESULT_CODES[m.group(1)]
    return None


def ct_nature(text: str) -> str | None:
    """Map a CT nature (VTP, CTP, VTC, CV, CVC or wording) to an identifier."""
    folded = fold(text)
    if re.search(r"contre[- ]?visite|\bcvc?\b", folded):
        return "contre_visite"
    if re.search(r"complementaire|\bvtc\b", folded):
        return "complementaire"
    if re.search(r"periodique|\bvtp\b|\bctp\b|visite technique|controle technique", folded):
        return "periodique"
    return None


def _parse(text: str, result: ParsedDocument) -> None:
    lines = [line for line in lines_of(text)]
    folded = [_strip_bullet(fold(line)) for line in lines]
    fields = result.fields

    plate = _plate(lines, folded)
    if plate:
        fields["license_plate"] = plate
    first = _first_registration(lines, folded)
    if first:
        fields["first_registration_date"] = first
    brand = _simple_label(lines, folded, r"marque")
    if brand:
        fields["brand"] = canonical_make(brand.upper())
    model = _simple_label(lines, folded, r"(?:modele|denomination commerciale|nom commercial)(?: commercial)?")
    if model:
        fields["model"] = model.upper()
    owners = _owners(folded)
    if owners is not None:
        fields["owners_count"] = owners

    situation = _situation(folded)
    if situation:
        fields["situation"] = situation
    else:
        result.warn(MSG_SITUATION_MISSING)

    sections = _sections(folded)
    inspections = _inspections(lines, folded, sections, result)
    if inspections is not None:
        fields["technical_inspections"] = inspections
        readings = [
            {"date": entry["date"], "mileage": entry["mileage"]}
            for entry in inspections
            if entry["mileage"] is not None
        ]
        fields["mileage_readings"] = readings
        for before, after in zip(readings, readings[1:]):
            if after["mileage"] < before["mileage"]:
                result.warn(
                    MSG_MILEAGE_DROP.format(
                        before=before["date"].strftime("%d/%m/%Y"),
                        after=after["date"].strftime("%d/%m/%Y"),
                    )
                )
    claims = _claims(lines, folded, sections)
    if claims is not None:
        fields["claims"] = claims

    if not fields.keys() - {"situation"} and not situation:
        result.warn(MSG_NOT_HISTOVEC)


def _strip_bullet(line: str) -> str:
    return re.sub(r"^[\s\-•*·>»~]+", "", line).strip()


def _plate(lines: list[str], folded: list[str]) -> str | None:
    for i, line in enumerate(folded):
        if "immatriculation" in line or "plaque" in line:
            for candidate_line in (lines[i], lines[i + 1] if i + 1 < len(lines) else ""):
                for plate in plate_candidates(candidate_line):
                    return plate
    for line in lines:
        for plate in plate_candidates(line, allow_fni=False):
            return plate
    return None


def _first_registration(lines: list[str], folded: list[str]) -> date | None:
    label = re.compile(r"(?:date de )?(?:1ere|premiere|1re) immatriculation")
    fallback: date | None = None
    for i, line in enumerate(folded):
        m = label.search(line)
        if not m:
            continue
        in_france = "en france" in line[m.end() : m.end() + 12]
        after = find_dates(lines[i][m.end() :])
        before = find_dates(lines[i][: m.start()])
        value = None
        if after:
            value = after[0][0]
        elif before:
            value = before[-1][0]  # history row: "15/03/2018 Première immatriculation"
        elif i + 1 < len(lines):
            nxt = find_dates(lines[i + 1])
            if nxt and nxt[0][1] <= 2:
                value = nxt[0][0]
        if value is None:
            continue
        if not in_france:
            return value
        fallback = fallback or value
    return fallback


_NEXT_LABEL_RE = re.compile(
    r"\s(?:marque|modele|version|genre|couleur|vin|numero|energie|puissance|date|carrosserie|categorie)\b\s*:"
)


def _simple_label(lines: list[str], folded: list[str], label: str) -> str | None:
    """Value of "Label : value" at a line start, or later in a line when a colon
    follows ("Marque : RENAULT Modèle : CLIO")."""
    at_start = re.compile(rf"^{label}\b\s*:?")
    inside = re.compile(rf"(?<=\s){label}\b\s*:")
    for i, line in enumerate(folded):
        m = at_start.match(line) or inside.search(line)
        if not m:
            continue
        offset = len(lines[i]) - len(line)  # bullet stripped from the folded copy
        value = lines[i][offset + m.end() :].strip(" :.-|")
        value_folded = line[m.end() :].strip(" :.-|")
        if not value and i + 1 < len(lines):
            value = lines[i + 1].strip(" :.-|")
            value_folded = fold(value)
        cut = _NEXT_LABEL_RE.search(" " + value_folded)
        if cut:
            value = value[: max(0, cut.start() - 1)]
        value = re.sub(r"\s{2,}", " ", value).strip(" :.-|")
        if value and len(value) <= 60:
            return value
    return None


def _owners(folded: list[str]) -> int | None:
    joined = "\n".join(folded)
    m = re.search(r"nombre de (?:titulaires|proprietaires)[^0-9\n]{0,40}\n?[^0-9\n]{0,10}(\d{1,2})\b", joined)
    if not m:
        m = re.search(r"(?<![\d/])(\d{1,2})\s+(?:titulaires|proprietaires)\b", joined)
    if not m:
        if re.search(r"\b(?:un seul|1er et unique|premiere main) (?:titulaire|proprietaire)", joined):
            return 1
        return None
    value = int(m.group(1))
    return value if 1 <= value <= 60 else None


def _situation(folded: list[str]) -> dict[str, bool]:
    found: dict[str, bool] = {}
    for i, line in enumerate(folded):
        if find_dates(line[:12]):
            continue  # history rows ("12/05/2019 Inscription d'un gage") are not the status
        for key, label in _SITUATION_LABELS.items():
            if key in found:
                continue
            m = label.match(line)
            if not m:
                continue
            value = _yes_no(line[m.end() :])
            j = i + 1
            while value is None and j < len(folded) and j <= i + 3:
                nxt = folded[j]
                if any(other.match(nxt) for other in _SITUATION_LABELS.values()):
                    break
                value = _yes_no(nxt)
                j += 1
            if value is not None:
                found[key] = value
            break
    return found


def _yes_no(text: str) -> bool | None:
    text = text.strip(" :.-|")
    if not text:
        return None
    if _NO_RE.search(text):
        return False
    if _YES_RE.search(text):
        return True
    return None


def _sections(folded: list[str]) -> list[tuple[str, int]]:
    """(heading name, line index) of each section heading, in order."""
    out: list[tuple[str, int]] = []
    for i, line in enumerate(folded):
        if len(line) > 60:
            continue
        bare = re.sub(r"^(?:\d+|[ivx]+)[.)]\s*", "", line).strip(" :#=-|")
        for name, pattern in _HEADINGS:
            if pattern.fullmatch(bare):
                out.append((name, i))
                break
    return out


def _section_lines(sections: list[tuple[str, int]], name: str, total: int, ends: set[str] | None = None) -> tuple[int, int] | None:
    for k, (section, start) in enumerate(sections):
        if section != name:
            continue
        end = total
        for other, index in sections[k + 1 :]:
            if ends is None or other in ends:
                end = index
                break
        return start + 1, end
    return None


def _records(lines: list[str], start: int, end: int) -> list[tuple[date, str]]:
    """Split lines into records that each begin with a date."""
    text = "\n".join(lines[start:end])
    dates = find_dates(text)
    records = []
    for k, (value, s, e) in enumerate(dates):
        stop = dates[k + 1][1] if k + 1 < len(dates) else len(text)
        records.append((value, text[e:stop]))
    return records


def _inspections(
    lines: list[str], folded: list[str], sections: list[tuple[str, int]], result: ParsedDocument
) -> list[dict[str, Any]] | None:
    span = _section_lines(sections, "controle", len(lines), _CT_SECTION_END)
    strict = span is None
    if span is None:
        span = (0, len(lines))
    entries: list[dict[str, Any]] = []
    partial = False
    for when, body in _records(lines, *span):
        outcome = ct_result(body)
        nature = ct_nature(body)
        mileage = _mileage(body)
        if outcome is None:
            if strict or (nature is None and mileage is None):
                continue  # a dated sentence, not a CT row
            partial = True
        elif strict and nature is None and mileage is None:
            continue
        if nature is None or mileage is None:
            partial = True
        entries.append({"date": when, "nature": nature, "result": outcome, "mileage": mileage})
    if not entries:
        if not strict:
            body = fold("\n".join(lines[span[0] : span[1]]))
            if not re.search(r"aucun|pas de controle|non soumis", body):
                result.warn(MSG_CT_UNREADABLE)
                return None
            return []
        return None
    if partial:
        result.warn(MSG_CT_PARTIAL)
    # Duplicate rows (a table repeated across pages) would double the history.
    unique: dict[tuple[date, str | None], dict[str, Any]] = {}
    for entry in entries:
        unique.setdefault((entry["date"], entry["nature"]), entry)
    return sorted(unique.values(), key=lambda e: e["date"])


def _mileage(body: str) -> int | None:
    m = _KM_RE.search(body)
    raw = m.group(1) if m else None
    if raw is None:
        numbers = [n.group(1) for n in _BARE_NUMBER_RE.finditer(body)]
        numbers = [n for n in numbers if len(re.sub(r"\D", "", n)) >= 3]
        if not numbers:
            return None
        raw = numbers[-1]
    value = int(re.sub(r"\D", "", raw))
    return value if value <= 2_000_000 else None


_CLAIM_RE = re.compile(
    r"sinistre|reparation controlee|vehicule endommage|economiquement irreparable|\bvei?\b|\bove\b"
)
_CLAIM_EXCLUDE_RE = re.compile(r"levee|rapport d.expert|fin de|aucun")


def _claims(lines: list[str], folded: list[str], sections: list[tuple[str, int]]) -> list[dict[str, Any]] | None:
    span = _section_lines(sections, "sinistre", len(lines))
    claims: dict[date, dict[str, Any]] = {}
    if span is not None:
        for when, body in _records(lines, *span):
            description = re.sub(r"\s+", " ", body).strip(" :-|")
            if description:
                claims.setdefault(when, {"date": when, "description": description})
        if not claims:
            return []
    else:
        for line, low in zip(lines, folded):
            dates = find_dates(line)
            if not dates or not _CLAIM_RE.search(low) or _CLAIM_EXCLUDE_RE.search(low):
                continue
            when, _, end = dates[0]
            description = line[end:].strip(" :-|") or line
            claims.setdefault(when, {"date": when, "description": description})
        if not claims:
            return None
    return sorted(claims.values(), key=lambda c: c["date"])


__all__ = ["parse_histovec", "ct_result", "ct_nature", "DOCUMENT_TYPE"]
