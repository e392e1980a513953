"""Reading documents on the job queue: real workers (`python -m autocoach worker`
subprocesses), real brokers (SQLite file, Redis, PostgreSQL), real OCR."""

from __future__ import annotations

import io
import os
import random
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
import redis
from PIL import Image
from sqlmodel import select

from autocoach.db import read_session, utcnow, write_session
from autocoach.domain.vehicle_form import validate_vehicle_form
from autocoach.models import Document, Expense, Vehicle
from autocoach.services import documents, jobs, storage, vehicles
from autocoach.services.migrations import upgrade_to_head
from autocoach.settings import get_settings
from tests.conftest import PROJECT_ROOT, REDIS_TEST_URL
from tests.fixtures.documents import build_histovec, build_invoices
from tests.test_documents_pipeline import snapshot
from tests.test_vehicles_service import make_user

READ_TIMEOUT_S = 120


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("job-fixtures")
    invoices = [f for f in build_invoices(root, random.Random(11)) if f.source == "text_pdf"]
    scan = next(f for f in build_histovec(root, random.Random(13)) if f.source == "scan_pdf")
    return {"invoices": invoices, "scan": scan}


def _vehicle(scope: vehicles.OwnerScope) -> int:
    form = validate_vehicle_form(
        {"brand": "Renault", "model": "Clio", "year": "2016", "mileage": "30000", "fuel_type": "diesel"},
        date(2020, 1, 1),
    )
    return vehicles.create_vehicle(scope, form, date(2020, 1, 1)).id


@pytest.fixture
def owner(app_settings):
    scope = make_user("jobs@example.fr")
    return scope, _vehicle(scope)


def configure(monkeypatch, **values: str):
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()


class Worker:
    """`python -m autocoach worker` in its own process group, logs kept."""

    def __init__(self, log_path: Path, concurrency: int = 1) -> None:
        self.log_path = log_path
        self._log = log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autocoach", "worker", "--concurrency", str(concurrency)],
            cwd=PROJECT_ROOT,
            env=dict(os.environ),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self._log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def start_worker(tmp_path):
    started: list[Worker] = []

    def start(concurrency: int = 1) -> Worker:
        worker = Worker(tmp_path / f"worker-{len(started)}.log", concurrency)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.kill()


def document(document_id: int) -> Document:
    with read_session() as session:
        return session.get(Document, document_id)


