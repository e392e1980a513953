"""Whole-instance backup and restore: database, stored documents, encryption key.

Archive format (one `.tar.gz` file, mode 0600):

    manifest.json                 format, created_at, database kind, alembic revision,
                                  file count, sha256 and size of every other member
    database/autocoach.sqlite3    SQLite: an online copy (sqlite3 backup API)
    database/autocoach.pgdump     PostgreSQL: `pg_dump --format=custom`
    documents/<xx>/<name>[.thumb] the stored files, still encrypted, as in DATA_DIR/documents
    storage.key                   only with `include_key=True` (`--include-key`)

The document key stays OUT of the archive by default: the archive alone
decrypts nothing, so a stolen or misplaced backup leaks no document. Keep the
key elsewhere (`key_file=` / `--key-file` writes a copy of it, or STORAGE_KEY
lives in the deployment's secrets); restore needs both the archive and the key
(`key_file=` / `--key-file`, or STORAGE_KEY). The manifest keeps the key's
SHA-256 fingerprint, so a wrong key is refused before anything changes.

`create_backup` is safe while the app runs (SQLite's backup API reads a
consistent snapshot, WAL included; pg_dump runs in one snapshot). Files that
appear after the database was copied are orphans at worst, never missing.

`restore_backup` writes into the *currently configured* database and DATA_DIR,
which must hold no account yet (or `force=True`). With SQLite the app must be
stopped: the database file is replaced as a whole. PostgreSQL is restored with
`pg_restore` in one transaction. The backup's migrations are then brought to
head, so an older backup comes up to date. A backup restores into the same
kind of database only (SQLite into SQLite, PostgreSQL into PostgreSQL).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote, urlencode

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import func, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, SQLModel, select

import autocoach.models  # noqa: F401  (registers every table on the metadata)
from autocoach.db import get_engine, utcnow
from autocoach.models import Document, User, Vehicle
from autocoach.services import storage
from autocoach.services.migrations import upgrade_to_head
from autocoach.domain.wording import count
from autocoach.settings import get_settings

log = logging.getLogger(__name__)

FORMAT_NAME = "autocoach-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/autocoach.sqlite3"
PGDUMP_MEMBER = "database/autocoach.pgdump"
KEY_MEMBER = "storage.key"
DOCUMENTS_PREFIX = "documents/"
ARCHIVE_SUFFIX = ".tar.gz"
# A stored path segment: what storage.store_upload writes (hex names, ".thumb").
_SAFE_SEGMENT = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,200}$")
_CHUNK = 1024 * 1024
# pg_dump/pg_restore messages that mean "no server there" (libpq, English).
_UNREACHABLE_HINTS = ("connection to server", "could not connect", "could not translate")
# libpq waits forever on an unreachable host otherwise.
PG_CONNECT_TIMEOUT_S = "10"


class BackupError(Exception):
    """Backup or restore cannot go on; str(exc) is one French sentence for the operator."""


@dataclass(frozen=True)
class RestoreReport:
    database_kind: str
    backup_created_at: str
    backup_revision: str | None
    # The schema revision once migrations ran after the restore.
    revision: str | None
    users: int
    vehicles: int
    documents: int
    files: int
    # "file": storage.key written or kept; "environment": STORAGE_KEY is used; "none": no key needed.
    key: str


# --- helpers ----------------------------------------------------------------------


def _database_kind() -> str:
    return "sqlite" if get_settings().is_sqlite else "postgresql"


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def libpq_connection(database_url: str) -> tuple[str, str | None]:
    """A SQLAlchemy PostgreSQL URL as a libpq URI *without* its password, and the password.

    The password goes to pg_dump/pg_restore through PGPASSWORD: a command
    line is visible to every user of the machine (`ps`).
    """
    url = make_url(database_url)
    if not url.drivername.startswith("postgresql"):
        raise BackupError("Cette adresse n'est pas celle d'une base PostgreSQL.")
    netloc = ""
    if url.username:
        netloc = quote(url.username, safe="") + "@"
    host = url.host or ""
    netloc += f"[{host}]" if ":" in host else quote(host, safe="")
    if url.port:
        netloc += f":{url.port}"
    uri = f"postgresql://{netloc}/{quote(url.database or '', safe='')}"
    # Driver options (sslmode, host=/socket/dir...) are libpq's own parameters.
    query = [
        (key, value)
        for key, values in url.query.items()
        for value in ((values,) if isinstance(values, str) else values)
    ]
    if query:
        uri += "?" + urlencode(query)
    return uri, url.password


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} est introuvable : installez le client PostgreSQL "
            "(paquet postgresql-client, de la même version majeure que le serveur)."
        )
    return path


def _run_pg_tool(name: str, args: list[str], database_url: str) -> None:
    uri, password = libpq_connection(database_url)
    env = dict(os.environ)
    env.setdefault("PGCONNECT_TIMEOUT", PG_CONNECT_TIMEOUT_S)
    if password:
        env["PGPASSWORD"] = password
    # --no-password: fail rather than wait for someone to type one (cron, CI).
    command = [_pg_tool(name), "--no-password", f"--dbname={uri}", *args]
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise BackupError(f"Impossible de lancer {name} : {exc.strerror}.") from exc
    if done.returncode == 0:
        return
    lines = done.stderr.strip().splitlines()[-3:]
    detail = " ".join(line.strip() for line in lines) or "erreur inconnue"
    lowered = detail.lower()
    if "version mismatch" in lowered:
        raise BackupError(
            f"{name} est plus ancien que le serveur PostgreSQL : installez un client de même "
            f"version majeure ({detail})."
        )
    if any(hint in lowered for hint in _UNREACHABLE_HINTS):
        raise BackupError(f"Impossible de joindre la base PostgreSQL : {detail}")
    raise BackupError(f"{name} a échoué : {detail}")


def _alembic_revision_sqlite(path: Path) -> str | None:
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute(
            "SELECT version_num FROM alembic_version ORDER BY version_num"
        ).fetchall()
    except sqlite3.Error:
        return None
    finally:
        connection.close()
    return ",".join(row[0] for row in rows) or None


def _alembic_revision_live() -> str | None:
    try:
        with get_engine().connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            rows = connection.execute(
                text("SELECT version_num FROM alembic_version ORDER BY version_num")
            ).all()
    except SQLAlchemyError as exc:
        raise BackupError(f"Impossible de lire la base de données : {_short(exc)}") from exc
    return ",".join(row[0] for row in rows) or None


def _short(exc: BaseException) -> str:
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]


# --- create -----------------------------------------------------------------------


def _dump_sqlite(out: Path) -> None:
    path = get_settings().sqlite_path
    assert path is not None
    if not path.exists():
        raise BackupError(f"La base SQLite {path} est introuvable : rien à sauvegarder.")
    try:
        # mode=rw: never create an empty database by mistake; the backup API
        # reads a consistent snapshot through SQLite itself, WAL included.
        source = sqlite3.connect(f"{path.as_uri()}?mode=rw", uri=True, timeout=30)
        try:
            target = sqlite3.connect(out)
            try:
                source.backup(target)
                # One self-contained file: no -wal beside it in the archive.
                target.execute("PRAGMA journal_mode=DELETE")
                target.commit()
            finally:
                target.close()
        finally:
            source.close()
    except sqlite3.Error as exc:
        raise BackupError(f"La copie de la base SQLite a échoué : {exc}.") from exc


def _archive_path(dest: Path) -> Path:
    """A directory gets a timestamped archive inside; anything else is the archive's path."""
    dest = dest.expanduser()
    if dest.is_dir():
        stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
        path = dest / f"autocoach-{stamp}{ARCHIVE_SUFFIX}"
        counter = 2
        while path.exists():
            path = dest / f"autocoach-{stamp}-{counter}{ARCHIVE_SUFFIX}"
            counter += 1
        return path
    if dest.exists():
        raise BackupError(f"Le fichier {dest} existe déjà : choisissez un autre nom.")
    if not dest.parent.is_dir():
        raise BackupError(f"Le dossier {dest.parent} n'existe pas.")
    return dest


