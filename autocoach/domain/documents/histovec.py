"""Histovec report / certificat de situation administrative (CSA) -> fields.

Histovec's PDF has a real text layer; photos of the report go through OCR. Two
layouts are read:

- the web report (tabs printed or photographed): labelled values ("Marque :
  RENAULT", "Nombre de titulaires : 3", "- Gage" then "Aucun"), a dated history,
  a technical-inspection table (date, nature, result, odometer) printed newest
  first, and claims;
- the "Certificat de situation administrative détaillé" (``rapport.pdf``, built
  by histovec-beta's ``csaAsPdf``): identification labels in one column and their
  values in a second column, the history as ``DD/MM/YYYY nature`` lines in one
  or two balanced columns (continued on later pages under "Suite historique du
  véhicule - PLATE"), and the situation in two columns where each ``- Title`` is
  followed by ``Aucune``/``Aucun``/``Non``/``Oui`` or by dated detail lines
  (``- Date de l'opposition :  11/02/2022``, ``- Nom du créancier :  X``,
  ``  Date du gage :  ...``) that mean the item applies. PDFium may give a
  column after the other or both columns on one line: both are read. The CSA
  holds no CT and no mileage.

Output ``fields`` (only what was read is present; dates are ``date``):

- ``license_plate`` (str, official form), ``first_registration_date``,
  ``brand`` (canonical make), ``model`` (web report only), ``vin`` (str, when
  printed; "non disponible" gives nothing);
- ``owners_count`` (int): "Nombre de titulaires" when printed, else from the
  history: 1 + one per "Changement de titulaire..." line + one per "Première
  immatriculation ... d'un véhicule d'occasion" line (an imported used car had
  at least one owner abroad before its first French holder: a lower bound);
- ``history``: ``[{"date": date, "nature": str}]`` sorted by date, the nature
  as printed (a nature wrapped over two lines is joined; OCR slips are mapped to
  the nearest Histovec label);
- ``situation``: ``{flag: bool}`` for the flags read, among ``gage``,
  ``opposition`` (OTCI, PV en attente included), ``saisie``, ``procedure_ve``
  (réparation contrôlée or an "Opposition véhicule endommagé"), ``vei``
  (opposition véhicule économiquement irréparable), ``suspension``,
  ``annulation``, ``vol`` (vehicle stolen), ``titre_vole`` (certificate
  stolen), ``perte``, ``duplicata``;
- ``situation_details``: ``{flag: [line, ...]}`` the detail lines printed under
  an item that applies, for display ("Nom du créancier : X", "Date du gage :
  20/05/2023", "Date de l'opposition : 11/02/2022", "Motif : ...");
- ``technical_inspections``, ``mileage_readings``, ``claims``: web report only.
"""

from __future__ import annotations

import re
from datetime import date
from difflib import get_close_matches
from functools import lru_cache
from typing import Any