def wait_for(predicate, timeout: float = READ_TIMEOUT_S, what: str = "condition", workers=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        for worker in workers:
            assert worker.process.poll() is None, f"worker exited:\n{worker.log()[-3000:]}"
        time.sleep(0.2)
    logs = "\n".join(worker.log()[-3000:] for worker in workers)
    raise AssertionError(f"timed out waiting for {what}\n{logs}")


def expenses_of(document_id: int) -> list[Expense]:
    """The expenses an invoice gives once its owner applies what was read
    (nothing is applied before the review; applying twice gives one result)."""
    with read_session() as session:
        row = session.get(Document, document_id)
        owner_id = session.get(Vehicle, row.vehicle_id).user_id if row else None
        waiting = row is not None and row.status == "processed" and row.review_status == "to_review"
    if waiting:
        documents.apply_as_proposed(vehicles.OwnerScope(owner_id), document_id, date.today())
    with read_session() as session:
        return list(session.exec(select(Expense).where(Expense.document_id == document_id)).all())


# --- the default: a SQLite queue file beside the database --------------------------


def test_an_upload_is_queued_and_read_once_by_a_worker(owner, files, start_worker):
    scope, vehicle_id = owner
    invoice = files["invoices"][0]
    outcome = jobs.add_uploads(scope, vehicle_id, [(invoice.name, invoice.path.read_bytes())])
    assert outcome.accepted == 1 and outcome.refusals == []
    (queued,) = vehicles.list_documents(scope, vehicle_id)
    assert queued.status == "pending" and queued.queued_at is not None
    assert jobs.broker_for(get_settings()) == "sqlite"
    assert (get_settings().data_dir / "jobs.db").exists()

    # The same document queued twice more: duplicates must not read it again.
    jobs.enqueue_reads([queued.id, queued.id])
    worker = start_worker()
    done = wait_for(lambda: document(queued.id).status == "processed", what="the read", workers=[worker])
    assert done
    time.sleep(2)  # let the duplicates reach the worker
    read = document(queued.id)
    assert read.read_attempts == 1
    assert read.lease_until is not None
    assert len(expenses_of(queued.id)) == 1
    assert worker.log().count(f'"Read document {queued.id}:') == 1
    assert worker.log().count(f'"Skipped document {queued.id}:') == 2


def test_reading_again_gives_one_result(owner, files, start_worker):
    """Idempotent: a second read (owner's retry) replaces the first one's effects."""
    scope, vehicle_id = owner
    invoice = files["invoices"][1]
    jobs.add_uploads(scope, vehicle_id, [(invoice.name, invoice.path.read_bytes())])
    (queued,) = vehicles.list_documents(scope, vehicle_id)
    worker = start_worker()
    wait_for(lambda: document(queued.id).status == "processed", what="first read", workers=[worker])
    first = (document(queued.id).extracted, [(e.amount, e.date) for e in expenses_of(queued.id)])

    jobs.reread(scope, queued.id)
    wait_for(
        lambda: document(queued.id).status == "processed" and document(queued.id).read_attempts == 1,
        what="second read",
        workers=[worker],
    )
    second = (document(queued.id).extracted, [(e.amount, e.date) for e in expenses_of(queued.id)])
    assert second == first
    assert len(second[1]) == 1

    # A read started by hand on a document already read is refused by the claim.
    assert jobs.read_document(queued.id) == "skipped"


def test_a_worker_killed_mid_read_is_resumed_by_the_next_one(owner, files, start_worker, monkeypatch):
    """kill -9 while reading: the document is read again after its lease, once."""
    configure(monkeypatch, JOB_LEASE_S="3")
    scope, vehicle_id = owner
    scan = files["scan"]
    jobs.add_uploads(scope, vehicle_id, [(scan.name, scan.path.read_bytes())])
    (queued,) = vehicles.list_documents(scope, vehicle_id)

    first = start_worker()
    wait_for(lambda: document(queued.id).status == "reading", what="the read to start", workers=[first])
    time.sleep(1.0)
    first.kill()
    stuck = document(queued.id)
    assert stuck.status == "reading" and stuck.read_attempts == 1

    # Nobody opens a page: the next worker's start-up sweep finds it once the
    # lease has expired (a worker left running finds it with its periodic sweep).
    time.sleep(3.5)
    second = start_worker()
    wait_for(lambda: document(queued.id).status == "processed", what="the resumed read", workers=[second])
    read = document(queued.id)
    assert read.document_type == "histovec", read.error_message
    assert read.read_attempts == 2
    assert second.log().count(f'"Read document {queued.id}:') == 1
    documents.apply_as_proposed(scope, queued.id, date.today(), force=read.review_status == "held")
    readings = [r for r in vehicles.mileage_history(scope, vehicle_id) if r.document_id == queued.id]
    expected = [i for i in scan.expected["technical_inspections"] if i.get("mileage")]
    assert len(readings) == len(expected)  # one result, not two


def test_a_transient_error_is_retried_then_the_read_succeeds(owner, files, start_worker, monkeypatch):
    """The file store is unreachable from the worker for a while (e.g. a
    network mount not up yet): retried with back-off, then read."""
    configure(monkeypatch, JOB_RETRIES="3", JOB_RETRY_DELAY_S="1")
    scope, vehicle_id = owner
    invoice = files["invoices"][2]
    jobs.add_uploads(scope, vehicle_id, [(invoice.name, invoice.path.read_bytes())])
    (queued,) = vehicles.list_documents(scope, vehicle_id)
    stored = storage.stored_file(queued.stored_path)
    hidden = stored.with_name(stored.name + ".away")
    stored.rename(hidden)

    worker = start_worker()
    wait_for(lambda: document(queued.id).read_attempts >= 2, what="a retry", workers=[worker])
    assert document(queued.id).status in ("pending", "reading")
    hidden.rename(stored)
    wait_for(lambda: document(queued.id).status == "processed", what="the read", workers=[worker])
    assert len(expenses_of(queued.id)) == 1
    assert "Transient error reading document" in worker.log()


def test_a_transient_error_fails_the_document_after_the_last_try(owner, files, start_worker, monkeypatch):
    configure(monkeypatch, JOB_RETRIES="2", JOB_RETRY_DELAY_S="1")
    scope, vehicle_id = owner
    invoice = files["invoices"][3]
    jobs.add_uploads(scope, vehicle_id, [(invoice.name, invoice.path.read_bytes())])
    (queued,) = vehicles.list_documents(scope, vehicle_id)
    stored = storage.stored_file(queued.stored_path)
    stored.rename(stored.with_name(stored.name + ".away"))

    started = time.monotonic()
    worker = start_worker()
    wait_for(lambda: document(queued.id).status == "failed", what="the failure", workers=[worker])
    failed = document(queued.id)
    assert failed.error_message == jobs.MSG_GAVE_UP
    assert failed.read_attempts == 3  # the first try and 2 retries
    # Back-off: 1 s then 2 s between the tries.
    assert time.monotonic() - started >= 3
    assert expenses_of(queued.id) == []

    # The owner can ask again once the store is back; the budget starts afresh.
    stored.with_name(stored.name + ".away").rename(stored)
    jobs.reread(scope, queued.id)
    wait_for(lambda: document(queued.id).status == "processed", what="the new read", workers=[worker])


def test_a_file_that_keeps_killing_its_worker_ends_failed(owner, files, monkeypatch):
    configure(monkeypatch, JOB_RETRIES="2", JOB_LEASE_S="5")
    scope, vehicle_id = owner
    invoice = files["invoices"][0]
    added = documents.add_upload(scope, vehicle_id, invoice.name, invoice.path.read_bytes())
    with write_session() as session:
        stuck = session.get(Document, added.id)
        stuck.status, stuck.read_attempts = "reading", 3
        stuck.lease_until = utcnow() - timedelta(seconds=1)
        session.add(stuck)
    assert jobs.requeue_stuck() == 0
    failed = document(added.id)
    assert failed.status == "failed"
    assert failed.error_message == jobs.MSG_KILLED_WORKER


def test_the_sweep_requeues_what_lost_its_message_and_leaves_live_reads(owner, files, monkeypatch):
    configure(monkeypatch, JOB_LEASE_S="5")
    scope, vehicle_id = owner
    invoice = files["invoices"][0]
    lost = documents.add_upload(scope, vehicle_id, "lost.pdf", invoice.path.read_bytes())  # never queued
    live = documents.add_upload(scope, vehicle_id, "live.pdf", invoice.path.read_bytes())
    with write_session() as session:
        row = session.get(Document, live.id)
        row.status, row.lease_until, row.read_attempts = "reading", utcnow() + timedelta(seconds=5), 1
        session.add(row)
    assert jobs.requeue_stuck() == 1
    assert document(lost.id).queued_at is not None
    assert document(live.id).status == "reading"
    assert jobs.claim(live.id) is None  # its lease holds it
    # Nor can the owner start a second read of it meanwhile.
    for ask_again in (lambda: jobs.reread(scope, live.id), lambda: jobs.reread_as(scope, live.id, "histovec")):
        with pytest.raises(ValueError, match="en cours de lecture"):
            ask_again()
    assert document(live.id).status == "reading"


def test_the_job_trusts_only_the_document_id(owner, files, start_worker):
    """The worker reads as the vehicle's owner, whoever queued the id."""
    scope, vehicle_id = owner
    other = make_user("other@example.fr")
    invoice = files["invoices"][0]
    theirs = documents.add_upload(scope, vehicle_id, invoice.name, invoice.path.read_bytes())
    taken = jobs.claim(theirs.id)
    assert taken is not None and taken.scope == scope and taken.scope != other
    assert jobs.claim(10_000) is None


# --- quotas ----------------------------------------------------------------------------


def _photo(size: int, seed: int) -> bytes:
    """A PNG of noise about `size` bytes (noise does not compress)."""
    side = int((size / 3) ** 0.5)
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_too_many_files_in_one_upload_are_refused_before_anything_is_stored(owner, files, monkeypatch):
    configure(monkeypatch, MAX_FILES_PER_UPLOAD="3")
    scope, vehicle_id = owner
    data = files["invoices"][0].path.read_bytes()
    before = snapshot()
    with pytest.raises(storage.RejectedUpload) as refused:
        jobs.add_uploads(scope, vehicle_id, [(f"f{i}.pdf", data) for i in range(4)])
    assert str(refused.value) == (
        "Vous avez envoyé 4 fichiers : envoyez-en au plus 3 à la fois. Aucun n'a été enregistré."
    )
    assert snapshot() == before
    assert jobs.add_uploads(scope, vehicle_id, [(f"f{i}.pdf", data) for i in range(3)]).accepted == 3


def test_documents_per_vehicle_count_failed_ones_and_refuse_before_storing(owner, start_worker, monkeypatch):
    configure(monkeypatch, MAX_DOCUMENTS_PER_VEHICLE="2")
    scope, vehicle_id = owner
    junk = b"%PDF-1.4\n" + bytes(random.Random(3).randbytes(2000))  # a PDF header, nothing readable
    outcome = jobs.add_uploads(scope, vehicle_id, [("junk.pdf", junk), ("junk2.pdf", junk)])
    assert outcome.accepted == 2
    worker = start_worker()
    wait_for(
        lambda: all(d.status == "failed" for d in vehicles.list_documents(scope, vehicle_id)),
        what="the junk to fail",
        workers=[worker],
    )
    # Failed documents show their reason and still count.
    assert all(d.error_message for d in vehicles.list_documents(scope, vehicle_id))
    before = snapshot()
    outcome = jobs.add_uploads(scope, vehicle_id, [("third.pdf", junk)])
    assert outcome.accepted == 0
    assert outcome.refusals == [
        "third.pdf : Cette voiture a déjà 2 documents, le maximum : supprimez-en avant d'en ajouter."
    ]
    assert snapshot() == before
    # Deleting a failed one frees its place.
    failed = vehicles.list_documents(scope, vehicle_id)[0]
    documents.delete_document(scope, failed.id)
    assert not storage.stored_file(failed.stored_path).exists()
    assert jobs.add_uploads(scope, vehicle_id, [("third.pdf", junk)]).accepted == 1


def test_stored_bytes_per_owner_are_counted_across_vehicles(owner, monkeypatch):
    configure(monkeypatch, MAX_STORAGE_MB_PER_OWNER="1")
    scope, vehicle_id = owner
    second_vehicle = _vehicle(scope)
    first = _photo(600_000, 1)
    assert len(first) > 500_000
    assert jobs.add_uploads(scope, vehicle_id, [("a.png", first)]).accepted == 1
    before = snapshot()
    outcome = jobs.add_uploads(scope, second_vehicle, [("b.png", _photo(600_000, 2))])
    assert outcome.accepted == 0
    (refusal,) = outcome.refusals
    assert refusal.startswith("b.png : Vos documents occupent déjà 0,6 Mo sur les 1,0 Mo autorisés")
    assert snapshot() == before
    # Another owner has their own allowance.
    stranger = make_user("stranger@example.fr")
    assert jobs.add_uploads(stranger, _vehicle(stranger), [("c.png", _photo(600_000, 3))]).accepted == 1


# --- several machines: PostgreSQL database, Redis broker --------------------------------


def test_two_workers_share_one_redis_queue_on_postgresql(
    postgres_database_url, files, start_worker, monkeypatch, tmp_path
):
    monkeypatch.setenv("DATABASE_URL", postgres_database_url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "shared-data"))
    monkeypatch.setenv("REDIS_URL", REDIS_TEST_URL)
    configure(monkeypatch)
    redis.Redis.from_url(REDIS_TEST_URL).delete(f"huey.redis.{jobs.QUEUE_NAME}", f"huey.schedule.{jobs.QUEUE_NAME}")
    upgrade_to_head(get_settings().database_url, quiet=True)
    assert jobs.broker_for(get_settings()) == "redis"
    scope = make_user("fleet@example.fr")
    vehicle_id = _vehicle(scope)
    invoices = files["invoices"][:8]
    for start in range(0, len(invoices), 4):
        batch = invoices[start : start + 4]
        outcome = jobs.add_uploads(scope, vehicle_id, [(f.name, f.path.read_bytes()) for f in batch])
        assert outcome.accepted == len(batch)
    queued = [d.id for d in vehicles.list_documents(scope, vehicle_id)]
    # Every document queued twice: neither worker may read one a second time.
    jobs.enqueue_reads(queued)

    workers = [start_worker(), start_worker()]
    wait_for(
        lambda: all(document(i).status == "processed" for i in queued),
        what="every document read",
        workers=workers,
    )
    time.sleep(2)
    reads = {i: sum(w.log().count(f'"Read document {i}:') for w in workers) for i in queued}
    assert reads == {i: 1 for i in queued}
    assert all(document(i).read_attempts == 1 for i in queued)
    assert all('"Read document' in w.log() for w in workers), "both workers took a share"
    assert all(len(expenses_of(i)) == 1 for i in queued)
    jobs.get_queue().huey.storage.close()
    jobs._queue_for.cache_clear()


