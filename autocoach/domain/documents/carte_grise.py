"""Carte grise (certificat d'immatriculation) text -> vehicle fields.

The certificate prints each value after a harmonised field code (A plate,
B first registration, D.1 make, E VIN, P.3 energy...). OCR output mangles those
codes ("D1", "D 1", "0.1", "X.l"), merges the two columns of the card on one
line or splits them, so each field is looked for as *its code followed by a
value of the right shape* rather than by position.

The holder's identity (C.1 name, C.3 address) is deliberately never read.
"""

from __future__ import annotations

import re
from datetime import date
from difflib import SequenceMatcher

from autocoach.domain.documents.common import (
    ParsedDocument,
    find_dates,
    find_vin,
    fix_vin,
    fold_upper,
    guarded,
    plate_candidates,
)

DOCUMENT_TYPE = "carte_grise"

# P.3 energy codes -> vocabulary.FUEL_TYPES identifiers (domain brief, from
# Histovec's energie.js). GH (diesel-electric, not plug-in) is listed with
# diesel by the brief: its running cost and Crit'Air follow diesel.
FUEL_CODES: dict[str, str] = {
    **dict.fromkeys(["GO", "GA", "GE", "GF", "GG", "GH", "GQ", "PL"], "diesel"),
    **dict.fromkeys(["ES", "ET"], "essence"),
    "EH": "hybride",
    **dict.fromkeys(["FE", "FH"], "e85"),
    **dict.fromkeys(["EL", "AC", "H2", "HE", "HH"], "electrique"),
    **dict.fromkeys(["EE", "EM", "ER", "FL", "GL", "GM", "NE", "PE"], "hybride_rechargeable"),
    **dict.fromkeys(
        ["EG", "EN", "EP", "EQ", "FG", "FN", "G2", "GN", "GP", "GZ", "NH", "PH"], "gpl"
    ),
}

# Makes sold in France, to repair OCR slips in D.1 ("PEUGE0T", "RENAUIT").
KNOWN_MAKES = (
    "ALFA ROMEO", "ALPINE", "AUDI", "BMW", "BYD", "CHEVROLET", "CITROEN", "CUPRA",
    "DACIA", "DS", "FIAT", "FORD", "HONDA", "HYUNDAI", "JAGUAR", "JEEP", "KIA",
    "LANCIA", "LAND ROVER", "LEXUS", "MAZDA", "MERCEDES-BENZ", "MERCEDES", "MG",
    "MINI", "MITSUBISHI", "NISSAN", "OPEL", "PEUGEOT", "POLESTAR", "PORSCHE",
    "RENAULT", "SEAT", "SKODA", "SMART", "SUBARU", "SUZUKI", "TESLA", "TOYOTA",
    "VOLKSWAGEN", "VOLVO",
)

MSG_NO_CODES = (
    "Aucune rubrique de carte grise (A, B, D.1, E...) n'a été reconnue : "
    "vérifiez que la photo montre bien le recto du certificat."
)
MSG_B_GUESSED = (
    "Date de première immatriculation (B) déduite de la plus ancienne date lue : "
    "vérifiez-la."
)
MSG_VIN_UNLABELLED = "Numéro VIN (E) trouvé hors de sa rubrique : vérifiez-le."
MSG_VIN_BAD = "Le numéro VIN (E) lu n'a pas 17 caractères valides : vérifiez-le."
MSG_PLATE_MISSING = "Numéro d'immatriculation (A) illisible."
MSG_FUEL_UNKNOWN = "Code énergie (P.3) « {code} » inconnu : carburant classé « autre »."
MSG_EURO_UNKNOWN = "Classe Euro (V.9) non reconnue."

# Characters OCR substitutes for the ones printed in a field code (seen on
# photos: "p.1" for D.1, "ps" for P.6, "v.o" for V.9, "x.1i" for X.1).
_CODE_CHAR = {
    # Digit look-alikes of a letter only count when a dot follows ("0.1"),
    # otherwise "15/03/2018" would hold a "D.3". "P" for "D" is resolved by
    # the shape of the value (a make is not a number).
    "D": r"(?:D|P|[0O](?=\s?[.,]))",
    "B": "[B8]",
    "S": r"(?:S|5(?=\s?[.,]))",
    "I": "[I1L|]",
    "1": "[1IL|!]",
    "2": "[2Z]",
    "3": "[3S]",
    "6": "[6GS5]",
    "7": "[7Z1]",
    "9": "[9OSQG]",
}
_SEP = r"\s?[.,·:]?\s?"


