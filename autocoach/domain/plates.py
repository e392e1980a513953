"""French licence plates: parse what owners type, return the official display form.

Two systems coexist on the road:

* SIV (since April 2009), ``AB-123-CD``: national series from ``AA-001-AA``,
  stays with the car for life. Letters I, O, U are never used (confusable with
  1, 0 and V), the pair ``SS`` is banned in either letter block, the number
  ``000`` is not issued, and ``WW`` on the left block marks a temporary
  registration (accepted, flagged ``is_temporary``).
* FNI (1950-2009), ``123 ABC 75``: 1-4 digits, 1-3 letters, then the
  département (01-95 except 20, ``2A``/``2B`` for Corsica since 1976, 971-976
  overseas). Numbers never start with 0, letters I, O, U are not used, and a
  3-letter series stops at 999 (``999 ZZZ``), except the temporary ``WW``
  series (``5681 WWA 67``), also flagged ``is_temporary``.

Separators are ignored when parsing (owners type ``ab123cd``, ``AB.123.CD``,
``12abc2b``...): the blocks of each format alternate digits and letters, so the
compact string is never ambiguous. A trailing 3-digit block is only a
département when it is 971-976.

Stdlib only: this module is shared by forms, parsers and the CLI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["InvalidPlate", "Plate", "parse_plate", "normalize_plate", "plate_error"]

SIV = "siv"
FNI = "fni"

# Hyphen look-alikes too: phones and word processors turn "-" into dashes.
_SEPARATORS = frozenset("-.\u2010\u2011\u2012\u2013\u2014\u2015\u2212")
# Checked before upper() on purpose: "ß".upper() == "SS", "ı".upper() == "I".
_ALLOWED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_FORBIDDEN_LETTERS = frozenset("IOU")
# Longest real plate is 9 characters compact ("1234AB974"); beyond this it is noise.
_MAX_COMPACT = 16

_SIV_LIKE = re.compile(r"([A-Z]+)([0-9]+)([A-Z]+)")
_FNI_LIKE = re.compile(r"([0-9]+)([A-Z]+)([0-9]*[A-Z]?)")

_OVERSEAS = frozenset({"971", "972", "973", "974", "975", "976"})
_CORSICA = frozenset({"2A", "2B"})

_EXPECTED = "« AB-123-CD » (depuis 2009) ou « 123 ABC 75 » (avant 2009)"

MSG_EMPTY = "Veuillez saisir un numéro d'immatriculation, par exemple " + _EXPECTED + "."
MSG_SHAPE = "Format de plaque non reconnu : formats attendus " + _EXPECTED + "."
MSG_SIV_SHAPE = (
    "Une plaque SIV comporte 2 lettres, 3 chiffres puis 2 lettres, par exemple « AB-123-CD » ; "
    "les anciennes plaques s'écrivent « 123 ABC 75 »."
)
MSG_SIV_LETTERS = "Les lettres I, O et U ne sont pas utilisées sur les plaques SIV."
MSG_SIV_SS = "La combinaison « SS » n'est jamais attribuée sur les plaques SIV."
MSG_SIV_000 = (
    "Le numéro 000 n'est pas attribué sur les plaques SIV : la série commence à AA-001-AA."
)
MSG_FNI_NUMBER_LEN = (
    "Sur une ancienne plaque (FNI), le numéro comporte 1 à 4 chiffres, par exemple « 123 ABC 75 »."
)
MSG_FNI_NUMBER_ZERO = "Sur une ancienne plaque (FNI), le numéro ne commence jamais par 0."
MSG_FNI_LETTERS_LEN = (
    "Sur une ancienne plaque (FNI), la série comporte 1 à 3 lettres, par exemple « 123 ABC 75 »."
)
MSG_FNI_LETTERS = "Les lettres I, O et U ne sont pas utilisées sur les anciennes plaques (FNI)."
MSG_FNI_4_3 = (
    "Sur une ancienne plaque (FNI), une série de 3 lettres a au plus 3 chiffres "
    "(jusqu'à « 999 ZZZ »)."
)
MSG_FNI_DEPT_MISSING = (
    "Il manque le département à la fin de la plaque, par exemple « 123 ABC 75 »."
)
MSG_FNI_DEPT_20 = "Le département 20 n'est plus utilisé : pour la Corse, indiquez 2A ou 2B."
MSG_FNI_DEPT_ONE_DIGIT = "Le département s'écrit avec 2 chiffres, par exemple 05 et non 5."


class InvalidPlate(ValueError):
    """The text is not a plausible French plate; str(exc) says why, in French."""


@dataclass(frozen=True)
class Plate:
    display: str  # official display form: "AB-123-CD" or "123 ABC 75"
    kind: str  # "siv" or "fni"
    is_temporary: bool = False  # WW plates: temporary registration


def parse_plate(text: str) -> Plate:
    """Parse a typed plate; raise InvalidPlate with a French reason otherwise."""
    if not isinstance(text, str):
        # Forms may hand us anything; keep the single-exception contract.
        raise InvalidPlate(MSG_EMPTY)
    compact = _compact(text)
    if not compact:
        raise InvalidPlate(MSG_EMPTY)
    if len(compact) > _MAX_COMPACT:
        raise InvalidPlate(MSG_SHAPE)
    compact = compact.upper()  # safe: only ASCII letters and digits remain

    match = _SIV_LIKE.fullmatch(compact)
    if match:
        return _parse_siv(*match.groups())
    match = _FNI_LIKE.fullmatch(compact)
    if match:
        return _parse_fni(*match.groups())
    raise InvalidPlate(MSG_SHAPE)


def normalize_plate(text: str) -> str:
    """Official display form of a typed plate; raises InvalidPlate."""
    return parse_plate(text).display


def plate_error(text: str) -> str | None:
    """French reason why the plate is invalid, or None when it is valid."""
    try:
        parse_plate(text)
    except InvalidPlate as exc:
        return str(exc)
    return None


def _compact(text: str) -> str:
    """Drop separators; reject any other character with a message naming it."""
    kept: list[str] = []
    for char in text:
        if char.isspace() or char in _SEPARATORS:
            continue
        if char not in _ALLOWED:
            raise InvalidPlate(_bad_char_message(char))
        kept.append(char)
    return "".join(kept)


def _bad_char_message(char: str) -> str:
    # Control characters or lone surrogates would garble the sentence: show them escaped.
    shown = char if char.isprintable() else ascii(char).strip("'")
    return (
        f"Le caractère « {shown} » n'est pas autorisé : une plaque ne contient que "
        "des lettres et des chiffres, séparés au besoin par des espaces ou des tirets."
    )


def _parse_siv(left: str, number: str, right: str) -> Plate:
    if len(left) != 2 or len(number) != 3 or len(right) != 2:
        raise InvalidPlate(MSG_SIV_SHAPE)
    if _FORBIDDEN_LETTERS.intersection(left + right):
        raise InvalidPlate(MSG_SIV_LETTERS)
    if left == "SS" or right == "SS":
        raise InvalidPlate(MSG_SIV_SS)
    if number == "000":
        raise InvalidPlate(MSG_SIV_000)
    # WW on the left is the temporary series; owners do drive with them, so accept.
    return Plate(display=f"{left}-{number}-{right}", kind=SIV, is_temporary=left == "WW")


def _parse_fni(number: str, letters: str, dept: str) -> Plate:
    if len(number) > 4:
        raise InvalidPlate(MSG_FNI_NUMBER_LEN)
    if len(letters) > 3:
        raise InvalidPlate(MSG_FNI_LETTERS_LEN)
    dept = _check_department(dept)
    if number.startswith("0"):
        raise InvalidPlate(MSG_FNI_NUMBER_ZERO)
    if _FORBIDDEN_LETTERS.intersection(letters):
        raise InvalidPlate(MSG_FNI_LETTERS)
    # Prefectures issued WW/WWA... temporary plates in blocks up to 9999, even with 3 letters.
    temporary = letters.startswith("WW")
    if len(number) == 4 and len(letters) == 3 and not temporary:
        raise InvalidPlate(MSG_FNI_4_3)
    return Plate(display=f"{number} {letters} {dept}", kind=FNI, is_temporary=temporary)


def _check_department(dept: str) -> str:
    if not dept:
        raise InvalidPlate(MSG_FNI_DEPT_MISSING)
    if dept in _CORSICA or dept in _OVERSEAS:
        return dept
    if dept.isdigit() and len(dept) == 1:
        raise InvalidPlate(MSG_FNI_DEPT_ONE_DIGIT)
    if dept == "20":
        raise InvalidPlate(MSG_FNI_DEPT_20)
    if dept.isdigit() and len(dept) == 2 and 1 <= int(dept) <= 95:
        return dept
    raise InvalidPlate(
        f"Département « {dept} » inconnu : attendu 01 à 95, 2A ou 2B (Corse), "
        "ou 971 à 976 (outre-mer)."
    )
