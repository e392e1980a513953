"""Issue 16, item 4: 50 parallel mileage updates on PostgreSQL stored readings
out of order as ordinary owner readings (the odometer went backwards without
the correction box). Writes to one vehicle now go one at a time."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date

import pytest
from sqlmodel import col, select

from autocoach.db import get_engine, read_session, write_session
from autocoach.domain.vehicle_form import VehicleInput
from autocoach.models import MileageReading, User
from autocoach.services import vehicles
from autocoach.services.migrations import upgrade_to_head
from autocoach.settings import get_settings

pytestmark = pytest.mark.postgres

TODAY = date(2026, 11, 25)
START_KM = 130_000
WRITERS = 50


@pytest.fixture
def on_postgres(postgres_database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", postgres_database_url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    upgrade_to_head(get_settings().database_url, quiet=True)
    yield
    get_engine().dispose()
    get_settings.cache_clear()


def test_parallel_mileage_updates_never_store_a_lower_owner_reading(on_postgres):
    with write_session() as session:
        user = User(email="race@example.fr")
        session.add(user)
        session.flush()
        scope = vehicles.OwnerScope(user.id)
    form = VehicleInput(brand="Renault", model="Clio", year=2016, mileage=START_KM, fuel_type="diesel")
    vehicle = vehicles.create_vehicle(scope, form, TODAY)
    kms = [START_KM + i for i in range(1, WRITERS + 1)]
    random.Random(16).shuffle(kms)
    start = threading.Barrier(WRITERS)

    def write(index: int, km: int) -> str:
        start.wait()
        try:
            if index % 5 == 0:  # the edit form saves a mileage too
                vehicles.update_vehicle(scope, vehicle.id, replace(form, mileage=km), TODAY)
            else:
                vehicles.record_mileage(scope, vehicle.id, km, TODAY)
        except vehicles.MileageDecrease:
            return "refused"
        return "saved"

    with ThreadPoolExecutor(WRITERS) as pool:
        outcomes = list(pool.map(write, range(WRITERS), kms))

    with read_session() as session:
        readings = session.exec(
            select(MileageReading)
            .where(MileageReading.vehicle_id == vehicle.id)
            .order_by(col(MileageReading.id))
        ).all()
    stored = [r.km for r in readings if r.source == "proprietaire"]
    # Each accepted reading is above every one stored before it: never backwards.
    assert stored == sorted(stored) and len(set(stored)) == len(stored), stored
    assert len(stored) == 1 + outcomes.count("saved")
    assert vehicles.get_vehicle(scope, vehicle.id).mileage == max(stored)
