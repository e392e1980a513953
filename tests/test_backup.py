"""Backup and restore on real SQLite files and real PostgreSQL databases."""

from __future__ import annotations

import io
import json
import secrets
import subprocess
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from cryptography.fernet import Fernet
from fpdf import FPDF
from PIL import Image
from sqlmodel import select

from autocoach.db import read_session, write_session
from autocoach.domain.vehicle_form import validate_vehicle_form
from autocoach.models import (
    Analysis,
    Document,
    Expense,
    LoginToken,
    MileageReading,
    ReminderSent,
    User,
    UserSession,
    Vehicle,
    VehicleFact,
)
from autocoach.services import analysis, backup, documents, storage, vehicles
from autocoach.services.migrations import alembic_config, upgrade_to_head
from autocoach.settings import get_settings
from tests.conftest import POSTGRES_ADMIN_URL
from tests.test_vehicles_service import make_user

TODAY = date(2026, 11, 24)
INITIAL_REVISION = "0ad89bd4179e"
MODELS = (
    User, UserSession, LoginToken, Vehicle, VehicleFact, Document, Expense, MileageReading,
    Analysis, ReminderSent,
)


# --- data ------------------------------------------------------------------------


def pdf_bytes(text: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text=text)
    return bytes(pdf.output())


def png_bytes(color: tuple[int, int, int], size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


@dataclass
class Owner:
    scope: vehicles.OwnerScope
    email: str
    vehicle_id: int
    plate: str
    vin: str
    files: dict[int, bytes]  # document id -> original bytes


def populate_owner(
    email: str, plate: str, vin: str, color: tuple[int, int, int], *, opt_in: bool = False
) -> Owner:
    """One owner with a vehicle, readings, documents (PDF and photo), an expense,
    an analysis, a reminder, a session and a login token."""
    scope = make_user(email)
    vehicle = vehicles.create_vehicle(
        scope,
        validate_vehicle_form(
            {
                "brand": "Peugeot",
                "model": "208",
                "version": "1.2 PureTech 82",
                "year": "2019",
                "mileage": "63890",
                "fuel_type": "essence",
                "gearbox": "manuelle",
                "license_plate": plate,
                "vin": vin,
                "first_registration_date": "15/03/2019",
                "purchase_date": "01/06/2021",
                "purchase_price": "11500",
                "fiscal_power": "4",
                "color": "Gris",
            },
            TODAY,
        ),
        TODAY - timedelta(days=60),
    )
    vehicles.record_mileage(scope, vehicle.id, 65000, TODAY)
    pdf = pdf_bytes(f"Facture garage {email}")
    photo = png_bytes(color)
    invoice = documents.add_upload(scope, vehicle.id, "facture garage.pdf", pdf)
    picture = documents.add_upload(scope, vehicle.id, "../photo compteur?.png", photo)
    now = datetime.now(UTC)
    with write_session() as session:
        user = session.get(User, scope.user_id)
        user.reminders_opt_in = opt_in
        user.last_login = now
        session.add(user)
        stored = session.get(Document, invoice.id)
        stored.document_type = "facture"
        stored.status = "processed"
        stored.extracted = {"total_ttc": 189.9, "garage": "Garage du Centre", "mileage": 64000}
        stored.processed_at = now
        session.add(stored)
        session.add(
            Expense(
                vehicle_id=vehicle.id,
                document_id=invoice.id,
                date=TODAY - timedelta(days=30),
                mileage=64000,
                category="vidange",
                amount=189.9,
                label="Vidange et filtres",
            )
        )
        session.add(
            MileageReading(
                vehicle_id=vehicle.id,
                document_id=invoice.id,
                date=TODAY - timedelta(days=30),
                km=64000,
                source="facture",
            )
        )
        session.add(
            ReminderSent(
                vehicle_id=vehicle.id, alert_type="controle_technique", due_date=TODAY + timedelta(days=20)
            )
        )
        session.add(
            UserSession(
                user_id=scope.user_id, session_hash=secrets.token_hex(32), expires_at=now + timedelta(days=30)
            )
        )
        session.add(
            LoginToken(
                email=email,
                token_hash=secrets.token_hex(32),
                client_hash=secrets.token_hex(32),
                expires_at=now + timedelta(minutes=15),
            )
        )
    analysis.analyze_vehicle(scope, vehicle.id, TODAY)
    return Owner(scope, email, vehicle.id, plate, vin, {invoice.id: pdf, picture.id: photo})


def populate() -> list[Owner]:
    return [
        populate_owner(
            "alice@example.fr", "AB-123-CD", "VF3ABCDEF12345678", (200, 30, 30), opt_in=True
        ),
        populate_owner("bob@example.fr", "EF-456-GH", "WVWZZZ1JZ3W386752", (30, 30, 200)),
    ]


def snapshot(*, skip: frozenset[str] = frozenset()) -> dict:
    """Every row of every table, and every document's decrypted bytes (and thumbnail)."""
    with read_session() as session:
        rows = {
            model.__tablename__: [
                {k: v for k, v in row.model_dump().items() if k not in skip}
                for row in session.exec(select(model).order_by(model.id)).all()
            ]
            for model in MODELS
            if model.__tablename__ not in skip
        }
        stored = [(d.id, d.stored_path) for d in session.exec(select(Document)).all()]
    files = {doc_id: storage.read_stored(path) for doc_id, path in stored}
    thumbs = {
        doc_id: storage.read_stored(path, thumbnail=True)
        for doc_id, path in stored
        if storage.has_thumbnail(path)
    }
    return {"rows": rows, "files": files, "thumbnails": thumbs}


# --- instances: a source and a target, each a DATA_DIR and a database --------------


@dataclass
class Instance:
    data_dir: Path
    database_url: str


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'autocoach.db'}"


