"""Alembic environment of the appointment database."""

from sportello.appointments.schema import metadata
from sportello.db import run_migrations

run_migrations(metadata, "appointment_schema_version")
