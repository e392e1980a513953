"""The owner-scoped vehicle service, on a real SQLite database."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from autocoach.db import read_session, write_session
from autocoach.domain.vehicle_form import validate_vehicle_form
from autocoach.models import Analysis, Document, MileageReading, User, Vehicle
from autocoach.services import storage, vehicles

TODAY = date(2026, 11, 24)
FORM = {"brand": "Renault", "model": "Clio", "year": "2016", "mileage": "98000", "fuel_type": "diesel"}


def make_user(email: str) -> vehicles.OwnerScope:
    with write_session() as session:
        user = User(email=email)
        session.add(user)
        session.flush()
        return vehicles.OwnerScope(user.id)


@pytest.fixture
def owner(app_settings) -> vehicles.OwnerScope:
    return make_user("alice@example.fr")


@pytest.fixture
def stranger(app_settings) -> vehicles.OwnerScope:
    return make_user("bob@example.fr")


def add_vehicle(scope, **changes) -> Vehicle:
    return vehicles.create_vehicle(scope, validate_vehicle_form({**FORM, **changes}, TODAY), TODAY)


def test_creating_a_vehicle_records_its_first_reading(owner):
    vehicle = add_vehicle(owner)
    history = vehicles.mileage_history(owner, vehicle.id)
    assert [(r.km, r.source, r.date) for r in history] == [(98000, "proprietaire", TODAY)]


def test_a_lower_reading_is_refused_unless_confirmed_as_a_correction(owner):
    vehicle = add_vehicle(owner)
    with pytest.raises(vehicles.MileageDecrease) as refused:
        vehicles.record_mileage(owner, vehicle.id, 90000, TODAY)
    assert "98\u202f000 km" in str(refused.value)
    assert vehicles.get_vehicle(owner, vehicle.id).mileage == 98000
    vehicles.record_mileage(owner, vehicle.id, 90000, TODAY, confirm_correction=True)
    assert vehicles.get_vehicle(owner, vehicle.id).mileage == 90000
    # History is kept, never overwritten.
    assert [(r.km, r.source) for r in vehicles.mileage_history(owner, vehicle.id)] == [
        (90000, "correction"),
        (98000, "proprietaire"),
    ]


def test_an_older_reading_does_not_replace_the_current_mileage(owner):
    vehicle = add_vehicle(owner)
    vehicles.record_mileage(owner, vehicle.id, 60000, date(2023, 5, 1))
    assert vehicles.get_vehicle(owner, vehicle.id).mileage == 98000


def test_editing_the_mileage_adds_a_reading_and_checks_it(owner):
    vehicle = add_vehicle(owner)
    vehicles.update_vehicle(owner, vehicle.id, validate_vehicle_form({**FORM, "mileage": "99500"}, TODAY), TODAY)
    with pytest.raises(vehicles.MileageDecrease):
        vehicles.update_vehicle(owner, vehicle.id, validate_vehicle_form({**FORM, "mileage": "1000"}, TODAY), TODAY)
    assert [r.km for r in vehicles.mileage_history(owner, vehicle.id)] == [99500, 98000]


def test_deleting_a_vehicle_removes_its_rows_and_files(owner, app_settings):
    vehicle = add_vehicle(owner)
    keep = add_vehicle(owner, model="Captur")
    root = storage.documents_root()
    root.mkdir(parents=True)
    (root / "doc-a").write_bytes(b"secret")
    (root / "doc-a.thumb").write_bytes(b"thumb")
    (root / "doc-b").write_bytes(b"other car")
    with write_session() as session:
        for vehicle_id, stored in ((vehicle.id, "doc-a"), (keep.id, "doc-b")):
            session.add(
                Document(vehicle_id=vehicle_id, original_filename="f.pdf", stored_path=stored,
                         mime_type="application/pdf", size_bytes=6, sha256="0" * 64)
            )
        session.add(Analysis(vehicle_id=vehicle.id, reliability_score=6, monthly_cost_estimate=300,
                             inputs_hash="h", engine_version="1"))
    assert vehicles.delete_vehicle(owner, vehicle.id) == "Renault Clio"
    assert not (root / "doc-a").exists() and not (root / "doc-a.thumb").exists()
    assert (root / "doc-b").read_bytes() == b"other car"
    with read_session() as session:
        assert session.exec(select(Vehicle.id)).all() == [keep.id]
        assert session.exec(select(Analysis)).all() == []
        assert len(session.exec(select(MileageReading)).all()) == 1
        assert [d.stored_path for d in session.exec(select(Document)).all()] == ["doc-b"]


def test_another_owner_gets_nothing(owner, stranger):
    """Every query and command, with the other owner's ids: NotFound, nothing changed."""
    vehicle = add_vehicle(owner)
    with write_session() as session:
        document = Document(vehicle_id=vehicle.id, original_filename="cg.jpg", stored_path="x",
                            mime_type="image/jpeg", size_bytes=1, sha256="0" * 64)
        session.add(document)
        session.add(Analysis(vehicle_id=vehicle.id, reliability_score=6, monthly_cost_estimate=300,
                             inputs_hash="h", engine_version="1"))
    data = validate_vehicle_form({**FORM, "brand": "Volé"}, TODAY)
    attempts = [
        lambda: vehicles.get_vehicle(stranger, vehicle.id),
        lambda: vehicles.mileage_history(stranger, vehicle.id),
        lambda: vehicles.list_documents(stranger, vehicle.id),
        lambda: vehicles.get_document(stranger, document.id),
        lambda: vehicles.list_expenses(stranger, vehicle.id),
        lambda: vehicles.latest_analysis(stranger, vehicle.id),
        lambda: vehicles.update_vehicle(stranger, vehicle.id, data, TODAY),
        lambda: vehicles.record_mileage(stranger, vehicle.id, 200000, TODAY),
        lambda: vehicles.delete_vehicle(stranger, vehicle.id),
    ]
    for attempt in attempts:
        with pytest.raises(vehicles.NotFound):
            attempt()
    assert vehicles.list_vehicles(stranger) == []
    kept = vehicles.get_vehicle(owner, vehicle.id)
    assert (kept.brand, kept.mileage) == ("Renault", 98000)
    assert len(vehicles.mileage_history(owner, vehicle.id)) == 1


@pytest.mark.parametrize("raw", ["12", " 7 "])
def test_ids_from_urls_are_parsed(raw):
    assert vehicles.parse_id(raw) == int(raw)


@pytest.mark.parametrize("raw", ["", "abc", "-3", "0", "1e3", "9" * 30, None, "../1"])
def test_anything_else_is_no_id(raw):
    assert vehicles.parse_id(raw) is None
