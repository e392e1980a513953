"""Documents in Chromium: upload, progress, prefill, expense and mileage; files
served only to their owner; the server refuses oversized uploads."""

from __future__ import annotations

import random

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_garage import VEHICLE_URL, fill_vehicle_form, open_records
from tests.conftest import artifacts_dir, log_in, unique_email
from tests.fixtures.documents import build_cartes_grises, build_invoices

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def papers(tmp_path_factory):
    root = tmp_path_factory.mktemp("papers")
    card = build_cartes_grises(root, random.Random(21))[1]
    invoice = next(f for f in build_invoices(root, random.Random(22)) if f.source == "text_pdf")
    return card, invoice


def add_car(page: Page, live_app) -> str:
    page.goto(f"{live_app.url}/vehicles/new")
    page.click("#skip-plate")
    fill_vehicle_form(page, brand="Renault", model="Clio", year="2016", mileage="199 000", fuel_type="diesel")
    page.click("#vehicle-submit")
    page.wait_for_url(VEHICLE_URL)
    open_records(page)
    return VEHICLE_URL.match(page.url).group(1)


def session_cookies(page: Page) -> dict[str, str]:
    return {c["name"]: c["value"] for c in page.context.cookies()}


def test_upload_read_prefill_expense_and_mileage(live_app, smtp_sink, page: Page, papers):
    card, invoice = papers
    log_in(page, live_app, smtp_sink, unique_email("papers"))
    add_car(page, live_app)

    page.set_input_files("#documents-upload input[type=file]", [str(card.path), str(invoice.path)])
    rows = page.locator(".document-row")
    expect(rows).to_have_count(2)
    # Progress is visible while the documents are read...
    expect(page.get_by_text("Lecture en cours").first).to_be_visible()
    # ...and each ends analysed.
    expect(page.locator(".document-row", has_text="Analysé")).to_have_count(2, timeout=120_000)
    page.screenshot(path=str(artifacts_dir("screenshots") / "documents.png"), full_page=True)

    # Nothing is applied before the owner reviews it.
    expect(page.locator("#expense-list")).to_have_count(0)
    invoice_row = page.locator(".document-row", has_text=invoice.name)
    invoice_row.locator(".apply-review").click()
    expenses = page.locator("#expense-list")
    expect(expenses).to_contain_text(invoice.expected["date"][8:10] + "/" + invoice.expected["date"][5:7])
    km = f"{invoice.expected['mileage']:,}".replace(",", "\u202f") + "\u00a0km"
    expect(page.locator(".reading-row", has_text=km)).to_contain_text("Facture")
    # Today's reading stays the current mileage; the invoice's is history.
    expect(page.locator("#vehicle-mileage")).to_have_text("199\u202f000\u00a0km")
    expect(page.locator("#odometer-warning")).to_have_count(0)

    # The carte grise offers its values (each can be unticked); the owner keeps only the plate.
    prefill = page.locator(".document-row", has_text="Carte grise")
    expect(prefill.locator("input[name='accept:license_plate']")).to_be_checked()
    for box in prefill.locator("input[type=checkbox]").all():
        if box.get_attribute("name") != "accept:license_plate":
            box.uncheck()
    prefill.locator(".apply-review").click()
    expect(page.get_by_text("Document appliqué à la fiche : Immatriculation.")).to_be_visible()
    expect(page.locator("main").get_by_text(card.expected["license_plate"], exact=True).first).to_be_visible()
    expect(page.locator("#vehicle-title")).to_have_text("Renault Clio")
    expect(prefill.locator("input[type=checkbox]")).to_have_count(0)


def test_files_are_served_only_to_their_owner(live_app, smtp_sink, page: Page, browser: Browser, papers):
    _, invoice = papers
    log_in(page, live_app, smtp_sink, unique_email("owner-files"))
    add_car(page, live_app)
    page.set_input_files("#documents-upload input[type=file]", [str(invoice.path)])
    expect(page.locator(".document-row", has_text="Analysé")).to_have_count(1, timeout=60_000)
    href = page.locator(".document-row .download-document").first.get_attribute("data-href")
    url = live_app.url + href
    with page.expect_download() as from_the_page:
        page.locator(".document-row .download-document").first.click()
    assert from_the_page.value.suggested_filename == invoice.path.name

    mine = httpx.get(url, cookies=session_cookies(page))
    assert mine.status_code == 200
    assert mine.content == invoice.path.read_bytes()
    assert mine.headers["cache-control"] == "private, no-store"
    assert "attachment" in mine.headers["content-disposition"]

    assert httpx.get(url).status_code == 404  # anonymous
    other = browser.new_context(locale="fr-FR")
    other_page = other.new_page()
    log_in(other_page, live_app, smtp_sink, unique_email("thief"))
    stolen = httpx.get(url, cookies=session_cookies(other_page))
    assert stolen.status_code == 404 and invoice.path.read_bytes()[:20] not in stolen.content
    other.close()
    # Nothing is published in Reflex's public upload folder.
    assert httpx.get(f"{live_app.url}/_upload/{invoice.path.name}").status_code == 404


