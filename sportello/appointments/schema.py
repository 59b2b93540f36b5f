"""Tables of the appointment database (SQLAlchemy Core); migrations/ creates and evolves them.

Double booking is impossible by construction: a booking holds one seat of its slot
(``seat`` < the slot's capacity) and one of its sender's allowed bookings
(``sender_seat`` < the sender's allowance), and two partial unique indexes forbid
two active bookings on the same seat. Whatever the application does, and however
many processes race, the database refuses the second one.
"""

from __future__ import annotations

import sqlalchemy as sa

from sportello.db import UtcDateTime

SENDER_LENGTH = 256
CODE_LENGTH = 8
ACTIVE = "active"
CANCELLED = "cancelled"

metadata = sa.MetaData()

BOOKINGS = sa.Table(
    "appointment_bookings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("code", sa.String(CODE_LENGTH), nullable=False, unique=True),
    sa.Column("service", sa.String(40), nullable=False),
    sa.Column("starts_at", UtcDateTime, nullable=False),
    sa.Column("seat", sa.Integer, nullable=False),
    sa.Column("sender", sa.String(SENDER_LENGTH), nullable=False),
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
    sa.Index(
        "appointment_bookings_one_per_seat",
        "service",
        "starts_at",
        "seat",
        unique=True,
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    ),
    sa.Index(
        "appointment_bookings_one_per_sender_seat",
        "sender",
        "sender_seat",
        unique=True,
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    ),
    sa.Index("appointment_bookings_starts_at", "starts_at"),
)

# Staff decisions about one sender: more bookings allowed, or blocked.
SENDERS = sa.Table(
    "appointment_senders",
    metadata,
    sa.Column("sender", sa.String(SENDER_LENGTH), primary_key=True),
    sa.Column("max_active", sa.Integer),
    sa.Column("blocked_at", UtcDateTime),
    sa.Column("block_reason", sa.Text),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

# Look-ups, bookings and refusals per sender, for the per-window limits (kept one window).
EVENTS = sa.Table(
    "appointment_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender", sa.String(SENDER_LENGTH), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("detail", sa.String(64)),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Index("appointment_events_sender_kind_at", "sender", "kind", "at"),
)

# What was sent to applicants about their booking (reminders, staff changes).
NOTIFICATIONS = sa.Table(
    "appointment_notifications",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("booking_id", sa.Integer, sa.ForeignKey("appointment_bookings.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("template", sa.String(128)),
    sa.Column("sent_at", UtcDateTime, nullable=False),
)
