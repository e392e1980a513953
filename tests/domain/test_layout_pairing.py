"""Pairing field codes with values from recorded Tesseract word boxes (no OCR run).

``tests/fixtures/tesseract_words_carte_grise.json`` holds the real
``image_to_data`` words of two generated cards, recorded once: a flat one
("net") and a phone photo ("photo") whose small codes Tesseract garbled
("r.1 1461 r2 63 r3 GO r6 4"). The tests then lose codes, put the right column
out of line and shuffle Tesseract's word order, and check the parser still
pairs each value with its field.
"""

from __future__ import annotations

import dataclasses
import json
import random
from datetime import date
from pathlib import Path

import pytest

from autocoach.domain.documents import parse_document
from autocoach.domain.documents.carte_grise import is_code_word, paired_lines, parse_carte_grise, read_machine_lines
from autocoach.domain.documents.common import LOW_CONFIDENCE
from autocoach.domain.documents.layout import DocumentLayout, Word, geometric_rows, merge_words, pair_labels
from tests.test_document_accuracy import score_fields

RECORDED = json.loads((Path(__file__).parent.parent / "fixtures" / "tesseract_words_carte_grise.json").read_text())


def _layout(key: str) -> DocumentLayout:
    return DocumentLayout.from_json(RECORDED[key])


def _fields(layout: DocumentLayout) -> dict:
    return parse_carte_grise("", layout).to_json_dict()["fields"]


def _expected(key: str) -> dict:
    return RECORDED[key]["expected"]


def _code_words(layout: DocumentLayout, *codes: str) -> list[Word]:
    return [w for w in layout.words if w.text.upper().rstrip(":") in codes]


def test_recorded_flat_card_is_read_from_boxes_alone() -> None:
    layout = _layout("net")
    correct, total, misses = score_fields(_expected("net"), _fields(layout))
    assert (correct, total) == (total, total), misses
    pairs = {label.text.upper(): " ".join(w.text for w in value) for label, value in pair_labels(layout.words, is_code_word)}
    assert pairs["D.1"] == "VOLKSWAGEN"
    assert pairs["P3"] == "GO" and pairs["P6"] == "6" and pairs["V7"] == "106"


def test_codes_lost_values_found_by_shape_and_place() -> None:
    layout = _layout("net")
    lost = _code_words(layout, "P3", "P6", "V7", "D.3", "D.2", "B", "X.1", "P1", "P2")
    assert len(lost) == 9
    damaged = DocumentLayout([w for w in layout.words if w not in lost], mean_confidence=layout.mean_confidence)
    parsed = parse_carte_grise("", damaged)
    correct, total, misses = score_fields(_expected("net"), parsed.to_json_dict()["fields"])
    assert correct == total, misses
    for name in ("fuel_code", "fiscal_power", "co2", "variant", "power_kw", "displacement_cc", "next_technical_inspection"):
        assert parsed.origins[name] == "forme", name
    # The model found by place agrees with the machine-readable line: sure.
    assert parsed.origins["model"] == "mrz" and parsed.confidence["model"] >= 0.95


