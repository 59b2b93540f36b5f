"""SQL databases shared by Sportello's stores: engines and the UTC datetime column type.

SQLite is the embedded default and PostgreSQL the production database; both are
reached through SQLAlchemy 1.4 (Rasa's pin) with the same code.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from sqlalchemy.engine import Dialect

from sportello.runtime import VAR_DIR

# Seconds a SQLite writer waits for another one before giving up.
SQLITE_BUSY_SECONDS = 30
# An arbitrary constant shared by every Sportello process: the migration lock's key.
_PG_LOCK_KEY = 7749241


class UtcDateTime(sa.types.TypeDecorator):
    """Timezone-aware UTC datetimes, stored naive in UTC so SQLite and PostgreSQL compare them alike."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Returns the value as naive UTC; naive input is refused, as its zone is unknown."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("datetimes must be timezone-aware")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Returns the stored value as an aware UTC datetime."""
        return None if value is None else value.replace(tzinfo=timezone.utc)


def url_from_env(variable: str, default_file: str) -> str:
    """The database URL in ``variable`` or, on the embedded default, a SQLite file in ``var/``."""
    url = os.environ.get(variable)
    if url:
        return url
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{VAR_DIR / default_file}"


def create_engine(url: str, immediate_transactions: bool = False) -> sa.engine.Engine:
    """An engine whose errors never carry bound values (phone numbers, names) into logs, and that reconnects.

    Args:
        url: SQLAlchemy database URL.
        immediate_transactions: On SQLite, start every transaction with BEGIN IMMEDIATE,
            so that a transaction that reads and then writes takes the write lock first
            and waits for other writers instead of failing with "database is locked".
            Without it, pysqlite's own handling stays: reads run outside transactions
            and a transaction starts at the first write (what the WhatsApp store's
            compare-and-set UPDATEs are built for).

    """
    sqlite = url.startswith("sqlite")
    # A database server restarts: pooled connections are tested before use and replaced, so
    # the first query after the restart does not fail.
    options = {"connect_args": {"timeout": SQLITE_BUSY_SECONDS}} if sqlite else {"pool_pre_ping": True}
    engine = sa.create_engine(url, future=True, hide_parameters=True, **options)
    if sqlite and immediate_transactions:
        # pysqlite's transaction handling replaced by explicit BEGINs (SQLAlchemy's
        # documented recipe for pysqlite).
        @sa.event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        @sa.event.listens_for(engine, "begin")
        def _begin(connection: sa.engine.Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def migrate(engine: sa.engine.Engine, migrations_dir: Path, revision: str = "head") -> None:
    """Applies the Alembic migrations in ``migrations_dir`` up to ``revision``, in-process.

    Every process that opens a store calls this; on PostgreSQL an advisory lock lets
    one process migrate while the others wait, on SQLite BEGIN IMMEDIATE does.
    """
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def run_migrations(metadata: sa.MetaData, version_table: str) -> None:
    """The body of a migrations folder's env.py: runs on the connection ``migrate`` hands over.

    Each store has its own version table, so that stores can share one database.
    """
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=version_table,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