def _code_pattern(code: str, *, dotted: bool = False) -> str:
    """Regex for a field code such as ``D.1``; ``dotted`` requires a separator
    (used to find where a free-text value ends without cutting "C4 PICASSO")."""
    letter, *digits = code.split(".")
    out = r"(?<![A-Z0-9.,/])" + _CODE_CHAR.get(letter, letter)
    for digit in digits:
        sep = r"\s?[.,·]\s?" if dotted else _SEP
        out += sep + _CODE_CHAR.get(digit, digit)
    if digits and not dotted:
        out += "[IL|Z]?"  # a stray stroke after the code: "x.1i", "v.7z"
    # Not a prefix of a longer code (D.2 vs D.2.1) nor glued to a word.
    return out + r"(?!\s?[.,]\s?\d)(?![0-9A-Z])"


def _code_re(code: str) -> re.Pattern[str]:
    return re.compile(_code_pattern(code) + r"\s*[:.)\]]?\s*")


_ALL_CODES = (
    "C.1", "C.2", "C.3", "C.4", "C.5", "D.1", "D.2", "D.2.1", "D.3", "F.1", "F.2", "F.3",
    "G.1", "J.1", "J.2", "J.3", "P.1", "P.2", "P.3", "P.4", "P.5", "P.6", "S.1", "S.2",
    "U.1", "U.2", "U.3", "V.7", "V.9", "X.1", "Y.1", "Y.2", "Y.3", "Y.4", "Y.5", "Y.6",
    "Z.1", "Z.2", "Z.3", "Z.4",
)
# Where a free-text value (make, model, variant) stops: the next dotted code,
# a single-letter code followed by a value of its shape, or a table rule.
_STOP_RE = re.compile(
    "|".join(
        [r"\s" + _code_pattern(c, dotted=True).replace(r"(?<![A-Z0-9.,/])", "") for c in _ALL_CODES]
        + [
            r"\sE\s*:?\s*[A-Z0-9]{17}",
            r"\s[BI1]\s*:?\s*\d{1,2}\s?[/.-]\s?\d{1,2}\s?[/.-]\s?\d{2,4}",
            r"\sJ\s*:?\s*[MNL][0-9]",
            r"\sK\s*:?\s*E\d",
            r"\sG\s*:?\s*\d{3,4}\b",
            r"\sF\s*:?\s*\d{3,4}\b",
            r"\s[|]",
            r"\s{3,}",
        ]
    )
)

_CODES = {code: _code_re(code) for code in ("A", "D.1", "D.2", "D.3", "E", "P.1", "P.2", "P.3", "P.6", "V.7", "V.9")}
# Date codes, most specific first: "X 1 15/03/2022" must not read as field I.
_DATE_CODES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("X.1", re.compile(r"(?<![A-Z0-9])X" + _SEP + r"[1IL|!][IL|]?\s*[:.)]?\s*$")),
    ("B", re.compile(r"(?<![A-Z0-9.,])[B8]\s*[:.)]?\s*$")),
    ("I", re.compile(r"(?<![A-Z0-9.,])[I1L|]\s*[:.)]?\s*$")),
    ("H", re.compile(r"(?<![A-Z0-9.,])H\s*[:.)]?\s*$")),
)
_MAX_VALUE_CHARS = 80
_MAX_CANDIDATES = 25
_NUMBER_RE = re.compile(r"([0-9OIL|]{1,5}(?:[.,][0-9O]{1,2})?)(?![0-9A-Z])")
_NUMBER_FIX = str.maketrans({"O": "0", "I": "1", "L": "1", "|": "1"})
_EURO_RE = re.compile(r"EUR[O0]\s?([1-6G])\s?([A-D])?(?:[\s-]?(TEMP))?")
_FUEL_CONFUSIONS = {"0": "O", "O": "0", "5": "S", "S": "5", "1": "L", "I": "L", "|": "L", "L": "1", "Z": "2", "2": "Z"}