def test_columns_out_of_line_keep_their_values() -> None:
    layout = _layout("net")
    middle = max(w.right for w in layout.words) / 2
    height = sorted(w.height for w in layout.words)[len(layout.words) // 2]
    # The right column drops by 40 % of a line and the page slopes a little.
    shifted = [
        dataclasses.replace(w, top=w.top + int(0.4 * height) + w.left // 200) if w.left > middle else
        dataclasses.replace(w, top=w.top + w.left // 200)
        for w in layout.words
    ]
    fields = _fields(DocumentLayout(shifted, mean_confidence=layout.mean_confidence))
    correct, total, misses = score_fields(_expected("net"), fields)
    assert correct == total, misses


def test_tesseract_word_order_does_not_matter() -> None:
    layout = _layout("net")
    words = list(layout.words)
    random.Random(3).shuffle(words)
    assert _fields(DocumentLayout(words, mean_confidence=layout.mean_confidence)) == _fields(layout)


def test_rows_follow_positions_not_input_order() -> None:
    words = [Word("P.6", 90, 900, 102, 30, 14), Word("4", 91, 950, 98, 12, 20), Word("P.1", 90, 100, 100, 30, 14),
             Word("1461", 95, 150, 97, 60, 20), Word("X.1", 90, 100, 140, 30, 14), Word("15/04/2027", 93, 150, 137, 150, 20)]
    rows = [[w.text for w in row] for row in geometric_rows(words)]
    assert rows == [["P.1", "1461", "P.6", "4"], ["X.1", "15/04/2027"]]
    pairs = [(label.text, [w.text for w in value]) for label, value in pair_labels(words, is_code_word)]
    assert ("P.1", ["1461"]) in pairs and ("P.6", ["4"]) in pairs and ("X.1", ["15/04/2027"]) in pairs


def test_garbled_photo_codes_read_with_machine_lines() -> None:
    layout = _layout("photo")
    lines = paired_lines(layout)
    assert any(line.startswith("R") for line in lines)  # Tesseract read P.1 as "r.1": real garbling
    parsed = parse_carte_grise("", layout)
    correct, total, misses = score_fields(_expected("photo"), parsed.to_json_dict()["fields"])
    assert correct >= total - 1, misses
    # The MRZ and the coded fields agree on the plate; the VIN code was misread
    # ("VFIRJAN5SNZ...") so the MRZ value is kept and the other proposed.
    assert parsed.origins["license_plate"] == "mrz" and parsed.confidence["license_plate"] > 0.95
    assert parsed.fields["vin"] == _expected("photo")["vin"]
    assert parsed.origins["brand"] == "mrz" and parsed.origins["model"] == "mrz"


def test_low_ocr_confidence_makes_a_value_to_check() -> None:
    layout = _layout("net")
    unsure = [dataclasses.replace(w, conf=25.0) if w.text == "106" else w for w in layout.words]
    parsed = parse_carte_grise("", DocumentLayout(unsure, mean_confidence=layout.mean_confidence))
    assert parsed.fields["co2"] == 106
    assert parsed.confidence["co2"] < LOW_CONFIDENCE <= parsed.confidence["brand"]
    assert parsed.to_check() == ["co2"]
    # The VIN read both in its E field and in the machine-readable line is sure.
    assert parsed.confidence["vin"] >= 0.95


CARD_TEXT = """CERTIFICAT D'IMMATRICULATION
A EF-123-GH B 15/03/2019
D.1 PEUGEOT D.2 UBHNSY
D.3 208
E VR3UBHHNRYN551819
P.1 1199 P.2 74 P.3 ES P.6 5
CRFRAEF123GH<<VR3UBHHNRYN551819190315<
CI<<PEUGEOT<<208<<<<<<<<<<<<<<2019N551819
"""


def test_machine_lines_agree_with_codes() -> None:
    parsed = parse_document(CARD_TEXT, "carte_grise")
    assert parsed.fields["license_plate"] == "EF-123-GH" and parsed.origins["license_plate"] == "mrz"
    assert parsed.confidence["vin"] >= 0.95 and not parsed.alternatives
    assert parsed.fields["model"] == "208" and parsed.fields["brand"] == "PEUGEOT"


def test_machine_lines_disagreeing_with_codes_propose_both() -> None:
    # The plate's code was misread F -> E (the case): the MRZ says EF, the code EE.
    text = CARD_TEXT.replace("A EF-123-GH", "A EE-123-GH").replace("D.3 208", "D.3 2008")
    parsed = parse_document(text, "carte_grise")
    assert parsed.fields["license_plate"] == "EF-123-GH"
    assert parsed.alternatives["license_plate"] == ["EE-123-GH"]
    assert parsed.confidence["license_plate"] < LOW_CONFIDENCE
    assert parsed.fields["model"] == "208" and parsed.alternatives["model"] == ["2008"]
    json.dumps(parsed.to_json_dict())


@pytest.mark.parametrize(
    ("line1", "plate", "vin"),
    [
        ("CRFRAAB123CD<<VF1RJA00012345678190101<<<", "AB-123-CD", "VF1RJA00012345678"),
        ("CRFRA 1234 AB 44 < VF7UDRD1GXN406429 0801", "1234 AB 44", "VF7UDRD1GXN406429"),
        ("CRFRAAB1Z3CD«VF1RJAOOO12345678", "AB-123-CD", "VF1RJA00012345678"),
    ],
)
def test_machine_line_one_variants(line1: str, plate: str, vin: str) -> None:
    found = read_machine_lines([line1, "CI<<ALFA<ROMEO<<GIULIA<<<<<<<<<2019AB12345"])
    assert found["license_plate"] == plate and found["vin"] == vin
    assert found["brand"] == "ALFA ROMEO" and found["model"] == "GIULIA"


def test_text_only_parse_still_works_and_is_rated() -> None:
    parsed = parse_document(CARD_TEXT)
    assert parsed.document_type == "carte_grise"
    assert set(parsed.confidence) == set(parsed.fields)
    assert parsed.fields["first_registration_date"] == date(2019, 3, 15)


def test_a_second_pass_adds_only_words_where_the_first_had_none() -> None:
    first = [Word("P.1", 88, 100, 100, 30, 14), Word("1461", 95, 150, 97, 60, 20), Word("P.3", 80, 500, 100, 30, 14)]
    second = [Word("1461", 90, 151, 98, 58, 19), Word("P.2", 85, 300, 100, 30, 14), Word("63", 92, 345, 97, 30, 20)]
    merged = merge_words(first, second)
    assert [w.text for w in merged] == ["P.1", "1461", "P.3", "P.2", "63"]
    assert merged[1].conf == 95  # the first reading's word is kept where both read one
    pairs = [(label.text, [w.text for w in value]) for label, value in pair_labels(merged, is_code_word)]
    assert ("P.2", ["63"]) in pairs
