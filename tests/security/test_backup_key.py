"""Issue 16, item 5: the backup archive held storage.key beside the encrypted
documents, so the archive alone decrypted everything. Now the key stays out
of it by default; a restore needs the archive and the key."""

from __future__ import annotations

import tarfile

import pytest
from cryptography.fernet import Fernet
from sqlmodel import select

from autocoach.__main__ import main
from autocoach.db import read_session
from autocoach.models import User
from autocoach.services import backup, storage
from tests.test_backup import Instance, populate, snapshot, sqlite_url, use


@pytest.fixture
def saved(app_settings, tmp_path, monkeypatch):
    monkeypatch.delenv("STORAGE_KEY", raising=False)
    source = Instance(tmp_path / "source", sqlite_url(tmp_path / "source"))
    use(monkeypatch, source)
    populate()
    (tmp_path / "backups").mkdir()
    (tmp_path / "keys").mkdir()
    archive = backup.create_backup(tmp_path / "backups" / "a.tar.gz", key_file=tmp_path / "keys" / "a.key")
    return archive, tmp_path / "keys" / "a.key", snapshot()


def test_the_archive_alone_holds_no_key_and_restores_nothing(saved, tmp_path, monkeypatch):
    archive, _, _ = saved
    key = storage.key_path().read_bytes().strip()
    with tarfile.open(archive) as tar:
        assert "storage.key" not in tar.getnames()
        for member in tar.getmembers():
            assert key not in tar.extractfile(member).read()
    # The thief's machine: the archive, no key.
    use(monkeypatch, Instance(tmp_path / "elsewhere", sqlite_url(tmp_path / "elsewhere")))
    with pytest.raises(backup.BackupError, match="--key-file"):
        backup.restore_backup(archive)
    with read_session() as session:
        assert session.exec(select(User)).all() == []
    assert not (tmp_path / "elsewhere" / "documents").exists()


def test_the_archive_and_its_key_restore_everything(saved, tmp_path, monkeypatch):
    archive, key_file, before = saved
    use(monkeypatch, Instance(tmp_path / "target", sqlite_url(tmp_path / "target")))
    report = backup.restore_backup(archive, key_file=key_file)
    assert report.key == "file"
    assert snapshot() == before


def test_another_key_is_refused_before_anything_changes(saved, tmp_path, monkeypatch):
    archive, _, _ = saved
    wrong = tmp_path / "keys" / "wrong.key"
    wrong.write_bytes(Fernet.generate_key())
    use(monkeypatch, Instance(tmp_path / "target", sqlite_url(tmp_path / "target")))
    with pytest.raises(backup.BackupError, match="n'est pas celle de la sauvegarde"):
        backup.restore_backup(archive, key_file=wrong)
    with read_session() as session:
        assert session.exec(select(User)).all() == []


def test_the_commands_keep_the_key_apart(app_settings, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("STORAGE_KEY", raising=False)
    use(monkeypatch, Instance(tmp_path / "source", sqlite_url(tmp_path / "source")))
    populate()
    before = snapshot()
    (tmp_path / "usb").mkdir()
    archive, key_file = tmp_path / "b.tar.gz", tmp_path / "usb" / "autocoach.key"
    assert main(["backup", str(archive), "--key-file", str(key_file)]) == 0
    assert "gardez-la ailleurs" in capsys.readouterr().out
    use(monkeypatch, Instance(tmp_path / "target", sqlite_url(tmp_path / "target")))
    assert main(["restore", str(archive)]) == 2
    assert "--key-file" in capsys.readouterr().err
    assert main(["restore", str(archive), "--key-file", str(key_file)]) == 0
    assert snapshot() == before
