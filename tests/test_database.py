"""SQLite runs with WAL, foreign keys and IMMEDIATE write transactions."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from autocoach.db import make_engine, utcnow
from autocoach.models import (
    Analysis,
    Document,
    Expense,
    MileageReading,
    User,
    UserSession,
    Vehicle,
)
from autocoach.services.migrations import upgrade_to_head


@pytest.fixture
def engine(tmp_path):
    url = f"sqlite:///{tmp_path / 'autocoach.db'}"
    upgrade_to_head(url, quiet=True)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _user_with_a_full_vehicle(session: Session) -> tuple[int, int, int]:
    user = User(email="proprietaire@example.fr")
    session.add(user)
    session.flush()
    vehicle = Vehicle(
        user_id=user.id, brand="Peugeot", model="208", year=2019, mileage=63890, fuel_type="essence"
    )
    session.add(vehicle)
    session.flush()
    document = Document(
        vehicle_id=vehicle.id,
        document_type="facture",
        original_filename="facture.pdf",
        stored_path="ab/cd",
        mime_type="application/pdf",
        size_bytes=10,
        sha256="0" * 64,
    )
    session.add(document)
    session.flush()
    session.add_all(
        [
            Expense(
                vehicle_id=vehicle.id,
                document_id=document.id,
                date=date(2025, 3, 1),
                mileage=60000,
                category="vidange",
                amount=189.9,
            ),
            MileageReading(vehicle_id=vehicle.id, date=date(2025, 3, 1), km=60000, source="facture"),
            Analysis(
                vehicle_id=vehicle.id,
                reliability_score=7.5,
                monthly_cost_estimate=384.0,
                inputs_hash="a" * 64,
                engine_version="1",
            ),
            UserSession(user_id=user.id, session_hash="b" * 64, expires_at=utcnow()),
        ]
    )
    session.commit()
    return user.id, vehicle.id, document.id


def test_wal_and_pragmas_are_on_for_every_connection(engine):
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar_one() == 5000
        # synchronous=NORMAL is 1
        assert conn.execute(text("PRAGMA synchronous")).scalar_one() == 1


def test_a_vehicle_cannot_point_to_a_missing_user(engine):
    with Session(engine) as session:
        session.add(Vehicle(user_id=999, brand="Renault", model="Clio", year=2016, fuel_type="diesel"))
        with pytest.raises(IntegrityError):
            session.commit()


def test_deleting_a_user_removes_everything_that_belongs_to_them(engine):
    with Session(engine) as session:
        user_id, vehicle_id, document_id = _user_with_a_full_vehicle(session)
        other = User(email="voisin@example.fr")
        session.add(other)
        session.commit()
        session.delete(session.get(User, user_id))
        session.commit()
    with Session(engine) as session:
        for model in (Vehicle, Document, Expense, MileageReading, Analysis, UserSession):
            assert session.exec(select(model)).all() == [], model.__name__
        assert [u.email for u in session.exec(select(User)).all()] == ["voisin@example.fr"]


def test_deleting_a_document_keeps_its_expense(engine):
    with Session(engine) as session:
        _, vehicle_id, document_id = _user_with_a_full_vehicle(session)
        session.delete(session.get(Document, document_id))
        session.commit()
        expense = session.exec(select(Expense)).one()
        assert expense.vehicle_id == vehicle_id
        assert expense.document_id is None


def test_write_transactions_begin_immediate(engine):
    """A second writer waits for the first instead of failing half-way.

    With a deferred BEGIN both transactions would read, then the second's
    upgrade to a write lock would fail at once with "database is locked".
    """
    immediate = engine.execution_options(sqlite_begin_immediate=True)
    with Session(immediate) as session:
        session.add(User(email="a@example.fr"))
        session.commit()
    first_holds_lock = threading.Event()
    errors: list[BaseException] = []

    def first_writer():
        try:
            with Session(immediate) as session:
                session.exec(select(User)).all()  # BEGIN IMMEDIATE: write lock now
                first_holds_lock.set()
                time.sleep(0.5)
                session.add(User(email="b@example.fr"))
                session.commit()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    thread = threading.Thread(target=first_writer)
    thread.start()
    first_holds_lock.wait(5)
    started = time.monotonic()
    with Session(immediate) as session:
        session.exec(select(User)).all()
        waited = time.monotonic() - started
        session.add(User(email="c@example.fr"))
        session.commit()
    thread.join()
    assert not errors
    assert waited >= 0.3, "the second writer should have waited for the first one's lock"
    with Session(engine) as session:
        assert len(session.exec(select(User)).all()) == 3
