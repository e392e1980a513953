"""Unit tests of the document parsers on text snippets (clean and OCR-like)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from autocoach.domain import vocabulary
from autocoach.domain.documents import (
    FUEL_CODES,
    ParsedDocument,
    classify_document,
    ct_nature,
    ct_result,
    expense_category,
    parse_carte_grise,
    parse_document,
    parse_histovec,
    parse_invoice,
)
from autocoach.domain.documents.common import MSG_INTERNAL, find_dates, fix_vin, parse_amount

HOLDER = "DUPONT-LEFEVRE AGATHE"
STREET = "17 IMPASSE DES GLYCINES"

CARTE_GRISE = f"""RÉPUBLIQUE FRANÇAISE      CERTIFICAT D'IMMATRICULATION
A  FG-482-KL                         B  15/03/2018
C.1  {HOLDER}
C.4a EST LE PROPRIETAIRE DU VEHICULE
C.3  {STREET} 44000 NANTES
D.1  RENAULT                         D.2  RJA1E6
D.2.1 M10RENVP512A123
D.3  CLIO
E  VF1RJA00512345678
F.1 1588   F.2 1588   G 1235
H                                    I  20/06/2021
J M1   J.1 VP   J.3 CI
K e2*2007/46*0534*12
P.1 1461   P.2 66   P.3 GO   P.6 5
S.1 5   U.1 79   U.2 3000
V.7 104   V.9 715/2007*2015/45EURO6
X.1 15/03/2022
Y.1 275,00  Y.6 286,76
"""

# What Tesseract actually made of generated cards: codes without dots, "p.1" for
# D.1, "8" for B, "1" for I, "x.1i" for X.1, "v.o" for V.9, O for 0 in the VIN.
CARTE_GRISE_OCR = """| RÉPUBLIQUE FRANÇAISE CERTIFICAT D'IMMATRICULATION
A BA-903-KW 8 15/04/2017
c.1 MOREAU MARIE-CLAIRE
c.4a EST LE PROPRIETAIRE DU VEHICULE
c.3 46 RUE DU MOULIN 13008 MARSEILLE
p.1 PEUGE0T p.2 UBHNSY
p.21 M1OPEUVP988F553
D3 2008
E VR3UBHXHBKS69O388
F1 1679 F2 2096 6 1528
H 1 03/08/2021
3 M1 J1 VP 33 Cl
p1 1199 P2 74 P3 G0 ps 5
s.1 5 u.1 68 u.2 3750
v7 119 v.o 715/2007*2017/1347EUROGDTEMP
x.1i 15/04/2027
x1 441,00 *6 332,76
"""


def _json(parsed: ParsedDocument) -> dict:
    data = parsed.to_json_dict()
    json.dumps(data)  # must be serialisable as is
    return data


# --- carte grise -------------------------------------------------------------------------


def test_carte_grise_clean_text_reads_every_field() -> None:
    data = _json(parse_carte_grise(CARTE_GRISE))
    assert data["document_type"] == "carte_grise"
    assert data["fields"] == {
        "license_plate": "FG-482-KL",
        "first_registration_date": "2018-03-15",
        "certificate_date": "2021-06-20",
        "next_technical_inspection": "2022-03-15",
        "vin": "VF1RJA00512345678",
        "brand": "RENAULT",
        "variant": "RJA1E6",
        "model": "CLIO",
        "fuel_code": "GO",
        "fuel_type": "diesel",
        "displacement_cc": 1461,
        "power_kw": 66,
        "fiscal_power": 5,
        "co2": 104,
        "euro_class": "Euro 6",
    }
    assert data["warnings"] == []


def test_carte_grise_never_outputs_holder_identity() -> None:
    for text in (CARTE_GRISE, CARTE_GRISE_OCR, CARTE_GRISE.replace("D.1  RENAULT", "")):
        dumped = json.dumps(parse_carte_grise(text).to_json_dict(), ensure_ascii=False).upper()
        for secret in (HOLDER, "DUPONT", "AGATHE", STREET, "GLYCINES", "MOREAU", "MARIE-CLAIRE", "MOULIN"):
            assert secret not in dumped


@pytest.mark.parametrize(
    "text",
    [
        "D.1 RENAULT\nD.3 CLIO c1 DUPONT-LEFEVRE AGATHE",
        "D.3 CLIO C.1 DUPONT-LEFEVRE AGATHE D.1 RENAULT",
        "A FG-482-KL B 15/03/2018 ci DUPONT-LEFEVRE AGATHE\nD.3 CLIO",
        "cs 17 IMPASSE DES GLYCINES 44000 NANTES\nD.3 CLIO",
        "D.2 RJA1E6 c.3 17 IMPASSE DES GLYCINES\nD.3 CLIO",
    ],
)
def test_carte_grise_holder_is_cut_out_of_merged_lines(text: str) -> None:
    result = parse_carte_grise(text)
    dumped = json.dumps(result.to_json_dict(), ensure_ascii=False).upper()
    assert "DUPONT" not in dumped and "AGATHE" not in dumped and "GLYCINES" not in dumped
    assert result.fields["model"] == "CLIO"


@pytest.mark.parametrize("model", ["C4 PICASSO", "C3", "C1", "CLIO", "CITY"])
def test_carte_grise_models_looking_like_c_codes_are_kept(model: str) -> None:
    assert parse_carte_grise(f"D.1 CITROEN\nD.3 {model}\nE VF7SXHMZ612345678").fields["model"] == model


def test_carte_grise_noisy_ocr_text() -> None:
    fields = _json(parse_carte_grise(CARTE_GRISE_OCR))["fields"]
    assert fields["license_plate"] == "BA-903-KW"
    assert fields["first_registration_date"] == "2017-04-15"  # "8" read for the B code
    assert fields["certificate_date"] == "2021-08-03"  # "1" read for the I code
    assert fields["next_technical_inspection"] == "2027-04-15"
    assert fields["brand"] == "PEUGEOT"  # "p.1 PEUGE0T"
    assert fields["variant"] == "UBHNSY"
    assert fields["model"] == "2008"
    assert fields["vin"] == "VR3UBHXHBKS690388"  # O inside a VIN is a 0
    assert fields["fuel_code"] == "GO" and fields["fuel_type"] == "diesel"  # "G0"
    assert fields["fiscal_power"] == 5  # "ps 5"
    assert fields["power_kw"] == 74
    assert fields["displacement_cc"] == 1199
    assert fields["co2"] == 119
    assert fields["euro_class"] == "Euro 6d-TEMP"  # "EUROGDTEMP"


def test_carte_grise_first_registration_is_b_not_i() -> None:
    # Columns read in another order: I comes before B in the text.
    text = "I 02/05/2023\nA AB-123-CD\nB 14/09/2012\nD.1 FIAT\nD.3 PANDA"
    fields = parse_carte_grise(text).fields
    assert fields["first_registration_date"] == date(2012, 9, 14)
    assert fields["certificate_date"] == date(2023, 5, 2)


def test_carte_grise_guesses_b_from_oldest_date_with_warning() -> None:
    result = parse_carte_grise("A AB-123-CD\n?? 14/09/2012\nI 02/05/2023\nX.1 14/09/2024")
    assert result.fields["first_registration_date"] == date(2012, 9, 14)
    assert any("(B)" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("line", "plate"),
    [
        ("A AB-123-CD", "AB-123-CD"),
        ("A: ab 123 cd", "AB-123-CD"),
        ("A AB.I23.CD", "AB-123-CD"),  # I read for 1 in the number block
        ("A 123 ABC 75", "123 ABC 75"),  # FNI
        ("A 4521 HG 2A", "4521 HG 2A"),  # FNI, Corsica
        ("A 87 XJ 974", "87 XJ 974"),  # FNI, overseas
    ],
)
def test_carte_grise_plates(line: str, plate: str) -> None:
    assert parse_carte_grise(f"{line}   B 01/02/2005").to_json_dict()["fields"]["license_plate"] == plate


def test_carte_grise_rejects_impossible_plate() -> None:
    result = parse_carte_grise("A SS-123-AB\nB 01/02/2015")  # SS is never issued
    assert "license_plate" not in result.fields
    assert any("(A)" in w for w in result.warnings)


# Every P.3 code of the domain brief, written out here (not taken from the parser).
BRIEF_FUEL_CODES = {
    "diesel": "GO GA GE GF GG GH GQ PL",
    "essence": "ES ET",
    "hybride": "EH",
    "e85": "FE FH",
    "electrique": "EL AC H2 HE HH",
    "hybride_rechargeable": "EE EM ER FL GL GM NE PE",
    "gpl": "EG EN EP EQ FG FN G2 GN GP GZ NH PH",
}
FUEL_CASES = [(code, fuel) for fuel, codes in BRIEF_FUEL_CODES.items() for code in codes.split()]


@pytest.mark.parametrize(("code", "fuel"), FUEL_CASES)
def test_fuel_code_mapping(code: str, fuel: str) -> None:
    assert fuel in vocabulary.FUEL_TYPES
    fields = parse_carte_grise(f"P.1 1598  P.2 85  P.3 {code}  P.6 6").fields
    assert fields["fuel_code"] == code
    assert fields["fuel_type"] == fuel


def test_fuel_table_matches_the_brief_exactly() -> None:
    assert FUEL_CODES == {code: fuel for code, fuel in FUEL_CASES}


def test_unknown_fuel_code_is_autre_with_warning() -> None:
    result = parse_carte_grise("P.3 ZX  P.6 4")
    assert result.fields["fuel_type"] == "autre"
    assert any("ZX" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("raw", "vin"),
    [
        ("VF1RJA00512345678", "VF1RJA00512345678"),
        ("VF1RJAOO512345678", "VF1RJA00512345678"),  # O -> 0
        ("VF1RJAQ0512345678", "VF1RJA00512345678"),  # Q -> 0
        ("VFIRJA00512345678", "VF1RJA00512345678"),  # I -> 1
        ("vf1 rja00512345678", "VF1RJA00512345678"),  # split in two by OCR
    ],
)
def test_vin_ocr_fixes(raw: str, vin: str) -> None:
    assert parse_carte_grise(f"E {raw}\nF.1 1588").fields["vin"] == vin


@pytest.mark.parametrize("raw", ["VF1RJA0051234567", "VF1RJA005123456789", "VF1RJA*0512345678"])
def test_invalid_vin_is_dropped_with_warning(raw: str) -> None:
    result = parse_carte_grise(f"E {raw}\nF.1 1588")
    assert "vin" not in result.fields
    assert any("VIN" in w for w in result.warnings)


def test_fix_vin_charset() -> None:
    assert fix_vin("WVWZZZ1KZAW123456") == "WVWZZZ1KZAW123456"
    assert fix_vin("12345678901234567") is None  # digits only: not a VIN
    assert fix_vin("WVWZZZ1KZAW12345U") == "WVWZZZ1KZAW12345U"
    assert fix_vin("WVWZZZ1KZAW12345#") is None


def test_electric_car_without_displacement() -> None:
    fields = parse_carte_grise("P.1      P.2 80   P.3 EL   P.6 3\nV.7 0").fields
    assert "displacement_cc" not in fields
    assert fields["power_kw"] == 80 and fields["fuel_type"] == "electrique" and fields["co2"] == 0


def test_model_with_letters_of_codes_is_kept_whole() -> None:
    fields = parse_carte_grise("D.1 CITROEN D.2 UDRHRH\nD.3 C4 PICASSO E VF7UDRHRH12345678").fields
    assert fields["model"] == "C4 PICASSO"
    assert fields["vin"] == "VF7UDRHRH12345678"


def test_euro_class_without_euro_mark_warns() -> None:
    result = parse_carte_grise("V.7 140  V.9 70/220*2003/76B")
    assert "euro_class" not in result.fields
    assert any("V.9" in w for w in result.warnings)


def test_not_a_carte_grise_warns() -> None:
    result = parse_carte_grise("Bonjour, ceci est une lettre.")
    assert result.fields == {}
    assert result.warnings


# --- Histovec ------------------------------------------------------------------------------

HISTOVEC_CSA = """HistoVec - Historique des véhicules
Certificat de situation administrative détaillé
Identification du véhicule
Numéro d'immatriculation du véhicule : GH-271-PT
Date de première immatriculation du véhicule : 03/02/2016
Numéro VIN du véhicule (ou numéro de série) : WVWZZZAUZGW123456
Marque : VOLKSWAGEN
Modèle : GOLF
Titulaire & titre
Titulaire actuel : BERNARD ROSE
Nombre de titulaires : 3
Situation administrative du véhicule
- Opposition au transfert du certificat
  d'immatriculation (OTCI)
