"""Private, encrypted file store for owners' documents.

- Files live under DATA_DIR/documents, outside anything the web server
  publishes (Reflex serves its own upload folder to anyone), under random names.
- They are encrypted at rest with Fernet (cryptography: AES-128-CBC + HMAC), the
  key coming from STORAGE_KEY or, when unset, generated once into
  DATA_DIR/storage.key. Backups must carry that key.
- Uploads are accepted by their content (magic bytes), never by name or
  Content-Type; images are re-opened with Pillow from an explicit format list,
  lose their EXIF location, and get a small thumbnail.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
import hashlib
import io
import logging
import os
import secrets
import shutil
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from PIL import Image, ImageOps

from autocoach.services.text import (
    MIME_HEIC,
    MIME_JPEG,
    MIME_PDF,
    MIME_PNG,
    MIME_TIFF,
    MIME_WEBP,
    PIL_FORMATS,
    sniff_mime,
)
from autocoach.settings import get_settings

log = logging.getLogger(__name__)

THUMBNAIL_SIZE = (320, 320)
THUMBNAIL_SUFFIX = ".thumb"
EXIF_GPS_IFD = 0x8825
ACCEPTED_MIMES = {MIME_PDF, MIME_JPEG, MIME_PNG, MIME_WEBP, MIME_TIFF, MIME_HEIC}


class RejectedUpload(ValueError):
    """The file cannot be accepted; str(exc) is a French message for the owner."""


MSG_DISK_FULL = (
    "Le serveur n'a plus de place pour enregistrer ce fichier : rien n'a été enregistré. "
    "Supprimez des documents dont vous n'avez plus besoin, ou réessayez plus tard."
)


class StorageFull(RejectedUpload):
    """The server's disk is full: nothing was kept."""

    def __init__(self) -> None:
        super().__init__(MSG_DISK_FULL)


# Room kept aside on the data disk: when the disk fills up, deleting a
# document must still work (the database needs a little space to record the
# delete), so this file is given back first (see documents.delete_document).
RESERVE_NAME = ".space-reserve"
RESERVE_BYTES = 4 * 1024 * 1024


def is_disk_full(exc: BaseException) -> bool:
    """True when `exc` (or what caused it) says the disk or quota is full:
    OSError ENOSPC/EDQUOT, SQLite's "database or disk is full", PostgreSQL's 53100."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if getattr(seen, "sqlite_errorcode", None) == 13 or getattr(seen, "sqlstate", None) == "53100":
            return True
        if "disk is full" in str(seen) or "No space left" in str(seen):
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__ or seen.__context__
    return False


def _reserve_path() -> Path:
    return get_settings().data_dir / RESERVE_NAME


def keep_reserve() -> None:
    """(Re)create the reserve file when there is room for it; quietly not otherwise."""
    path = _reserve_path()
    if path.exists():
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if shutil.disk_usage(path.parent).free < 4 * RESERVE_BYTES:
            return  # too tight now: the owner's files come first
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(b"\0" * RESERVE_BYTES)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError:
        path.unlink(missing_ok=True)


def release_reserve() -> bool:
    """Give the reserve back to the disk; True if there was one."""
    try:
        _reserve_path().unlink()
    except FileNotFoundError:
        return False
    log.warning("Data disk full: the space reserve was released so deletes can go on")
    return True


@dataclass(frozen=True)
class StoredFile:
    stored_path: str
    sha256: str
    size_bytes: int
    mime_type: str
    has_thumbnail: bool


def documents_root() -> Path:
    return get_settings().data_dir / "documents"


def key_path() -> Path:
    return get_settings().data_dir / "storage.key"


def secret_file(path: Path, make: Callable[[], bytes]) -> bytes:
    """The secret kept in `path` (mode 0600), written once from `make()` if absent.

    O_EXCL: of two workers starting together, one writes, both read it."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(make())
            log.warning("Generated a new secret at %s: back it up", path)
    return path.read_bytes().strip()


@lru_cache(maxsize=4)
def _fernet_for(configured_key: str, key_file: str) -> Fernet:
    if configured_key:
        return Fernet(configured_key.encode())
    return Fernet(secret_file(Path(key_file), Fernet.generate_key))


def fernet() -> Fernet:
    settings = get_settings()
    return _fernet_for(settings.storage_key, str(key_path()))


