"""RGPD: an owner's export holds all of theirs and nothing of anyone else;
deleting an account leaves no row and no file of it."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlmodel import col, func, select

from autocoach.db import read_session
from autocoach.settings import get_settings
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
)
from autocoach.services import account, mail, storage
from autocoach.services.vehicles import NotFound
from tests.test_backup import Owner, populate, snapshot


@pytest.fixture
def owners(app_settings, monkeypatch) -> tuple[Owner, Owner]:
    monkeypatch.delenv("STORAGE_KEY", raising=False)
    alice, bob = populate()
    return alice, bob


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def stored_paths(owner: Owner) -> list[str]:
    with read_session() as session:
        query = select(Document.stored_path).where(Document.vehicle_id == owner.vehicle_id)
        return list(session.exec(query).all())


def test_the_export_holds_all_of_the_owner_and_nothing_of_anyone_else(owners):
    alice, bob = owners
    members = unzip(account.export_user_data(alice.scope.user_id))

    assert set(members) == {"donnees.json", "LISEZMOI.txt"} | {
        name for name in members if name.startswith("documents/")
    }
    data = json.loads(members["donnees.json"])
    assert data["account"]["email"] == alice.email
    assert data["account"]["reminders_opt_in"] is True
    assert data["account"]["created_at"] and data["account"]["last_login"]
    (vehicle,) = data["vehicles"]
    assert vehicle["id"] == alice.vehicle_id
    assert (vehicle["license_plate"], vehicle["vin"]) == (alice.plate, alice.vin)
    assert vehicle["purchase_price"] == 11500 and vehicle["first_registration_date"] == "2019-03-15"
    assert sorted(r["km"] for r in vehicle["mileage_readings"]) == [63890, 64000, 65000]
    assert [(e["amount"], e["category"]) for e in vehicle["expenses"]] == [(189.9, "vidange")]
    assert [r["alert_type"] for r in vehicle["reminders_sent"]] == ["controle_technique"]
    (result,) = vehicle["analyses"]
    assert result["reliability_score"] is not None and result["result"]

    # Every document: its metadata, its extracted fields, its decrypted file.
    by_id = {d["id"]: d for d in vehicle["documents"]}
    assert set(by_id) == set(alice.files)
    for doc_id, original in alice.files.items():
        document = by_id[doc_id]
        assert document["file"].startswith(f"documents/{doc_id}-")
        assert members[document["file"]] == original
        assert "stored_path" not in document
    invoice = next(d for d in vehicle["documents"] if d["document_type"] == "facture")
    assert invoice["extracted"]["garage"] == "Garage du Centre"
    assert invoice["file"] == f"documents/{invoice['id']}-facture garage.pdf"
    photo = next(d for d in vehicle["documents"] if d["mime_type"] == "image/png")
    assert photo["file"] == f"documents/{photo['id']}-photo compteur_.png"  # no path, no "?"
    assert len([n for n in members if n.startswith("documents/")]) == len(alice.files)

    # Secrets are not exported, and the reader is told so.
    readme = members["LISEZMOI.txt"].decode()
    assert "sessions" in readme and "liens de connexion" in readme
    with read_session() as session:
        secrets = [s.session_hash for s in session.exec(select(UserSession)).all()]
        secrets += [t.token_hash for t in session.exec(select(LoginToken)).all()]

    # Nothing of Bob (nor any secret), in any member.
    needles = [bob.email, bob.plate, bob.vin, *secrets]
    for name, content in members.items():
        text = content.decode("utf-8", errors="replace")
        for needle in needles:
            assert needle not in text, (needle, name)
        for other in bob.files.values():
            assert other not in content, name


def test_export_of_an_unknown_account_is_refused(app_settings):
    with pytest.raises(NotFound, match="Ce compte est introuvable"):
        account.export_user_data(424242)
    with pytest.raises(NotFound, match="Ce compte est introuvable"):
        account.delete_account(424242)


def test_a_lost_file_does_not_withhold_the_rest_of_the_export(owners):
    alice, _ = owners
    lost = stored_paths(alice)[0]
    storage.stored_file(lost).unlink()
    members = unzip(account.export_user_data(alice.scope.user_id))
    documents = json.loads(members["donnees.json"])["vehicles"][0]["documents"]
    assert sorted(d["file"] is None for d in documents) == [False, True]
    assert len([n for n in members if n.startswith("documents/")]) == 1


def rows_of(user_id: int, email: str, vehicle_ids: list[int]) -> dict[str, int]:
    """How many rows each table still holds for this owner."""
    with read_session() as session:
        def count(model, condition) -> int:
            return session.exec(select(func.count()).select_from(model).where(condition)).one()

        counts = {
            "user": count(User, col(User.id) == user_id),
            "user_email": count(User, col(User.email) == email),
            "user_session": count(UserSession, col(UserSession.user_id) == user_id),
            "login_token": count(LoginToken, col(LoginToken.email) == email),
            "vehicle": count(Vehicle, col(Vehicle.user_id) == user_id),
        }
        for model in (Document, Expense, MileageReading, Analysis, ReminderSent):
            counts[model.__tablename__] = count(model, col(model.vehicle_id).in_(vehicle_ids))
        return counts


def is_alices(alice: Owner, table: str, row: dict) -> bool:
    if table == "user":
        return row["id"] == alice.scope.user_id
    if table in ("user_session", "vehicle"):
        return row["user_id"] == alice.scope.user_id
    if table == "login_token":
        return row["email"] == alice.email
    return row["vehicle_id"] == alice.vehicle_id


def test_deleting_an_account_leaves_no_row_and_no_file_of_it(owners):
    alice, bob = owners
    alice_files = stored_paths(alice)
    bob_files = stored_paths(bob)
    alice_rows = rows_of(alice.scope.user_id, alice.email, [alice.vehicle_id])
    assert all(count > 0 for count in alice_rows.values())
    bob_rows_before = rows_of(bob.scope.user_id, bob.email, [bob.vehicle_id])
    before = snapshot()

    account.delete_account(alice.scope.user_id)

    assert rows_of(alice.scope.user_id, alice.email, [alice.vehicle_id]) == dict.fromkeys(alice_rows, 0)
    for path in alice_files:
        file = storage.stored_file(path)
        assert not file.exists()
        assert not file.with_name(file.name + storage.THUMBNAIL_SUFFIX).exists()
    # No trace of Alice's content anywhere in the document store.
    remaining = [p for p in storage.documents_root().rglob("*") if p.is_file()]
    remaining_names = {p.name.removesuffix(storage.THUMBNAIL_SUFFIX) for p in remaining}
    assert remaining_names == {p.split("/")[-1] for p in bob_files}

    # Bob is untouched: same rows, same files.
    assert rows_of(bob.scope.user_id, bob.email, [bob.vehicle_id]) == bob_rows_before
    after = snapshot()
    for table, rows in before["rows"].items():
        assert after["rows"][table] == [r for r in rows if not is_alices(alice, table, r)], table
    assert {k: v for k, v in before["files"].items() if k not in alice.files} == after["files"]
    assert after["files"] == bob.files
    assert account.export_user_data(bob.scope.user_id)


def test_deleting_an_account_removes_its_mail_from_the_outbox(owners, app_settings):
    """With no SMTP server, login links are .eml files: they go with the account."""
    alice, bob = owners
    for address, subject in ((alice.email, "Lien A"), (alice.email.upper(), "Lien A2"), (bob.email, "Lien B")):
        mail.send_mail(mail.OutgoingMail(to=address, subject=subject, text="Votre lien", html="<p>Votre lien</p>"))
    outbox = get_settings().mail_outbox_dir
    assert len(list(outbox.glob("*.eml"))) == 3

    account.delete_account(alice.scope.user_id)

    left = [path.read_bytes() for path in outbox.glob("*.eml")]
    assert len(left) == 1
    assert bob.email.encode() in left[0]
    assert alice.email.encode() not in left[0]


def test_the_export_route_streams_the_zip_of_the_logged_in_owner_only(owners, app_settings, monkeypatch):
    """Through the HTTP route, spilled to a temporary file (tiny spool size):
    the same complete zip, and only with a valid session."""
    from starlette.testclient import TestClient

    from autocoach import web
    from autocoach.services import auth
    from tests.test_auth import _outbox_links, _token_of

    alice, bob = owners
    monkeypatch.setattr(web, "EXPORT_SPOOL_BYTES", 1024)
    monkeypatch.setattr(web, "EXPORT_CHUNK_BYTES", 4096)
    auth.request_login_link(alice.email, "client")
    session_token = auth.consume_login_token(_token_of(_outbox_links(app_settings)[-1])).session_token

    client = TestClient(web.private_routes(), cookies={web.SESSION_COOKIE: session_token})
    response = client.get("/files/account/export.zip")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert int(response.headers["content-length"]) == len(response.content) > 4096
    members = unzip(response.content)
    assert members.keys() == unzip(account.export_user_data(alice.scope.user_id)).keys()
    exported = {content for name, content in members.items() if name.startswith("documents/")}
    assert exported == set(alice.files.values())
    assert bob.email.encode() not in members["donnees.json"]

    stranger = TestClient(web.private_routes(), cookies={web.SESSION_COOKIE: "pas-une-session"})
    refused = stranger.get("/files/account/export.zip")
    assert refused.status_code == 404
    assert "Connectez-vous" in refused.text