from autocoach.domain.documents.carte_grise import canonical_make
from autocoach.domain.documents.common import (
    DATE_RE,
    ParsedDocument,
    find_dates,
    fix_vin,
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

    identification = _identification(lines, folded)
    plate = identification.get("plate") or _plate(lines, folded)
    if plate:
        fields["license_plate"] = plate
    first = identification.get("first") or _first_registration(lines, folded)
    if first:
        fields["first_registration_date"] = first
    vin = identification.get("vin") or _vin(lines, folded)
    if vin:
        fields["vin"] = vin
    brand = identification.get("brand") or _simple_label(lines, folded, r"marque")
    if brand:
        fields["brand"] = canonical_make(brand.upper())
    model = _simple_label(lines, folded, r"(?:modele|denomination commerciale|nom commercial)(?: commercial)?")
    if model:
        fields["model"] = model.upper()
    history = _history(lines, folded)
    if history:
        fields["history"] = history
    owners = _owners(folded)
    if owners is None and history:
        owners = owners_from_history(history)
    if owners is not None:
        fields["owners_count"] = owners

    # The CSA reader knows the two-column items and their detail lines; the
    # line-by-line reader still covers the web report's other wordings.
    situation, details, seen = _csa_situation(lines, folded)
    # An item the CSA prints but whose value could not be read stays unknown:
    # the line reader would take the other column's value beside its title.
    situation = {**{k: v for k, v in _situation(folded).items() if k not in seen}, **situation}
    if situation:
        fields["situation"] = situation
    else:
        result.warn(MSG_SITUATION_MISSING)
    if details:
        fields["situation_details"] = details

    sections = _sections(folded)
    # The CSA détaillé has no CT: its dates (history, footer) are no CT rows.
    csa_only = bool(_CSA_TITLE_RE.search("\n".join(folded))) and not any(name == "controle" for name, _ in sections)
    inspections = None if csa_only else _inspections(lines, folded, sections, result)
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
    claims = _claims(lines, folded, sections, history)
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
        if re.match(r"\s*(?:en serie diplomatique )?d.un vehicule d.occasion", line[m.end() :]):
            continue  # a used import's date in France (history row), not its first registration
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
        if value and len(value) <= 60 and not _looks_like_other_value(value):
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


def _claims(
    lines: list[str], folded: list[str], sections: list[tuple[str, int]], history: list[dict[str, Any]]
) -> list[dict[str, Any]] | None:
    span = _section_lines(sections, "sinistre", len(lines))
    claims: dict[date, dict[str, Any]] = {}
    if span is not None:
        for when, body in _records(lines, *span):
            description = re.sub(r"\s+", " ", body).strip(" :-|")
            if description:
                claims.setdefault(when, {"date": when, "description": description})
        if not claims:
            return []
    elif history:
        # The history read column by column: a claim keeps its own date, not
        # the one of the other column's record on the same text line.
        for entry in history:
            low = fold(entry["nature"])
            if _CLAIM_RE.search(low) and not _CLAIM_EXCLUDE_RE.search(low):
                claims.setdefault(entry["date"], {"date": entry["date"], "description": entry["nature"]})
        if not claims:
            return None
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


# --- CSA détaillé: identification block -------------------------------------------------

# Labels of "Identification du véhicule"; their values sit in a second column,
# so the text layer gives them on the same line or as a block of lines after
# the labels.
_ID_LABELS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("plate", re.compile(r"^(?:numero d.)?immatriculation du vehicule\s*:?")),
    ("first", re.compile(r"^date de (?:premiere|1ere|1re) immatriculation du vehicule\s*:?")),
    ("vin", re.compile(r"^numero vin(?: du vehicule)?(?: \(ou numero de serie\))?\s*:?")),
    ("brand", re.compile(r"^marque\s*:?\s*$")),
)
_MISSING_VALUE_RE = re.compile(r"^non disponible$")
_BRAND_VALUE_RE = re.compile(r"[A-ZÀ-Ý][A-ZÀ-Ý0-9 .'&/-]{0,29}")


def _looks_like_other_value(value: str) -> bool:
    """A plate, a date, a VIN or a heading: not a make."""
    low = _strip_bullet(fold(value))
    return bool(
        next(plate_candidates(value), None)
        or find_dates(value)
        or fix_vin(value)
        or _MISSING_VALUE_RE.match(low)
        or value.rstrip().endswith(":")
        or _CSA_SECTION_END_RE.match(low)
        or _HISTORY_HEADING_RE.fullmatch(low)
    )


def _id_value(kind: str, text: str) -> Any:
    text = text.strip(" :|")
    if not text:
        return None
    if kind == "plate":
        return next(plate_candidates(text), None)
    if kind == "first":
        dates = find_dates(text)
        return dates[0][0] if dates and dates[0][1] <= 2 else None
    if kind == "vin":
        return fix_vin(text.split()[0]) if len(text.split()) <= 3 else None
    # Makes come from the registration file in capitals ("MERCEDES-BENZ", "DS").
    if _BRAND_VALUE_RE.fullmatch(text) and not _looks_like_other_value(text):
        return re.sub(r"\s{2,}", " ", text)
    return None


