"""Bookings in SQL (SQLite by default, PostgreSQL in production), safe under concurrent processes.

Each booking or move runs in one transaction that picks a free seat of the slot and
a free seat of the sender's allowance and inserts; the partial unique indexes of
schema.py make a second active booking on the same seat impossible. When two
processes race for the last seat, PostgreSQL refuses the loser's INSERT (unique
violation) and the transaction is retried on fresh data, which then shows the slot
full; SQLite serialises writers with BEGIN IMMEDIATE.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Dict, Iterable, List, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from sportello.appointments import migrate
from sportello.appointments.schema import ACTIVE, BOOKINGS, CANCELLED, EVENTS, NOTIFICATIONS, SENDERS
from sportello.db import create_engine, url_from_env
from sportello.privacy import pseudonym

logger = logging.getLogger(__name__)

# Past bookings stop counting against the sender's allowance.
DONE = "done"
# Unambiguous characters for booking codes (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_CHARS = 6
_ATTEMPTS = 8


def database_url() -> str:
    """``SPORTELLO_APPOINTMENTS_DB`` or, on the embedded default, ``var/appointments.db``."""
    return url_from_env("SPORTELLO_APPOINTMENTS_DB", "appointments.db")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def new_code() -> str:
    """A random booking code such as ``K7P4QX`` (31^6 ≈ 887 million codes)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_CHARS))


def normalise_code(text: str) -> str:
    """A typed booking code in canonical form: upper case, without spaces or dashes."""
    return "".join(ch for ch in text.upper() if ch.isalnum())[: CODE_CHARS + 2]


@dataclass(frozen=True)
class Booking:
    """One booking as stored."""

    id: int
    code: str
    service: str
    starts_at: datetime
    sender: str
    status: str
    name: str
    permit_type: Optional[str]
    procedure: Optional[str]
    application_number: Optional[str]
    language: str
    created_at: datetime
    cancelled_at: Optional[datetime] = None
    cancelled_by: Optional[str] = None
    reminded_at: Optional[datetime] = None


@dataclass(frozen=True)
class NewBooking:
    """What is needed to book a slot."""

    sender: str
    service: str
    starts_at: datetime
    name: str
    permit_type: Optional[str]
    procedure: Optional[str]
    application_number: Optional[str]
    language: str


class SlotFull(Exception):
    """Every seat of the slot is taken."""


class SenderFull(Exception):
    """The sender already holds as many active bookings as allowed."""

    def __init__(self, bookings: Sequence[Booking]) -> None:
        super().__init__("sender has reached the allowed active bookings")
        self.bookings = list(bookings)


