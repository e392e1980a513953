"""The document pipeline on a real database, real files, real Tesseract."""

from __future__ import annotations

import io
import random
import struct
import zlib
from datetime import date

import pytest
from fpdf import FPDF
from PIL import Image
from sqlmodel import select

from autocoach.db import read_session
from autocoach.domain.vehicle_form import validate_vehicle_form
from autocoach.models import Document, Expense, MileageReading, Vehicle
from autocoach.services import documents, storage, vehicles
from tests.fixtures.documents import build_cartes_grises, build_histovec, build_invoices
from tests.test_vehicles_service import make_user

TODAY = date(2026, 11, 24)


@pytest.fixture
def owner(app_settings):
    scope = make_user("docs@example.fr")
    vehicle = vehicles.create_vehicle(
        scope,
        validate_vehicle_form(
            {"brand": "Renault", "model": "Clio", "year": "2016", "mileage": "30000", "fuel_type": "diesel"},
            date(2020, 1, 1),
        ),
        date(2020, 1, 1),
    )
    return scope, vehicle.id


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory):
    root = tmp_path_factory.mktemp("fixtures")
    rng = random.Random(11)
    return {
        "invoice_pdf": next(f for f in build_invoices(root, rng) if f.source == "text_pdf"),
        "carte_grise": build_cartes_grises(root, random.Random(12))[1],
        "histovec": build_histovec(root, random.Random(13))[0],
    }


def snapshot():
    """Every row and stored file, to prove a failure changed nothing."""
    with read_session() as session:
        rows = {
            model.__name__: sorted(repr(r.model_dump(exclude={"updated_at"})) for r in session.exec(select(model)).all())
            for model in (Vehicle, Document, Expense, MileageReading)
        }
    root = storage.documents_root()
    files = {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()} if root.exists() else {}
    return rows, files


def upload_and_process(scope, vehicle_id, path):
    document = documents.add_upload(scope, vehicle_id, path.name, path.read_bytes())
    assert document.status == "pending"
    return documents.process_document(scope, document.id)


def upload_and_apply(scope, vehicle_id, path):
    """Read, then accept every proposal as the owner would with one click."""
    document = upload_and_process(scope, vehicle_id, path)
    assert document.review_status == "to_review", document.review_reason or document.error_message
    documents.apply_as_proposed(scope, document.id, TODAY)
    return vehicles.get_document(scope, document.id)


def test_an_invoice_becomes_an_expense_and_a_reading(owner, fixtures):
    scope, vehicle_id = owner
    invoice = fixtures["invoice_pdf"]
    document = upload_and_process(scope, vehicle_id, invoice.path)
    assert document.status == "processed", document.error_message
    assert document.document_type == "facture"
    # Nothing is applied before the owner has reviewed it.
    assert vehicles.list_expenses(scope, vehicle_id) == []
    documents.apply_as_proposed(scope, document.id, TODAY)
    expense = vehicles.list_expenses(scope, vehicle_id)[0]
    assert expense.amount == pytest.approx(invoice.expected["total_ttc"])
    assert expense.date.isoformat() == invoice.expected["date"]
    assert expense.document_id == document.id
    readings = [(r.km, r.source) for r in vehicles.mileage_history(scope, vehicle_id)]
    assert (invoice.expected["mileage"], "facture") in readings

    # Reading and applying it again replaces its own effects instead of doubling them.
    documents.process_document(scope, document.id)
    documents.apply_as_proposed(scope, document.id, TODAY)
    assert len(vehicles.list_expenses(scope, vehicle_id)) == 1

    # Deleting it takes back what it added, and its file.
    stored = storage.stored_file(document.stored_path)
    documents.delete_document(scope, document.id)
    assert vehicles.list_expenses(scope, vehicle_id) == []
    assert all(r.source != "facture" for r in vehicles.mileage_history(scope, vehicle_id))
    assert not stored.exists()


def test_a_histovec_report_adds_the_inspection_readings(owner, fixtures):
    scope, vehicle_id = owner
    report = fixtures["histovec"]
    document = upload_and_apply(scope, vehicle_id, report.path)
    assert document.document_type == "histovec", document.error_message
    histovec_km = sorted(r.km for r in vehicles.mileage_history(scope, vehicle_id) if r.source == "histovec")
    expected_km = sorted(i["mileage"] for i in report.expected["technical_inspections"] if i.get("mileage"))
    assert histovec_km == expected_km


def test_a_carte_grise_offers_a_prefill_the_owner_confirms(owner, fixtures):
    scope, vehicle_id = owner
    card = fixtures["carte_grise"]
    document = upload_and_process(scope, vehicle_id, card.path)
    assert document.document_type == "carte_grise", document.error_message
    proposals = {p.field: p for p in documents.document_review(scope, document.id, TODAY).proposals}
    assert proposals["vin"].value == card.expected["vin"]
    # The holder's name and address are never kept.
    text = repr(document.extracted)
    assert card.secrets
    for secret in card.secrets:
        assert secret not in text
    accepted = {name: proposals[name].value for name in ("vin", "license_plate")}
    applied = documents.apply_document(scope, document.id, accepted, TODAY)
    assert set(applied.labels) == {"Numéro VIN", "Immatriculation"}
    vehicle = vehicles.get_vehicle(scope, vehicle_id)
    assert vehicle.vin == card.expected["vin"]
    assert vehicle.license_plate == card.expected["license_plate"]
    assert vehicle.brand == "Renault"  # not accepted, not changed
    used = vehicles.vehicle_provenance(scope, vehicle_id)
    assert used["vin"].used.source == "carte_grise" and used["vin"].used.document_id == document.id


