"""Reading documents on a job queue (huey), outside the web workers.

- The queue is huey's: a SQLite file in DATA_DIR by default (nothing to
  install; one machine), Redis when REDIS_URL is set, or the PostgreSQL
  database itself. `python -m autocoach worker` consumes it, on any machine
  that reaches the same database, broker and document files; the app starts
  one such worker beside itself unless EMBEDDED_WORKER is false.
- A job carries only a document id. The worker resolves the owner from the
  document's vehicle in the database, then calls
  `documents.process_document(scope, id)`: the queue payload is never trusted
  for anything else.
- Reads survive: a job first *claims* its document (one atomic UPDATE from
  pending, or from reading whose lease expired), so a document is read by one
  worker at a time and a duplicate message is a no-op. While it reads, the
  worker renews the lease; a worker killed mid-read leaves a lease that
  expires, and `requeue_stuck` (at worker start and every minute) queues the
  document again. A file that kills its worker every time ends failed after
  JOB_RETRIES + 1 reads.
- Transient errors (the file store or the database unreachable) are retried
  by huey with a doubling delay; after the last try the document is failed
  with a French reason.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from huey import Huey, PostgresHuey, RedisHuey, SqliteHuey, crontab
from huey.api import TaskWrapper
from huey.consumer import Consumer
from sqlalchemy import and_, or_, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select

from autocoach.db import utcnow, write_session
from autocoach.models import Document, Vehicle
from autocoach.services import documents, storage, vehicles
from autocoach.settings import PROJECT_ROOT, Settings, get_settings

log = logging.getLogger(__name__)

QUEUE_NAME = "autocoach_documents"
MSG_GAVE_UP = (
    "La lecture de ce document n'a pas pu aboutir : le serveur de lecture était "
    "indisponible. Relancez la lecture dans quelques minutes."
)
MSG_KILLED_WORKER = (
    "La lecture de ce document a été interrompue plusieurs fois : ce fichier semble "
    "trop lourd à lire. Essayez une photo plus petite ou un PDF."
)
# Errors worth another try later: the file store or the database did not answer.
TRANSIENT_ERRORS = (OSError, DBAPIError)
# A pending document whose message got lost (broker down at upload, worker
# killed between taking the message and claiming) is queued again after this
# many leases.
PENDING_REQUEUE_LEASES = 5
# Reading is background work: the web workers on the same machine go first.
WORKER_NICENESS = 10
# Seconds between tries when the broker does not answer at worker start.
BROKER_RETRY_S = 5


def broker_for(settings: Settings) -> str:
    """The broker `auto` means with these settings."""
    if settings.job_broker != "auto":
        return settings.job_broker
    if settings.redis_url:
        return "redis"
    return "sqlite" if settings.is_sqlite else "postgresql"


def _postgres_dsn(database_url: str) -> str:
    scheme, _, rest = database_url.partition("://")
    return f"postgresql://{rest}" if scheme.startswith("postgresql") else database_url


@dataclass(frozen=True)
class JobQueue:
    huey: Huey
    read_document: TaskWrapper  # calling it queues one read


@lru_cache(maxsize=4)
def _queue_for(
    broker: str, redis_url: str | None, database_url: str, data_dir: str, retries: int, retry_delay: int
) -> JobQueue:
    options = {"results": False, "utc": True}
    if broker == "redis":  # settings.py checked that the URLs fit the broker
        queue: Huey = RedisHuey(QUEUE_NAME, url=redis_url, **options)
    elif broker == "postgresql":
        queue = PostgresHuey(QUEUE_NAME, dsn=_postgres_dsn(database_url), table_prefix="job", **options)
    else:
        path = Path(data_dir) / "jobs.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        queue = SqliteHuey(QUEUE_NAME, filename=str(path), **options)
    read = queue.task(
        retries=retries, retry_delay=retry_delay, retry_backoff=2, context=True, name="read_document"
    )(_read_document_job)
    queue.periodic_task(crontab(minute="*"), name="requeue_stuck")(requeue_stuck)
    return JobQueue(queue, read)


def get_queue() -> JobQueue:
    settings = get_settings()
    return _queue_for(
        broker_for(settings),
        settings.redis_url,
        settings.database_url,
        str(settings.data_dir),
        settings.job_retries,
        settings.job_retry_delay_s,
    )


# --- what the pages ask -----------------------------------------------------------


@dataclass(frozen=True)
class UploadOutcome:
    accepted: int
    refusals: list[str]  # "file name : French reason"


def add_uploads(scope: vehicles.OwnerScope, vehicle_id: int, files: list[tuple[str, bytes]]) -> UploadOutcome:
    """Store the uploaded files (quotas first) and queue their reading.

    Raises storage.RejectedUpload when the upload holds too many files (then
    nothing is stored) and vehicles.NotFound for another owner's vehicle.
    """
    documents.check_files_per_upload(len(files))
    accepted: list[int] = []
    refusals: list[str] = []
    for name, data in files:
        try:
            accepted.append(documents.add_upload(scope, vehicle_id, name, data).id)
        except storage.RejectedUpload as exc:
            refusals.append(f"{name} : {exc}")
    enqueue_reads(accepted)
    return UploadOutcome(len(accepted), refusals)


def reread(scope: vehicles.OwnerScope, document_id: int) -> None:
    documents.request_read(scope, document_id)
    enqueue_reads([document_id])


def reread_as(scope: vehicles.OwnerScope, document_id: int, document_type: str) -> None:
    documents.set_document_type(scope, document_id, document_type)
    enqueue_reads([document_id])


# --- queueing ---------------------------------------------------------------------


def enqueue_reads(document_ids: list[int]) -> None:
    """Queue these documents for reading (they are pending in the database).

    A broker that does not answer is logged, not raised: the documents stay
    pending and `requeue_stuck` queues them once it answers again.
    """
    if not document_ids:
        return
    read = get_queue().read_document
    try:
        for document_id in document_ids:
            read(int(document_id))
    except Exception:  # noqa: BLE001 - any broker failure means "later"
        log.warning("Could not queue documents %s; the periodic sweep will", document_ids, exc_info=True)
        return
    with write_session() as session:
        session.exec(
            update(Document).where(col(Document.id).in_(document_ids)).values(queued_at=utcnow())
        )


def requeue_stuck() -> int:
    """Queue again what no worker is reading any more; fail what keeps killing workers.

    Reading documents whose lease expired lost their worker (crash, kill,
    restart); pending ones whose message is long gone lost it on the way.
    Returns how many documents were queued again.
    """
    settings = get_settings()
    now = utcnow()
    max_reads = settings.job_retries + 1
    pending_before = now - timedelta(seconds=settings.job_lease_s * PENDING_REQUEUE_LEASES)
    with write_session() as session:
        stuck = session.exec(
            select(Document).where(
                or_(
                    and_(
                        col(Document.status) == "reading",
                        or_(col(Document.lease_until).is_(None), col(Document.lease_until) < now),
                    ),
                    and_(
                        col(Document.status) == "pending",
                        or_(col(Document.queued_at).is_(None), col(Document.queued_at) < pending_before),
                    ),
                )
            )
        ).all()
        requeued: list[int] = []
        for document in stuck:
            if document.status == "reading" and document.read_attempts >= max_reads:
                document.status, document.error_message = "failed", MSG_KILLED_WORKER
                document.processed_at = now
                log.warning("Document %s failed: its reads kept being interrupted", document.id)
            else:
                document.status, document.lease_until = "pending", None
                requeued.append(document.id)
            session.add(document)
    if requeued:
        log.info("Queueing again documents %s", requeued)
        enqueue_reads(requeued)
    return len(requeued)


# --- the job ----------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    scope: vehicles.OwnerScope
    stored_path: str


def claim(document_id: int) -> Claim | None:
    """Take the document for one read, or None when it is not ours to read
    (already read, failed, deleted, or being read under a live lease)."""
    settings = get_settings()
    now = utcnow()
    with write_session() as session:
        taken = session.exec(
            update(Document)
            .where(
                col(Document.id) == document_id,
                or_(
                    col(Document.status) == "pending",
                    and_(
                        col(Document.status) == "reading",
                        or_(col(Document.lease_until).is_(None), col(Document.lease_until) < now),
                    ),
                ),
            )
            .values(
                status="reading",
                error_message=None,
                lease_until=now + timedelta(seconds=settings.job_lease_s),
                read_attempts=col(Document.read_attempts) + 1,
            )
        ).rowcount
        if taken != 1:
            return None
        # The owner comes from the database, never from the queue.
        row = session.exec(
            select(Vehicle.user_id, Document.stored_path)
            .join(Vehicle, col(Vehicle.id) == col(Document.vehicle_id))
            .where(col(Document.id) == document_id)
        ).one()
    return Claim(vehicles.OwnerScope(row[0]), row[1])


def _renew_lease(document_id: int) -> None:
    lease = timedelta(seconds=get_settings().job_lease_s)
    with write_session() as session:
        session.exec(
            update(Document)
            .where(col(Document.id) == document_id, col(Document.status) == "reading")
            .values(lease_until=utcnow() + lease)
        )


@contextmanager
def _lease_kept(document_id: int) -> Iterator[None]:
    """Renew the document's lease every third of it while the body runs."""
    stop = threading.Event()
    interval = get_settings().job_lease_s / 3

    def keep() -> None:
        while not stop.wait(interval):
            try:
                _renew_lease(document_id)
            except Exception:  # noqa: BLE001 - a missed renewal only risks a second read
                log.warning("Could not renew the lease of document %s", document_id, exc_info=True)

    thread = threading.Thread(target=keep, name=f"lease-{document_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _release(document_id: int) -> None:
    """Back to pending before huey retries it (the lease no longer holds it)."""
    with write_session() as session:
        session.exec(
            update(Document)
            .where(col(Document.id) == document_id, col(Document.status) == "reading")
            .values(status="pending", lease_until=None, queued_at=utcnow())
        )


def read_document(document_id: int, retries_left: int = 0) -> str:
    """One read of one document; what the queue's task runs.

    Returns what happened (`skipped`, or the document's final status); raises a
    transient error while `retries_left` so that huey retries it later.
    """
    taken = claim(document_id)
    if taken is None:
        log.info("Skipped document %s: read, being read or gone", document_id)
        return "skipped"
    try:
        with _lease_kept(document_id):
            # A worker without the shared file store must not fail the
            # document: it is a transient error, unlike an unreadable file.
            storage.stored_file(taken.stored_path).stat()
            result = documents.process_document(taken.scope, document_id)
        log.info("Read document %s: %s", document_id, result.status)
        return result.status
    except vehicles.NotFound:
        return "skipped"  # deleted while being read
    except TRANSIENT_ERRORS:
        if retries_left > 0:
            log.warning("Transient error reading document %s; retrying", document_id, exc_info=True)
            try:
                _release(document_id)
            except Exception:  # noqa: BLE001 - the lease expires anyway
                log.warning("Could not release document %s", document_id, exc_info=True)
            raise
        log.exception("Giving up reading document %s", document_id)
        documents.mark_failed(taken.scope, document_id, MSG_GAVE_UP)
        return "failed"
    except Exception:  # noqa: BLE001 - a bug on one file: say so now rather than retry it
        log.exception("Unexpected error reading document %s", document_id)
        documents.mark_failed(taken.scope, document_id, documents.MSG_UNEXPECTED)
        return "failed"


def _read_document_job(document_id: int, task=None) -> str:  # noqa: ANN001 - huey's Task
    return read_document(int(document_id), task.retries if task is not None else 0)


# --- workers ----------------------------------------------------------------------


class _EmbeddedConsumer(Consumer):
    """A consumer that leaves signal handling to whoever started it."""

    def _set_signal_handlers(self) -> None:
        return None


def _exit_with_parent(parent_pid: int) -> None:
    """The embedded worker stops when the app that started it is gone (a read
    cut short is resumed by the next worker, as after a crash)."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            threading.Event().wait(1)
        log.info("The app stopped: stopping its embedded worker")
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _as_background_process() -> None:
    """Reading runs only on CPU time the web does not want: Linux's SCHED_IDLE
    where available, else a lower priority. Tesseract processes inherit it."""
    try:
        os.nice(WORKER_NICENESS)
        if hasattr(os, "SCHED_IDLE"):
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except OSError:
        log.warning("Could not lower the reading worker's priority")


def _queue_when_ready() -> JobQueue:
    """The queue, once its broker answers: a worker started while the database
    or Redis is down waits for them instead of dying."""
    while True:
        try:
            return get_queue()
        except Exception:  # noqa: BLE001 - any driver error means "not yet"
            log.warning("The job queue's broker does not answer; trying again", exc_info=True)
            time.sleep(BROKER_RETRY_S)


def _sweep_at_start() -> None:
    try:
        requeue_stuck()
    except Exception:  # noqa: BLE001 - the periodic sweep tries again every minute
        log.warning("Could not sweep stuck documents at start", exc_info=True)


def run_worker(concurrency: int | None = None) -> None:
    """`python -m autocoach worker`: consume the queue until SIGINT/SIGTERM."""
    settings = get_settings()
    workers = concurrency or settings.job_concurrency
    log.info("Reading worker: broker %s, %s reads at once", broker_for(settings), workers)
    _as_background_process()
    queue = _queue_when_ready()
    _sweep_at_start()
    consumer = queue.huey.create_consumer(workers=workers, **_consumer_options())
    consumer.run()


def _consumer_options() -> dict:
    # SQLite and PostgreSQL storages are polled when idle: at most a second
    # between polls keeps the page's progress lively.
    return {"worker_type": "thread", "periodic": True, "max_delay": 1.0}


@contextmanager
def _single_embedded_worker(data_dir: Path) -> Iterator[bool]:
    """One embedded worker per DATA_DIR, however many web workers start one."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / "worker.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield True


def run_embedded_worker(parent_pid: int) -> None:
    """The worker the app starts beside itself: exits when the app does."""
    settings = get_settings()
    with _single_embedded_worker(settings.data_dir) as first:
        if not first:
            return
        _exit_with_parent(parent_pid)
        _as_background_process()
        queue = _queue_when_ready()
        _sweep_at_start()
        consumer = _EmbeddedConsumer(queue.huey, workers=settings.job_concurrency, **_consumer_options())
        stopped = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stopped.set())
        consumer.start()
        while not stopped.wait(1):
            consumer.check_worker_health()
        consumer.stop(graceful=False)


def start_embedded_worker() -> subprocess.Popen | None:
    """The app's own reading worker, a child process (OCR never shares the
    web worker's memory or GIL). None when EMBEDDED_WORKER is false."""
    if not get_settings().embedded_worker:
        return None
    command = [sys.executable, "-m", "autocoach", "worker", "--embedded-for", str(os.getpid())]
    return subprocess.Popen(command, cwd=PROJECT_ROOT)


def stop_embedded_worker(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