def _identification(lines: list[str], folded: list[str]) -> dict[str, Any]:
    """Plate, first registration, VIN and brand of the CSA's identification block."""
    found: dict[str, Any] = {}
    pending: list[str] = []
    label_lines: list[int] = []
    for kind, label in _ID_LABELS:
        for i, line in enumerate(folded):
            m = label.match(line)
            if not m:
                continue
            offset = len(lines[i]) - len(line)  # bullet stripped from the folded copy
            value = _id_value(kind, lines[i][offset + m.end() :])
            if value is not None:
                found[kind] = value
            else:
                pending.append(kind)
            label_lines.append(i)
            break
    if not pending:
        return found
    # Values printed as a block after the labels, in label order ("non
    # disponible" keeps its place); OCR may also put some before the labels or
    # between them. Take each by its kind, nearest after the labels first.
    first, last = min(label_lines), max(label_lines)
    window = list(range(last + 1, min(len(lines), last + 1 + len(pending) + 3)))
    between = [i for i in range(first + 1, last) if i not in label_lines and lines[i].strip()]
    if len(between) <= len(_ID_LABELS):
        window += between
    window += list(range(max(0, first - len(pending) - 2), first))
    block = [lines[i] for i in window if lines[i].strip()]
    used: set[int] = set()
    for kind in pending:
        for index, line in enumerate(block):
            if index in used:
                continue
            if _MISSING_VALUE_RE.match(fold(line).strip()):
                if kind == "vin":
                    used.add(index)
                    break
                continue
            value = _id_value(kind, line)
            if value is not None:
                found[kind] = value
                used.add(index)
                break
    return found


def _vin(lines: list[str], folded: list[str]) -> str | None:
    for i, line in enumerate(folded):
        m = re.search(r"\bvin\b|numero de serie", line)
        if not m:
            continue
        for token in re.findall(r"[A-Za-z0-9]{17}", lines[i][m.end() :]):
            vin = fix_vin(token)
            if vin:
                return vin
    return None


# --- history ------------------------------------------------------------------------------

# Natures of operations.json (histovec-beta) that a vehicle's history can show.
HISTORY_NATURES: tuple[str, ...] = (
    "Cumul de plusieurs actions",
    "Demande d'immatriculation diplomatique",
    "Confirmation d'une immatriculation diplomatique",
    "Infirmation d'une immatriculation diplomatique",
    "Retrait d'une immatriculation diplomatique",
    "Première immatriculation en série diplomatique d'un véhicule d'occasion",
    "Première immatriculation d'un véhicule d'occasion",
    "Première immatriculation d'un véhicule neuf",
    "Immatriculation d'un véhicule neuf avec carrossier qualifié",
    "Immatriculation en série W Garage",
    "Immatriculation provisoire",
    "Renouvellement d'un W Garage",
    "Prorogation d'une immatriculation provisoire",
    "Changement de titulaire",
    "Changement de titulaire (Pré-demande par Internet)",
    "Changement de titulaire en série diplomatique",
    "Changement de locataire",
    "Modification d'usage",
    "Fin d'usage démonstration pour vente du véhicule",
    "Fin d'usage de démonstration",
    "Prorogation d'usage temporaire",
    "Changement d'immatriculation",
    "Modification d'adresse",
    "Modification d'adresse (dématérialisée)",
    "Modification d'adresse du locataire",
    "Modification d'état civil",
    "Déclaration de réimmatriculation à l'étranger",
    "Remise en circulation suite à réimmatriculation à l'étranger",
    "Retrait de la circulation par le propriétaire",
    "Remise en circulation suite à retrait volontaire",
    "Déclaration de sortie de territoire",
    "Remise en circulation suite à sortie du territoire",
    "Duplicata de la carte grise",
    "Procédure de réparation contrôlée",
    "Premier rapport d'expert",
    "Second rapport d'expert",
    "Inscription d'un gage",
    "Cession d'un gage",
    "Radiation d'un gage",
    "Prorogation d'un gage",
    "Déclaration d'intention de destruction",
    "Déclaration de destruction physique",
    "Achat ou reprise par un professionnel",
    "Cession (vente)",
    "Déclaration de cession (dématérialisée)",
    "Opposition au transfert de la carte grise",
    "Fin d'opposition au transfert de la carte grise",
    "Inscription d'une opposition",
    "Levée d'une opposition",
    "Inscription d'une déclaration valant saisie",
    "Levée d'une déclaration valant saisie",
    "Renouvellement d'une déclaration valant saisie",
    "Relance manuelle d'une production de titre",
    "Production d'un titre hors duplicata",
    "Restitution du titre au titulaire",
    "Perte de carte grise",
    "Edition d'un CPI",
    "Modification des caractéristiques techniques",
    "Remise d'un lot de titres",
    "Remise du titre FO",
    "Remise du titre en préfecture",
    "Immobilisation du véhicule",
    "Immobilisation administrative du véhicule",
    "Levée de l'immobilisation du véhicule",
    "Inscription d'un message service",
    "Reprise inconnue",
    "Reprise DP7",
    "Correction de dossier",
    "Conversion au nouveau format d'immatriculation",
    "Correction de la situation administrative",
    "Correction des informations du titulaire",
    "Correction des informations du véhicule",
    "Correction de l'état de remise du titre",
    "Correction des informations sur l'autorisation",
    "Production de document",
    "Opposition dans le cadre de la procédure de réparation contrôlée",
    "Levée d'une opposition véhicule endommagé",
    "Modification du droit d'opposition",
    "Attribution d'un code confidentiel",
    "Caractéristiques techniques liées à un CNIT à rubriques variables",
    "Caractéristiques techniques liées à un CNIT à mentions variables",
    "Annulation d'une opération",
    "Annulation d'une opération terminée",
    "Modification d'adresse avec conversion",
    "Changement de titulaire et conversion au nouveau format d'immatriculation",
    "Changement de titulaire en série diplomatique avec conversion",
    "Changement de locataire avec conversion",
    "Prorogation d'usage temporaire avec conversion",
    "Modification d'usage avec conversion",
    "Modification d'état civil avec conversion",
    "Modification des caractéristiques techniques avec conversion",
    "Renouvellement d'un W Garage avec conversion",
    "Fin d'usage démonstration pour changement d'affectation avec conversion",
    "Fin d'usage démonstration pour vente du véhicule avec conversion",
    "Changement d'immatriculation avec conversion",
    "Annulation des états administratifs",
)
_NATURE_KEYS: dict[str, str] = {re.sub(r"\s+", " ", fold(n)).strip(): n for n in HISTORY_NATURES}
# Longest first, so "modification d'adresse (dematerialisee)" wins over its prefix.
_NATURE_KEYS_BY_LENGTH = sorted(_NATURE_KEYS, key=len, reverse=True)
_OWNER_CHANGE_RE = re.compile(r"^changement de titulaire\b")
_USED_IMPORT_RE = re.compile(r"^premiere immatriculation (?:en serie diplomatique )?d.un vehicule d.occasion\b")
_NATURE_MATCH_RATIO = 0.86
UNKNOWN_NATURE = "Opération non précisée"
_MAX_FUZZY_NATURES = 200