def test_the_server_refuses_upload_bodies_over_the_limit(live_app):
    limit = 5 * 1024 * 1024 * 10  # MAX_UPLOAD_MB=5, ten files per request
    too_big = b"0" * (limit + 1)
    declared = httpx.post(f"{live_app.url}/_upload", content=too_big, headers={"content-type": "application/octet-stream"})
    assert declared.status_code == 413
    assert "trop volumineux" in declared.json()["detail"]


def test_files_the_browser_refuses_are_explained(live_app, smtp_sink, page: Page, tmp_path):
    log_in(page, live_app, smtp_sink, unique_email("too-big"))
    add_car(page, live_app)
    big = tmp_path / "scan-enorme.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024 + 1))
    page.set_input_files("#documents-upload input[type=file]", [str(big)])
    expect(page.locator("#upload-errors")).to_contain_text(
        "scan-enorme.pdf : le fichier dépasse la taille maximale de 5 Mo."
    )
    notes = tmp_path / "notes.txt"
    notes.write_text("Vidange faite")
    page.set_input_files("#documents-upload input[type=file]", [str(notes)])
    expect(page.locator("#upload-errors")).to_contain_text("notes.txt : ce type de fichier n'est pas accepté")
    expect(page.locator(".document-row")).to_have_count(0)
    # Eleven files in one go: refused whole, before anything is stored.
    many = []
    for index in range(11):
        path = tmp_path / f"facture-{index}.pdf"
        path.write_bytes(b"%PDF-1.4\n" + bytes([index]) * 100)
        many.append(str(path))
    page.set_input_files("#documents-upload input[type=file]", many)
    expect(page.locator("#upload-errors")).to_contain_text(
        "Vous avez envoyé 11 fichiers : envoyez-en au plus 10 à la fois. Aucun n'a été enregistré."
    )
    expect(page.locator(".document-row")).to_have_count(0)


def test_a_wrong_guess_can_be_corrected_and_a_failure_retried(live_app, smtp_sink, page: Page, papers, tmp_path):
    _, invoice = papers
    log_in(page, live_app, smtp_sink, unique_email("retype"))
    add_car(page, live_app)
    broken = tmp_path / "facture-abimee.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ntrailer\n%%EOF")
    page.set_input_files("#documents-upload input[type=file]", [str(broken)])
    row = page.locator(".document-row")
    expect(row.locator(".document-error")).to_contain_text("endommagé", timeout=60_000)
    expect(row.locator(".retry-document")).to_be_visible()
    row.locator(".delete-document").click()
    expect(page.locator(".document-row")).to_have_count(0)

    page.set_input_files("#documents-upload input[type=file]", [str(invoice.path)])
    row = page.locator(".document-row")
    expect(row).to_contain_text("Analysé", timeout=60_000)
    row.locator(".apply-review").click()
    expect(page.locator("#expense-list")).to_be_visible()
    # Telling AutoCoach it is a Histovec report reads it again as one: the
    # expense it had added goes away.
    row.locator(".document-type").select_option("histovec")
    expect(page.get_by_text("Type corrigé : Rapport Histovec")).to_be_visible()
    expect(page.locator("#expense-list")).to_have_count(0, timeout=60_000)


def test_a_deleted_document_can_be_taken_back(live_app, smtp_sink, page: Page, papers):
    _, invoice = papers
    log_in(page, live_app, smtp_sink, unique_email("undo"))
    add_car(page, live_app)
    page.set_input_files("#documents-upload input[type=file]", [str(invoice.path)])
    expect(page.locator(".document-row", has_text="Analysé")).to_have_count(1, timeout=60_000)
    page.locator(".document-row .apply-review").click()
    expect(page.locator("#expense-list")).to_be_visible()

    # A slip: the document leaves the page, "Annuler" brings it back.
    page.locator(".document-row .delete-document").click()
    expect(page.locator(".document-row")).to_have_count(0)
    bar = page.locator("#undo-bar")
    expect(bar).to_contain_text(invoice.path.name)
    page.screenshot(path=str(artifacts_dir("screenshots") / "undo-delete.png"), full_page=True)
    bar.locator(".undo-delete").click()
    expect(page.get_by_text("Suppression annulée : rien n'a été supprimé.")).to_be_visible()
    expect(page.locator(".document-row")).to_have_count(1)
    expect(bar).to_have_count(0)
    # Well after the delay, it is still there, on the server too.
    page.wait_for_timeout(9_000)
    page.reload()
    open_records(page)
    expect(page.locator(".document-row")).to_have_count(1)
    expect(page.locator("#expense-list")).to_be_visible()

    # Not taken back: once the bar is gone, the document and what it added are deleted.
    page.locator(".document-row .delete-document").click()
    expect(bar).to_be_visible()
    expect(bar).to_have_count(0, timeout=15_000)
    expect(page.locator("#expense-list")).to_have_count(0, timeout=10_000)
    page.reload()
    open_records(page)
    expect(page.locator(".document-row")).to_have_count(0)
