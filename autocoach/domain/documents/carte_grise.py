"""Carte grise (certificat d'immatriculation) text -> vehicle fields.

The certificate prints each value after a harmonised field code (A plate,
B first registration, D.1 make, E VIN, P.3 energy...). OCR output mangles those
codes ("D1", "D 1", "0.1", "X.l"), merges the two columns of the card on one
line or splits them, so each field is looked for as *its code followed by a
value of the right shape* rather than by position.

Two more sources back the codes up (issue 13). The machine-readable lines at
the certificate's foot (``CRFRA`` + plate + VIN, ``CI<<`` + make + model), in a
font OCR reads far better than the small codes, are read first and checked
against A, E, D.1 and D.3: a value both give is sure; where they disagree the
MRZ value is kept and the other proposed beside it, "à vérifier". With the
OCR word boxes (``layout``), each code is paired with the words right of it on
its row, and values whose code is lost are found by shape and place (the
number before the V.9 directive is the CO2, the one after the fuel code the
fiscal power). Every field says where it came from and how sure it is.

The holder's identity (C.1 name, C.3 address) is deliberately never read.
"""

from __future__ import annotations

import re
from datetime import date
from difflib import SequenceMatcher

from autocoach.domain.documents.common import (
    ORIGIN_CODE,
    ORIGIN_MRZ,
    ORIGIN_SHAPE,
    ORIGIN_TEXT,
    ParsedDocument,
    find_dates,
    find_vin,
    fix_vin,
    fold_upper,
    guarded,
    normalize_plate_or_none,
    plate_candidates,
)
from autocoach.domain.documents.layout import DocumentLayout, pair_labels

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
    # Not after a dash either: "LF-446-DS" holds no D.3.
    out = r"(?<![A-Z0-9.,/-])" + _CODE_CHAR.get(letter, letter)
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
        [r"\s" + _code_pattern(c, dotted=True).replace(r"(?<![A-Z0-9.,/-])", "") for c in _ALL_CODES]
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
# "EURO6GDTEMP": OCR doubles the 6 as a G now and then.
_EURO_RE = re.compile(r"EUR[O0]\s?([1-6G])(?:(?<=6)G|(?<=G)6)?\s?([A-D])?(?:[\s-]?(TEMP))?")
_FUEL_CONFUSIONS = {"0": "O", "O": "0", "5": "S", "S": "5", "1": "L", "I": "L", "|": "L", "L": "1", "Z": "2", "2": "Z"}


# How sure a value is, by where it was found, before the OCR's own confidence
# in its words is applied (see ParsedDocument.note).
_BASE_CONFIDENCE = {
    "agreed": 0.99,  # the MRZ and the coded field say the same
    ORIGIN_MRZ: 0.9,
    ORIGIN_CODE: 0.92,
    "lookalike": 0.8,  # behind a code read as a look-alike ("P.1" for D.1)
    ORIGIN_SHAPE: 0.7,
    ORIGIN_TEXT: 0.45,
    "disagreed": 0.5,  # two sources, two values: the owner decides
}


# Fields every certificate of a car carries: when one is missing after a first
# OCR pass, a second (sparse text) pass is worth its time (services.text).
KEY_FIELDS = ("license_plate", "vin", "brand", "model", "fuel_code", "power_kw", "fiscal_power", "co2")


def missing_key_fields(text: str, layout: DocumentLayout | None = None) -> list[str]:
    fields = parse_carte_grise(text, layout).fields
    return [name for name in KEY_FIELDS if name not in fields]


def parse_carte_grise(text: str, layout: DocumentLayout | None = None) -> ParsedDocument:
    """Read vehicle fields from the text of a certificat d'immatriculation.

    ``layout`` (OCR word boxes) lets codes be paired with their values by
    position. Never raises: unreadable fields are left out and warnings explain why.
    """
    return guarded(DOCUMENT_TYPE, lambda clean, result: _parse(clean, result, layout), text)