def test_postgresql_alone_is_a_broker_too(postgres_database_url, files, start_worker, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", postgres_database_url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "pg-data"))
    monkeypatch.delenv("REDIS_URL", raising=False)
    configure(monkeypatch)
    upgrade_to_head(get_settings().database_url, quiet=True)
    assert jobs.broker_for(get_settings()) == "postgresql"
    scope = make_user("pg@example.fr")
    vehicle_id = _vehicle(scope)
    invoice = files["invoices"][0]
    jobs.add_uploads(scope, vehicle_id, [(invoice.name, invoice.path.read_bytes())])
    (queued,) = vehicles.list_documents(scope, vehicle_id)
    worker = start_worker()
    wait_for(lambda: document(queued.id).status == "processed", what="the read", workers=[worker])
    jobs.get_queue().huey.storage.close()
    jobs._queue_for.cache_clear()


# --- the embedded default (`make run`) -----------------------------------------------


def _group_members(pgid: int) -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of the live processes in a process group."""
    members = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members[int(entry.name)] = (int(fields[1]), cmdline)
    return members


def embedded_workers(app: subprocess.Popen) -> dict[int, int]:
    """pid -> parent pid of the embedded workers the app started."""
    return {
        pid: parent
        for pid, (parent, cmdline) in _group_members(app.pid).items()
        if "autocoach worker --embedded-for" in cmdline
    }


def test_the_app_reads_documents_with_no_extra_service(tmp_path, files, monkeypatch):
    """`make run`: SQLite, no Redis, no worker to start: the app starts one."""
    from tests.conftest import app_environment, free_port, migrate, start_app, stop_app, wait_until_serving

    data_dir = tmp_path / "data"
    port = free_port()
    env = app_environment(port, data_dir)
    for name in ("EMBEDDED_WORKER", "JOB_BROKER", "JOB_CONCURRENCY"):
        env.pop(name, None)
    migrate(env["DATABASE_URL"])
    log_path = tmp_path / "app.log"
    app = start_app(port, env, log_path, backend_only=True)
    try:
        wait_until_serving(f"http://localhost:{port}", app, log_path, path="/ping")
        monkeypatch.setenv("DATA_DIR", env["DATA_DIR"])
        monkeypatch.setenv("DATABASE_URL", env["DATABASE_URL"])
        monkeypatch.delenv("REDIS_URL", raising=False)
        configure(monkeypatch)
        scope = make_user("embedded@example.fr")
        vehicle_id = _vehicle(scope)
        invoice = files["invoices"][0]
        jobs.add_uploads(scope, vehicle_id, [(invoice.name, invoice.path.read_bytes())])
        (queued,) = vehicles.list_documents(scope, vehicle_id)
        wait_for(lambda: document(queued.id).status == "processed", what="the embedded worker's read")
        assert len(expenses_of(queued.id)) == 1

        # One worker beside the app, and it does not outlive the web worker that started it.
        workers = wait_for(lambda: embedded_workers(app), timeout=10, what="the embedded worker")
        assert len(workers) == 1, log_path.read_text(errors="replace")[-3000:]
        ((worker_pid, web_pid),) = workers.items()
        # Reading yields the CPU to the web worker.
        def niceness(pid: int) -> int:
            return int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[16])

        assert niceness(worker_pid) == min(19, niceness(web_pid) + jobs.WORKER_NICENESS)
        assert os.sched_getscheduler(worker_pid) == os.SCHED_IDLE
        os.kill(web_pid, signal.SIGKILL)
        wait_for(lambda: worker_pid not in _group_members(app.pid), timeout=15, what="the orphan to exit")
    finally:
        stop_app(app)


# --- a full disk ----------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MB tmpfs for DATA_DIR (needs the right to mount: root, as in CI's container)."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount_point)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_a_full_disk_refuses_uploads_cleanly_and_still_lets_owners_delete(small_disk, monkeypatch):
    data_dir = small_disk / "data"
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{data_dir / 'autocoach.db'}")
    monkeypatch.delenv("REDIS_URL", raising=False)
    configure(monkeypatch)
    upgrade_to_head(get_settings().database_url, quiet=True)
    scope = make_user("full-disk@example.fr")
    vehicle_id = _vehicle(scope)
    rng = random.Random(4)
    refusals: list[str] = []
    for index in range(20):
        junk = b"%PDF-1.4\n" + rng.randbytes(300_000)
        refusals = jobs.add_uploads(scope, vehicle_id, [(f"j{index}.pdf", junk)]).refusals
        if refusals:
            break
    assert refusals == [f"j{index}.pdf : {documents.MSG_DISK_FULL}"]
    stored = vehicles.list_documents(scope, vehicle_id)
    assert len(stored) == index
    # No half-written file left behind by the refused upload.
    on_disk = [p for p in (data_dir / "documents").rglob("*") if p.is_file() and not p.name.endswith(".thumb")]
    assert sorted(p.name for p in on_disk) == sorted(Path(d.stored_path).name for d in stored)

    # Something else (logs, another upload) takes the last bytes.
    filler = os.open(small_disk / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        with pytest.raises(OSError):
            while True:
                os.write(filler, b"0" * 4096)
    finally:
        os.close(filler)
    # Even with the disk full, the owner can delete, and the space comes back.
    documents.delete_document(scope, stored[0].id)
    assert [d.id for d in vehicles.list_documents(scope, vehicle_id)] == [d.id for d in stored[1:]]
    assert not storage.stored_file(stored[0].stored_path).exists()


def test_job_settings_have_sane_defaults_and_refuse_what_cannot_work(app_settings, monkeypatch):
    from autocoach.settings import SettingsError, load_settings

    settings = load_settings()
    assert (settings.max_files_per_upload, settings.max_documents_per_vehicle) == (10, 200)
    assert settings.max_storage_bytes_per_owner == 500 * 1024 * 1024
    assert settings.job_concurrency == (os.cpu_count() or 1)
    assert settings.embedded_worker is True and settings.job_broker == "auto"
    for name, value, message in (
        ("JOB_BROKER", "rabbitmq", "JOB_BROKER must be one of"),
        ("JOB_BROKER", "redis", "JOB_BROKER=redis needs REDIS_URL"),
        ("JOB_BROKER", "postgresql", "needs a PostgreSQL DATABASE_URL"),
        ("JOB_CONCURRENCY", "0", "JOB_CONCURRENCY must be at least 1"),
    ):
        monkeypatch.setenv(name, value)
        with pytest.raises(SettingsError, match=message):
            load_settings()
        monkeypatch.delenv(name)


def test_the_postgresql_queue_tables_are_not_the_migrations_business(postgres_database_url, monkeypatch, tmp_path):
    """huey creates its tables in the app's database: `alembic check` ignores them."""
    from alembic import command
    from alembic.config import Config

    monkeypatch.setenv("DATABASE_URL", postgres_database_url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "pg-data"))
    monkeypatch.setenv("JOB_BROKER", "postgresql")
    configure(monkeypatch)
    upgrade_to_head(get_settings().database_url, quiet=True)
    jobs.enqueue_reads([1])  # creates the queue's tables
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = get_settings().database_url
    config.attributes["quiet"] = True
    command.check(config)  # raises when the database and the models differ
    jobs.get_queue().huey.storage.close()
    jobs._queue_for.cache_clear()