def parse_carte_grise(text: str) -> ParsedDocument:
    """Read vehicle fields from the text of a certificat d'immatriculation.

    Never raises: unreadable fields are left out and warnings explain why.
    """
    return guarded(DOCUMENT_TYPE, _parse, text)


def _parse(text: str, result: ParsedDocument) -> None:
    # The holder's identity is cut out first, so that no field can pick it up
    # when OCR merges lines ("D.3 CLIO c1 DUPONT JEAN").
    lines = [_without_holder(line) for line in fold_upper(text).split("\n")]
    up = "\n".join(lines)
    fields = result.fields
    found_codes = 0

    plate = _plate(lines)
    if plate:
        fields["license_plate"] = plate
        found_codes += 1
    else:
        result.warn(MSG_PLATE_MISSING)

    dates = _dated_fields(lines)
    if "B" in dates:
        fields["first_registration_date"] = dates["B"]
    else:
        others = [d for d, _, _ in find_dates(up) if d not in (dates.get("X.1"),)]
        if others:
            fields["first_registration_date"] = min(others)
            result.warn(MSG_B_GUESSED)
    if "I" in dates:
        fields["certificate_date"] = dates["I"]
    if "X.1" in dates:
        fields["next_technical_inspection"] = dates["X.1"]
    found_codes += len(dates)

    vin = _vin(lines, result)
    if vin:
        fields["vin"] = vin
        found_codes += 1

    make = _make(lines)
    if make:
        fields["brand"] = make
        found_codes += 1
    # Values behind a look-alike code ("P.2 66" for D.2, "P.3 GO" for D.3) must
    # not look like what the P field holds: a number or a fuel code.
    variant = _pick(_text_values(lines, "D.2"), _not_p_value)
    if variant:
        fields["variant"] = variant
    model = _pick(_text_values(lines, "D.3"), lambda v: v.split()[0] not in FUEL_CODES)
    if model:
        fields["model"] = _clean_model(model, fields.get("brand"))
        found_codes += 1

    fuel_code = _fuel_code(lines)
    if fuel_code:
        fields["fuel_code"] = fuel_code
        fuel = FUEL_CODES.get(fuel_code)
        if fuel is None:
            result.warn(MSG_FUEL_UNKNOWN.format(code=fuel_code))
            fuel = "autre"
        fields["fuel_type"] = fuel
        found_codes += 1

    for code, name, low, high in (
        ("P.1", "displacement_cc", 40, 9000),
        ("P.2", "power_kw", 1, 1200),
        ("P.6", "fiscal_power", 1, 150),
        ("V.7", "co2", 0, 999),
    ):
        value = _number_value(lines, code, low, high)
        if value is not None:
            fields[name] = int(value) if name != "power_kw" or value == int(value) else value
            found_codes += 1

    euro_raw = _pick(_text_values(lines, "V.9"), lambda v: True)
    # The "EUROn" mark is distinctive: accept it even when the V.9 code is garbled.
    euro = _euro_class(euro_raw or "") or _euro_class(up)
    if euro:
        fields["euro_class"] = euro
    elif euro_raw and not re.fullmatch(r"[\s\-.]*", euro_raw):
        result.warn(MSG_EURO_UNKNOWN)

    if found_codes == 0:
        result.warn(MSG_NO_CODES)


# C.x codes as OCR renders them: "C.1", "c.1i", "c.zs", "c1", "c3", "ci", "cs".
_HOLDER_CODE_RE = re.compile(
    r"(?<![A-Z0-9.,/])(?:C\s?[.,:]\s?[0-9A-Z|]{1,3}|C[1-5][A-Z]?|C[ISL])(?![A-Z0-9])"
)
# "D.3 C4": a model right after its own code is not a holder field.
_ENDS_WITH_CODE_RE = re.compile(r"(?:^|\s)[A-Z](?:\s?[.,]?\s?[0-9]){1,2}[A-Z]?$")