def _parse(text: str, result: ParsedDocument, layout: DocumentLayout | None = None) -> None:
    # The holder's identity is cut out first, so that no field can pick it up
    # when OCR merges lines ("D.3 CLIO c1 DUPONT JEAN").
    raw_lines = fold_upper(text).split("\n")
    rows = [line for line in raw_lines if line.strip()]
    if layout is not None and layout.words:
        # Pairs first (a code and the words right of it), then whole rows: both
        # rebuilt from positions, so a column out of line stays with its code.
        rows = [fold_upper(t) for t in layout.row_texts()]
        raw_lines = paired_lines(layout) + rows + raw_lines
    lines = [_without_holder(line) for line in raw_lines]
    place = _by_place([_without_holder(row) for row in rows])
    up = "\n".join(lines)
    fields = result.fields
    found_codes = 0
    mrz = read_machine_lines(raw_lines)

    def put(name: str, value, how: str, alternatives: list | None = None) -> None:
        fields[name] = value
        origin = {"agreed": ORIGIN_MRZ, "lookalike": ORIGIN_CODE, "disagreed": ORIGIN_MRZ}.get(how, how)
        factor = 1.0 if how == "agreed" or layout is None else layout.confidence_of(value)
        result.note(name, origin, _BASE_CONFIDENCE[how] * factor, alternatives)

    def put_checked(name: str, coded, coded_how: str | None, from_mrz) -> None:
        """A field both the MRZ and its code may give: agree, or propose both
        (the value whose words the OCR was surer of first)."""
        if from_mrz and coded and from_mrz != coded:
            if layout is not None and layout.confidence_of(coded) > layout.confidence_of(from_mrz):
                fields[name] = coded
                result.note(name, ORIGIN_CODE, _BASE_CONFIDENCE["disagreed"], [from_mrz])
            else:
                put(name, from_mrz, "disagreed", [coded])
        elif from_mrz:
            put(name, from_mrz, "agreed" if coded else ORIGIN_MRZ)
        elif coded:
            put(name, coded, coded_how or ORIGIN_CODE)

    plate, plate_how = _plate(lines)
    put_checked("license_plate", plate, plate_how, mrz.get("license_plate"))
    if "license_plate" in fields:
        found_codes += 1
    else:
        result.warn(MSG_PLATE_MISSING)

    dates = _dated_fields(lines)
    for code in ("B", "I", "X.1"):
        if code not in dates and code in place:
            dates[code] = place[code]
            dates.setdefault("_place", set()).add(code)  # type: ignore[union-attr]
    by_place = dates.pop("_place", set())
    if "B" in dates:
        put("first_registration_date", dates["B"], ORIGIN_SHAPE if "B" in by_place else ORIGIN_CODE)
    else:
        others = [d for d, _, _ in find_dates(up) if d not in (dates.get("X.1"),)]
        if others:
            put("first_registration_date", min(others), ORIGIN_TEXT)
            result.warn(MSG_B_GUESSED)
    if "I" in dates:
        put("certificate_date", dates["I"], ORIGIN_SHAPE if "I" in by_place else ORIGIN_CODE)
    if "X.1" in dates:
        put("next_technical_inspection", dates["X.1"], ORIGIN_SHAPE if "X.1" in by_place else ORIGIN_CODE)
    found_codes += len(dates)

    vin, vin_how = _vin(lines, result, quiet=bool(mrz.get("vin") or place.get("E")))
    if vin_how != ORIGIN_CODE and place.get("E"):
        vin, vin_how = place["E"], ORIGIN_SHAPE
    put_checked("vin", vin, vin_how, mrz.get("vin"))
    if "vin" in fields:
        found_codes += 1

    make, make_how = _make(lines)
    put_checked("brand", make, make_how, mrz.get("brand"))
    if "brand" in fields:
        found_codes += 1
    # Values behind a look-alike code ("P.2 66" for D.2, "P.3 GO" for D.3) must
    # not look like what the P field holds: a number or a fuel code.
    variant = _pick(_text_values(lines, "D.2"), _not_p_value)
    if variant and variant[1]:
        put("variant", variant[0], ORIGIN_CODE)
    elif place.get("D.2"):
        put("variant", place["D.2"], ORIGIN_SHAPE)
    elif variant:
        put("variant", variant[0], "lookalike")
    model = _pick(_text_values(lines, "D.3"), _plausible_model)
    if model and model[1]:
        coded_model, model_how = _clean_model(model[0], fields.get("brand")), ORIGIN_CODE
    elif place.get("D.3"):
        coded_model, model_how = _clean_model(place["D.3"], fields.get("brand")), ORIGIN_SHAPE
    elif model:
        coded_model, model_how = _clean_model(model[0], fields.get("brand")), "lookalike"
    else:
        coded_model, model_how = None, ORIGIN_CODE
    put_checked("model", coded_model, model_how, mrz.get("model"))
    if "model" in fields:
        found_codes += 1

    fuel_code, fuel_how = _fuel_code(lines)
    if not fuel_code and place.get("P.3"):
        fuel_code, fuel_how = place["P.3"], ORIGIN_SHAPE
    if fuel_code:
        put("fuel_code", fuel_code, fuel_how)
        fuel = FUEL_CODES.get(fuel_code)
        if fuel is None:
            result.warn(MSG_FUEL_UNKNOWN.format(code=fuel_code))
            fuel = "autre"
        put("fuel_type", fuel, fuel_how)
        result.confidence["fuel_type"] = result.confidence["fuel_code"]
        found_codes += 1

    for code, name, low, high in (
        ("P.1", "displacement_cc", 40, 9000),
        ("P.2", "power_kw", 1, 1200),
        ("P.6", "fiscal_power", 1, 150),
        ("V.7", "co2", 0, 999),
    ):
        value, exact = _number_value(lines, code, low, high)
        how = ORIGIN_CODE if exact else "lookalike"
        # Read as printed > found by shape and row > behind a look-alike code.
        if not exact and place.get(code) is not None and low <= place[code] <= high:
            value, how = place[code], ORIGIN_SHAPE
        if value is not None:
            put(name, int(value) if name != "power_kw" or value == int(value) else value, how)
            found_codes += 1

    euro_raw = _pick(_text_values(lines, "V.9"), lambda v: True)
    # The "EUROn" mark is distinctive: accept it even when the V.9 code is garbled.
    euro = _euro_class(euro_raw[0] if euro_raw else "")
    if euro:
        put("euro_class", euro, ORIGIN_CODE)
    elif _euro_class(up):
        put("euro_class", _euro_class(up), ORIGIN_SHAPE)
    elif euro_raw and not re.fullmatch(r"[\s\-.]*", euro_raw[0]):
        result.warn(MSG_EURO_UNKNOWN)

    if found_codes == 0:
        result.warn(MSG_NO_CODES)