def use(monkeypatch: pytest.MonkeyPatch, instance: Instance, *, migrate: bool = True) -> None:
    monkeypatch.setenv("DATA_DIR", str(instance.data_dir))
    monkeypatch.setenv("DATABASE_URL", instance.database_url)
    get_settings.cache_clear()
    if migrate:
        upgrade_to_head(get_settings().database_url, quiet=True)


@pytest.fixture
def second_postgres_database_url() -> Iterator[str]:
    """Another fresh PostgreSQL database (the conftest fixture gives one per test)."""
    from sqlalchemy import create_engine, text

    name = f"autocoach_test_{secrets.token_hex(6)}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def instances(request, app_settings, tmp_path, monkeypatch) -> tuple[Instance, Instance]:
    monkeypatch.delenv("STORAGE_KEY", raising=False)
    if request.param == "sqlite":
        urls = (sqlite_url(tmp_path / "source"), sqlite_url(tmp_path / "target"))
    else:
        urls = (
            request.getfixturevalue("postgres_database_url"),
            request.getfixturevalue("second_postgres_database_url"),
        )
    source = Instance(tmp_path / "source", urls[0])
    target = Instance(tmp_path / "target", urls[1])
    use(monkeypatch, source)
    return source, target


# --- round trips --------------------------------------------------------------------


def test_a_backup_restores_everything_identically(instances, monkeypatch, tmp_path):
    source, target = instances
    populate()
    before = snapshot()
    kind = "sqlite" if get_settings().is_sqlite else "postgresql"

    backups = tmp_path / "backups"
    backups.mkdir()
    keys = tmp_path / "keys"  # elsewhere than the archive (see tests/security)
    keys.mkdir()
    key_file = keys / "autocoach.key"
    archive = backup.create_backup(backups, key_file=key_file)
    assert archive.parent == backups and archive.name.endswith(".tar.gz")
    assert archive.stat().st_mode & 0o077 == 0  # owner only
    assert key_file.stat().st_mode & 0o777 == 0o600
    manifest = backup.verify_backup(archive)
    assert manifest["database_kind"] == kind
    assert manifest["file_count"] == 6  # 4 documents, 2 photo thumbnails
    assert manifest["storage_key"] == "separate"
    assert manifest["alembic_revision"]
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert names[0] == "manifest.json"
    assert "storage.key" not in names
    # The documents travel encrypted.
    plain = list(before["files"].values()) + list(before["thumbnails"].values())
    with tarfile.open(archive) as tar:
        for name in names:
            if name.startswith("documents/"):
                assert tar.extractfile(name).read() not in plain

    use(monkeypatch, target)
    report = backup.restore_backup(archive, key_file=key_file)
    counts = (report.users, report.vehicles, report.documents, report.files)
    assert (report.database_kind, counts) == (kind, (2, 2, 4, 6))
    assert report.key == "file"
    assert report.revision == manifest["alembic_revision"]
    assert snapshot() == before
    key = (source.data_dir / "storage.key").read_bytes()
    assert (target.data_dir / "storage.key").read_bytes() == key
    # The restored instance works: new uploads, new analyses.
    alice = vehicles.OwnerScope(before["rows"]["user"][0]["id"])
    vehicle_id = before["rows"]["vehicle"][0]["id"]
    added = documents.add_upload(alice, vehicle_id, "nouvelle.png", png_bytes((1, 2, 3)))
    assert storage.read_stored(added.stored_path) == png_bytes((1, 2, 3))
    vehicles.record_mileage(alice, vehicle_id, 70000, TODAY)
    assert not analysis.analyze_vehicle(alice, vehicle_id, TODAY).from_cache