def stored_file(stored_path: str) -> Path:
    """The file behind a stored path, refusing anything that escapes the store."""
    root = documents_root().resolve()
    path = (root / stored_path).resolve()
    if root not in path.parents:
        raise ValueError(f"stored path outside the document store: {stored_path!r}")
    return path


def _open_image(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        # A decompression bomb is an error, not a warning.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = Image.open(io.BytesIO(data), formats=PIL_FORMATS)
        image.load()
    return image


def _without_location(data: bytes, mime: str) -> bytes:
    """Drop the EXIF GPS block of a photo; other files are kept byte for byte."""
    if mime not in (MIME_JPEG, MIME_WEBP, MIME_TIFF, MIME_PNG):
        return data
    image = _open_image(data)
    exif = image.getexif()
    if EXIF_GPS_IFD not in exif:
        return data
    del exif[EXIF_GPS_IFD]
    out = io.BytesIO()
    save_format = image.format or "JPEG"
    options = {"exif": exif.tobytes()}
    if save_format == "JPEG":
        options |= {"quality": 95, "subsampling": "keep"} if image.mode != "P" else {}
    image.save(out, format=save_format, **options)
    return out.getvalue()


def _thumbnail(data: bytes) -> bytes:
    image = ImageOps.exif_transpose(_open_image(data))
    image.thumbnail(THUMBNAIL_SIZE)
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def check_upload(data: bytes) -> str:
    """The file's real type, or RejectedUpload with the reason in French."""
    max_bytes = get_settings().max_upload_bytes
    if not data:
        raise RejectedUpload("Le fichier est vide.")
    if len(data) > max_bytes:
        raise RejectedUpload(
            f"Le fichier dépasse la taille maximale de {max_bytes // (1024 * 1024)} Mo."
        )
    mime = sniff_mime(data)
    if mime not in ACCEPTED_MIMES:
        raise RejectedUpload(
            "Type de fichier non accepté : déposez un PDF ou une photo (JPEG, PNG, HEIC)."
        )
    return mime


def store_upload(data: bytes) -> StoredFile:
    """Check, clean and store an uploaded file; raise RejectedUpload if unfit."""
    mime = check_upload(data)
    thumbnail = None
    if mime != MIME_PDF:
        try:
            data = _without_location(data, mime)
            thumbnail = _thumbnail(data)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise RejectedUpload(
                "Cette image est trop grande (trop de pixels) pour être traitée."
            ) from exc
        except (OSError, ValueError, SyntaxError) as exc:
            raise RejectedUpload("Cette image est endommagée ou illisible.") from exc
    name = secrets.token_hex(16)
    stored_path = f"{name[:2]}/{name}"
    path = stored_file(stored_path)
    box = fernet()
    written: list[Path] = []
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_whole(path, box.encrypt(data), written)
        if thumbnail is not None:
            _write_whole(path.with_name(path.name + THUMBNAIL_SUFFIX), box.encrypt(thumbnail), written)
    except OSError as exc:
        # Nothing half-written stays behind: a full disk must not leave orphans.
        for done in written:
            done.unlink(missing_ok=True)
        if is_disk_full(exc):
            raise StorageFull() from exc
        raise
    return StoredFile(
        stored_path=stored_path,
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        mime_type=mime,
        has_thumbnail=thumbnail is not None,
    )


def _write_whole(path: Path, data: bytes, written: list[Path]) -> None:
    """Write under a temporary name, then rename: the file is whole or absent."""
    partial = path.with_name(path.name + ".part")
    written.append(partial)
    with partial.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(path)
    written.append(path)
    written[-1] = path


def read_stored(stored_path: str, *, thumbnail: bool = False) -> bytes:
    path = stored_file(stored_path)
    if thumbnail:
        path = path.with_name(path.name + THUMBNAIL_SUFFIX)
    try:
        return fernet().decrypt(path.read_bytes())
    except InvalidToken as exc:
        raise OSError(f"cannot decrypt {stored_path}: wrong key or damaged file") from exc


def has_thumbnail(stored_path: str) -> bool:
    path = stored_file(stored_path)
    return path.with_name(path.name + THUMBNAIL_SUFFIX).exists()


def delete_stored_files(stored_paths: Iterable[str]) -> None:
    for stored_path in stored_paths:
        try:
            path = stored_file(stored_path)
            path.unlink(missing_ok=True)
            path.with_name(path.name + THUMBNAIL_SUFFIX).unlink(missing_ok=True)
        except (OSError, ValueError) as exc:
            log.warning("Could not delete stored file %s: %s", stored_path, exc)