_HISTORY_HEADING_RE = re.compile(
    r"(?:suite )?historique(?: des operations| du vehicule| administratif)?(?: - .{0,20})?"
)
# Lines that close a section of the CSA: other headings, the page header and footer.
_CSA_SECTION_END_RE = re.compile(
    r"^(?:situation administrative\b|identification du vehicule|(?:historique des )?controles? techniques?\b"
    r"|(?:historique des )?sinistres?\b|titulaires?(?: (?:et|&) titres?)?$|synthese\b|(?:historique du )?kilometrage$"
    r"|certificat attestant|la valeur du certificat|certificat de situation administrative detaille"
    r"|\(articles l|page \d+ ?/ ?\d+$|le certificat demande a ete annule)"
)


def owners_from_history(history: list[dict[str, Any]]) -> int:
    """1 + owner changes + used vehicles first registered in France (see module docstring)."""
    count = 1
    for entry in history:
        nature = re.sub(r"\s+", " ", fold(str(entry.get("nature", "")))).strip()
        if _OWNER_CHANGE_RE.match(nature) or _USED_IMPORT_RE.match(nature):
            count += 1
    return count


def _section_spans(folded: list[str], heading: re.Pattern[str]) -> list[tuple[int, int]]:
    """(first line, end) of every section whose heading matches, up to the next
    heading, page header or footer line."""
    spans = []
    for i, line in enumerate(folded):
        if len(line) > 80 or not heading.fullmatch(line.strip(" :")):
            continue
        end = i + 1
        while end < len(folded) and not (
            _CSA_SECTION_END_RE.match(folded[end]) or _HISTORY_HEADING_RE.fullmatch(folded[end].strip(" :"))
        ):
            end += 1
        spans.append((i + 1, end))
    return spans