def _add_member(archive: tarfile.TarFile, name: str, path: Path) -> None:
    info = tarfile.TarInfo(name)
    info.size = path.stat().st_size
    info.mode = 0o600
    info.mtime = int(path.stat().st_mtime)
    with path.open("rb") as handle:
        archive.addfile(info, handle)


def key_fingerprint(key: bytes) -> str:
    """Names a key without revealing it (SHA-256 of a random 256-bit key)."""
    return hashlib.sha256(key.strip()).hexdigest()


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def create_backup(dest: Path, *, key_file: Path | None = None, include_key: bool = False) -> Path:
    """Write one archive of the database and the stored (encrypted) documents; return its path.

    `dest` is a directory (the archive is named `autocoach-<UTC time>.tar.gz`
    inside it) or the path of the archive to write (never overwritten).
    The document key is not in the archive unless `include_key`; `key_file`
    (a new file, mode 0600) receives a copy of it, to keep somewhere else.
    """
    settings = get_settings()
    archive_path = _archive_path(Path(dest))
    if key_file is not None:
        key_file = Path(key_file).expanduser()
        if key_file.exists():
            raise BackupError(f"Le fichier {key_file} existe déjà : choisissez un autre nom pour la clé.")
        if not key_file.parent.is_dir():
            raise BackupError(f"Le dossier {key_file.parent} n'existe pas.")
        if key_file.resolve().parent == archive_path.resolve().parent:
            log.warning("The key file is written next to the archive: store them apart")
    kind = _database_kind()
    with tempfile.TemporaryDirectory(prefix=".autocoach-backup-", dir=archive_path.parent) as work:
        staging = Path(work)
        members: list[tuple[str, Path]] = []

        # 1. The database first: files stored later are orphans, never missing.
        if kind == "sqlite":
            db_file = staging / "db.sqlite3"
            _dump_sqlite(db_file)
            revision = _alembic_revision_sqlite(db_file)
            members.append((SQLITE_MEMBER, db_file))
        else:
            revision = _alembic_revision_live()
            db_file = staging / "db.pgdump"
            _run_pg_tool("pg_dump", ["--format=custom", f"--file={db_file}"], settings.database_url)
            members.append((PGDUMP_MEMBER, db_file))

        # 2. The stored files, encrypted as they are. Copied so the hash in the
        # manifest is the hash of what goes in the archive, even if a file is
        # deleted meanwhile.
        root = storage.documents_root()
        file_count = 0
        if root.is_dir():
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                relative = path.relative_to(root).as_posix()
                copy = staging / "documents" / relative
                copy.parent.mkdir(parents=True, exist_ok=True)
                try:
                    shutil.copyfile(path, copy)
                except FileNotFoundError:
                    continue  # deleted while we were copying: its row is gone too
                members.append((DOCUMENTS_PREFIX + relative, copy))
                file_count += 1

        # 3. The key, without which the files are noise: kept apart by default.
        key = None
        if settings.storage_key:
            key_source, key = "environment", settings.storage_key.encode()
        elif storage.key_path().is_file():
            key = storage.key_path().read_bytes().strip()
            key_source = "file" if include_key else "separate"
            if include_key:
                members.append((KEY_MEMBER, storage.key_path()))
        else:
            key_source = "none"
        if key_file is not None:
            if key is None:
                raise BackupError("Il n'y a pas encore de clé de chiffrement à sauvegarder.")
            try:
                _write_private(key_file, key)
            except OSError as exc:
                raise BackupError(
                    f"Impossible d'écrire la clé dans {key_file} : {exc.strerror or exc}."
                ) from exc

        manifest = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "created_at": utcnow().isoformat(),
            "database_kind": kind,
            "alembic_revision": revision,
            "file_count": file_count,
            "storage_key": key_source,
            "storage_key_sha256": key_fingerprint(key) if key else None,
            "members": {
                name: {"sha256": _sha256_file(path), "size": path.stat().st_size}
                for name, path in members
            },
        }
        partial = archive_path.with_name(f".{archive_path.name}.partial")
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as raw:
                with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as archive:
                    payload = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
                    info = tarfile.TarInfo(MANIFEST)
                    info.size = len(payload)
                    info.mode = 0o600
                    info.mtime = int(utcnow().timestamp())
                    archive.addfile(info, io.BytesIO(payload))
                    for name, path in members:
                        _add_member(archive, name, path)
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, archive_path)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise BackupError(
                f"Impossible d'écrire la sauvegarde {archive_path} : {exc.strerror or exc}."
            ) from exc
    log.info("Backup written to %s (%s, %d files)", archive_path, kind, file_count)
    return archive_path


