"""Alembic environment of the inbox database."""

from sportello.db import run_migrations
from sportello.inbox.schema import metadata

run_migrations(metadata, "inbox_schema_version")
