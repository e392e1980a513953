"""Tests for autocoach.domain.plates: what owners type -> official display, or a French reason."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autocoach.domain.plates import InvalidPlate, Plate, normalize_plate, parse_plate, plate_error

# --- valid inputs --------------------------------------------------------------------------------

VALID_SIV = [
    ("ab123cd", "AB-123-CD"),
    ("AB 123 CD", "AB-123-CD"),
    ("ab-123-cd", "AB-123-CD"),
    (" AB.123.CD ", "AB-123-CD"),
    ("AB-123-CD", "AB-123-CD"),
    ("aB 123-Cd", "AB-123-CD"),
    ("AA-001-AA", "AA-001-AA"),  # first plate of the series
    ("ZZ-999-ZZ", "ZZ-999-ZZ"),
    ("fg\t456\nhj", "FG-456-HJ"),
    ("AB\u00a0123\u00a0CD", "AB-123-CD"),  # non-breaking spaces from copy-paste
    ("AB\u2013123\u2013CD", "AB-123-CD"),  # en dash from phone autocorrect
    ("GS-500-SA", "GS-500-SA"),  # S next to S across blocks is fine, only "SS" in a block is banned
    ("AS-100-SB", "AS-100-SB"),
    ("XY-010-VW", "XY-010-VW"),  # WW only matters on the left block
    ("AB-123-WW", "AB-123-WW"),
]

VALID_FNI = [
    ("123 ABC 75", "123 ABC 75"),
    ("1234 AB 2A", "1234 AB 2A"),
    ("12abc2b", "12 ABC 2B"),
    ("999 zz 971", "999 ZZ 971"),
    ("1234AB974", "1234 AB 974"),
    ("1 A 01", "1 A 01"),
    ("9999 ZZ 95", "9999 ZZ 95"),
    ("4567-XY-13", "4567 XY 13"),
    ("88.kl.69", "88 KL 69"),
    ("12 ab 2a", "12 AB 2A"),
    ("350 BCD 976", "350 BCD 976"),
    ("7 W 59", "7 W 59"),  # W garage plate: a normal, permanent registration
    ("123AB09", "123 AB 09"),
    ("1234 SS 75", "1234 SS 75"),  # SS only withdrawn in 1986 under FNI: older plates exist
]


@pytest.mark.parametrize(("typed", "expected"), VALID_SIV)
def test_siv_normalised(typed: str, expected: str) -> None:
    plate = parse_plate(typed)
    assert plate == Plate(display=expected, kind="siv", is_temporary=False)
    assert normalize_plate(typed) == expected
    assert plate_error(typed) is None


@pytest.mark.parametrize(("typed", "expected"), VALID_FNI)
def test_fni_normalised(typed: str, expected: str) -> None:
    plate = parse_plate(typed)
    assert plate == Plate(display=expected, kind="fni", is_temporary=False)
    assert normalize_plate(typed) == expected
    assert plate_error(typed) is None


@pytest.mark.parametrize(
    ("typed", "expected", "kind"),
    [
        ("ww-123-ab", "WW-123-AB", "siv"),
        ("WW 001 ZZ", "WW-001-ZZ", "siv"),
        ("5681 WW 67", "5681 WW 67", "fni"),
        ("5681 WWA 67", "5681 WWA 67", "fni"),  # WW series may have 4 digits with 3 letters
    ],
)
def test_ww_plates_are_temporary(typed: str, expected: str, kind: str) -> None:
    assert parse_plate(typed) == Plate(display=expected, kind=kind, is_temporary=True)


# --- invalid inputs: (typed, words the French reason must contain) ------------------------------

INVALID = [
    # empty
    ("", "Veuillez saisir"),
    ("   ", "Veuillez saisir"),
    (" - . - ", "Veuillez saisir"),
    # forbidden characters
    ("AB-123-CDé", "« é »"),
    ("AB_123_CD", "« _ »"),
    ("AB/123/CD", "« / »"),
    ("ＡＢ-123-ＣＤ", "n'est pas autorisé"),  # full-width letters
    ("AB-١٢٣-CD", "n'est pas autorisé"),  # Arabic-Indic digits
    ("aßa-123-bc", "« ß »"),  # would upper() into "SS"
    ("AB\x00123CD", "\\x00"),
    ("🚗", "n'est pas autorisé"),
    # wrong shape
    ("ABC", "formats attendus"),
    ("12345", "formats attendus"),
    ("AB123", "formats attendus"),
    ("A1B2C3", "formats attendus"),
    ("AB" * 50, "formats attendus"),
    ("AB-1234-CD", "2 lettres, 3 chiffres puis 2 lettres"),
    ("AB-12-CD", "2 lettres, 3 chiffres puis 2 lettres"),
    ("ABC-123-DE", "2 lettres, 3 chiffres puis 2 lettres"),
    ("A-123-BC", "2 lettres, 3 chiffres puis 2 lettres"),
    # SIV rules
    ("AI-123-BC", "I, O et U"),
    ("AB-123-CO", "I, O et U"),
    ("UA-123-BC", "I, O et U"),
    ("SS-123-AB", "SS"),
    ("AB-123-SS", "SS"),
    ("AB-000-CD", "000"),
    # FNI rules
    ("12345 AB 75", "1 à 4 chiffres"),
    ("123 ABCD 75", "1 à 3 lettres"),
    ("0 AB 75", "commence jamais par 0"),
    ("000 AB 75", "commence jamais par 0"),
    ("0123 AB 75", "commence jamais par 0"),
    ("123 AIB 75", "I, O et U"),
    ("123 OA 75", "I, O et U"),
    ("123 U 75", "I, O et U"),
    ("1234 ABC 75", "999 ZZZ"),
    ("123 AB", "Il manque le département"),
    ("123 AB 5", "2 chiffres"),
    ("123 AB 20", "2A ou 2B"),
    ("123 AB 00", "« 00 » inconnu"),
    ("123 AB 96", "« 96 » inconnu"),
    ("123 AB 99", "« 99 » inconnu"),
    ("123 AB 2C", "« 2C » inconnu"),
    ("123AB977", "« 977 » inconnu"),
    ("123AB751", "« 751 » inconnu"),  # 3 trailing digits are only a département for 971-976
    ("123 AB 9741", "« 9741 » inconnu"),
    ("123 AB 75 CD", "formats attendus"),
]


@pytest.mark.parametrize(("typed", "reason"), INVALID)
def test_invalid_plates_explain_why(typed: str, reason: str) -> None:
    with pytest.raises(InvalidPlate) as info:
        parse_plate(typed)
    assert reason in str(info.value)
    assert plate_error(typed) == str(info.value)
    with pytest.raises(InvalidPlate):
        normalize_plate(typed)


def test_invalid_plate_is_a_value_error() -> None:
    assert issubclass(InvalidPlate, ValueError)


def test_messages_are_exact_for_key_causes() -> None:
    assert plate_error("AI-123-BC") == (
        "Les lettres I, O et U ne sont pas utilisées sur les plaques SIV."
    )
    assert plate_error("xyz") == (
        "Format de plaque non reconnu : formats attendus « AB-123-CD » (depuis 2009) "
        "ou « 123 ABC 75 » (avant 2009)."
    )


def test_plate_is_frozen() -> None:
    plate = parse_plate("AB-123-CD")
    with pytest.raises(AttributeError):
        plate.display = "XX-000-XX"  # type: ignore[misc]


# --- properties ---------------------------------------------------------------------------------

_plate_alphabet = st.sampled_from(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcz0123456789 -.\u2013é\x00"))
_anything = st.one_of(st.text(), st.text(_plate_alphabet, max_size=14))


def _check_parse_is_total_and_idempotent(text: str) -> None:
    try:
        plate = parse_plate(text)
    except InvalidPlate as exc:
        assert str(exc)  # always a non-empty reason
        assert plate_error(text) == str(exc)
        return
    assert plate.kind in ("siv", "fni")
    assert parse_plate(plate.display) == plate
    assert plate_error(text) is None


@settings(max_examples=500)
@given(_anything)
def test_parse_is_total_and_idempotent(text: str) -> None:
    _check_parse_is_total_and_idempotent(text)


_siv_letter = st.sampled_from("ABCDEFGHJKLMNPQRSTVWXYZ")
_siv_like = st.builds(
    lambda a, b, n, c, d, sep: f"{a}{b}{sep}{n:03d}{sep}{c}{d}",
    _siv_letter, _siv_letter, st.integers(0, 999), _siv_letter, _siv_letter,
    st.sampled_from(["", "-", " ", "."]),
)
_fni_like = st.builds(
    lambda n, letters, dept, sep: f"{n}{sep}{letters}{sep}{dept}",
    st.integers(0, 99999),
    st.text(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), min_size=1, max_size=4),
    st.sampled_from(["01", "2A", "2B", "20", "75", "95", "96", "971", "976", "977", "5"]),
    st.sampled_from(["", " ", "-"]),
)


@settings(max_examples=500)
@given(st.one_of(_siv_like, _fni_like))
def test_plate_shaped_inputs_round_trip(text: str) -> None:
    _check_parse_is_total_and_idempotent(text)
    if plate_error(text) is None:
        # Display re-typed in lowercase and compact still gives the same plate.
        display = normalize_plate(text)
        compact = display.replace("-", "").replace(" ", "").lower()
        assert normalize_plate(compact) == display


@given(st.text(min_size=1000, max_size=5000))
def test_very_long_text_is_rejected(text: str) -> None:
    assert plate_error(text) is not None