# --- machine-readable lines ------------------------------------------------------------

# "<" as OCR renders it: guillemets, a "K" or "C" glued in a run is left alone.
_MRZ_FILLERS = str.maketrans({"«": "<<", "‹": "<", "€": "<", "[": "<", "(": "<"})
_MRZ_LINE1_RE = re.compile(r"C[RK]F[RP]A([A-Z0-9<]{20,})")
_MRZ_LINE2_RE = re.compile(r"C[I1L|]<{1,3}([A-Z0-9<]{4,})")
_SIV_COMPACT_RE = re.compile(r"([A-Z]{2})([0-9OQDILZSB]{3})([A-Z]{2})")
_FNI_COMPACT_RE = re.compile(r"([0-9]{1,4})([A-Z]{1,3})(2A|2B|97[1-6]|[0-9]{2})(?=<|$)")


def read_machine_lines(lines: list[str]) -> dict[str, str]:
    """Plate, VIN, make and model from the two machine-readable lines, when read."""
    found: dict[str, str] = {}
    for line in lines:
        compact = re.sub(r"\s+", "", fold_upper(line).translate(_MRZ_FILLERS))
        first = _MRZ_LINE1_RE.search(compact)
        if first and "vin" not in found:
            found.update(_mrz_first_line(first.group(1)))
        second = _MRZ_LINE2_RE.search(compact)
        if second and "brand" not in found:
            found.update(_mrz_second_line(second.group(1)))
    return found


def _mrz_first_line(rest: str) -> dict[str, str]:
    out: dict[str, str] = {}
    plate_field, after = rest[:9], rest[9:]
    siv = _SIV_COMPACT_RE.match(plate_field)
    fni = _FNI_COMPACT_RE.match(plate_field)
    plate = None
    if siv:
        digits = siv.group(2).translate(str.maketrans("OQDILZSB", "00011258"))
        plate = normalize_plate_or_none(f"{siv.group(1)}-{digits}-{siv.group(3)}")
        after = rest[siv.end():]
    elif fni:
        plate = normalize_plate_or_none(f"{fni.group(1)} {fni.group(2)} {fni.group(3)}")
        after = rest[fni.end():]
    if plate:
        out["license_plate"] = plate
    vin = fix_vin(after.lstrip("<")[:17])
    if vin:
        out["vin"] = vin
    return out