# --- verify -----------------------------------------------------------------------


def _check_member_name(name: str) -> None:
    if name in (MANIFEST, SQLITE_MEMBER, PGDUMP_MEMBER, KEY_MEMBER):
        return
    parts = PurePosixPath(name).parts
    if (
        len(parts) >= 2
        and parts[0] == "documents"
        and not name.startswith("/")
        and all(_SAFE_SEGMENT.match(part) for part in parts[1:])
    ):
        return
    raise BackupError(
        f"L'archive contient un élément inattendu ({name!r}) : "
        "ce n'est pas une sauvegarde AutoCoach."
    )


def _unpack(src: Path, staging: Path) -> dict:
    """Extract the archive into `staging`, check it against its manifest, return the manifest."""
    if not src.is_file():
        raise BackupError(f"La sauvegarde {src} est introuvable.")
    digests: dict[str, tuple[str, int]] = {}
    try:
        with tarfile.open(src, mode="r:*") as archive:
            for member in archive:
                _check_member_name(member.name)
                if not member.isfile():
                    raise BackupError(
                        f"L'archive contient un élément qui n'est pas un fichier ({member.name!r})."
                    )
                if member.name in digests:
                    raise BackupError(f"L'archive contient deux fois {member.name!r}.")
                target = staging / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                source = archive.extractfile(member)
                assert source is not None
                with target.open("wb") as out:
                    while chunk := source.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                digests[member.name] = (digest.hexdigest(), member.size)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise BackupError(f"L'archive {src.name} est illisible ou tronquée : {exc}.") from exc

    if MANIFEST not in digests:
        raise BackupError(
            "L'archive n'a pas de manifest.json : ce n'est pas une sauvegarde AutoCoach."
        )
    try:
        manifest = json.loads((staging / MANIFEST).read_text(encoding="utf-8"))
        declared = manifest["members"]
        kind = manifest["database_kind"]
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError("Le manifest.json de l'archive est illisible.") from exc
    if manifest.get("format") != FORMAT_NAME:
        raise BackupError("Ce fichier n'est pas une sauvegarde AutoCoach.")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise BackupError(
            "Cette sauvegarde vient d'une version plus récente d'AutoCoach : "
            "mettez l'application à jour."
        )
    if kind not in ("sqlite", "postgresql"):
        raise BackupError(f"Type de base inconnu dans la sauvegarde : {kind!r}.")
    found = set(digests) - {MANIFEST}
    if found != set(declared):
        missing = ", ".join(sorted(set(declared) - found)) or "aucun"
        extra = ", ".join(sorted(found - set(declared))) or "aucun"
        raise BackupError(
            "L'archive ne correspond pas à son manifest "
            f"(manquants : {missing} ; en trop : {extra})."
        )
    for name, entry in declared.items():
        if digests[name] != (entry.get("sha256"), entry.get("size")):
            raise BackupError(
                f"Somme de contrôle incorrecte pour {name} : l'archive est endommagée, "
                "restauration refusée."
            )
    database_member = SQLITE_MEMBER if kind == "sqlite" else PGDUMP_MEMBER
    if database_member not in declared:
        raise BackupError("L'archive ne contient pas la base de données.")
    return manifest