def _without_holder(line: str) -> str:
    """``line`` with the C.x (holder name, address...) values removed."""
    kept: list[str] = []
    pos = 0
    while pos < len(line):
        holder = None
        for m in _HOLDER_CODE_RE.finditer(line, pos):
            before = line[max(0, m.start() - 16) : m.start()].rstrip(" |.:-_'\"«»")
            if not (before and _ENDS_WITH_CODE_RE.search(before)):
                holder = m
                break
        if holder is None:
            kept.append(line[pos:])
            break
        kept.append(line[pos : holder.start()])
        stop = _STOP_RE.search(" " + line[holder.end() : holder.end() + 4 * _MAX_VALUE_CHARS])
        if stop is None:
            break  # the holder's value runs to the end of the line
        pos = holder.end() + max(0, stop.start() - 1)
    return " ".join(part.strip() for part in kept if part.strip())


# --- individual fields -------------------------------------------------------------


def _plate(lines: list[str]) -> str | None:
    code = _CODES["A"]
    for line in lines:
        for m in code.finditer(line):
            window = line[m.end() : m.end() + 16]
            for plate in plate_candidates(window):
                return plate
    # The A code itself is often lost; an SIV plate is distinctive enough alone.
    for line in lines:
        for plate in plate_candidates(line, allow_fni=False):
            return plate
    return None


def _dated_fields(lines: list[str]) -> dict[str, date]:
    found: dict[str, date] = {}
    for line in lines:
        for value, start, _end in find_dates(line):
            before = line[max(0, start - 8) : start]
            for code, pattern in _DATE_CODES:
                if pattern.search(before):
                    found.setdefault(code, value)
                    break
    found.pop("H", None)  # validity date: not needed, only kept apart from B/I
    return found


def _vin(lines: list[str], result: ParsedDocument) -> str | None:
    code = _CODES["E"]
    saw_label = False
    for line in lines:
        for m in code.finditer(line):
            token = re.match(r"[^\s]+(?:[ \-][^\s]+){0,3}", line[m.end() :])
            if not token or len(token.group(0)) < 12:
                continue
            saw_label = True
            # OCR sometimes splits the VIN; glue leading parts while they sum to 17.
            # A longer run is not cut down: a VIN with an extra character is wrong.
            glued = ""
            for part in re.split(r"[ \-]", token.group(0)):
                glued += part
                if len(glued) >= 17:
                    break
            vin = fix_vin(glued) if len(glued) == 17 else None
            if vin:
                return vin
    vin = find_vin("\n".join(lines))
    if vin:
        result.warn(MSG_VIN_UNLABELLED)
        return vin
    if saw_label:
        result.warn(MSG_VIN_BAD)
    return None


def _text_values(lines: list[str], code: str) -> list[tuple[str, bool]]:
    """Free-text values after ``code``: (value, code letter read exactly)."""
    pattern = _CODES[code]
    letter = code[0]
    out: list[tuple[str, bool]] = []
    for line in lines:
        for m in pattern.finditer(line):
            # Values are short: a bounded window keeps long OCR lines linear.
            rest = " " + line[m.end() : m.end() + _MAX_VALUE_CHARS]
            stop = _STOP_RE.search(rest)
            value = rest[: stop.start()] if stop else rest
            value = re.sub(r"[|_\[\]{}«»\"]+", " ", value)
            value = re.sub(r"\s{2,}", " ", value).strip(" .:;,-'")
            if value:
                out.append((value, m.group(0).lstrip()[:1] == letter))
                if len(out) >= _MAX_CANDIDATES:
                    return out
    return out


def _pick(candidates: list[tuple[str, bool]], plausible_lookalike) -> str | None:
    """The first exactly-coded value, else the first look-alike-coded value
    that passes ``plausible_lookalike``."""
    for value, exact in candidates:
        if exact:
            return value
    for value, exact in candidates:
        if plausible_lookalike(value):
            return value
    return None


def _not_p_value(value: str) -> bool:
    first = value.split()[0]
    return first not in FUEL_CODES and not re.fullmatch(r"[\d.,]+", first)


