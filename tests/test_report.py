"""PDF report: content read back with pypdfium2, pages rendered with pdftoppm.

The PNGs land in test-artifacts/report/ for a human look at the layout.
Expected figures are formatted from the analysis itself, so the tests check
the report prints what the engine computed, exactly as the app formats it.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from autocoach.domain.analysis import analyze
from autocoach.domain.facts import InvalidVehicleData, vehicle_facts_from_dict
from autocoach.domain.formatting import (
    format_date,
    format_decimal,
    format_eur,
    format_km,
    format_score,
)
from autocoach.services import report as report_module
from autocoach.services.report import (
    ReportDocument,
    ReportFontMissing,
    ReportInput,
    build_report,
    font_paths,
    report_from_vehicle_json,
    source_font_paths,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "report"
AS_OF = date(2026, 11, 24)

REALISTIC = {
    "brand": "Peugeot",
    "model": "208",
    "version": "1.2 PureTech 82 Active",
    "engine": "1.2 PureTech",
    "year": 2019,
    "first_registration_date": "2019-03-15",
    "fuel_type": "essence",
    "gearbox": "manuelle",
    "fiscal_power": 4,
    "mileage": 63890,
    "previous_owners": 1,
    "purchase_date": "2021-06-02",
    "purchase_price": 11900,
    "license_plate": "AB-123-CD",
    "expenses": [
        {"date": "2022-05-20", "mileage": 38000, "category": "vidange", "amount": 175.4, "label": "Révision 40 000 km"},
        {"date": "2023-02-10", "mileage": 40100, "category": "controle_technique", "amount": 79, "label": "Contrôle technique"},
        {"date": "2023-06-14", "mileage": 44200, "category": "pneus", "amount": 356.8, "label": "2 pneus avant Michelin"},
        {"date": "2024-03-01", "mileage": 50000, "category": "vidange", "amount": 189.9, "label": "Révision"},
        {"date": "2025-04-12", "mileage": 58000, "category": "freins", "amount": 320, "label": "Plaquettes et disques avant"},
    ],
    "technical_inspections": [
        {"date": "2023-02-10", "result": "favorable", "mileage": 40100},
        {"date": "2025-02-08", "result": "favorable", "mileage": 55200, "defects": ["Feu de plaque défectueux"]},
    ],
    "documents": [
        {"title": "Carte grise AB-123-CD", "type": "carte_grise", "date": "2021-06-10"},
        {"title": "Rapport Histovec juin 2021", "type": "histovec", "date": "2021-06-01"},
        {"title": "Facture garage Martin", "type": "facture", "date": "2025-04-12"},
    ],
}

MINIMAL = {"brand": "Dacia", "model": "Sandero", "year": 2021, "fuel_type": "essence"}


def _spaces(text: str) -> str:
    """Narrow/no-break spaces and PDF line ends as plain spaces."""
    return text.replace("\u202f", " ").replace("\u00a0", " ").replace("\r\n", " ").replace("\n", " ")


def _pages_text(data: bytes) -> list[str]:
    doc = pdfium.PdfDocument(data)
    try:
        return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()


def _render(data: bytes, name: str) -> list[Path]:
    """pdftoppm -r 60 into test-artifacts/report/<name>-N.png; returns the PNGs."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) n'est pas installé")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    pdf_path = ARTIFACTS / f"{name}.pdf"
    pdf_path.write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(pdf_path), str(ARTIFACTS / name)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return sorted(ARTIFACTS.glob(f"{name}-*.png"))


def _assert_not_blank(png: Path) -> None:
    with Image.open(png) as image:
        low, _high = image.convert("L").getextrema()
    assert low < 200, f"{png.name} is blank"


@pytest.fixture(scope="module")
def realistic():
    facts = vehicle_facts_from_dict(REALISTIC, today=AS_OF)
    analysis = analyze(facts, AS_OF)
    data = ReportInput(
        facts=facts,
        analysis=analysis,
        license_plate="AB-123-CD",
        documents=[
            ReportDocument("Carte grise AB-123-CD", "Carte grise", date(2021, 6, 10)),
            ("Facture garage Martin", "Facture de garage", date(2025, 4, 12)),
        ],
        generated_at=AS_OF,
    )
    return facts, analysis, build_report(data)


def test_realistic_report_prints_the_analysis(realistic):
    facts, analysis, pdf = realistic
    assert pdf.startswith(b"%PDF-")
    pages = _pages_text(pdf)
    assert len(pages) >= 2
    raw = "\n".join(pages)
    text = _spaces(raw)

    assert "AB-123-CD" in text
    assert "Peugeot 208" in text
    # Score: big on the cover ("5,7"), with its scale in the reliability section.
    assert format_decimal(analysis.reliability_score, 1) in _spaces(pages[0])
    assert format_score(analysis.reliability_score) in text
    # Money exactly as the app formats it, special spaces included.
    monthly = format_eur(analysis.monthly_cost_estimate)
    assert monthly.endswith("\u00a0€")
    assert monthly in raw
    assert _spaces(monthly) in text
    assert format_eur(analysis.resale.value_estimate) in raw
    assert format_eur(analysis.resale.recommended_price) in raw
    # A value over 1 000 keeps its U+202F group separator: the glyph is embedded.
    assert "\u202f" in format_km(analysis.current_km)
    assert format_km(analysis.current_km) in raw
    # French words with accents, intact.
    for word in (
        "Fiabilité",
        "Coût mensuel estimé",
        "Contrôle technique",
        "Décote",
        "Identité du véhicule",
        "Garder ou vendre",
        "Alertes et échéances",
        "Historique d'entretien",
        "Révision 40 000 km",
        "Plaquettes et disques avant",
        "Feu de plaque défectueux",
        "Première immatriculation",
    ):
        assert word in text, word
    # Dates, documents, comparison, alerts.
    assert format_date(analysis.next_technical_inspection) in text
    assert "Facture garage Martin" in text
    assert "Carte grise AB-123-CD" in text
    for comparison in analysis.comparisons:
        assert f"{comparison.make} {comparison.model}" in text
    for scenario in analysis.scenarios:
        assert scenario.label in text
    # Footer on every page, with the real page count.
    for number, page in enumerate(pages, start=1):
        page = _spaces(page)
        assert "Rapport AutoCoach — généré le 24/11/2026" in page
        assert f"Page {number} / {len(pages)}" in page


