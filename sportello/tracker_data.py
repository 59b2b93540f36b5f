"""Conversations in Rasa's SQL tracker store, for export, erasure and retention.

Rasa offers no way to delete a conversation, so this reads and deletes rows of its
SQL tracker store (table ``events``: ``sender_id``, ``timestamp``, ``data``), on the
embedded SQLite file or the production PostgreSQL database. A conversation is deleted
whole, never a part of it, so that what remains is always a valid tracker.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from typing import Any, Dict, Iterator, List, Optional, Tuple

import sqlalchemy as sa

from sportello.db import create_engine
from sportello.runtime import VAR_DIR

EVENTS = sa.Table(
    "events",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255)),
    sa.Column("type_name", sa.String(255)),
    sa.Column("timestamp", sa.Float),
    sa.Column("data", sa.Text),
)


def tracker_url() -> str:
    """``SPORTELLO_TRACKER_DB`` or the embedded default's SQLite tracker store (endpoints.yml)."""
    return os.environ.get("SPORTELLO_TRACKER_DB") or f"sqlite:///{VAR_DIR / 'tracker.db'}"


class TrackerData:
    """The tracker store's events, per sender."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)

    def close(self) -> None:
        """Releases the pooled connections."""
        self.engine.dispose()

    def events_of(self, sender: str) -> List[Dict[str, Any]]:
        """The sender's events, in order."""
        if not self._exists():
            return []
        query = sa.select(EVENTS.c.data).where(EVENTS.c.sender_id == sender).order_by(EVENTS.c.id)
        with self.engine.connect() as connection:
            return [json.loads(row[0]) for row in connection.execute(query)]

    def conversations(
        self, start: Optional[datetime] = None, end: Optional[datetime] = None
    ) -> Iterator[Tuple[str, List[Dict[str, Any]]]]:
        """Each conversation with an event in [``start``, ``end``): its sender and all its events, in order.

        The whole conversation is returned, not only the events in the range, so that a
        reader can tell what led to an event (the message before a handoff, say).
        """
        if not self._exists():
            return
        active = sa.select(EVENTS.c.sender_id).distinct()
        if start is not None:
            active = active.where(EVENTS.c.timestamp >= start.timestamp())
        if end is not None:
            active = active.where(EVENTS.c.timestamp < end.timestamp())
        query = (
            sa.select(EVENTS.c.sender_id, EVENTS.c.data)
            .where(EVENTS.c.sender_id.in_(active))
            .order_by(EVENTS.c.sender_id, EVENTS.c.id)
        )
        sender: Optional[str] = None
        events: List[Dict[str, Any]] = []
        with self.engine.connect() as connection:
            for row_sender, data in connection.execution_options(stream_results=True).execute(query):
                if row_sender != sender and sender is not None:
                    yield sender, events
                    events = []
                sender = row_sender
                events.append(json.loads(data))
        if sender is not None:
            yield sender, events

    def erase(self, sender: str) -> int:
        """Deletes the sender's conversation; returns how many events."""
        if not self._exists():
            return 0
        with self.engine.begin() as connection:
            return connection.execute(EVENTS.delete().where(EVENTS.c.sender_id == sender)).rowcount

    def purge(self, before: datetime) -> int:
        """Deletes the conversations whose last event is older than ``before``; returns how many events."""
        if not self._exists():
            return 0
        idle = (
            sa.select(EVENTS.c.sender_id)
            .group_by(EVENTS.c.sender_id)
            .having(sa.func.max(EVENTS.c.timestamp) < before.timestamp())
        )
        with self.engine.begin() as connection:
            return connection.execute(EVENTS.delete().where(EVENTS.c.sender_id.in_(idle))).rowcount

    def _exists(self) -> bool:
        return sa.inspect(self.engine).has_table("events")