def _nature_key(text: str) -> str:
    return re.sub(r"\s+", " ", fold(text)).strip(" .;")


class _HistoryItem:
    __slots__ = ("when", "text", "complete")

    def __init__(self, when: date, text: str) -> None:
        self.when = when
        self.text = text
        self.complete = _nature_key(text) in _NATURE_KEYS

    def is_partial(self) -> bool:
        """A nature cut by wrapping: the start of a known nature, not a whole one."""
        key = _nature_key(self.text)
        return not self.complete and any(k.startswith(key + " ") for k in _NATURE_KEYS_BY_LENGTH)

    def extend(self, more: str) -> None:
        self.text = f"{self.text} {more.strip()}".strip()
        self.complete = _nature_key(self.text) in _NATURE_KEYS


def _split_known(text: str) -> tuple[str, str]:
    """(known nature at the start of ``text``, the rest) or (text, "")."""
    key = _nature_key(text)
    if key in _NATURE_KEYS:
        return text, ""
    for known in _NATURE_KEYS_BY_LENGTH:
        if key.startswith(known + " "):
            # Same length in the original: fold keeps one character for one.
            cut = _skip_to(text, len(known))
            return text[:cut].strip(), text[cut:].strip()
    return text, ""


def _skip_to(text: str, folded_length: int) -> int:
    """Index in ``text`` after ``folded_length`` characters of its squashed fold."""
    count = 0
    previous_space = True
    for index, ch in enumerate(text.lstrip()):
        if ch.isspace():
            if previous_space:
                continue
            previous_space = True
        else:
            previous_space = False
        count += 1
        if count == folded_length:
            return index + 1 + (len(text) - len(text.lstrip()))
    return len(text)


def _continue(waiting: list[_HistoryItem], text: str) -> bool:
    """Give wrapped text to the cut nature it completes; False if none waits."""
    text = text.strip()
    if not text:
        return True
    partial = [item for item in waiting if item.is_partial()]
    for item in partial:
        key = _nature_key(f"{item.text} {text}")
        if key in _NATURE_KEYS or any(k.startswith(key + " ") for k in _NATURE_KEYS_BY_LENGTH):
            item.extend(text)
            return True
    if partial:
        partial[0].extend(text)
        return True
    return False


def _record_starts(line: str) -> list[tuple[int, int, date]]:
    """(start, end, date) of each ``DD/MM/YYYY`` that begins a history record:
    first on the line or after a space, followed by words."""
    starts = []
    for value, start, end in find_dates(line):
        # find_dates also reads "3 mars 2025" (footer wording): records are numeric.
        if not DATE_RE.match(line, start):
            continue
        if (start == 0 or line[start - 1] == " ") and re.match(r"\s*[A-Za-zÀ-ÿ(]", line[end:]):
            starts.append((start, end, value))
    return starts


def _history(lines: list[str], folded: list[str]) -> list[dict[str, Any]]:
    """``DD/MM/YYYY nature`` lines of the history section(s), one or two columns.

    When PDFium joins both columns on one line, the first record of a line is
    the left column's and the second the right column's; a nature wrapped over
    two lines is rejoined through the list of Histovec natures (its end may
    come on the next line before, between or after that line's records).
    """
    entries: list[_HistoryItem] = []
    for start, end in _section_spans(folded, _HISTORY_HEADING_RE):
        left: list[_HistoryItem] = []
        right: list[_HistoryItem] = []
        waiting: list[_HistoryItem] = []  # records of the previous line (a wrap ends on the next one)
        for line in lines[start:end]:
            starts = _record_starts(line)
            if not starts:
                if not _continue(waiting, line) and waiting and not waiting[-1].complete:
                    waiting[-1].extend(line)  # a nature Histovec does not list, wrapped
                continue
            _continue(waiting, line[: starts[0][0]])
            current: list[_HistoryItem] = []
            for k, (_s, e, value) in enumerate(starts):
                stop = starts[k + 1][0] if k + 1 < len(starts) else len(line)
                nature, rest = _split_known(line[e:stop].strip(" :-|"))
                if not re.search(r"[A-Za-z]", nature):
                    continue
                item = _HistoryItem(value, nature)
                (left if k == 0 else right).append(item)
                if rest and not _continue(waiting, rest):
                    item.extend(rest)
                current.append(item)
            waiting = current
        entries.extend(left + right)
    out = []
    fuzzy_budget = _MAX_FUZZY_NATURES  # a real history has a few dozen lines; garbage must stay fast
    for item in entries:
        nature = re.sub(r"\s+", " ", item.text).strip(" :-|")
        if nature in ("undefined", "null"):
            nature = UNKNOWN_NATURE  # an operation code missing from the builder's table
        elif not item.complete and fuzzy_budget > 0:
            fuzzy_budget -= 1
            nature = _closest_nature(nature)
        out.append({"date": item.when, "nature": nature})
    return sorted(out, key=lambda entry: entry["date"])