def test_an_older_backup_is_migrated_after_restore(instances, monkeypatch, tmp_path):
    source, target = instances
    populate()
    # What later migrations added is not in the old backup (provenance rows, review state).
    later = frozenset({"reminder_sent", "reminders_opt_in", "vehicle_fact", "review_status", "review_reason"})
    head = snapshot(skip=later)
    # The source goes back to the first schema (no reminders yet), then is saved.
    command.downgrade(alembic_config(source.database_url, quiet=True), INITIAL_REVISION)
    archive = backup.create_backup(tmp_path / "old.tar.gz", include_key=True)
    assert backup.verify_backup(archive)["alembic_revision"] == INITIAL_REVISION

    # The target is at head (it has reminder_sent): the restore must still fit.
    use(monkeypatch, target)
    report = backup.restore_backup(archive)
    assert report.backup_revision == INITIAL_REVISION
    assert report.revision != INITIAL_REVISION and report.revision
    assert snapshot(skip=later) == head
    with read_session() as session:
        assert session.exec(select(ReminderSent)).all() == []
        assert {u.reminders_opt_in for u in session.exec(select(User)).all()} == {False}


# --- refusals -----------------------------------------------------------------------


@pytest.fixture
def sqlite_backup(app_settings, tmp_path, monkeypatch) -> tuple[Path, dict]:
    monkeypatch.delenv("STORAGE_KEY", raising=False)
    populate()
    return backup.create_backup(tmp_path / "backup.tar.gz"), snapshot()


def test_restoring_over_existing_accounts_is_refused_unless_forced(sqlite_backup, monkeypatch):
    archive, before = sqlite_backup
    alice = vehicles.OwnerScope(before["rows"]["user"][0]["id"])
    vehicles.delete_vehicle(alice, before["rows"]["vehicle"][0]["id"])
    with pytest.raises(backup.BackupError, match="contient déjà 2 compte"):
        backup.restore_backup(archive)
    assert len(snapshot()["rows"]["vehicle"]) == 1  # nothing touched

    report = backup.restore_backup(archive, force=True)
    assert report.users == 2
    assert snapshot() == before