def verify_backup(src: Path) -> dict:
    """Check an archive against its manifest without restoring anything; return the manifest."""
    src = Path(src)
    work_dir = src.parent if src.parent.is_dir() else None
    with tempfile.TemporaryDirectory(prefix=".autocoach-verify-", dir=work_dir) as work:
        return _unpack(src, Path(work))


# --- restore ----------------------------------------------------------------------


def _count_users() -> int:
    """Accounts in the configured database (0 when it has no schema yet)."""
    settings = get_settings()
    if settings.is_sqlite and not settings.sqlite_path.exists():
        return 0
    try:
        engine = get_engine()
        with engine.connect() as connection:
            if not inspect(connection).has_table(User.__tablename__):
                return 0
        with Session(engine) as session:
            return int(session.exec(select(func.count()).select_from(User)).one())
    except SQLAlchemyError as exc:
        raise BackupError(
            f"Impossible de joindre la base de données cible : {_short(exc)}"
        ) from exc


def _read_key_file(key_file: Path) -> bytes:
    try:
        return Path(key_file).expanduser().read_bytes().strip()
    except OSError as exc:
        raise BackupError(f"Impossible de lire la clé {key_file} : {exc.strerror or exc}.") from exc


def _incoming_key(staging: Path, key_file: Path | None) -> bytes | None:
    """The key the restored documents will be read with: STORAGE_KEY, the key
    file given, one inside the archive (--include-key), or the one in place."""
    settings = get_settings()
    if settings.storage_key:
        return settings.storage_key.encode()
    if key_file is not None:
        return _read_key_file(key_file)
    if (staging / KEY_MEMBER).is_file():
        return (staging / KEY_MEMBER).read_bytes().strip()
    if storage.key_path().is_file():
        return storage.key_path().read_bytes().strip()
    return None