@lru_cache(maxsize=512)
def _closest_nature(text: str) -> str:
    """An OCR-damaged nature mapped to the Histovec label it reads as, or kept."""
    close = get_close_matches(_nature_key(text), _NATURE_KEYS_BY_LENGTH, n=1, cutoff=_NATURE_MATCH_RATIO)
    return _NATURE_KEYS[close[0]] if close else text


# --- CSA détaillé: administrative situation -------------------------------------------------

_LEFT, _RIGHT = 0, 1
# (item, column, title) as csaAsPdf prints them, folded.
_CSA_ITEMS: tuple[tuple[str, int, str], ...] = (
    ("otci", _LEFT, r"opposition au transfert du certificat(?: d.immatriculation(?: \(otci\))?)?"),
    ("ovei", _LEFT, r"opposition vehicule economiquement irreparable"),
    ("ove", _LEFT, r"opposition vehicule endommage"),
    ("reparation", _LEFT, r"procedure de reparation controlee"),
    ("saisie", _LEFT, r"declaration valant saisie"),
    ("gage", _LEFT, r"gage"),
    ("suspension", _RIGHT, r"immatriculation suspendue"),
    ("annulation", _RIGHT, r"immatriculation annulee"),
    ("vol", _RIGHT, r"vehicule vole"),
    ("titre_vole", _RIGHT, r"certificat d.immatriculation vole"),
    ("perte", _RIGHT, r"certificat d.immatriculation perdu"),
    ("duplicata", _RIGHT, r"certificat d.immatriculation duplicata"),
)
_ITEM_COLUMN = {name: column for name, column, _ in _CSA_ITEMS}
# Item -> situation flag (FLAGS of domain/facts.py, plus titre_vole).
_ITEM_FLAG = {
    "otci": "opposition", "ovei": "vei", "ove": "procedure_ve", "reparation": "procedure_ve",
    "saisie": "saisie", "gage": "gage", "suspension": "suspension", "annulation": "annulation",
    "vol": "vol", "titre_vole": "titre_vole", "perte": "perte", "duplicata": "duplicata",
}
# Detail labels: the items they belong to (the first is the default).
_CSA_DETAILS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("otci", "ovei", "ove"), r"date de l.opposition"),
    (("otci",), r"date du pv"),
    (("gage",), r"nom du creancier"),
    (("gage",), r"date du gage"),
    (("saisie",), r"nom de l.autorite a l.origine de l.inscription"),
    (("saisie",), r"date de la declaration valant saisie"),
    (("suspension",), r"motif"),
    (("suspension",), r"date de la suspension"),
)
_STATUS_WORDS = {"aucune": False, "aucun": False, "non": False, "oui": True}
# Words each item prints when it does not apply / applies.
_ITEM_WORDS = {
    "otci": {"aucune", "oui", "pv"},
    "ovei": {"aucune", "aucun"},
    "ove": {"aucune", "aucun"},
    "reparation": {"oui", "non"},
    "saisie": {"aucune", "oui"},
    "gage": {"aucun", "oui"},
}
_TOKEN_RE = re.compile(
    "|".join(
        [
            # "- Title", or a title alone at the start of a line (OCR drops bullets).
            r"(?P<title>(?:(?<=\s)[-•*·~»]\s*|^(?:[-•*·~»]\s*)?)(?:{t})(?![a-z]))".format(
                t="|".join(f"(?P<i_{name}>{title})" for name, _, title in _CSA_ITEMS)
            ),
            r"(?P<cont>(?:(?<=\s)|^)d.immatriculation\s*\(\w{0,5}\)?)",
            r"(?P<detail>(?:(?<=\s)|^)(?:[-•*·~»]\s*)?(?:{d})\s*:)".format(
                d="|".join(f"(?P<d_{k}>{label})" for k, (_, label) in enumerate(_CSA_DETAILS))
            ),
            r"(?P<status>(?:(?<=\s)|^)(?:aucune?|non|oui|pv\(?s?\)? en attente)(?=[\s.,;]|$))",
        ]
    )
)
_CSA_TITLE_RE = re.compile(r"^certificat de situation administrative detaille", re.MULTILINE)
_MAX_DETAIL_LINES = 20  # a handful per item on a real CSA
_GARBLED_NONE_RATIO = 0.65
_ANNULLED_RE = re.compile(r"immatriculation annulee le\s*:?\s*")


