"""Database engine and session scopes.

SQLite is the embedded default: every connection gets WAL, synchronous=NORMAL,
busy_timeout and foreign keys, and write units begin with `BEGIN IMMEDIATE`
(a deferred BEGIN that later upgrades to a write lock fails with SQLITE_BUSY
instead of waiting). PostgreSQL needs none of this.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy import event
from sqlalchemy.engine import Engine, create_engine
from sqlmodel import Session

from autocoach.settings import get_settings

SQLITE_BUSY_TIMEOUT_MS = 5000


def utcnow() -> datetime:
    """Aware UTC timestamp: SQLModel's UTCDateTime columns refuse naive ones
    and give back UTC on both SQLite and PostgreSQL."""
    return datetime.now(UTC)


def _install_sqlite_pragmas(engine: Engine, foreign_keys: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # noqa: ANN001 - DB-API objects
        # Let SQLAlchemy's "begin" event below emit BEGIN itself (pysqlite's own
        # implicit BEGIN cannot be made IMMEDIATE).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # noqa: ANN001
        immediate = connection.get_execution_options().get("sqlite_begin_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, *, foreign_keys: bool = True) -> Engine:
    """A new engine for `url` with AutoCoach's connection rules.

    Migrations pass `foreign_keys=False`: Alembic's SQLite batch mode copies and
    drops tables, and a drop with foreign keys on would cascade-delete children.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        _install_sqlite_pragmas(engine, foreign_keys)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    return engine


@lru_cache(maxsize=4)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def get_engine() -> Engine:
    return _engine_for(get_settings().database_url)


@contextmanager
def read_session() -> Iterator[Session]:
    """A session for reading; nothing it changes is committed."""
    with Session(get_engine()) as session:
        yield session


@contextmanager
def write_session() -> Iterator[Session]:
    """A unit of work: committed when the block ends, rolled back on error."""
    engine = get_engine()
    if engine.dialect.name == "sqlite":
        engine = engine.execution_options(sqlite_begin_immediate=True)
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