def _check_key(staging: Path, manifest: dict, key_file: Path | None) -> None:
    """Refuse before touching anything if the documents would be unreadable after restore."""
    documents = sorted(
        name
        for name in manifest["members"]
        if name.startswith(DOCUMENTS_PREFIX) and not name.endswith(storage.THUMBNAIL_SUFFIX)
    )
    key = _incoming_key(staging, key_file)
    expected = manifest.get("storage_key_sha256")
    if not documents and (key is None or expected is None):
        return
    if key is None:
        raise BackupError(
            "La clé de chiffrement des documents n'est pas dans la sauvegarde (elle est gardée à "
            "part) : indiquez son fichier avec --key-file, ou définissez STORAGE_KEY."
        )
    if expected is not None and key_fingerprint(key) != expected:
        raise BackupError(
            "Cette clé n'est pas celle de la sauvegarde : indiquez le fichier de clé écrit avec "
            "elle (--key-file), ou la valeur de STORAGE_KEY de l'époque."
        )
    if not documents:
        return
    try:
        Fernet(key).decrypt((staging / documents[0]).read_bytes())
    except (InvalidToken, ValueError) as exc:
        raise BackupError(
            "La clé de chiffrement configurée ne déchiffre pas les documents de la sauvegarde : "
            "vérifiez STORAGE_KEY ou le fichier de clé indiqué."
        ) from exc