class _CsaItem:
    __slots__ = ("name", "value", "details", "unreadable")

    def __init__(self, name: str) -> None:
        self.name = name
        self.value: bool | None = None
        self.details: list[list[str]] = []  # [label, value]
        self.unreadable = False  # its status was there but garbled


def _csa_situation(
    lines: list[str], folded: list[str]
) -> tuple[dict[str, bool], dict[str, list[str]], set[str]]:
    """Flags and detail lines of the CSA's two-column situation (see module
    docstring), and the flags whose item was printed."""
    items: dict[str, _CsaItem] = {}
    spans = _section_spans(folded, re.compile(r"situation administrative(?: du vehicule)?(?: - .{0,20})?"))
    for start, end in spans:
        current: list[_CsaItem | None] = [None, None]
        for line in lines[start:end]:
            _read_situation_line(line, fold(line), items, current)
    for line in lines:
        m = _ANNULLED_RE.search(fold(line)) if "annul" in line.lower() else None
        dates = find_dates(line[m.end() :]) if m else []
        if dates:  # a cancelled certificate: the CSA prints only this
            item = items.setdefault("annulation", _CsaItem("annulation"))
            item.value = True
            item.details.append(["Immatriculation annulée le", dates[0][0].strftime("%d/%m/%Y")])
    flags, details = _situation_flags(items)
    seen = {_ITEM_FLAG.get(name, name) for name in items}
    return flags, details, seen


def _read_situation_line(line: str, low: str, items: dict[str, _CsaItem], current: list[_CsaItem | None]) -> None:
    tokens = list(_TOKEN_RE.finditer(low))
    seen_left = False  # a left-column token earlier on this line: what follows is the right column's
    last_detail: list[str] | None = None
    last_title: _CsaItem | None = None  # title just before, for "Gage : Aucun" on one line
    position = 0
    for m in tokens:
        raw_gap = line[position : m.start()]
        gap = raw_gap.strip()
        if gap and last_detail is not None and not last_detail[1]:
            last_detail[1] = gap
        elif gap and gap != ":":
            # Unread text before a token sits left of it: a garbled left value
            # means the status that follows is the right column's.
            column = _free_text(gap, current, at_line_start=position == 0)
            seen_left = seen_left or column != _RIGHT
        position = m.end()
        previous_title, last_title = last_title, None
        last_detail = None
        kind = _token_kind(m)
        if kind == "status" and ":" in raw_gap:
            # "Label : value" on one line: the value of that label, if it is one
            # of ours ("Gage : Aucun"); another label's ("Vol : Non") is not ours.
            if gap == ":" and previous_title is not None and previous_title.value is None:
                word = m.group(0).strip()
                previous_title.value = True if word.startswith("pv") else _STATUS_WORDS[word]
            continue
        if kind == "title":
            name = next(key[2:] for key, value in m.groupdict().items() if key.startswith("i_") and value)
            item = items.setdefault(name, _CsaItem(name))
            current[_ITEM_COLUMN[name]] = item
            last_title = item
            seen_left = seen_left or _ITEM_COLUMN[name] == _LEFT
        elif kind == "detail":
            index = next(int(key[2:]) for key, value in m.groupdict().items() if key.startswith("d_") and value)
            owners, _ = _CSA_DETAILS[index]
            column = _ITEM_COLUMN[owners[0]]
            item = current[column]
            if item is None or item.name not in owners:
                item = items.setdefault(owners[0], _CsaItem(owners[0]))
                current[column] = item
            item.value = True
            label = re.sub(r"^[-•*·~»\s]+", "", line[m.start() : m.end()]).rstrip(" :")
            last_detail = [re.sub(r"\s+", " ", label), ""]
            item.details.append(last_detail)
            seen_left = seen_left or column == _LEFT
        elif kind == "status":
            word = m.group(0).strip()
            key = "pv" if word.startswith("pv") else word
            column = _status_column(key, current, seen_left)
            if column is not None:
                item = current[column]
                assert item is not None
                item.value = True if key == "pv" else _STATUS_WORDS[key]
                seen_left = seen_left or column == _LEFT
    gap = line[position:].strip()
    if gap and last_detail is not None and not last_detail[1]:
        last_detail[1] = gap
    elif gap:
        _free_text(gap, current, at_line_start=position == 0)