def test_stored_files_are_encrypted_and_photos_lose_their_location(owner, app_settings):
    scope, vehicle_id = owner
    image = Image.new("RGB", (400, 300), "white")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    document = documents.add_upload(scope, vehicle_id, "photo.jpg", buffer.getvalue())

    on_disk = storage.stored_file(document.stored_path).read_bytes()
    assert b"JFIF" not in on_disk and b"PhoneMaker" not in on_disk  # encrypted at rest
    assert "photo" not in document.stored_path  # random server-side name
    clear = storage.read_stored(document.stored_path)
    kept = Image.open(io.BytesIO(clear)).getexif()
    assert kept.get(0x010F) == "PhoneMaker"
    assert 0x8825 not in kept
    thumb = Image.open(io.BytesIO(storage.read_stored(document.stored_path, thumbnail=True)))
    assert max(thumb.size) <= 320
    assert (app_settings.data_dir / "storage.key").exists()


def _png_bomb() -> bytes:
    """A tiny PNG that claims 40 000 x 40 000 pixels."""
    width = height = 40_000
    raw = zlib.compress(b"\x00" * (1 + width // 8) * 16, 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def _encrypted_pdf() -> bytes:
    pdf = FPDF()
    pdf.set_encryption(owner_password="proprio", user_password="secret")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Facture confidentielle")
    return bytes(pdf.output())


def _blank_scan() -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (1200, 900), 235).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("vide.pdf", b"", "vide"),
        ("notes.txt", "Révision faite chez le garagiste".encode(), "Type de fichier non accepté"),
        ("photo.jpg", b"\xff\xd8\xff\xe0 not really a jpeg at all", "endommagée"),
        ("bombe.png", _png_bomb(), "trop grande"),
    ],
)
def test_a_refused_upload_stores_nothing(owner, fixtures, name, content, message):
    scope, vehicle_id = owner
    upload_and_process(scope, vehicle_id, fixtures["invoice_pdf"].path)
    before = snapshot()
    with pytest.raises(storage.RejectedUpload) as refused:
        documents.add_upload(scope, vehicle_id, name, content)
    assert message in str(refused.value)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("abime.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ntrailer\n%%EOF", "endommagé"),
        ("protege.pdf", _encrypted_pdf(), "mot de passe"),
        ("flou.png", _blank_scan(), "texte"),
    ],
)
def test_an_unreadable_document_fails_with_a_reason_and_changes_nothing_else(
    owner, fixtures, name, content, message
):
    scope, vehicle_id = owner
    upload_and_apply(scope, vehicle_id, fixtures["invoice_pdf"].path)
    document = documents.add_upload(scope, vehicle_id, name, content)
    rows_before, files_before = snapshot()
    failed = documents.process_document(scope, document.id)
    assert failed.status == "failed"
    assert message in failed.error_message.lower() or message in failed.error_message
    rows_after, files_after = snapshot()
    assert files_after == files_before
    for table in ("Vehicle", "Expense", "MileageReading"):
        assert rows_after[table] == rows_before[table], table
    assert len(vehicles.list_expenses(scope, vehicle_id)) == 1


def test_oversized_files_are_refused_by_the_server(owner, app_settings, monkeypatch):
    from autocoach.settings import get_settings

    scope, vehicle_id = owner
    monkeypatch.setenv("MAX_UPLOAD_MB", "1")
    get_settings.cache_clear()
    big = b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10)
    with pytest.raises(storage.RejectedUpload) as refused:
        documents.add_upload(scope, vehicle_id, "gros.pdf", big)
    assert "1 Mo" in str(refused.value)


def test_another_owner_cannot_touch_the_documents(owner, fixtures):
    scope, vehicle_id = owner
    document = upload_and_process(scope, vehicle_id, fixtures["invoice_pdf"].path)
    stranger = make_user("mallory@example.fr")
    with pytest.raises(vehicles.NotFound):
        documents.add_upload(stranger, vehicle_id, "x.pdf", fixtures["invoice_pdf"].path.read_bytes())
    for attempt in (
        lambda: documents.process_document(stranger, document.id),
        lambda: documents.mark_reading(stranger, document.id),
        lambda: documents.set_document_type(stranger, document.id, "histovec"),
        lambda: documents.apply_document(stranger, document.id, {"expense_amount": "1"}, TODAY),
        lambda: documents.document_review(stranger, document.id, TODAY),
        lambda: documents.keep_document(stranger, document.id),
        lambda: documents.move_document(stranger, document.id, vehicle_id),
        lambda: documents.delete_document(stranger, document.id),
    ):
        with pytest.raises(vehicles.NotFound):
            attempt()
    assert vehicles.get_document(scope, document.id).status == "processed"
