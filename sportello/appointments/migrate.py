"""Brings the appointment database to the latest schema (Alembic, run in-process).

Every process that opens the store calls ``upgrade``; on PostgreSQL an advisory lock
lets one process migrate while the others wait, on SQLite BEGIN IMMEDIATE does.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# An arbitrary constant shared by every Sportello process: the advisory lock's key.
_PG_LOCK_KEY = 7749241


def alembic_config(connection: sa.engine.Connection) -> Config:
    """An Alembic configuration that runs the migrations on ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: sa.engine.Engine, revision: str = "head") -> None:
    """Applies the migrations up to ``revision``."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        command.upgrade(alembic_config(connection), revision)


if __name__ == "__main__":
    import sys

    from sportello.appointments.store import database_url
    from sportello.db import create_engine

    upgrade(create_engine(sys.argv[1] if len(sys.argv) > 1 else database_url(), immediate_transactions=True))
    print("appointment database is at the latest schema")