def test_no_missing_glyphs(caplog):
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        report_from_vehicle_json(REALISTIC, AS_OF)
    assert not [r for r in caplog.records if "missing" in r.getMessage()]


def test_realistic_report_renders_to_png(realistic):
    _facts, _analysis, pdf = realistic
    pngs = _render(pdf, "realistic")
    assert len(pngs) == len(_pages_text(pdf))
    for png in pngs:
        assert png.stat().st_size > 0
        _assert_not_blank(png)


def test_minimal_vehicle_builds():
    pdf = report_from_vehicle_json(MINIMAL, AS_OF)
    pages = _pages_text(pdf)
    assert len(pages) >= 2
    text = _spaces("\n".join(pages))
    assert "Dacia Sandero" in text
    assert "Immatriculation non renseignée" in text
    assert "Aucune dépense enregistrée" in text
    assert "Aucun contrôle technique enregistré" in text
    assert "Aucun document enregistré" in text
    for png in _render(pdf, "minimal"):
        _assert_not_blank(png)


def test_long_names_and_many_expenses_paginate():
    long_label = "Remplacement du kit de distribution, de la pompe à eau et du galet tendeur " * 3
    payload = {
        **REALISTIC,
        # As long as the vehicle schema allows (60, 80 and 120 characters).
        "brand": ("Constructeur automobile au nom particulièrement long et détaillé")[:60],
        "model": ("Modèle d'exception " * 8)[:80],
        "version": ("Édition spéciale « Grand Tourisme » avec de très nombreuses options " * 2)[:120],
        "license_plate": "AB-123-CD",
        "expenses": [
            {
                "date": date.fromordinal(date(2019, 4, 1).toordinal() + 45 * i).isoformat(),
                "mileage": 2000 + 1000 * i,
                "category": ("vidange", "freins", "pneus", "pieces", "main_oeuvre", "autre")[i % 6],
                "amount": 80 + 13.37 * i,
                "label": f"Facture n° {i + 1} — " + (long_label[: 40 + 4 * i] if i % 3 else "Vidange"),
            }
            for i in range(60)
        ],
        "documents": [
            {"title": f"Document numéro {i + 1} : " + "titre long " * 8, "type": "facture", "date": "2024-01-15"}
            for i in range(25)
        ],
    }
    pdf = report_from_vehicle_json(payload, AS_OF)
    pages = _pages_text(pdf)
    assert len(pages) > len(_pages_text(report_from_vehicle_json(REALISTIC, AS_OF)))
    text = _spaces("\n".join(pages))
    # Every expense row made it through the page breaks.
    for i in range(60):
        assert f"Facture n° {i + 1} —" in text, i
    assert "60 dépenses" in text
    assert "Document numéro 25" in text
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} / {len(pages)}" in _spaces(page)
    for png in _render(pdf, "long"):
        _assert_not_blank(png)


def test_report_from_vehicle_json_documents():
    pdf = report_from_vehicle_json(REALISTIC, AS_OF)
    text = _spaces("\n".join(_pages_text(pdf)))
    assert "Rapport Histovec juin 2021" in text
    assert "Rapport Histovec" in text  # type id -> French label
    assert "Facture de garage" in text
    assert "10/06/2021" in text


def test_bad_document_date_is_a_french_error():
    payload = {**MINIMAL, "documents": [{"title": "Facture", "type": "facture", "date": "12/04/2025"}]}
    with pytest.raises(InvalidVehicleData, match="date invalide"):
        report_from_vehicle_json(payload, AS_OF)


def test_same_input_gives_same_bytes():
    assert report_from_vehicle_json(REALISTIC, AS_OF) == report_from_vehicle_json(REALISTIC, AS_OF)


def test_embedded_font_is_a_dejavu_subset_cached_in_the_data_folder(app_settings):
    font_paths.cache_clear()
    try:
        paths = font_paths()
        for style, path in paths.items():
            assert path.is_file()
            assert path.name.startswith(source_font_paths()[style].stem)
            assert path.parent == app_settings.data_dir / "cache" / "fonts"
            assert path.stat().st_size < source_font_paths()[style].stat().st_size
    finally:
        font_paths.cache_clear()


def test_missing_font_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(report_module, "FONT_DIRS", (str(tmp_path),))
    monkeypatch.delenv(report_module.FONT_DIR_ENV, raising=False)
    source_font_paths.cache_clear()
    try:
        with pytest.raises(ReportFontMissing, match="fonts-dejavu-core"):
            source_font_paths()
    finally:
        monkeypatch.undo()
        source_font_paths.cache_clear()