def _mrz_second_line(rest: str) -> dict[str, str]:
    parts = [p.strip("<").replace("<", " ") for p in re.split(r"<{2,}", rest) if p.strip("<")]
    out: dict[str, str] = {}
    if len(parts) >= 2 and not re.fullmatch(r"[0-9A-Z]*\d{5,}[0-9A-Z]*", parts[1]):
        make = _known_make(parts[0]) or (parts[0] if parts[0].isalpha() else None)
        if make:
            out["brand"] = make
        out["model"] = _clean_model(parts[1], make)
    return out


# --- pairing codes with values by position ---------------------------------------------------

_LABEL_WORD_RE = re.compile(
    r"(?:[A-Z][.,·:][0-9A-Z|!]{1,2}(?:[.,·][0-9A-Z|!])?[A-Z]?|[DPVXYSUFJZ][0-9]{1,2}|[ABEFGHIJK])[.:,)]?"
)


def is_code_word(word: str) -> bool:
    """Does this OCR word look like a field code (D.1, p.3, V7, E...)?"""
    return bool(_LABEL_WORD_RE.fullmatch(fold_upper(word.strip())))


def paired_lines(layout: DocumentLayout) -> list[str]:
    """"code value" lines built from the word boxes: each code with the words
    right of it on its row, whatever Tesseract's own line split was."""
    out = []
    for label, value in pair_labels(layout.words, is_code_word):
        if value:
            out.append(fold_upper(label.text + " " + " ".join(w.text for w in value)))
    return out


# The certificate prints its fields in one order (A B / C / D.1 D.2 / D.2.1 /
# D.3 / E / F / H I / J / K / P.1 P.2 P.3 P.6 / S U / V.7 V.9 / X.1 / Y): when a
# small code is unreadable, its value is known by its shape and its row.
_CNIT_RE = re.compile(r"(?<![A-Z0-9])M[0-9O]{2}[A-Z0-9]{3}VP[0-9A-Z]{4,}(?![A-Z0-9])")
# A V.9 value starts with its directive (715/2007*, 70/220*), not K's "e2*2007/46*".
_DIRECTIVE_RE = re.compile(r"(?<![0-9*/])\d{2,3}/\d{3,4}\s?\*")
_PURE_NUMBER_RE = re.compile(r"[0-9]{1,4}")
_VIN_ROW_RE = re.compile(r"(?<![A-Z0-9])[A-Z0-9()|]{15,18}(?![A-Z0-9])")


def _by_place(rows: list[str]) -> dict:
    """Values found by their shape and row, whatever their (lost) code."""
    found: dict = {}
    p_row = v_row = vin_row = plate_row = None
    for index, row in enumerate(rows):
        tokens = row.split()
        if p_row is None and _p_row(tokens, found):
            p_row = index
        if v_row is None and _DIRECTIVE_RE.search(row):
            v_row = index
            co2 = _number_before_directive(row)
            if co2 is not None:
                found["V.7"] = co2
        if plate_row is None and next(plate_candidates(row, allow_fni=False), None) and not _MRZ_LINE1_RE.search(row.replace(" ", "")):
            plate_row = index
            dates = find_dates(row)
            if dates:
                found["B"] = dates[0][0]
        if vin_row is None and plate_row is not None and index > plate_row and _VIN_ROW_RE.search(row) and not _CNIT_RE.search(row):
            vin_row = index
        if "E" not in found and plate_row is not None and index > plate_row:
            vin = _glued_vin(tokens)
            if vin:
                found["E"] = vin
        if "D.3" not in found and _CNIT_RE.search(row) and index + 1 < len(rows):
            model = _value_after_code(rows[index + 1].split())
            if model and _plausible_model(model) and not _VIN_ROW_RE.fullmatch(model):
                found["D.3"] = model
        if "D.2" not in found:
            make_at = next((i for i, t in enumerate(tokens) if _known_make(t, strict=True)), None)
            rest = tokens[make_at + 1 :] if make_at is not None else []
            if 1 <= len(rest) <= 2 and re.fullmatch(r"[A-Z0-9]{4,12}", rest[-1]) and not _known_make(rest[-1]):
                found["D.2"] = rest[-1]
    if vin_row is not None and p_row is not None:
        for row in rows[vin_row + 1 : p_row]:
            dates = find_dates(row)
            if dates and dates[-1][0] != found.get("B"):
                found["I"] = dates[-1][0]
                break
    if v_row is not None:
        for row in rows[v_row + 1 : v_row + 3]:
            dates = find_dates(row)
            if dates:
                found["X.1"] = dates[0][0]
                break
    return found


