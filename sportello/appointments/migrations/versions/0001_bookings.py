"""Bookings, sender decisions, rate-limit events and notifications.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from sportello.db import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ACTIVE_ONLY = sa.text("status = 'active'")


def upgrade() -> None:
    """Creates the four tables and the indexes that forbid double booking."""
    op.create_table(
        "appointment_bookings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(8), nullable=False, unique=True),
        sa.Column("service", sa.String(40), nullable=False),
        sa.Column("starts_at", UtcDateTime, nullable=False),
        sa.Column("seat", sa.Integer, nullable=False),
        sa.Column("sender", sa.String(256), nullable=False),
        sa.Column("sender_seat", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("permit_type", sa.String(64)),
        sa.Column("procedure", sa.String(64)),
        sa.Column("application_number", sa.String(32)),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("cancelled_at", UtcDateTime),
        sa.Column("cancelled_by", sa.String(16)),
        sa.Column("reminded_at", UtcDateTime),
    )
    op.create_index(
        "appointment_bookings_one_per_seat",
        "appointment_bookings",
        ["service", "starts_at", "seat"],
        unique=True,
        sqlite_where=ACTIVE_ONLY,
        postgresql_where=ACTIVE_ONLY,
    )
    op.create_index(
        "appointment_bookings_one_per_sender_seat",
        "appointment_bookings",
        ["sender", "sender_seat"],
        unique=True,
        sqlite_where=ACTIVE_ONLY,
        postgresql_where=ACTIVE_ONLY,
    )
    op.create_index("appointment_bookings_starts_at", "appointment_bookings", ["starts_at"])
    op.create_table(
        "appointment_senders",
        sa.Column("sender", sa.String(256), primary_key=True),
        sa.Column("max_active", sa.Integer),
        sa.Column("blocked_at", UtcDateTime),
        sa.Column("block_reason", sa.Text),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "appointment_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("sender", sa.String(256), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(64)),
        sa.Column("at", UtcDateTime, nullable=False),
    )
    op.create_index("appointment_events_sender_kind_at", "appointment_events", ["sender", "kind", "at"])
    op.create_table(
        "appointment_notifications",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "booking_id",
            sa.Integer,
            sa.ForeignKey("appointment_bookings.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("template", sa.String(128)),
        sa.Column("sent_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    """Drops what upgrade created."""
    for table in ("appointment_notifications", "appointment_events", "appointment_senders", "appointment_bookings"):
        op.drop_table(table)
