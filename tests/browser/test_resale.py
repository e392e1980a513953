"""The resale assistant in Chromium: generate, edit, copy (read back from the
clipboard), export, and download the PDF report from the page."""

from __future__ import annotations

import json
import re

import pypdfium2 as pdfium
import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_garage import VEHICLE_URL, fill_vehicle_form
from tests.conftest import artifacts_dir, log_in, unique_email

pytestmark = pytest.mark.browser


def test_generate_edit_copy_export_and_download_the_report(live_app, smtp_sink, page: Page, tmp_path):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_app.url)
    log_in(page, live_app, smtp_sink, unique_email("seller"))
    page.goto(f"{live_app.url}/vehicles/new")
    page.click("#skip-plate")
    fill_vehicle_form(
        page, license_plate="EF-456-GH", brand="Peugeot", model="208", version="1.2 PureTech 82 Active",
        year="2019", mileage="63 890", fuel_type="essence", first_registration_date="2019-03-15",
    )
    page.click("#vehicle-submit")
    page.wait_for_url(VEHICLE_URL)
    page.click("#tab-sell")

    page.click("#generate-ad")
    title = page.locator("#ad-title")
    expect(title).to_have_value(re.compile(r"^Peugeot 208"), timeout=30_000)
    description = page.locator("#ad-description")
    expect(description).to_contain_text("mars 2019")
    # No invoice, no Histovec: the mileage is not guaranteed, and said so.
    expect(description).to_contain_text("kilométrage compteur non garanti")
    expect(page.locator("#ad-criteria")).to_contain_text("Peugeot")
    expect(page.locator("#photo-checklist")).to_be_visible()
    expect(page.locator("#seller-reminders")).to_contain_text("15 jours")

    # Edit the title, save, copy it, and read the clipboard back.
    title.fill("Peugeot 208 PureTech très économique, 2019")
    expect(page.locator("#title-count")).to_contain_text("42 / 70")
    expect(page.locator("#ad-unsaved")).to_be_visible()
    page.click("#save-ad")
    expect(page.get_by_text("Modifications de l'annonce enregistrées.")).to_be_visible()
    expect(page.locator("#ad-unsaved")).to_have_count(0)
    page.click("#copy-title")
    expect(page.get_by_text("Titre copié dans le presse-papiers.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == "Peugeot 208 PureTech très économique, 2019"
    page.click("#copy-all")
    expect(page.get_by_text("Annonce complète copiée.")).to_be_visible()
    whole = page.evaluate("navigator.clipboard.readText()")
    assert whole.startswith("Peugeot 208 PureTech très économique, 2019\n\n")
    assert "TTC" in whole
    page.screenshot(path=str(artifacts_dir("screenshots") / "resale.png"), full_page=True)

    # Regenerate: a new wording, the same facts; the edited version stays in the history.
    page.click("#regenerate-ad")
    expect(page.get_by_text("Nouvelle annonce rédigée.")).to_be_visible()
    expect(page.locator("#ad-history")).to_contain_text("Modifiée par vous")

    # Exports.
    with page.expect_download() as text_download:
        page.click("#export-lacentrale-txt")
    text_path = tmp_path / "annonce.txt"
    text_download.value.save_as(text_path)
    assert "TTC" in text_path.read_text()
    with page.expect_download() as json_download:
        page.click("#export-leboncoin-json")
    json_path = tmp_path / "annonce.json"
    json_download.value.save_as(json_path)
    exported = json.loads(json_path.read_text())
    assert exported["platform"] == "leboncoin" and exported["title"] and exported["price"] > 0

    # The PDF report, downloaded from the page.
    with page.expect_download() as report_download:
        page.click("#download-report")
    pdf_path = tmp_path / report_download.value.suggested_filename
    report_download.value.save_as(pdf_path)
    assert pdf_path.name.endswith(".pdf")
    document = pdfium.PdfDocument(str(pdf_path))
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    assert "EF-456-GH" in text and "Fiabilité" in text
