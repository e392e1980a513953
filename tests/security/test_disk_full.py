"""Issue 16, item 7: a full disk. An upload left a truncated orphan file, and
documents could not be deleted to free space. Replayed on a real, tiny tmpfs
holding DATA_DIR (database, documents) and filled to the last byte."""

from __future__ import annotations

import os
import secrets
import subprocess
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from autocoach.db import get_engine, read_session, write_session
from autocoach.domain.vehicle_form import VehicleInput
from autocoach.models import Document, User
from autocoach.services import auth, documents, storage, vehicles
from autocoach.services.migrations import upgrade_to_head
from autocoach.settings import get_settings

DISK_BYTES = 6 * 1024 * 1024


@pytest.fixture
def small_disk(tmp_path, monkeypatch):
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs", str(mount_point)],
        capture_output=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"a tmpfs cannot be mounted here (needs root): {mounted.stderr.decode().strip()}")
    for name in list(os.environ):
        if name.startswith(("SMTP_", "OPENAI_", "PLATE_LOOKUP_")) or name in {"REDIS_URL"}:
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATA_DIR", str(mount_point))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{mount_point / 'autocoach.db'}")
    # A reserve sized for this tiny disk (production keeps a few megabytes).
    monkeypatch.setattr(storage, "RESERVE_BYTES", 128 * 1024)
    get_settings.cache_clear()
    upgrade_to_head(get_settings().database_url, quiet=True)
    try:
        yield mount_point
    finally:
        get_engine().dispose()
        get_settings.cache_clear()
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _pdf(size: int) -> bytes:
    return b"%PDF-1.4\n" + secrets.token_bytes(size)


def _fill(disk: Path) -> None:
    """Take every byte left."""
    with (disk / "filler").open("wb", buffering=0) as handle:
        for size in (65536, 4096, 512, 1):
            try:
                while True:
                    handle.write(b"\0" * size)
            except OSError:
                continue


def _stored_files(disk: Path) -> list[Path]:
    root = disk / "documents"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_full_disk_refuses_the_upload_in_french_leaves_nothing_and_deletes_still_work(small_disk):
    storage.keep_reserve()
    assert (small_disk / storage.RESERVE_NAME).exists()
    with write_session() as session:
        user = User(email="plein@example.fr")
        session.add(user)
        session.flush()
        scope = vehicles.OwnerScope(user.id)
    form = VehicleInput(brand="Peugeot", model="208", year=2019, mileage=60000, fuel_type="essence")
    vehicle = vehicles.create_vehicle(scope, form, date(2026, 11, 25))
    first = documents.add_upload(scope, vehicle.id, "facture.pdf", _pdf(300_000))

    _fill(small_disk)
    with pytest.raises(storage.StorageFull) as refused:
        documents.add_upload(scope, vehicle.id, "carte-grise.pdf", _pdf(300_000))
    assert "plus de place" in str(refused.value) and "rien n'a été enregistré" in str(refused.value)
    # Nothing half-written: only the first document's file, no truncated orphan.
    assert _stored_files(small_disk) == [storage.stored_file(first.stored_path)]
    with read_session() as session:
        assert [d.id for d in session.exec(select(Document)).all()] == [first.id]

    # The owner frees space: the delete goes through, the file goes.
    assert documents.delete_document(scope, first.id) == "facture.pdf"
    assert _stored_files(small_disk) == []
    with read_session() as session:
        assert session.exec(select(Document)).all() == []


def test_a_login_request_on_a_full_disk_says_so_and_sends_nothing(small_disk):
    assert auth.request_login_link("avant@example.fr", "192.0.2.1") is auth.LoginRequestOutcome.SENT
    sent_before = sorted((small_disk / "outbox").glob("*.eml"))
    _fill(small_disk)
    # Before: an exception the login page never answered (its button stayed on
    # "Envoi en cours…"). Now an outcome the page shows in French.
    outcome = auth.request_login_link("plein@example.fr", "192.0.2.1")
    assert outcome is auth.LoginRequestOutcome.UNAVAILABLE
    assert "n'a pas pu être enregistrée" in auth.SERVER_PROBLEM_MESSAGE
    assert sorted((small_disk / "outbox").glob("*.eml")) == sent_before