def _token_kind(m: re.Match[str]) -> str:
    for kind in ("title", "cont", "detail", "status"):
        if m.group(kind):
            return kind
    return "status"


def _status_column(word: str, current: list[_CsaItem | None], seen_left: bool) -> int | None:
    def waiting(column: int) -> bool:
        item = current[column]
        return item is not None and item.value is None and not item.details and not item.unreadable

    def accepts(column: int) -> bool:
        item = current[column]
        assert item is not None
        return word in _ITEM_WORDS.get(item.name, {"oui", "non"})

    if seen_left:
        return _RIGHT if waiting(_RIGHT) else None  # values sit below their title, never beside it
    candidates = [c for c in (_LEFT, _RIGHT) if waiting(c)]
    if len(candidates) > 1:
        fitting = [c for c in candidates if accepts(c)]
        candidates = fitting or candidates
    return candidates[0] if candidates else None


def _free_text(text: str, current: list[_CsaItem | None], *, at_line_start: bool) -> int | None:
    """Text that is no token; returns the column that took it.

    It is the value of a detail label printed alone on its line ("Nom de
    l'autorité à l'origine de l'inscription :" then the name), or, short and
    first on its line, a status OCR garbled ("Aueune"): it fills the slot of the
    leftmost item waiting for one, which stays unknown, so that the next status
    is not given to it. Nothing else counts: noise must not make an item apply."""
    for column, item in enumerate(current):
        if item is not None and item.details and not item.details[-1][1]:
            item.details[-1][1] = text
            return column
    if at_line_start and len(text) <= 12 and len(text.split()) <= 2:
        # "Aucune" is long enough to be known under OCR slips ("Aueune"); the
        # short "Oui"/"Non" are not guessed.
        word = fold(text.split()[0])
        none_like = bool(get_close_matches(word, ("aucune", "aucun"), n=1, cutoff=_GARBLED_NONE_RATIO))
        for column, item in enumerate(current):
            if item is not None and item.value is None and not item.details and not item.unreadable:
                if none_like and ({"aucune", "aucun"} & _ITEM_WORDS.get(item.name, set())):
                    item.value = False
                else:
                    item.unreadable = True
                return column
    return None


def _situation_flags(items: dict[str, _CsaItem]) -> tuple[dict[str, bool], dict[str, list[str]]]:
    flags: dict[str, bool] = {}
    details: dict[str, list[str]] = {}
    simple = {name: flag for name, flag in _ITEM_FLAG.items() if name not in ("ove", "reparation")}
    for name, flag in simple.items():
        item = items.get(name)
        if item is not None and item.value is not None:
            flags[flag] = item.value
    # The CSA shows the "économiquement irréparable" item only when there is one.
    if "ove" in items and "ovei" not in items:
        flags["vei"] = False
    repair = [items[n].value for n in ("reparation", "ove") if n in items and items[n].value is not None]
    if repair:
        flags["procedure_ve"] = any(repair)
    detail_flag = {**simple, "ove": "procedure_ve"}
    for name, item in items.items():
        lines = [f"{label} : {value}".strip(" :") for label, value in item.details if label]
        if lines and item.value and name in detail_flag:
            kept = details.setdefault(detail_flag[name], [])
            kept.extend(lines[: _MAX_DETAIL_LINES - len(kept)])
    return flags, details


__all__ = ["parse_histovec", "ct_result", "ct_nature", "owners_from_history", "HISTORY_NATURES", "DOCUMENT_TYPE"]