Aucune
- Procédure de réparation contrôlée
Aucune
- Déclaration valant saisie
Aucune
- Gage
Oui
- Immatriculation suspendue
Non
- Véhicule volé
Non
- Certificat d'immatriculation perdu
Non
- Certificat d'immatriculation duplicata
Oui
Historique du véhicule
03/02/2016 Première immatriculation
12/05/2019 Inscription d'un gage
08/09/2021 Changement de titulaire
Sinistres
Aucun sinistre déclaré
Contrôles techniques
Date Nature Résultat Kilométrage
20/01/2024 Contre-visite Favorable 98 410 km
05/01/2024 Visite technique périodique Défavorable majeur 98 120 km
11/01/2022 Visite technique périodique Favorable 71 033 km
14/12/2019 Visite technique périodique Favorable 45 870 km
"""

HISTOVEC_CODES = """Rapport HistoVec
Immatriculation : 527 BFK 44
Date de 1ère immatriculation : 14/06/2007
Marque : CITROËN Modèle : C4 PICASSO
Le véhicule a connu 4 titulaires
Situation administrative
Gage : Aucun gage
Oppositions : 1 opposition en cours
Vol : Non
Procédure VE : Oui
Sinistres
15/09/2015 Déclaration de sinistre - véhicule endommagé (VE)
Contrôles techniques
16/05/2023 VTP SP 182 400 km
04/06/2023 CV A 182 650 km
20/05/2021 VTP RP 160 002 km
10/06/2021 CVC AP 160 210 km
02/06/2019 VTP X 140 000 km
"""


def test_histovec_csa_layout() -> None:
    data = _json(parse_histovec(HISTOVEC_CSA))
    fields = data["fields"]
    assert data["document_type"] == "histovec"
    assert fields["license_plate"] == "GH-271-PT"
    assert fields["first_registration_date"] == "2016-02-03"
    assert fields["brand"] == "VOLKSWAGEN"
    assert fields["model"] == "GOLF"
    assert fields["owners_count"] == 3
    assert fields["situation"] == {
        "opposition": False,
        "procedure_ve": False,
        "saisie": False,
        "gage": True,
        "suspension": False,
        "vol": False,
        "perte": False,
        "duplicata": True,
    }
    assert fields["claims"] == []
    assert fields["technical_inspections"] == [
        {"date": "2019-12-14", "nature": "periodique", "result": "favorable", "mileage": 45870},
        {"date": "2022-01-11", "nature": "periodique", "result": "favorable", "mileage": 71033},
        {"date": "2024-01-05", "nature": "periodique", "result": "defavorable_majeur", "mileage": 98120},
        {"date": "2024-01-20", "nature": "contre_visite", "result": "favorable", "mileage": 98410},
    ]
    assert fields["mileage_readings"] == [
        {"date": "2019-12-14", "mileage": 45870},
        {"date": "2022-01-11", "mileage": 71033},
        {"date": "2024-01-05", "mileage": 98120},
        {"date": "2024-01-20", "mileage": 98410},
    ]
    assert "BERNARD" not in json.dumps(data)
    assert data["warnings"] == []


def test_histovec_result_codes_and_oldest_first() -> None:
    fields = _json(parse_histovec(HISTOVEC_CODES))["fields"]
    assert fields["license_plate"] == "527 BFK 44"
    assert fields["brand"] == "CITROEN"
    assert fields["model"] == "C4 PICASSO"
    assert fields["owners_count"] == 4
    assert fields["situation"] == {"gage": False, "opposition": True, "vol": False, "procedure_ve": True}
    rows = fields["technical_inspections"]
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    assert [(r["nature"], r["result"]) for r in rows] == [
        ("periodique", "ajourne"),
        ("periodique", "defavorable_critique"),
        ("contre_visite", "favorable"),
        ("periodique", "defavorable_majeur"),
        ("contre_visite", "favorable"),
    ]
    assert fields["claims"] == [
        {"date": "2015-09-15", "description": "Déclaration de sinistre - véhicule endommagé (VE)"}
    ]


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("A", "favorable"),
        ("AP", "favorable"),
        ("S", "defavorable_majeur"),
        ("SP", "defavorable_majeur"),
        ("R", "defavorable_critique"),
        ("RP", "defavorable_critique"),
        ("X", "ajourne"),
        ("Favorable", "favorable"),
        ("FAVORABLE", "favorable"),
        ("Défavorable majeur", "defavorable_majeur"),
        ("Défavorable - contre-visite obligatoire", "defavorable_majeur"),
        ("defavorable", "defavorable_majeur"),
        ("Défavorable critique", "defavorable_critique"),
        ("Défavorable (défaillances critiques)", "defavorable_critique"),
        ("Ajourné", "ajourne"),
        ("a", None),  # lower-case "a" is the French word "à", not a result code
        ("", None),
    ],
)
def test_ct_result_mapping(printed: str, expected: str | None) -> None:
    assert ct_result(printed) == expected
    if expected:
        assert expected in vocabulary.CT_RESULTS


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("VTP", "periodique"),
        ("CTP", "periodique"),
        ("Visite technique périodique", "periodique"),
        ("CV", "contre_visite"),
        ("CVC", "contre_visite"),
        ("Contre-visite", "contre_visite"),
        ("VTC", "complementaire"),
        ("Visite complémentaire", "complementaire"),
        ("Vidange", None),
    ],
)
def test_ct_nature_mapping(printed: str, expected: str | None) -> None:
    assert ct_nature(printed) == expected


def test_histovec_ocr_noise_rows_broken_across_lines() -> None:
    text = """Histovec