def corrupt(archive: Path, out: Path, change) -> Path:
    """Rewrite the archive with one member changed, the manifest kept as it was."""
    with tarfile.open(archive) as source, tarfile.open(out, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            data = change(member.name, data)
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    return out


def test_a_damaged_archive_is_refused_before_anything_changes(sqlite_backup, tmp_path, monkeypatch):
    archive, _ = sqlite_backup
    target = Instance(tmp_path / "target", sqlite_url(tmp_path / "target"))
    use(monkeypatch, target)

    def flip_a_document(name: str, data: bytes) -> bytes:
        return data[:-1] + bytes([data[-1] ^ 1]) if name.startswith("documents/") else data

    damaged = corrupt(archive, tmp_path / "damaged.tar.gz", flip_a_document)
    with pytest.raises(backup.BackupError, match="Somme de contrôle incorrecte pour documents/"):
        backup.restore_backup(damaged)

    def flip_the_database(name: str, data: bytes) -> bytes:
        if name.startswith("database/"):
            return data.replace(b"alice@example.fr", b"alice@example.fx")
        return data

    with pytest.raises(backup.BackupError, match="Somme de contrôle incorrecte pour database/"):
        backup.restore_backup(corrupt(archive, tmp_path / "db.tar.gz", flip_the_database))

    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(backup.BackupError, match="illisible ou tronquée"):
        backup.restore_backup(truncated)

    with tarfile.open(tmp_path / "evil.tar", "w") as tar:
        info = tarfile.TarInfo("../evil")
        info.size = 6
        tar.addfile(info, io.BytesIO(b"intrus"))
    with pytest.raises(backup.BackupError, match="élément inattendu"):
        backup.restore_backup(tmp_path / "evil.tar")

    with pytest.raises(backup.BackupError, match="introuvable"):
        backup.restore_backup(tmp_path / "missing.tar.gz")

    # Nothing was written into the target.
    with read_session() as session:
        assert session.exec(select(User)).all() == []
    assert not (target.data_dir / "documents").exists()
    assert not (target.data_dir / "storage.key").exists()


def test_a_wrong_storage_key_is_refused(sqlite_backup, tmp_path, monkeypatch):
    archive, _ = sqlite_backup
    use(monkeypatch, Instance(tmp_path / "target", sqlite_url(tmp_path / "target")))
    monkeypatch.setenv("STORAGE_KEY", Fernet.generate_key().decode())
    get_settings.cache_clear()
    with pytest.raises(backup.BackupError, match="n'est pas celle de la sauvegarde"):
        backup.restore_backup(archive)
    with read_session() as session:
        assert session.exec(select(User)).all() == []


def test_a_sqlite_backup_does_not_go_into_postgresql(
    sqlite_backup, tmp_path, monkeypatch, postgres_database_url
):
    archive, _ = sqlite_backup
    use(monkeypatch, Instance(tmp_path / "target", postgres_database_url))
    refusal = "vient d'une base SQLite et la base configurée est PostgreSQL"
    with pytest.raises(backup.BackupError, match=refusal):
        backup.restore_backup(archive)


def test_the_destination_is_never_overwritten(sqlite_backup):
    archive, _ = sqlite_backup
    with pytest.raises(backup.BackupError, match="existe déjà"):
        backup.create_backup(archive)
    with pytest.raises(backup.BackupError, match="n'existe pas"):
        backup.create_backup(archive.parent / "nowhere" / "x.tar.gz")


# --- PostgreSQL tools ---------------------------------------------------------------


def test_libpq_uri_keeps_the_password_apart():
    uri, password = backup.libpq_connection(
        "postgresql+psycopg://app%40prod:p%2Fw%20d@db.example:6543/auto%20coach?sslmode=require"
    )
    assert uri == "postgresql://app%40prod@db.example:6543/auto%20coach?sslmode=require"
    assert password == "p/w d"
    assert backup.libpq_connection("postgresql+psycopg://postgres@127.0.0.1:5432/test") == (
        "postgresql://postgres@127.0.0.1:5432/test",
        None,
    )


def test_missing_pg_dump_and_unreachable_server_are_clear(app_settings, tmp_path, monkeypatch):
    unreachable = "postgresql://autocoach:s3cret-pw@127.0.0.1:1/autocoach"
    use(monkeypatch, Instance(tmp_path / "pg", unreachable), migrate=False)
    calls: list[tuple[list[str], dict]] = []
    real_run = subprocess.run

    def recording_run(args, **kwargs):
        calls.append((list(args), kwargs.get("env") or {}))
        return real_run(args, **kwargs)

    monkeypatch.setattr(backup.subprocess, "run", recording_run)
    # Straight to pg_dump: the revision lookup through SQLAlchemy would fail first.
    monkeypatch.setattr(backup, "_alembic_revision_live", lambda: None)
    with pytest.raises(backup.BackupError, match="Impossible de joindre la base PostgreSQL"):
        backup.create_backup(tmp_path)
    (args, env), = calls
    assert not any("s3cret" in arg for arg in args)
    assert env["PGPASSWORD"] == "s3cret-pw"
    assert not list(tmp_path.glob("*.tar.gz")) and not list(tmp_path.glob(".*partial"))

    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(backup.BackupError, match="pg_dump est introuvable"):
        backup.create_backup(tmp_path)


def test_backup_of_an_unreachable_database_is_clear(app_settings, tmp_path, monkeypatch):
    unreachable = "postgresql://postgres@127.0.0.1:1/autocoach"
    use(monkeypatch, Instance(tmp_path / "pg", unreachable), migrate=False)
    with pytest.raises(backup.BackupError, match="Impossible de lire la base de données"):
        backup.create_backup(tmp_path)


def test_manifest_lists_every_member_with_its_checksum(sqlite_backup):
    archive, _ = sqlite_backup
    import hashlib

    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        for name, entry in manifest["members"].items():
            data = tar.extractfile(name).read()
            assert entry == {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        assert set(manifest["members"]) | {"manifest.json"} == set(tar.getnames())
    assert manifest["format"] == "autocoach-backup" and manifest["format_version"] == 1
    datetime.fromisoformat(manifest["created_at"])
