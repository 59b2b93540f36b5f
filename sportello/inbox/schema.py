"""Tables of the inbox database (SQLAlchemy Core); migrations/ creates them.

One open handoff per sender is enforced by the database (a partial unique index),
so two processes handing over the same conversation at once cannot open two.
"""

from __future__ import annotations

import sqlalchemy as sa

from sportello.db import UtcDateTime

SENDER_LENGTH = 256
OPEN_STATUSES = ("waiting", "assigned")
OPEN_ONLY = sa.text("status IN ('waiting', 'assigned')")

metadata = sa.MetaData()

HANDOFFS = sa.Table(
    "inbox_handoffs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender", sa.String(SENDER_LENGTH), nullable=False),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("reason", sa.String(32), nullable=False),
    sa.Column("language", sa.String(8)),
    sa.Column("permit_type", sa.String(64)),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("assigned_to", sa.String(64)),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("closed_at", UtcDateTime),
    sa.Index("inbox_handoffs_one_open", "sender", unique=True, sqlite_where=OPEN_ONLY, postgresql_where=OPEN_ONLY),
    sa.Index("inbox_handoffs_status", "status", "created_at"),
)

NOTES = sa.Table(
    "inbox_notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("handoff_id", sa.Integer, sa.ForeignKey("inbox_handoffs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("author", sa.String(64), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

USERS = sa.Table(
    "inbox_users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

SESSIONS = sa.Table(
    "inbox_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("inbox_users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
)

API_TOKENS = sa.Table(
    "inbox_api_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("inbox_users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("label", sa.String(100), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

# Append-only: the store has no update or delete for it.
AUDIT = sa.Table(
    "inbox_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("target", sa.String(SENDER_LENGTH)),
    sa.Column("detail", sa.Text),
)