Contrôles techniques
12/03/2022
Visite technique
périodique Favorable
112 345 km
l5/03/2O20 Visite technique périodique Défavorable critique 91 200 km
"""
    rows = parse_histovec(text).fields["technical_inspections"]
    assert rows == [
        {"date": date(2020, 3, 15), "nature": "periodique", "result": "defavorable_critique", "mileage": 91200},
        {"date": date(2022, 3, 12), "nature": "periodique", "result": "favorable", "mileage": 112345},
    ]


def test_histovec_mileage_drop_warns() -> None:
    text = """Contrôles techniques
10/01/2024 VTP A 80 000 km
10/01/2022 VTP A 95 000 km
"""
    result = parse_histovec(text)
    assert [r["mileage"] for r in result.fields["mileage_readings"]] == [95000, 80000]
    assert any("baisse" in w for w in result.warnings)


def test_histovec_without_ct_table_section_ignores_history_dates() -> None:
    text = "Histovec\nHistorique\n01/02/2015 Première immatriculation\n03/04/2018 Changement de titulaire"
    result = parse_histovec(text)
    assert "technical_inspections" not in result.fields
    assert result.fields["first_registration_date"] == date(2015, 2, 1)


# --- invoices ----------------------------------------------------------------------------------

INVOICE = """GARAGE DU CENTRE
12 place de la Mairie, 49300 Cholet
Tél. 02 41 62 00 00 - SIRET 412 345 678 00012
FACTURE N° 2024-0153        Date : 12/03/2024
Client : MARTIN KEVIN
Véhicule : RENAULT CLIO IV      Immat : EF-345-GH
Date 1ère MEC : 16/07/2015      Kilométrage : 85 432 km
Réf        Désignation                     Qté   PU HT      Total HT
7700274177 Filtre à huile                   1    12,90 €    12,90 €
           Huile moteur 5W30 (5 L)          1    58,50 €    58,50 €
           Plaquettes de frein avant        1    54,90 €    54,90 €
           Pneu Michelin 205/55 R16 91V     2    112,00 €   224,00 €
           Main d'œuvre                     2    62,00 €    124,00 €
           Kit de distribution              1  1 089,00 €  1 089,00 €
