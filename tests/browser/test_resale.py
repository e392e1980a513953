"""The resale assistant in Chromium: generate, edit, copy (read back from the
clipboard), export, and download the PDF report from the page."""

from __future__ import annotations

import re

import pypdfium2 as pdfium
import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_garage import VEHICLE_URL, fill_vehicle_form
from tests.conftest import artifacts_dir, log_in, unique_email

pytestmark = pytest.mark.browser


def clipboard_once_it_has(page: Page, part: str) -> str:
    """The clipboard, read back once the copy asked for has landed."""
    page.wait_for_function("(part) => navigator.clipboard.readText().then((t) => t.includes(part))", arg=part)
    return page.evaluate("navigator.clipboard.readText()")


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
    assert "TTC" not in whole  # a private seller
    page.screenshot(path=str(artifacts_dir("screenshots") / "resale.png"), full_page=True)

    # Regenerate: the edited title is the owner's work, so it asks first;
    # keeping it changes nothing.
    page.click("#regenerate-ad")
    expect(page.get_by_role("alertdialog")).to_contain_text("Remplacer votre texte ?")
    page.click("#keep-ad")
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    expect(title).to_have_value("Peugeot 208 PureTech très économique, 2019")
    # Confirmed: a new wording of the same facts; the edited version stays, restorable.
    page.click("#regenerate-ad")
    page.click("#confirm-regenerate")
    expect(page.get_by_text("Nouvelle annonce rédigée.")).to_be_visible()
    expect(title).to_have_value(re.compile(r"^Peugeot 208"))
    expect(title).not_to_have_value("Peugeot 208 PureTech très économique, 2019")
    mine = page.locator(".ad-version", has_text="Modifiée par vous")
    expect(mine).to_have_count(1)
    mine.locator(".restore-version").click()
    expect(page.get_by_text("Version restaurée : c'est maintenant l'annonce affichée.")).to_be_visible()
    expect(title).to_have_value("Peugeot 208 PureTech très économique, 2019")

    # Switch to La Centrale: its labels, its 60-character title limit.
    page.select_option("#ad-platform-switch", "lacentrale")
    expect(page.locator("#title-count")).to_contain_text("42 / 60 (La Centrale)")
    long_title = "Peugeot 208 1.2 PureTech 82 Active, très bien entretenue, 2019"
    title.fill(long_title)
    expect(page.locator("#title-count")).to_contain_text(f"{len(long_title)} / 60")
    expect(page.locator("#title-too-long")).to_contain_text("Trop long pour La Centrale : 60 caractères au plus.")
    page.click("#save-ad")
    expect(page.locator("#ad-edit-error")).to_contain_text("La Centrale : 60 caractères au plus (62)")
    title.fill("Peugeot 208 PureTech très économique, 2019")
    # The price the owner sets is the price everywhere in the text.
    old_price = page.locator("#ad-price").input_value()
    page.fill("#ad-price", "9490")
    page.click("#save-ad")
    # The first save's toast may still be on screen: the newest one counts.
    expect(page.get_by_text("Modifications de l'annonce enregistrées.").last).to_be_visible()
    expect(description).to_contain_text("9\u202f490\u00a0€")
    page.click("#copy-all")
    whole = clipboard_once_it_has(page, "9\u202f490")
    assert whole.count("9\u202f490\u00a0€") == 1, whole
    assert f"{int(old_price):,}".replace(",", "\u202f") + "\u00a0€" not in whole
    assert "TTC" not in whole

    # Field by field, in La Centrale's form order, one copy button each.
    fields = page.locator("#ad-criteria .form-field")
    ids = [f.get_attribute("data-field") for f in fields.all()]
    assert ids[:2] == ["marque", "modele"] and ids[-3:] == ["prix", "titre", "description"], ids
    expect(page.locator("#ad-criteria")).to_contain_text("Kilométrage compteur")
    page.locator(".copy-field[data-field=prix]").click()
    assert clipboard_once_it_has(page, "9490") == "9490"
    page.locator(".copy-field[data-field=kilometrage]").click()
    assert clipboard_once_it_has(page, "63890") == "63890"

    with page.expect_download() as text_download:
        page.click("#export-lacentrale-txt")
    text_path = tmp_path / "annonce.txt"
    text_download.value.save_as(text_path)
    exported = text_path.read_text()
    assert exported.startswith("Annonce pour La Centrale")
    assert "Prix de vente\n9490\n" in exported and "TTC" not in exported
    # No machine format that no site imports.
    expect(page.locator("#export-leboncoin-json")).to_have_count(0)

    # The PDF report, downloaded from the page.
    with page.expect_download() as report_download:
        page.click("#download-report")
    pdf_path = tmp_path / report_download.value.suggested_filename
    report_download.value.save_as(pdf_path)
    assert pdf_path.name.endswith(".pdf")
    document = pdfium.PdfDocument(str(pdf_path))
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    assert "EF-456-GH" in text and "Fiabilité" in text
