"""Sale ad writer: title limits, truthfulness, legal mentions, variants, export."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autocoach.domain.ad import (
    AD_VARIANTS,
    NOT_GUARANTEED,
    PLATFORMS,
    Ad,
    AdFacts,
    ad_as_text,
    ad_facts,
    export_ad,
    form_fields,
    generate_ad,
    replace_price,
    text_with_price,
)
from autocoach.domain.analysis import AnalysisResult, analyze
from autocoach.domain.facts import VehicleFacts, vehicle_facts_from_dict
from autocoach.domain.formatting import format_eur, format_km

AS_OF = date(2026, 11, 24)
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Claims the data can never prove: none of them may appear in any ad.
NEVER = (
    "carnet d'entretien",
    "non fumeur",
    "non-fumeur",
    "jamais accidenté",
    "sans accident",
    "garantie",
    "aucun sinistre",
    "état neuf",
)


def make_facts(**overrides: Any) -> VehicleFacts:
    data: dict[str, Any] = {
        "brand": "Peugeot",
        "model": "208",
        "version": "1.2 PureTech 82 Allure",
        "year": 2019,
        "first_registration_date": "2019-05-19",
        "fuel_type": "essence",
        "gearbox": "manuelle",
        "fiscal_power": 4,
        "power_kw": 60,
        "euro_class": "EURO6",
        "mileage": 63890,
    }
    data.update(overrides)
    return vehicle_facts_from_dict({k: v for k, v in data.items() if v is not None}, today=AS_OF)


INVOICES = [
    {"date": "2022-04-01", "mileage": 40000, "category": "vidange", "amount": 190},
    {"date": "2023-04-03", "mileage": 48000, "category": "vidange", "amount": 190},
    {"date": "2024-04-01", "mileage": 55000, "category": "vidange", "amount": 190},
    {"date": "2025-04-01", "mileage": 60000, "category": "distribution", "amount": 900},
    {"date": "2025-04-01", "mileage": 60000, "category": "vidange", "amount": 190},
    {"date": "2026-04-01", "mileage": 62000, "category": "vidange", "amount": 190},
]
INSPECTIONS = [
    {"date": "2023-05-02", "result": "favorable", "mileage": 49000},
    {"date": "2026-06-02", "result": "favorable", "mileage": 62500},
]


def build(
    facts: VehicleFacts, *, color: str | None = None, documents_proven: dict | None = None
) -> tuple[AdFacts, AnalysisResult]:
    analysis = analyze(facts, AS_OF)
    return ad_facts(facts, analysis, color=color, documents_proven=documents_proven), analysis


def ad_for(facts: VehicleFacts, *, variant: int = 0, platform: str = "leboncoin", **kwargs: Any) -> Ad:
    af, _ = build(facts, **kwargs)
    return generate_ad(af, platform=platform, title_max=60, variant=variant)


def all_text(ad: Ad) -> str:
    return "\n".join([ad.title, ad.description, *ad.criteria.values()])


def rich_facts() -> VehicleFacts:
    return make_facts(previous_owners=0, expenses=INVOICES, technical_inspections=INSPECTIONS)


# --- title ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("brand", "model", "version", "limit"),
    [
        ("Peugeot", "208", "1.2 PureTech 82 Allure", 20),
        ("Mercedes-Benz", "Classe GLE Coupé", "350 de 4MATIC Fascination 9G-Tronic", 20),
        ("Mercedes-Benz", "Classe GLE Coupé", "350 de 4MATIC Fascination 9G-Tronic", 30),
        ("Volkswagen", "Golf Sportsvan", "1.5 TSI EVO 150 DSG7 Life Business", 20),
        ("Citroën", "Grand C4 SpaceTourer", "BlueHDi 130 S&S EAT8 Shine Pack", 20),
        ("Land Rover", "Range Rover Evoque", "P300e PHEV AWD R-Dynamic HSE", 25),
        ("Alfa Romeo", "Giulietta", "1.4 TJet 120 Distinctive", 20),
        ("Renault", "Megane", None, 20),
        ("Supercalifragilisticexpialidocious", "Modelnameextraordinarilylong", "X", 20),
    ],
)
def test_title_fits_the_limit_for_long_names(brand: str, model: str, version: str | None, limit: int) -> None:
    af = AdFacts(brand=brand, model=model, version=version, year=2019)
    title = generate_ad(af, title_max=limit).title
    assert 0 < len(title) <= limit
    assert title == title.strip()


def test_title_drops_the_version_before_the_model() -> None:
    af = AdFacts(brand="Peugeot", model="208", version="1.2 PureTech 82 Allure", year=2019)
    assert generate_ad(af, title_max=100).title == "Peugeot 208 1.2 PureTech 82 Allure 2019"
    assert generate_ad(af, title_max=34).title == "Peugeot 208 1.2 PureTech 82 Allure"
    assert generate_ad(af, title_max=26).title == "Peugeot 208 1.2 PureTech"
    assert generate_ad(af, title_max=12).title == "Peugeot 208"


def test_title_shortens_words_rather_than_cutting_them() -> None:
    af = AdFacts(brand="Mercedes-Benz", model="Classe GLE Coupé", version="350 de 4MATIC", year=2020)
    assert generate_ad(af, title_max=20).title == "Mercedes Classe GLE"
    af = AdFacts(brand="Volkswagen", model="Golf Sportsvan", version="1.5 TSI", year=2018)
    assert generate_ad(af, title_max=20).title == "VW Golf Sportsvan"  # whole model kept
    assert generate_ad(af, title_max=16).title == "VW Golf"


def test_title_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        generate_ad(AdFacts(brand="Peugeot", model="208", year=2019), title_max=0)


_TEXT = st.text(
    alphabet=st.characters(whitelist_categories=("L", "N", "P", "S", "Zs")), max_size=120
)


def _tokens(text: str | None) -> list[str]:
    return unicodedata.normalize("NFC", text or "").split()


@PROPERTY
@given(brand=_TEXT, model=_TEXT, version=st.none() | _TEXT, year=st.integers(1950, 2027), limit=st.integers(20, 100))
def test_title_property_never_exceeds_and_keeps_whole_words(
    brand: str, model: str, version: str | None, year: int, limit: int
) -> None:
    af = AdFacts(brand=brand, model=model, version=version, year=year)
    title = generate_ad(af, title_max=limit).title
    assert 0 < len(title) <= limit
    words = _tokens(brand) + _tokens(model) + _tokens(version)
    allowed = set(words) | {str(year), "Voiture", "VW", "Mercedes", "Alfa", "Rolls", "Aston"}
    allowed |= {p.rstrip("-") for w in words for p in re.split(r"(?<=-)", w) if p.rstrip("-")}
    title_words = title.split()
    if not all(w in allowed for w in title_words):
        # Only a single word longer than the whole limit may be cut, and it is marked.
        assert len(title_words) == 1 and title.endswith(".")
        assert any(w.startswith(title[:-1]) and len(w) > limit for w in allowed)


# --- only proven facts ------------------------------------------------------


def test_no_maintenance_claim_without_invoices() -> None:
    for v in range(AD_VARIANTS):
        text = all_text(ad_for(make_facts(), variant=v)).lower()
        assert "facture" not in text
        assert "entretien suivi" not in text
        assert "distribution" not in text
        for phrase in NEVER:
            assert phrase not in text


def test_invoices_are_put_forward_with_dates_and_mileage() -> None:
    for v in range(AD_VARIANTS):
        ad = ad_for(rich_facts(), variant=v)
        text = ad.description.lower()
        assert "5 factures" in text  # six expenses, five garage visits
        assert "entretien suivi" in text  # a service every year
        assert f"distribution faite le 01/04/2025 à {format_km(60000)}" in text
        for phrase in NEVER:
            assert phrase not in text


def test_sparse_invoices_do_not_make_maintenance_regular() -> None:
    facts = make_facts(expenses=[{"date": "2021-06-01", "mileage": 35000, "category": "pneus", "amount": 400}])
    for v in range(AD_VARIANTS):
        text = ad_for(facts, variant=v).description.lower()
        assert "1 facture" in text
        assert "entretien suivi" not in text
        assert "pneus le 01/06/2021" in text


def test_only_invoice_backed_expenses_count() -> None:
    facts = rich_facts()
    distribution = next(e for e in facts.expenses if e.category == "distribution")
    af, _ = build(facts, documents_proven={"invoice_expenses": [distribution]})
    assert af.invoice_count == 1
    assert [i.category for i in af.maintenance_items] == ["distribution"]
    assert not af.maintenance_regular
    af, _ = build(facts, documents_proven={"invoice_expenses": []})
    assert af.invoice_count == 0 and af.maintenance_items == ()
    assert "facture" not in generate_ad(af, title_max=60).description


@pytest.mark.parametrize(("owners", "first_hand"), [(None, False), (0, True), (1, False), (3, False)])
def test_first_hand_only_with_zero_previous_owners(owners: int | None, first_hand: bool) -> None:
    for v in range(AD_VARIANTS):
        text = ad_for(make_facts(previous_owners=owners), variant=v).description.lower()
        assert ("première main" in text) is first_hand
    if owners:
        text = ad_for(make_facts(previous_owners=owners)).description
        assert f"{owners + 1}e main" in text


def test_mileage_without_document_is_not_guaranteed() -> None:
    for v in range(AD_VARIANTS):
        ad = ad_for(make_facts(), variant=v)
        assert NOT_GUARANTEED in ad.description
        assert any(NOT_GUARANTEED in line for line in ad.legal_mentions)
        assert any(NOT_GUARANTEED in r for r in ad.seller_reminders)


def test_mileage_backed_by_a_recent_inspection() -> None:
    af, _ = build(make_facts(technical_inspections=INSPECTIONS))
    assert af.mileage_backed
    assert af.mileage_proof is not None and af.mileage_proof.source == "controle_technique"
    for v in range(AD_VARIANTS):
        ad = generate_ad(af, title_max=60, variant=v)
        assert "non garanti" not in ad.description
        assert "02/06/2026" in ad.description
        assert f"Kilométrage : {format_km(63890)}" in ad.legal_mentions


@pytest.mark.parametrize(
    ("overrides", "documents_proven", "backed"),
    [
        # A CT older than 12 months proves the past only.
        ({"technical_inspections": [{"date": "2025-05-02", "result": "favorable", "mileage": 60000}]}, None, False),
        # A recent invoice with a mileage.
        ({"expenses": [{"date": "2026-09-01", "mileage": 63000, "category": "vidange", "amount": 150}]}, None, True),
        # ... but not when that expense was typed by the owner, not read from an invoice.
        (
            {"expenses": [{"date": "2026-09-01", "mileage": 63000, "category": "vidange", "amount": 150}]},
            {"invoice_expenses": []},
            False,
        ),
        # The owner's own reading proves nothing.
        ({"mileage_readings": [{"date": "2026-11-01", "km": 63800, "source": "proprietaire"}]}, None, False),
        # A Histovec reading counts only when a Histovec report was read.
        ({"mileage_readings": [{"date": "2026-10-01", "km": 63500, "source": "histovec"}]}, None, False),
        ({"mileage_readings": [{"date": "2026-10-01", "km": 63500, "source": "histovec"}]}, {"histovec": True}, True),
        # 40 000 km in two months since the document: not really justified.
        (
            {"mileage": 103000, "technical_inspections": [{"date": "2026-09-24", "result": "favorable", "mileage": 63000}]},
            None,
            False,
        ),
        # A rollback in the history makes every figure doubtful.
        (
            {
                "mileage": 64000,
                "technical_inspections": [
                    {"date": "2024-05-02", "result": "favorable", "mileage": 80000},
                    {"date": "2026-05-02", "result": "favorable", "mileage": 62000},
                ],
            },
            None,
            False,
        ),
    ],
)
def test_mileage_backing_rule(overrides: dict, documents_proven: dict | None, backed: bool) -> None:
    af, _ = build(make_facts(**overrides), documents_proven=documents_proven)
    assert af.mileage_backed is backed
    ad = generate_ad(af, title_max=60)
    assert (NOT_GUARANTEED in ad.description) is not backed


def test_rollback_is_flagged_to_the_seller() -> None:
    facts = make_facts(
        technical_inspections=[
            {"date": "2024-05-02", "result": "favorable", "mileage": 80000},
            {"date": "2026-05-02", "result": "favorable", "mileage": 62000},
        ]
    )
    ad = ad_for(facts)
    assert any("Incohérence" in r for r in ad.seller_reminders)


def test_unknown_mileage_still_carries_the_legal_mention() -> None:
    facts = make_facts(mileage=None)
    ad = ad_for(facts)
    assert NOT_GUARANTEED in ad.description
    assert "kilometrage" not in ad.criteria
    assert any("Kilométrage" in m for m in ad.missing_legal)


def test_histovec_mention_only_with_the_flag() -> None:
    for v in range(AD_VARIANTS):
        assert "histovec" not in ad_for(make_facts(), variant=v).description.lower()
        text = ad_for(make_facts(), variant=v, documents_proven={"histovec": True}).description.lower()
        assert "histovec" in text and "gage" in text


def test_histovec_with_a_gage_is_not_called_clean() -> None:
    facts = make_facts(situation={"gage": True})
    ad = ad_for(facts, documents_proven={"histovec": True})
    assert "histovec" not in ad.description.lower()
    assert any("gage" in r.lower() and "régulariser" in r for r in ad.seller_reminders)


def test_inspection_history_is_stated_as_it_is() -> None:
    facts = make_facts(
        technical_inspections=[{"date": "2026-10-02", "result": "defavorable_majeur", "mileage": 63500}]
    )
    text = ad_for(facts).description
    assert "02/10/2026" in text and "contre-visite à faire" in text
    assert "favorable." not in text


def test_diesel_ad_says_nothing_about_the_particulate_filter() -> None:
    ad = ad_for(make_facts(brand="Peugeot", model="308", version="1.6 BlueHDi 120", fuel_type="diesel"))
    text = all_text(ad).lower() + " ".join(ad.photo_checklist).lower()
    assert "fap" not in text and "filtre à particules" not in text
    assert not any("batterie" in shot.lower() for shot in ad.photo_checklist)


# --- legal mentions ---------------------------------------------------------


def _assert_legal(ad: Ad, facts: VehicleFacts, af: AdFacts) -> None:
    text = ad.description
    assert facts.brand.strip() in text and facts.model.strip() in text
    if facts.version:
        assert facts.version.strip() in text
        assert f"Version : {facts.version.strip()}" in ad.legal_mentions
    if facts.first_registration_date:
        reg = facts.first_registration_date
        assert ad.criteria["mise_en_circulation"] == f"{reg.month:02d}/{reg.year}"
        assert f"Mise en circulation : {reg.month:02d}/{reg.year}" in ad.legal_mentions
        months = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
                  "octobre", "novembre", "décembre")
        assert f"{months[reg.month - 1]} {reg.year}" in text
    else:
        assert any("mise en circulation" in m for m in ad.missing_legal)
    if af.mileage is not None and af.mileage_backed:
        assert format_km(af.mileage) in text
    else:
        assert NOT_GUARANTEED in text
        if af.mileage is not None:
            assert format_km(af.mileage) in text
    price_line = f"Prix : {format_eur(af.price)}"
    assert "TTC" not in text  # a private seller charges no VAT
    assert price_line in text
    assert price_line in ad.legal_mentions
    assert ad.legal_mentions[0] == f"Marque : {facts.brand.strip()}"
    assert ad.legal_mentions[1] == f"Modèle : {facts.model.strip()}"
    for phrase in NEVER:
        assert phrase not in text.lower()


_NAME = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzéèçô0123456789 -.", min_size=1, max_size=40).filter(
    lambda s: s.strip() != "" and "  " not in s.strip()
)


@st.composite
def random_facts(draw: st.DrawFn) -> VehicleFacts:
    registration = draw(st.none() | st.integers(0, 35 * 365).map(lambda d: AS_OF - timedelta(days=d)))
    year = registration.year if registration else draw(st.integers(1990, 2026))
    reg = registration or date(year, 7, 1)
    span = max(0, (AS_OF - reg).days)

    def day() -> str:
        return (reg + timedelta(days=draw(st.integers(0, span)))).isoformat()

    expenses = [
        {
            "date": day(),
            "mileage": draw(st.none() | st.integers(0, 300_000)),
            "category": draw(st.sampled_from(["vidange", "freins", "pneus", "distribution", "carrosserie", "autre"])),
            "amount": draw(st.integers(1, 3000)),
        }
        for _ in range(draw(st.integers(0, 4)))
    ]
    inspections = [
        {
            "date": day(),
            "result": draw(st.sampled_from(["favorable", "defavorable_majeur", "defavorable_critique", "ajourne"])),
            "mileage": draw(st.none() | st.integers(0, 300_000)),
            "nature": draw(st.sampled_from(["periodique", "contre_visite"])),
        }
        for _ in range(draw(st.integers(0, 3)))
    ]
    readings = [
        {"date": day(), "km": draw(st.integers(0, 300_000)), "source": draw(st.sampled_from(["proprietaire", "histovec", "facture"]))}
        for _ in range(draw(st.integers(0, 2)))
    ]
    data = {
        "brand": draw(_NAME),
        "model": draw(_NAME),
        "version": draw(st.none() | _NAME),
        "year": year,
        "first_registration_date": registration.isoformat() if registration else None,
        "fuel_type": draw(st.sampled_from(["essence", "diesel", "hybride", "hybride_rechargeable", "electrique", "gpl", "e85", "autre"])),
        "gearbox": draw(st.none() | st.sampled_from(["manuelle", "automatique"])),
        "mileage": draw(st.none() | st.integers(0, 400_000)),
        "fiscal_power": draw(st.none() | st.integers(1, 40)),
        "power_kw": draw(st.none() | st.integers(30, 400)),
        "previous_owners": draw(st.none() | st.integers(0, 8)),
        "expenses": expenses,
        "technical_inspections": inspections,
        "mileage_readings": readings,
        "situation": {"gage": draw(st.booleans())},
    }
    return make_facts(**data) if data["version"] else make_facts(**{**data, "version": None})


@PROPERTY
@given(
    facts=random_facts(),
    histovec=st.booleans(),
    color=st.none() | st.sampled_from(["Blanc", "Gris Artense", "Noir"]),
    variant=st.integers(0, 10),
    platform=st.sampled_from(sorted(PLATFORMS)),
    limit=st.integers(20, 100),
)
def test_legal_mentions_are_always_present(
    facts: VehicleFacts, histovec: bool, color: str | None, variant: int, platform: str, limit: int
) -> None:
    af, _ = build(facts, color=color, documents_proven={"histovec": histovec})
    ad = generate_ad(af, platform=platform, title_max=limit, variant=variant)
    assert len(ad.title) <= limit
    _assert_legal(ad, facts, af)
    assert ("première main" in ad.description.lower()) is (facts.previous_owners == 0)
    # Histovec is named only when a report was read; "no gage" only when true.
    assert histovec or "histovec" not in ad.description.lower()
    assert ("gage" in ad.description.lower()) is (histovec and not facts.situation.gage)
    if not af.invoice_count:
        # (a mileage reading read from an invoice may still be cited as proof)
        assert not re.search(r"\d+ factures?", ad.description)
        assert "entretien suivi" not in ad.description.lower()
    json.dumps(export_ad(ad, platform))


# --- variants ---------------------------------------------------------------


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d[\d\u202f/]*", text))


def test_variants_differ_in_wording_but_not_in_facts() -> None:
    af, _ = build(rich_facts(), color="Gris Artense", documents_proven={"histovec": True})
    ads = [generate_ad(af, title_max=60, variant=v) for v in range(AD_VARIANTS)]
    assert len({ad.description for ad in ads}) == AD_VARIANTS
    reference = ads[0]
    for ad in ads[1:]:
        assert _numbers(ad.description) == _numbers(reference.description)
        assert ad.criteria == reference.criteria
        assert ad.legal_mentions == reference.legal_mentions
        assert ad.title == reference.title
        assert ad.price == reference.price
        for phrase in ("première main", "histovec", "entretien suivi", "distribution", "factures", "gris artense"):
            assert phrase in ad.description.lower()
    # Deterministic, and cycling after the last variant.
    assert generate_ad(af, title_max=60, variant=1) == ads[1]
    assert generate_ad(af, title_max=60, variant=AD_VARIANTS).description == ads[0].description


# --- price, reminders, photos -----------------------------------------------


def test_price_and_negotiation_margin_come_from_the_analysis() -> None:
    af, analysis = build(make_facts())
    ad = generate_ad(af, title_max=60)
    assert ad.price == analysis.resale.recommended_price
    assert ad.negotiation_margin == analysis.resale.recommended_price - analysis.resale.accept_price
    assert f"Prix : {format_eur(ad.price)}." in ad.description and "TTC" not in ad.description
    # The margin is for the seller only.
    margin = format_eur(ad.negotiation_margin)
    assert not re.search(rf"(?<![\d\u202f]){re.escape(margin)}", ad.description)
    assert "négociable" not in ad.description and "marge" not in ad.description


def test_seller_reminders_cover_the_sale_paperwork() -> None:
    reminders = " ".join(ad_for(make_facts()).seller_reminders)
    assert "moins de 6 mois" in reminders
    assert "moins de 15 jours" in reminders
    assert "certificat de cession" in reminders.lower()
    assert "3e annonce" in reminders
    assert "3e annonce" not in " ".join(ad_for(make_facts(), platform="lacentrale").seller_reminders)


def test_missing_legal_information_is_reported() -> None:
    ad = ad_for(make_facts(version=None, first_registration_date=None))
    assert len(ad.missing_legal) == 2
    assert "version" not in ad.criteria and "mise_en_circulation" not in ad.criteria
    assert "2019" in ad.description


@pytest.mark.parametrize("fuel", ["electrique", "hybride_rechargeable"])
def test_ev_photo_checklist_asks_for_the_battery_report(fuel: str) -> None:
    ad = ad_for(make_facts(brand="Renault", model="Zoe", version="R110", fuel_type=fuel))
    assert any("batterie" in shot and "SoH" in shot for shot in ad.photo_checklist)


def test_photo_checklist_is_tailored() -> None:
    plain = ad_for(make_facts()).photo_checklist
    rich = ad_for(rich_facts()).photo_checklist
    for shot in ("Compteur", "Pneus", "Intérieur", "Trois-quarts avant", "Trois-quarts arrière", "Coffre", "moteur"):
        assert any(shot in s for s in plain)
    assert not any("factures" in s for s in plain)
    assert any("factures" in s for s in rich)
    assert not any("SoH" in s for s in rich)


# --- export -----------------------------------------------------------------


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_export_json_shape(platform: str) -> None:
    af, _ = build(rich_facts(), color="Blanc")
    ad = generate_ad(af, platform=platform, title_max=40)
    data = json.loads(json.dumps(export_ad(ad, platform), ensure_ascii=False))
    assert data["platform"] == platform
    assert data["platform_label"] == PLATFORMS[platform].label
    assert set(data) >= {
        "title", "description", "criteria", "price", "price_text", "negotiation_margin",
        "legal_mentions", "seller_reminders", "photo_checklist", "missing_legal", "text",
    }
    assert len(data["title"]) <= 40
    assert isinstance(data["price"], int) and data["price_text"] == format_eur(data["price"])
    fields = [c["field"] for c in data["criteria"]]
    assert fields[:5] == ["marque", "modele", "version", "annee", "mise_en_circulation"]
    assert {"kilometrage", "carburant", "boite", "puissance_fiscale", "puissance", "couleur", "crit_air"} <= set(fields)
    labels = {c["field"]: c["label"] for c in data["criteria"]}
    assert labels == {f: PLATFORMS[platform].field_labels[f] for f in fields}
    assert all(isinstance(c["value"], str) and c["value"] for c in data["criteria"])
    assert data["text"].startswith(ad.title + "\n\n" + ad.description)
    for label in labels.values():
        assert f"\n{label} : " in data["text"]


def test_platforms_label_fields_differently() -> None:
    ad = ad_for(rich_facts(), color="Blanc")
    lbc = {c["field"]: c["label"] for c in export_ad(ad, "leboncoin")["criteria"]}
    lc = {c["field"]: c["label"] for c in export_ad(ad, "lacentrale")["criteria"]}
    assert lbc["kilometrage"] != lc["kilometrage"]
    assert lbc["couleur"] != lc["couleur"]


def test_ad_as_text_layout() -> None:
    ad = ad_for(rich_facts())
    text = ad_as_text(ad)
    title, blank, rest = text.partition("\n\n")
    assert title == ad.title and blank
    assert rest.startswith(ad.description)
    # The description gives the price: the text says it once.
    assert text.count(format_eur(ad.price)) == 1 and "TTC" not in text
    assert "Marque : Peugeot" in text


def test_bad_inputs_are_rejected() -> None:
    af, analysis = build(make_facts())
    with pytest.raises(ValueError):
        generate_ad(af, platform="autoscout", title_max=60)
    with pytest.raises(ValueError):
        export_ad(generate_ad(af, title_max=60), "autoscout")
    with pytest.raises(ValueError):
        ad_facts(make_facts(), analysis, documents_proven={"histoveq": True})


def test_ad_facts_is_pure_data() -> None:
    af, _ = build(rich_facts())
    assert replace(af, color="Rouge").color == "Rouge"
    assert generate_ad(af, title_max=60) == generate_ad(af, title_max=60)


# --- the owner's price, the sites' forms -----------------------------------------


def test_a_new_price_replaces_the_old_one_however_it_was_typed() -> None:
    text = "Prix : 9\u202f300\u00a0€ TTC.\nJe baisse à 9300 € ou 9 300 euros. 93 000 km, 9 300 km."
    new = replace_price(text, 9300, 9490)
    assert new.count("9\u202f490\u00a0€") == 3
    assert "9300" not in new and "TTC" not in new
    # Figures that are not an amount in euros stay.
    assert "93 000 km" in new and "9 300 km" in new
    assert replace_price(text, 9300, 9300) == text


def test_the_whole_text_gives_one_price() -> None:
    ad = ad_for(rich_facts())
    criteria = [("marque", "Marque", "Peugeot")]
    with_price = text_with_price(ad.title, ad.description, criteria, ad.price)
    assert with_price.count(format_eur(ad.price)) == 1
    # The owner removed the price from the description: it is added once at the end.
    bare = text_with_price(ad.title, "Très bon état.", criteria, ad.price)
    assert bare.rstrip().endswith(f"Prix : {format_eur(ad.price)}")


@pytest.mark.parametrize(("platform", "first", "last"), [("leboncoin", "titre", "prix"), ("lacentrale", "marque", "description")])
def test_form_fields_follow_each_site_s_order(platform: str, first: str, last: str) -> None:
    ad = ad_for(rich_facts(), color="Blanc")
    fields = form_fields(
        platform, title=ad.title, description=ad.description, price=ad.price, criteria=ad.criteria, title_max=60
    )
    ids = [f.id for f in fields]
    assert ids[0] == first and ids[-1] == last
    assert {"titre", "prix", "kilometrage", "annee", "carburant", "boite", "description"} <= set(ids)
    by_id = {f.id: f for f in fields}
    # Number fields get a bare number; the title carries the site's limit.
    assert by_id["prix"].value == str(ad.price)
    assert by_id["kilometrage"].value.isdigit()
    assert by_id["titre"].limit == 60 and by_id["description"].limit is None
    assert by_id["carburant"].label == PLATFORMS[platform].field_labels["carburant"]