Total HT                                                   1 563,30 €
TVA 20 %                                                     312,66 €
Total TTC                                                  1 875,96 €
Règlement CB                                               1 875,96 €
"""


def test_invoice_clean_text() -> None:
    data = _json(parse_invoice(INVOICE))
    fields = data["fields"]
    assert data["document_type"] == "facture"
    assert fields["garage"] == "GARAGE DU CENTRE"
    assert fields["date"] == "2024-03-12"  # not the MEC date
    assert fields["license_plate"] == "EF-345-GH"
    assert fields["mileage"] == 85432
    assert fields["total_ht"] == 1563.30
    assert fields["total_ttc"] == 1875.96
    assert fields["items"] == [
        {"label": "Filtre à huile", "amount": 12.90, "category": "vidange"},
        {"label": "Huile moteur 5W30 (5 L)", "amount": 58.50, "category": "vidange"},
        {"label": "Plaquettes de frein avant", "amount": 54.90, "category": "freins"},
        {"label": "Pneu Michelin 205/55 R16 91V", "amount": 224.00, "category": "pneus"},
        {"label": "Main d'œuvre", "amount": 124.00, "category": "main_oeuvre"},
        {"label": "Kit de distribution", "amount": 1089.00, "category": "distribution"},
    ]
    assert data["warnings"] == []
    assert "MARTIN" not in json.dumps(data)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1 234,56 €", Decimal("1234.56")),
        ("1.234,56", Decimal("1234.56")),
        ("1234.56 EUR", Decimal("1234.56")),
        ("1234,56", Decimal("1234.56")),
        ("1\u00a0234,56\u00a0€", Decimal("1234.56")),
        ("1\u202f234,56 €", Decimal("1234.56")),
        ("12 345 678,90", Decimal("12345678.90")),
        ("0,5", Decimal("0.5")),
        ("89 €", Decimal("89")),
        ("-10,00 €", Decimal("-10.00")),
        ("1.234", Decimal("1234")),  # a thousands dot, as French invoices print it
        ("12,345", None),
        ("abc", None),
        ("", None),
    ],
)
def test_french_amounts(raw: str, value: Decimal | None) -> None:
    from autocoach.domain.documents.common import clean_text

    assert parse_amount(clean_text(raw)) == value


@pytest.mark.parametrize(
    ("total_line", "total"),
    [
        ("Total TTC 1 234,56 €", 1234.56),
        ("TOTAL T.T.C. : 1.234,56", 1234.56),
        ("Net à payer 1234.56 EUR", 1234.56),
        ("NET A PAYER\u00a0: 1\u00a0234,56\u00a0€", 1234.56),
    ],
)
def test_invoice_total_formats(total_line: str, total: float) -> None:
    text = f"Garage Martin\nFacture du 02/01/2025\nDésignation Montant\nForfait révision 1 028,80 €\n{total_line}"
    assert parse_invoice(text).fields["total_ttc"] == total


@pytest.mark.parametrize(
    ("label", "category"),
    [
        ("Vidange huile moteur", "vidange"),
        ("FILTRE A HUILE", "vidange"),
        ("Révision 60 000 km", "vidange"),
        ("Plaquettes de frein AV", "freins"),
        ("DISQUES DE FREIN ARRIÈRE", "freins"),
        ("Pneumatique 205/55 R16", "pneus"),
        ("Équilibrage roues", "pneus"),
        ("Kit distribution + pompe à eau", "distribution"),
        ("Courroie de distribution", "distribution"),
        ("Batterie 70Ah", "pieces"),
        ("Amortisseur avant gauche", "pieces"),
        ("MAIN D'ŒUVRE", "main_oeuvre"),
        ("Main-d'oeuvre atelier 1,5 h", "main_oeuvre"),
        ("M.O. mécanique", "main_oeuvre"),
        ("Contrôle technique périodique", "controle_technique"),
        ("CONTRE-VISITE", "controle_technique"),
        ("Peinture pare-chocs", "carrosserie"),
        ("Recharge climatisation", "autre"),
        ("Frais de dossier", "autre"),
    ],
)
def test_expense_categories(label: str, category: str) -> None:
    assert category in vocabulary.EXPENSE_CATEGORIES
    assert expense_category(label) == category


def test_invoice_noisy_photo_text() -> None:
    text = """Mécanique Dubois