def _restore_sqlite(staged: Path) -> None:
    """Replace the database file. The app must be stopped: open connections of
    other processes would keep reading the old file."""
    path = get_settings().sqlite_path
    assert path is not None
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = get_engine()
    engine.dispose()
    incoming = path.with_name(path.name + ".restoring")
    try:
        shutil.copyfile(staged, incoming)
        with incoming.open("rb") as handle:
            os.fsync(handle.fileno())
        # A stale -wal would be replayed onto the new file and corrupt it.
        for suffix in ("-wal", "-shm", "-journal"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        os.replace(incoming, path)
    except OSError as exc:
        incoming.unlink(missing_ok=True)
        raise BackupError(
            f"Impossible de remplacer la base SQLite {path} : {exc.strerror or exc}."
        ) from exc
    finally:
        engine.dispose()


def _restore_postgres(staged: Path) -> None:
    settings = get_settings()
    engine = get_engine()
    engine.dispose()
    # Drop AutoCoach's own tables first (not --clean alone): a target already
    # migrated past the backup's revision would keep tables the backup does
    # not have, and the migrations run next would then fail to create them.
    try:
        with engine.begin() as connection:
            existing = set(inspect(connection).get_table_names())
            ours = [t.name for t in reversed(SQLModel.metadata.sorted_tables)] + ["alembic_version"]
            quote_name = connection.dialect.identifier_preparer.quote
            for name in ours:
                if name in existing:
                    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {quote_name(name)} CASCADE")
    except SQLAlchemyError as exc:
        raise BackupError(
            f"Impossible de préparer la base PostgreSQL cible : {_short(exc)}"
        ) from exc
    finally:
        engine.dispose()
    _run_pg_tool(
        "pg_restore",
        [
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            str(staged),
        ],
        settings.database_url,
    )
    engine.dispose()


def _restore_files(staging: Path, manifest: dict) -> int:
    root = storage.documents_root()
    count = 0
    for name in sorted(manifest["members"]):
        if not name.startswith(DOCUMENTS_PREFIX):
            continue
        target = root / name.removeprefix(DOCUMENTS_PREFIX)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(staging / name, target)
        count += 1
    return count


def _restore_key(staging: Path, key_file: Path | None) -> str:
    settings = get_settings()
    if settings.storage_key:
        return "environment"
    if key_file is not None:
        new_key = _read_key_file(key_file)
    elif (staging / KEY_MEMBER).is_file():
        new_key = (staging / KEY_MEMBER).read_bytes()
    else:
        return "file" if storage.key_path().is_file() else "none"
    target = storage.key_path()
    if target.is_file():
        if target.read_bytes().strip() == new_key.strip():
            return "file"
        # Never destroy a key: files encrypted with it would be lost for good.
        kept = target.with_name(f"{target.name}.before-restore-{utcnow():%Y%m%dT%H%M%SZ}")
        os.replace(target, kept)
        log.warning("Replaced the document key; the previous one is kept at %s", kept)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(new_key)
    # The Fernet object is cached per key path: it must read the new key.
    storage._fernet_for.cache_clear()
    return "file"


def _count(model: type[SQLModel]) -> int:
    with Session(get_engine()) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def restore_backup(src: Path, *, force: bool = False, key_file: Path | None = None) -> RestoreReport:
    """Restore an archive into the configured database and DATA_DIR, then migrate to head.

    The document key comes from `key_file` (written by the backup), STORAGE_KEY,
    or the archive when it was made with `include_key`.
    Refuses (BackupError, French message) a damaged archive, a backup of the
    other database kind, a missing or wrong key, or a target that
    already has accounts unless `force=True` (they are then replaced).
    With SQLite, stop the app first: the database file is replaced.
    """
    src = Path(src)
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    kind = _database_kind()
    # Staging inside DATA_DIR: moving the files into place is then a rename.
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=settings.data_dir) as work:
        staging = Path(work)
        manifest = _unpack(src, staging)
        if manifest["database_kind"] != kind:
            names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
            raise BackupError(
                f"Cette sauvegarde vient d'une base {names[manifest['database_kind']]} et la base "
                f"configurée est {names[kind]} : restaurez-la dans le même type de base."
            )
        _check_key(staging, manifest, key_file)
        users = _count_users()
        if users and not force:
            raise BackupError(
                f"La base cible contient déjà {count(users, 'compte')} : restauration refusée pour "
                "ne rien écraser. Videz-la, ou forcez la restauration pour la remplacer."
            )
        if kind == "sqlite":
            _restore_sqlite(staging / SQLITE_MEMBER)
        else:
            _restore_postgres(staging / PGDUMP_MEMBER)
        files = _restore_files(staging, manifest)
        key = _restore_key(staging, key_file)
    try:
        upgrade_to_head(settings.database_url, quiet=True)
    except Exception as exc:  # noqa: BLE001 - alembic raises many kinds
        raise BackupError(
            f"La base a été restaurée mais sa mise à jour (migrations) a échoué : {_short(exc)}"
        ) from exc
    report = RestoreReport(
        database_kind=kind,
        backup_created_at=str(manifest.get("created_at", "")),
        backup_revision=manifest.get("alembic_revision"),
        revision=_alembic_revision_live(),
        users=_count(User),
        vehicles=_count(Vehicle),
        documents=_count(Document),
        files=files,
        key=key,
    )
    log.info("Restored %s: %s", src, report)
    return report