def _glued_vin(tokens: list[str]) -> str | None:
    """A VIN that OCR cut in two or three pieces ("VNKKAAT 99DH190483")."""
    for start in range(len(tokens)):
        glued = ""
        for token in tokens[start : start + 3]:
            glued += token
            if len(glued) >= 17:
                break
        if len(glued) == 17 and glued != tokens[start]:
            vin = fix_vin(glued)
            if vin and sum(ch.isdigit() for ch in vin) >= 5:
                return vin
    return None


def _p_row(tokens: list[str], found: dict) -> bool:
    """"P.1 1461 P.2 63 P.3 GO P.6 4" with its codes garbled ("R.1 1461 R2 63 R3 GO R6 4"):
    the fuel code splits the row, the numbers before are P.1 and P.2, after it P.6."""
    fuel_at = next((i for i, t in enumerate(tokens) if t in FUEL_CODES), None)
    if fuel_at is None or len(tokens) > 10:
        return False
    before = [int(t) for t in tokens[:fuel_at] if _PURE_NUMBER_RE.fullmatch(t)]
    after = [int(t) for t in tokens[fuel_at + 1 :] if _PURE_NUMBER_RE.fullmatch(t)]
    if not before:
        return False
    # More than two numbers: a garbled code became a digit ("1 1461 N2 63 R3 GO").
    before = before[-2:]
    found["P.3"] = tokens[fuel_at]
    if len(before) == 2:
        found["P.1"], found["P.2"] = float(before[0]), float(before[1])
    elif FUEL_CODES[tokens[fuel_at]] == "electrique" or before[0] < 400:
        found["P.2"] = float(before[0])  # no displacement on an electric car
    if after:
        found["P.6"] = float(after[0])
    return True


def _number_before_directive(row: str) -> float | None:
    # "V.7 98 V.9 715/2007*..." whatever the codes became: the number left of the directive.
    directive = _DIRECTIVE_RE.search(row)
    skipped = 0
    for token in reversed(row[: directive.start()].split() if directive else []):
        if _PURE_NUMBER_RE.fullmatch(token) and len(token) <= 3:
            return float(token)
        skipped += 1
        if skipped > 1 or len(token) > 4:
            return None
    return None


def _value_after_code(tokens: list[str]) -> str | None:
    """The value of a row that starts with a (maybe garbled) code: "V.S OCTAVIA"."""
    if len(tokens) == 1:
        # The code itself is lost: the row holds only its value.
        return tokens[0] if len(tokens[0]) >= 2 and not is_code_word(tokens[0]) else None
    if not tokens:
        return None
    first = tokens[0]
    if len(first) <= 3 and not first.isdigit():
        return " ".join(tokens[1:])
    return None


def _plausible_model(value: str) -> bool:
    """A model has a letter or is a number of three digits or more (208, 3008)."""
    first = value.split()[0]
    return first not in FUEL_CODES and (any(ch.isalpha() for ch in value) or len(first) >= 3)


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


def _plate(lines: list[str]) -> tuple[str | None, str | None]:
    code = _CODES["A"]
    for line in lines:
        for m in code.finditer(line):
            window = line[m.end() : m.end() + 16]
            for plate in plate_candidates(window):
                return plate, ORIGIN_CODE
    # The A code itself is often lost; an SIV plate is distinctive enough alone.
    for line in lines:
        if _MRZ_LINE1_RE.search(line.replace(" ", "")):
            continue
        for plate in plate_candidates(line, allow_fni=False):
            return plate, ORIGIN_SHAPE
    return None, None


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


