"""Alembic environment wired to AutoCoach's models and settings.

`alembic upgrade head` and `alembic check` use the same database as the app
(DATABASE_URL or the SQLite default). Tests may pass another URL through
`config.attributes["database_url"]`.
"""

from alembic import context
from sqlmodel import SQLModel

import autocoach.models  # noqa: F401  (registers the tables on the metadata)
from autocoach.db import make_engine
from autocoach.settings import get_settings

config = context.config
if config.config_file_name is not None and not config.attributes.get("quiet"):
    from logging.config import fileConfig

    fileConfig(config.config_file_name, disable_existing_loggers=False)
target_metadata = SQLModel.metadata


def _database_url() -> str:
    return config.attributes.get("database_url") or get_settings().database_url


# Tables the job queue (huey, services/jobs.py) creates for itself when
# PostgreSQL is the broker: not ours to migrate or drop.
JOB_QUEUE_TABLES = {"job_kv", "job_schedule", "job_task", "job_counter"}


def _include_name(name, type_, _parent_names) -> bool:  # noqa: ANN001 - alembic's hook
    return not (type_ == "table" and name in JOB_QUEUE_TABLES)


def _configure(**kwargs) -> None:
    url = kwargs.get("url") or _database_url()
    context.configure(
        target_metadata=target_metadata,
        compare_type=True,
        include_name=_include_name,
        # SQLite cannot ALTER most things: batch mode recreates the table.
        render_as_batch=url.startswith("sqlite"),
        **kwargs,
    )


def run_migrations_offline() -> None:
    _configure(url=_database_url(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = _database_url()
    if url.startswith("sqlite"):
        from pathlib import Path

        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    # Foreign keys off while migrating: batch mode drops and copies tables.
    engine = make_engine(url, foreign_keys=False)
    try:
        with engine.connect() as connection:
            _configure(connection=connection, url=url)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