def test_an_upload_while_the_broker_is_down_is_kept_and_read_later(owner, files, start_worker, monkeypatch):
    """Redis unreachable at upload: the document is stored, pending, and the
    sweep queues it once a worker runs against a broker that answers."""
    from tests.conftest import free_port

    scope, vehicle_id = owner
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    configure(monkeypatch)
    invoice = files["invoices"][0]
    outcome = jobs.add_uploads(scope, vehicle_id, [(invoice.name, invoice.path.read_bytes())])
    assert outcome.accepted == 1
    (kept,) = vehicles.list_documents(scope, vehicle_id)
    assert kept.status == "pending" and kept.queued_at is None

    # The broker is back (here: the SQLite queue); the worker's start-up sweep queues it.
    monkeypatch.delenv("REDIS_URL")
    configure(monkeypatch)
    worker = start_worker()
    wait_for(lambda: document(kept.id).status == "processed", what="the late read", workers=[worker])
    assert len(expenses_of(kept.id)) == 1


def test_a_worker_started_before_its_database_waits_for_it(postgres_database_url, files, start_worker, monkeypatch, tmp_path):
    """PostgreSQL (database and queue) down when the worker starts: it waits,
    then reads what was queued once the database answers."""
    from tests.conftest import free_port
    from tests.tcp_proxy import SwitchableProxy

    monkeypatch.setenv("DATABASE_URL", postgres_database_url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "late-data"))
    monkeypatch.delenv("REDIS_URL", raising=False)
    configure(monkeypatch)
    upgrade_to_head(get_settings().database_url, quiet=True)
    scope = make_user("late@example.fr")
    vehicle_id = _vehicle(scope)
    invoice = files["invoices"][0]
    jobs.add_uploads(scope, vehicle_id, [(invoice.name, invoice.path.read_bytes())])
    (queued,) = vehicles.list_documents(scope, vehicle_id)

    port = free_port()  # the worker reaches PostgreSQL through here; nothing listens yet
    host, _, rest = postgres_database_url.rpartition("@")[2].partition("/")
    monkeypatch.setenv("DATABASE_URL", f"{postgres_database_url.rpartition('@')[0]}@127.0.0.1:{port}/{rest}")
    worker = start_worker()
    monkeypatch.setenv("DATABASE_URL", postgres_database_url)
    time.sleep(4)
    assert worker.process.poll() is None, worker.log()
    assert "broker does not answer" in worker.log()
    assert document(queued.id).status == "pending"

    proxy = SwitchableProxy(port, int(host.rpartition(":")[2] or 5432))
    proxy.start()
    try:
        wait_for(lambda: document(queued.id).status == "processed", what="the read", workers=[worker])
    finally:
        worker.kill()
        proxy.stop()
    jobs.get_queue().huey.storage.close()
    jobs._queue_for.cache_clear()