def _vin(lines: list[str], result: ParsedDocument, *, quiet: bool = False) -> tuple[str | None, str | None]:
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
                return vin, ORIGIN_CODE
    vin = find_vin("\n".join(line for line in lines if not _MRZ_LINE1_RE.search(line.replace(" ", ""))))
    if vin:
        if not quiet:
            result.warn(MSG_VIN_UNLABELLED)
        return vin, ORIGIN_SHAPE
    if saw_label and not quiet:
        result.warn(MSG_VIN_BAD)
    return None, None


def _text_values(lines: list[str], code: str) -> list[tuple[str, bool]]:
    """Free-text values after ``code``: (value, code read exactly)."""
    pattern = _CODES[code]
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
                out.append((value, _exact_code(m.group(0), code)))
                if len(out) >= _MAX_CANDIDATES:
                    return out
    return out


def _pick(candidates: list[tuple[str, bool]], plausible_lookalike) -> tuple[str, bool] | None:
    """The first exactly-coded value, else the first look-alike-coded value
    that passes ``plausible_lookalike``: (value, code read exactly)."""
    for value, exact in candidates:
        if exact:
            return value, True
    for value, exact in candidates:
        if plausible_lookalike(value):
            return value, False
    return None


def _not_p_value(value: str) -> bool:
    first = value.split()[0]
    return first not in FUEL_CODES and not re.fullmatch(r"[\d.,]+", first)


def _make(lines: list[str]) -> tuple[str | None, str | None]:
    candidates = _text_values(lines, "D.1")
    # A known make wins over anything else read after a D.1-like code.
    for exact_first in (True, False):
        for value, exact in candidates:
            if exact == exact_first and _known_make(value):
                return _known_make(value), ORIGIN_CODE if exact else "lookalike"
    for value, exact in candidates:
        if exact and sum(ch.isalpha() for ch in value) >= 2:
            return value, ORIGIN_CODE
    # Code lost ("Dp1 DACIA"): a known make written out in full is the D.1 value.
    # Two-letter makes (DS, MG) are too ambiguous for this.
    text = "\n".join(lines)
    hits = [
        (m.start(), make)
        for make in KNOWN_MAKES
        if len(make) > 2
        for m in [re.search(rf"(?<![A-Z0-9<]){re.escape(make)}(?![A-Z0-9<])", text)]
        if m
    ]
    return (min(hits)[1], ORIGIN_SHAPE) if hits else (None, None)


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


def _exact_code(matched: str, code: str) -> bool:
    """Was the code read as printed ("D.3", "D3"), not as a look-alike ("DS", "P.3")?"""
    return re.sub(r"[^A-Z0-9]", "", matched) == code.replace(".", "")


def _number_value(lines: list[str], code: str, low: float, high: float) -> tuple[float | None, bool]:
    """The number after ``code``: (value, code read exactly); exact reads first."""
    pattern = _CODES[code]
    lookalike: float | None = None
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
                if _exact_code(m.group(0), code):
                    return value, True
                if lookalike is None:
                    lookalike = value
    return lookalike, False


def _fuel_code(lines: list[str]) -> tuple[str | None, str]:
    pattern = _CODES["P.3"]
    for line in lines:
        for m in pattern.finditer(line):
            token = re.match(r"([A-Z0-9|]{2})(?![A-Z0-9])", line[m.end() :])
            if not token:
                continue
            raw = token.group(1)
            for candidate in _fuel_variants(raw):
                if candidate in FUEL_CODES:
                    return candidate, ORIGIN_CODE
            if raw.isalpha():
                return raw, ORIGIN_CODE
    # P.3 code lost ("P.1 P2 80 23 EL P6 3"): a known fuel code standing alone on
    # the line of the other P fields.
    p_codes = [_CODES[c] for c in ("P.1", "P.2", "P.6")]
    for line in lines:
        if sum(1 for c in p_codes if c.search(line)) >= 2:
            for token in re.findall(r"(?<![A-Z0-9.])([A-Z][A-Z0-9])(?![A-Z0-9.])", line):
                if token in FUEL_CODES:
                    return token, ORIGIN_SHAPE
    return None, ORIGIN_SHAPE


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


__all__ = ["parse_carte_grise", "missing_key_fields", "KEY_FIELDS", "read_machine_lines", "is_code_word", "paired_lines", "FUEL_CODES", "DOCUMENT_TYPE"]