class BookingStore:
    """Bookings, staff decisions per sender, rate-limit events and notifications."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, immediate_transactions=True)
        migrate.upgrade(self.engine)

    def close(self) -> None:
        """Releases the pooled connections."""
        self.engine.dispose()

    # Booking, moving, cancelling ------------------------------------------------

    def book(self, new: NewBooking, capacity: int, default_max_active: int, now: Optional[datetime] = None) -> Booking:
        """Books a seat of the slot for the sender.

        Raises:
            SlotFull: no seat left.
            SenderFull: the sender holds all the active bookings allowed.

        """
        now = now or _now()
        for _ in range(_ATTEMPTS):
            try:
                with self.engine.begin() as connection:
                    self._close_past(connection, new.sender, now)
                    held = self._active(connection, BOOKINGS.c.sender == new.sender)
                    allowed = self._max_active(connection, new.sender, default_max_active)
                    sender_seat = _first_free([b.sender_seat for b in held], allowed)
                    if sender_seat is None:
                        raise SenderFull([_booking(b) for b in held])
                    seat = self._free_seat(connection, new.service, new.starts_at, capacity)
                    if seat is None:
                        raise SlotFull()
                    code = new_code()
                    connection.execute(
                        BOOKINGS.insert().values(
                            code=code,
                            service=new.service,
                            starts_at=new.starts_at,
                            seat=seat,
                            sender=new.sender,
                            sender_seat=sender_seat,
                            status=ACTIVE,
                            name=new.name,
                            permit_type=new.permit_type,
                            procedure=new.procedure,
                            application_number=new.application_number,
                            language=new.language,
                            created_at=now,
                        )
                    )
                    booking = self._one(connection, BOOKINGS.c.code == code)
            except IntegrityError:
                # Another process took the seat (or the code) between our read and our insert.
                continue
            logger.info("booked %s at %s for %s", booking.code, booking.starts_at.isoformat(), pseudonym(new.sender))
            return booking
        raise SlotFull()

    def move(
        self, code: str, service: str, starts_at: datetime, capacity: int, sender: Optional[str] = None
    ) -> Booking:
        """Moves an active booking to another slot, keeping its code.

        Raises:
            KeyError: no active booking with this code (for this sender, when given).
            SlotFull: no seat left in the new slot.

        """
        for _ in range(_ATTEMPTS):
            try:
                with self.engine.begin() as connection:
                    current = self._active_by_code(connection, code, sender)
                    if current is None:
                        raise KeyError(code)
                    seat = self._free_seat(connection, service, starts_at, capacity)
                    if seat is None:
                        raise SlotFull()
                    connection.execute(
                        BOOKINGS.update()
                        .where(BOOKINGS.c.id == current.id)
                        .values(service=service, starts_at=starts_at, seat=seat, reminded_at=None)
                    )
                    booking = self._one(connection, BOOKINGS.c.id == current.id)
            except IntegrityError:
                continue
            logger.info("moved %s to %s", booking.code, booking.starts_at.isoformat())
            return booking
        raise SlotFull()

    def cancel(
        self, code: str, by: str, sender: Optional[str] = None, now: Optional[datetime] = None
    ) -> Optional[Booking]:
        """Cancels an active booking; returns it, or None if there was none (for this sender)."""
        with self.engine.begin() as connection:
            current = self._active_by_code(connection, code, sender)
            if current is None:
                return None
            connection.execute(
                BOOKINGS.update()
                .where(BOOKINGS.c.id == current.id, BOOKINGS.c.status == ACTIVE)
                .values(status=CANCELLED, cancelled_at=now or _now(), cancelled_by=by)
            )
            booking = self._one(connection, BOOKINGS.c.id == current.id)
        logger.info("cancelled %s by %s", booking.code, by)
        return booking

    # Reading ----------------------------------------------------------------------

    def taken(self, service: str, start: datetime, end: datetime) -> Dict[datetime, int]:
        """Active bookings per slot start in [start, end)."""
        query = (
            sa.select(BOOKINGS.c.starts_at, sa.func.count())
            .where(
                BOOKINGS.c.service == service,
                BOOKINGS.c.status == ACTIVE,
                BOOKINGS.c.starts_at >= start,
                BOOKINGS.c.starts_at < end,
            )
            .group_by(BOOKINGS.c.starts_at)
        )
        with self.engine.connect() as connection:
            return {row[0]: int(row[1]) for row in connection.execute(query)}

    def upcoming_of(self, sender: str, now: Optional[datetime] = None) -> List[Booking]:
        """The sender's active bookings that have not started yet, soonest first."""
        with self.engine.connect() as connection:
            rows = self._active(connection, BOOKINGS.c.sender == sender, BOOKINGS.c.starts_at >= (now or _now()))
        return [_booking(row) for row in rows]

    def by_code(self, code: str) -> Optional[Booking]:
        """The booking with this code, whatever its status."""
        with self.engine.connect() as connection:
            return self._one(connection, BOOKINGS.c.code == normalise_code(code))

    def between(self, start: datetime, end: datetime) -> List[Booking]:
        """Every booking (all statuses) starting in [start, end), in time order."""
        query = (
            sa.select(BOOKINGS)
            .where(BOOKINGS.c.starts_at >= start, BOOKINGS.c.starts_at < end)
            .order_by(BOOKINGS.c.starts_at, BOOKINGS.c.seat, BOOKINGS.c.id)
        )
        with self.engine.connect() as connection:
            return [_booking(row) for row in connection.execute(query)]

    def made_or_cancelled_between(self, start: datetime, end: datetime) -> List[Booking]:
        """Every booking made or cancelled in [start, end), oldest first (for the dashboard)."""
        query = (
            sa.select(BOOKINGS)
            .where(
                sa.or_(
                    sa.and_(BOOKINGS.c.created_at >= start, BOOKINGS.c.created_at < end),
                    sa.and_(BOOKINGS.c.cancelled_at >= start, BOOKINGS.c.cancelled_at < end),
                )
            )
            .order_by(BOOKINGS.c.id)
        )
        with self.engine.connect() as connection:
            return [_booking(row) for row in connection.execute(query)]

    def search(self, text: str, limit: int = 50) -> List[Booking]:
        """Bookings whose code is ``text`` or whose name contains it (case-insensitive), latest first."""
        needle = text.strip()
        if not needle:
            return []
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = (
            sa.select(BOOKINGS)
            .where(
                sa.or_(
                    BOOKINGS.c.code == normalise_code(needle),
                    sa.func.lower(BOOKINGS.c.name).like(f"%{escaped.lower()}%", escape="\\"),
                )
            )
            .order_by(BOOKINGS.c.starts_at.desc())
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return [_booking(row) for row in connection.execute(query)]

    # Staff decisions per sender ---------------------------------------------------

    def max_active(self, sender: str, default: int) -> int:
        """How many active bookings the sender may hold."""
        with self.engine.connect() as connection:
            return self._max_active(connection, sender, default)

    def allow(self, sender: str, max_active: Optional[int]) -> None:
        """Sets the sender's allowance of active bookings (None: back to the default)."""
        self._upsert_sender(sender, max_active=max_active)

    def block(self, sender: str, reason: str) -> None:
        """Blocks the sender from booking and looking up slots."""
        self._upsert_sender(sender, blocked_at=_now(), block_reason=reason)
        logger.warning("sender %s blocked by staff", pseudonym(sender))

    def unblock(self, sender: str) -> None:
        """Lifts a block and forgets the sender's counted events (a staff "release")."""
        self._upsert_sender(sender, blocked_at=None, block_reason=None)
        with self.engine.begin() as connection:
            connection.execute(EVENTS.delete().where(EVENTS.c.sender == sender))
        logger.info("sender %s released by staff", pseudonym(sender))

    def is_blocked(self, sender: str) -> bool:
        """Whether staff blocked the sender."""
        with self.engine.connect() as connection:
            return (
                connection.execute(sa.select(SENDERS.c.blocked_at).where(SENDERS.c.sender == sender)).scalar()
                is not None
            )

    # Rate-limit events --------------------------------------------------------------

    def record_event(self, sender: str, kind: str, detail: Optional[str] = None, at: Optional[datetime] = None) -> None:
        """Counts a look-up, a booking or a refusal for the sender."""
        with self.engine.begin() as connection:
            connection.execute(EVENTS.insert().values(sender=sender, kind=kind, detail=detail, at=at or _now()))

    def count_events(self, sender: str, kind: str, since: datetime) -> int:
        """The sender's events of this kind since ``since``."""
        query = sa.select(sa.func.count()).where(EVENTS.c.sender == sender, EVENTS.c.kind == kind, EVENTS.c.at >= since)
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def refusals(self, since: datetime) -> List[Dict[str, object]]:
        """Refusals since ``since`` (sender, reason, time), latest first, for staff."""
        query = (
            sa.select(EVENTS.c.sender, EVENTS.c.detail, EVENTS.c.at)
            .where(EVENTS.c.kind == "refused", EVENTS.c.at >= since)
            .order_by(EVENTS.c.at.desc())
        )
        with self.engine.connect() as connection:
            return [{"sender": row[0], "reason": row[1], "at": row[2]} for row in connection.execute(query)]

    # Reminders and notifications --------------------------------------------------

    def due_reminders(self, start: datetime, end: datetime) -> List[Booking]:
        """Active bookings starting in [start, end) that have had no reminder."""
        with self.engine.connect() as connection:
            rows = self._active(
                connection,
                BOOKINGS.c.starts_at >= start,
                BOOKINGS.c.starts_at < end,
                BOOKINGS.c.reminded_at.is_(None),
            )
        return [_booking(row) for row in rows]

    def claim_reminder(self, booking_id: int, now: Optional[datetime] = None) -> bool:
        """Marks the reminder as sent; False if another process did so first."""
        with self.engine.begin() as connection:
            result = connection.execute(
                BOOKINGS.update()
                .where(BOOKINGS.c.id == booking_id, BOOKINGS.c.reminded_at.is_(None), BOOKINGS.c.status == ACTIVE)
                .values(reminded_at=now or _now())
            )
            return result.rowcount == 1

    def record_notification(self, booking_id: int, kind: str, channel: str, template: Optional[str]) -> None:
        """Records what was sent to the applicant about a booking."""
        with self.engine.begin() as connection:
            connection.execute(
                NOTIFICATIONS.insert().values(
                    booking_id=booking_id, kind=kind, channel=channel, template=template, sent_at=_now()
                )
            )

    def notifications(self, booking_id: int) -> List[Dict[str, object]]:
        """What was sent about a booking, oldest first."""
        query = (
            sa.select(NOTIFICATIONS.c.kind, NOTIFICATIONS.c.channel, NOTIFICATIONS.c.template, NOTIFICATIONS.c.sent_at)
            .where(NOTIFICATIONS.c.booking_id == booking_id)
            .order_by(NOTIFICATIONS.c.id)
        )
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    # Personal data requests and retention -------------------------------------------

    def of_sender(self, sender: str) -> List[Booking]:
        """Every booking of ``sender``, whatever its status, oldest first."""
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(BOOKINGS).where(BOOKINGS.c.sender == sender).order_by(BOOKINGS.c.id))
            return [_booking(row) for row in rows]

    def erase_sender(self, sender: str) -> int:
        """Deletes the sender's bookings (with their notifications), staff decisions and events."""
        with self.engine.begin() as connection:
            ids = [row[0] for row in connection.execute(sa.select(BOOKINGS.c.id).where(BOOKINGS.c.sender == sender))]
            if ids:
                connection.execute(NOTIFICATIONS.delete().where(NOTIFICATIONS.c.booking_id.in_(ids)))
            deleted = connection.execute(BOOKINGS.delete().where(BOOKINGS.c.sender == sender)).rowcount
            connection.execute(SENDERS.delete().where(SENDERS.c.sender == sender))
            connection.execute(EVENTS.delete().where(EVENTS.c.sender == sender))
        return deleted

    def purge(self, before: datetime, events_before: datetime) -> int:
        """Deletes bookings ended or cancelled before ``before`` and older events; returns bookings deleted."""
        ended = sa.or_(
            sa.and_(BOOKINGS.c.status != CANCELLED, BOOKINGS.c.starts_at < before),
            sa.and_(BOOKINGS.c.status == CANCELLED, BOOKINGS.c.cancelled_at < before),
        )
        with self.engine.begin() as connection:
            ids = [row[0] for row in connection.execute(sa.select(BOOKINGS.c.id).where(ended))]
            if ids:
                connection.execute(NOTIFICATIONS.delete().where(NOTIFICATIONS.c.booking_id.in_(ids)))
                connection.execute(BOOKINGS.delete().where(BOOKINGS.c.id.in_(ids)))
            connection.execute(EVENTS.delete().where(EVENTS.c.at < events_before))
        return len(ids)

    # Helpers ----------------------------------------------------------------------

    @staticmethod
    def _close_past(connection: sa.engine.Connection, sender: str, now: datetime) -> None:
        connection.execute(
            BOOKINGS.update()
            .where(BOOKINGS.c.sender == sender, BOOKINGS.c.status == ACTIVE, BOOKINGS.c.starts_at < now)
            .values(status=DONE)
        )

    @staticmethod
    def _active(connection: sa.engine.Connection, *conditions: sa.sql.ColumnElement) -> List[sa.engine.Row]:
        query = sa.select(BOOKINGS).where(BOOKINGS.c.status == ACTIVE, *conditions).order_by(BOOKINGS.c.starts_at)
        return list(connection.execute(query))

    def _active_by_code(self, connection: sa.engine.Connection, code: str, sender: Optional[str]) -> Optional[Booking]:
        conditions = [BOOKINGS.c.code == normalise_code(code)]
        if sender is not None:
            conditions.append(BOOKINGS.c.sender == sender)
        rows = self._active(connection, *conditions)
        return _booking(rows[0]) if rows else None

    @staticmethod
    def _free_seat(connection: sa.engine.Connection, service: str, starts_at: datetime, capacity: int) -> Optional[int]:
        taken = connection.execute(
            sa.select(BOOKINGS.c.seat).where(
                BOOKINGS.c.service == service, BOOKINGS.c.starts_at == starts_at, BOOKINGS.c.status == ACTIVE
            )
        )
        return _first_free([row[0] for row in taken], capacity)

    @staticmethod
    def _max_active(connection: sa.engine.Connection, sender: str, default: int) -> int:
        value = connection.execute(sa.select(SENDERS.c.max_active).where(SENDERS.c.sender == sender)).scalar()
        return int(value) if value is not None else default

    @staticmethod
    def _one(connection: sa.engine.Connection, condition: sa.sql.ColumnElement) -> Optional[Booking]:
        row = connection.execute(sa.select(BOOKINGS).where(condition)).first()
        return _booking(row) if row is not None else None

    def _upsert_sender(self, sender: str, **values: object) -> None:
        values["updated_at"] = _now()
        with self.engine.begin() as connection:
            updated = connection.execute(SENDERS.update().where(SENDERS.c.sender == sender).values(**values))
            if updated.rowcount == 0:
                connection.execute(SENDERS.insert().values(sender=sender, **values))


def _first_free(used: Iterable[int], size: int) -> Optional[int]:
    taken = set(used)
    return next((seat for seat in range(size) if seat not in taken), None)


def _booking(row: sa.engine.Row) -> Booking:
    fields = row._mapping
    return Booking(**{name: fields[name] for name in Booking.__dataclass_fields__})


def window_start(now: datetime, hours: int) -> datetime:
    """The start of a rate-limit window ending now."""
    return now - timedelta(hours=hours)
