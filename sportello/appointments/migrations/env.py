"""Alembic environment of the appointment database: run on the connection migrate.py hands over."""

from alembic import context

from sportello.appointments.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    # Its own version table, so the appointment tables can share a database with others.
    version_table="appointment_schema_version",
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
