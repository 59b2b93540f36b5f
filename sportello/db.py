"""SQL databases shared by Sportello's stores: engines and the UTC datetime column type.

SQLite is the embedded default and PostgreSQL the production database; both are
reached through SQLAlchemy 1.4 (Rasa's pin) with the same code.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

# Seconds a SQLite writer waits for another one before giving up.
SQLITE_BUSY_SECONDS = 30


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


def create_engine(url: str, immediate_transactions: bool = False) -> sa.engine.Engine:
    """An engine whose errors never carry bound values (phone numbers, names) into logs.

    Args:
        url: SQLAlchemy database URL.
        immediate_transactions: On SQLite, start every transaction with BEGIN IMMEDIATE,
            so that a transaction that reads and then writes takes the write lock first
            and waits for other writers instead of failing with "database is locked".

    """
    engine = sa.create_engine(url, future=True, hide_parameters=True)
    if engine.dialect.name == "sqlite":
        # SQLite's own transaction handling, replaced by explicit BEGINs (SQLAlchemy's
        # documented recipe for pysqlite).
        @sa.event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            dbapi_connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_SECONDS * 1000}")

        @sa.event.listens_for(engine, "begin")
        def _begin(connection: sa.engine.Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate_transactions else "BEGIN")

    return engine