Réparation toutes marques
3 rue du Lavoir, 29200 Brest
Facture n° 2022-5978
Brest, le 25/O3/2022
Véhicule PEUGEOT 208 - BA 517 AZ
Prestation Montant
Plaquettes de frein avant 54,90 €
Pneu Michelin Primacy 4 205/55 R16 91V | 224,00 €
Géométrie parallélisme 69,00€
Total HT 347,90 €
TVA 20 % 69,58 €
Total TTC 417,48 €
"""
    fields = _json(parse_invoice(text))["fields"]
    assert fields["garage"] == "Mécanique Dubois"
    assert fields["date"] == "2022-03-25"
    assert fields["license_plate"] == "BA-517-AZ"
    assert fields["total_ht"] == 347.90 and fields["total_ttc"] == 417.48
    assert [(i["amount"], i["category"]) for i in fields["items"]] == [
        (54.90, "freins"),
        (224.00, "pneus"),
        (69.00, "pneus"),
    ]
    assert "mileage" not in fields


def test_invoice_quantity_glued_to_amount_is_resolved_by_totals() -> None:
    # "1 149,00" reads as 1 149 € or as quantity 1 then 149 €: the total decides.
    text = """Garage Dupuis
Facture du 01/02/2024
Désignation Qté Montant
Révision constructeur 1 149,00 €
Disques de frein 2 116,00 €
Total HT 265,00 €
Total TTC 318,00 €
"""
    items = parse_invoice(text).fields["items"]
    assert [i["amount"] for i in items] == [149.00, 116.00]


def test_invoice_items_not_adding_up_warns() -> None:
    text = "Garage X\nFacture du 01/02/2024\nVidange 80,00 €\nTotal TTC 500,00 €"
    result = parse_invoice(text)
    assert any("somme des lignes" in w for w in result.warnings)


def test_invoice_fni_plate_and_mileage_label() -> None:
    text = "Garage de la Gare\nFacture du 05/05/2023\nImmatriculation : 4521 HG 2A\nKms : 182500\nVidange 89,00 €\nTotal TTC 89,00 €"
    fields = parse_invoice(text).fields
    assert fields["license_plate"] == "4521 HG 2A"
    assert fields["mileage"] == 182500


def test_invoice_without_total_warns() -> None:
    result = parse_invoice("Garage X\nVidange 80,00 €")
    assert "total_ttc" not in result.fields
    assert any("total" in w for w in result.warnings)


# --- dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("15/03/2018", date(2018, 3, 15)),
        ("15.03.2018", date(2018, 3, 15)),
        ("15-03-2018", date(2018, 3, 15)),
        ("l5/O3/2O18", date(2018, 3, 15)),
        ("1er mars 2018", date(2018, 3, 1)),
        ("15 août 2018", date(2018, 8, 15)),
        ("15/03/18", date(2018, 3, 15)),
    ],
)
def test_dates(text: str, value: date) -> None:
    assert find_dates(f"le {text} ok")[0][0] == value


@pytest.mark.parametrize("text", ["31/02/2018", "15/13/2018", "00/00/0000", "12/03/1850"])
def test_impossible_dates_are_ignored(text: str) -> None:
    assert find_dates(text) == []


# --- classification and parse_document ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (CARTE_GRISE, "carte_grise"),
        (CARTE_GRISE_OCR, "carte_grise"),
        (HISTOVEC_CSA, "histovec"),
        (HISTOVEC_CODES, "histovec"),
        (INVOICE, "facture"),
        ("", None),
        ("Bonjour, voici une lettre sans rapport.", None),
    ],
)
def test_classify_document(text: str, kind: str | None) -> None:
    assert classify_document(text) == kind


def test_parse_document_guesses_and_obeys_type() -> None:
    assert parse_document(INVOICE).document_type == "facture"
    forced = parse_document(INVOICE, "histovec")
    assert forced.document_type == "histovec"
    unknown = parse_document("rien à lire")
    assert unknown.document_type is None and unknown.fields == {} and unknown.warnings


def test_parse_document_bad_type_falls_back_to_guess() -> None:
    result = parse_document(INVOICE, "passeport")
    assert result.document_type == "facture"
    assert any("passeport" in w for w in result.warnings)


def test_to_json_dict_shape() -> None:
    data = parse_document(HISTOVEC_CSA).to_json_dict()
    assert list(data) == ["document_type", "fields", "warnings", "confidence", "origins", "alternatives"]
    assert isinstance(data["fields"]["first_registration_date"], str)
    # Every field read is rated; a text layer (no layout) is sure.
    assert set(data["confidence"]) == set(data["fields"]) == set(data["origins"])
    assert all(0.9 <= c <= 1.0 for c in data["confidence"].values())
    assert isinstance(data["fields"]["technical_inspections"][0]["date"], str)


@pytest.mark.parametrize("bad", [None, 42, b"bytes", "\x00\ud800\uffff", "A" * 300_000])
def test_parsers_never_raise_on_odd_input(bad: object) -> None:
    for parser in (parse_carte_grise, parse_histovec, parse_invoice, parse_document):
        result = parser(bad)  # type: ignore[arg-type]
        assert isinstance(result, ParsedDocument)
        assert MSG_INTERNAL not in result.warnings
        json.dumps(result.to_json_dict())
    assert classify_document(bad) in (None, "carte_grise", "histovec", "facture")  # type: ignore[arg-type]


def test_documents_package_stays_pure() -> None:
    # The domain core must not drag in the web framework, the database or the OCR stack.
    import subprocess
    import sys

    code = (
        "import sys, autocoach.domain.documents\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('reflex', 'sqlmodel', 'sqlalchemy', 'PIL', 'pytesseract', 'pypdfium2') "
        "or m.startswith(('autocoach.services', 'autocoach.models', 'autocoach.state'))]\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_an_accessory_belt_is_not_a_timing_belt():
    from autocoach.domain.documents.invoice import expense_category

    assert expense_category("Courroie accessoires") == "pieces"
    assert expense_category("Courroie d'alternateur") == "pieces"
    assert expense_category("Kit courroie de distribution") == "distribution"
