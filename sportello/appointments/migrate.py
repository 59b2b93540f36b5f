"""Brings the appointment database to the latest schema: ``python -m sportello.appointments.migrate [URL]``."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from sportello.db import migrate

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def upgrade(engine: sa.engine.Engine, revision: str = "head") -> None:
    """Applies the appointment migrations up to ``revision``."""
    migrate(engine, MIGRATIONS_DIR, revision)


if __name__ == "__main__":
    import sys

    from sportello.appointments.store import database_url
    from sportello.db import create_engine

    upgrade(create_engine(sys.argv[1] if len(sys.argv) > 1 else database_url(), immediate_transactions=True))
    print("appointment database is at the latest schema")