def _make(lines: list[str]) -> str | None:
    candidates = _text_values(lines, "D.1")
    # A known make wins over anything else read after a D.1-like code.
    for exact_first in (True, False):
        for value, exact in candidates:
            if exact == exact_first and _known_make(value):
                return _known_make(value)
    for value, exact in candidates:
        if exact and sum(ch.isalpha() for ch in value) >= 2:
            return value
    # Code lost ("Dp1 DACIA"): a known make written out in full is the D.1 value.
    # Two-letter makes (DS, MG) are too ambiguous for this.
    text = "\n".join(lines)
    hits = [
        (m.start(), make)
        for make in KNOWN_MAKES
        if len(make) > 2
        for m in [re.search(rf"(?<![A-Z0-9]){re.escape(make)}(?![A-Z0-9])", text)]
        if m
    ]
    return min(hits)[1] if hits else None


def _known_make(raw: str, *, strict: bool = False) -> str | None:
    make = canonical_make(raw, cutoff=0.92 if strict else 0.8)
    return make if make in KNOWN_MAKES else None


def canonical_make(raw: str, cutoff: float = 0.8) -> str:
    """The known make ``raw`` stands for (OCR slips repaired), else ``raw``."""
    words = raw.split()
    best, best_ratio = raw, 0.0
    for n in (2, 1):
        head = " ".join(words[:n])
        for make in KNOWN_MAKES:
            ratio = SequenceMatcher(None, head, make).ratio()
            if ratio > best_ratio:
                best, best_ratio = make, ratio
    if best_ratio >= cutoff:
        return best
    return raw


def _clean_model(raw: str, make: str | None) -> str:
    words = raw.split()
    # The make is sometimes repeated in D.3 ("PEUGEOT 208"): keep the model only.
    if make and len(words) > 1 and words[0] == make.split()[0]:
        words = words[1:]
    fixed = []
    for word in words:
        if sum(ch.isdigit() for ch in word) >= 2:
            word = word.replace("O", "0")  # "2O08" -> "2008"
        fixed.append(word)
    return " ".join(fixed)


def _number_value(lines: list[str], code: str, low: float, high: float) -> float | None:
    pattern = _CODES[code]
    for line in lines:
        for m in pattern.finditer(line):
            num = _NUMBER_RE.match(line, m.end())
            if not num:
                continue
            raw = num.group(1).translate(_NUMBER_FIX).replace(",", ".")
            if not any(ch.isdigit() for ch in num.group(1)):
                continue
            try:
                value = float(raw)
            except ValueError:
                continue
            if low <= value <= high:
                return value
    return None


def _fuel_code(lines: list[str]) -> str | None:
    pattern = _CODES["P.3"]
    for line in lines:
        for m in pattern.finditer(line):
            token = re.match(r"([A-Z0-9|]{2})(?![A-Z0-9])", line[m.end() :])
            if not token:
                continue
            raw = token.group(1)
            for candidate in _fuel_variants(raw):
                if candidate in FUEL_CODES:
                    return candidate
            if raw.isalpha():
                return raw
    # P.3 code lost ("P.1 P2 80 23 EL P6 3"): a known fuel code standing alone on
    # the line of the other P fields.
    p_codes = [_CODES[c] for c in ("P.1", "P.2", "P.6")]
    for line in lines:
        if sum(1 for c in p_codes if c.search(line)) >= 2:
            for token in re.findall(r"(?<![A-Z0-9.])([A-Z][A-Z0-9])(?![A-Z0-9.])", line):
                if token in FUEL_CODES:
                    return token
    return None


def _fuel_variants(raw: str) -> list[str]:
    variants = [raw]
    for i, ch in enumerate(raw):
        alt = _FUEL_CONFUSIONS.get(ch)
        if alt:
            variants.append(raw[:i] + alt + raw[i + 1 :])
    if len(raw) == 2 and raw[0] in _FUEL_CONFUSIONS and raw[1] in _FUEL_CONFUSIONS:
        variants.append(_FUEL_CONFUSIONS[raw[0]] + _FUEL_CONFUSIONS[raw[1]])
    return variants


def _euro_class(raw: str) -> str | None:
    m = _EURO_RE.search(raw) or _EURO_RE.search(raw.replace(" ", ""))
    if not m:
        return None
    label = f"Euro {m.group(1).replace('G', '6')}"
    if m.group(2):
        label += m.group(2).lower()
    if m.group(3):
        label += "-TEMP"
    return label


__all__ = ["parse_carte_grise", "FUEL_CODES", "DOCUMENT_TYPE"]
