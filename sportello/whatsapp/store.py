"""Durable WhatsApp state shared by every Rasa process: inbound messages, contacts, options, outbox, statuses.

Meta delivers webhooks at least once and a message must be answered exactly once,
even with several processes and restarts. Uniqueness is therefore left to the
database (a unique key and IntegrityError), and work is handed out with
compare-and-set UPDATEs whose row counts say who won, which holds on SQLite and
on PostgreSQL alike.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from sportello.db import UtcDateTime, create_engine, url_from_env
from sportello.whatsapp.webhook import InboundMessage, StatusUpdate

ID_LENGTH = 256
# webhook.py accepts timestamps of up to 19 digits; BIGINT stops at 2**63 - 1.
MAX_TIMESTAMP = 2**63 - 1
OPTION_KEY_LENGTH = 3


metadata = sa.MetaData()

INBOUND = sa.Table(
    "wa_inbound",
    metadata,
    # The sequence keeps arrival order even for messages stored within the same microsecond.
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("message_id", sa.String(ID_LENGTH), nullable=False, unique=True),
    sa.Column("sender", sa.String(ID_LENGTH), nullable=False),
    sa.Column("type", sa.Text, nullable=False),
    sa.Column("raw", sa.JSON, nullable=False),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("claimed_by", sa.Text),
    sa.Column("claimed_until", UtcDateTime),
    sa.Column("processed_at", UtcDateTime),
    sa.Index("wa_inbound_pending", "processed_at", "seq"),
)

CONTACTS = sa.Table(
    "wa_contacts",
    metadata,
    sa.Column("sender", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("profile_name", sa.Text),
    sa.Column("last_inbound_at", UtcDateTime, nullable=False),
)

OPTIONS = sa.Table(
    "wa_options",
    metadata,
    sa.Column("sender", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("option", sa.String(16), primary_key=True),
    sa.Column("payload", sa.Text, nullable=False),
)

OUTBOX = sa.Table(
    "wa_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("recipient", sa.String(ID_LENGTH), nullable=False),
    sa.Column("body", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending, sent, failed
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt", UtcDateTime, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("sent_at", UtcDateTime),
    sa.Column("wamid", sa.String(ID_LENGTH), index=True),
    sa.Column("last_error", sa.Text),
    sa.Column("needs_staff", sa.Boolean, nullable=False),
    sa.Index("wa_outbox_pending", "status", "recipient", "id"),
)

STATUSES = sa.Table(
    "wa_statuses",
    metadata,
    sa.Column("message_id", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("status", sa.Text, primary_key=True),
    sa.Column("timestamp", sa.BigInteger, nullable=False),
    sa.Column("recipient", sa.String(ID_LENGTH), nullable=False),
    sa.Column("errors", sa.JSON, nullable=False),
    sa.Column("outbox_id", sa.Integer, sa.ForeignKey("wa_outbox.id")),
    sa.Column("received_at", UtcDateTime, nullable=False),
)

MEDIA = sa.Table(
    "wa_media",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    # One row per inbound message: a redelivered or re-processed message reuses it.
    sa.Column("message_id", sa.String(ID_LENGTH), nullable=False, unique=True),
    sa.Column("sender", sa.String(ID_LENGTH), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("declared_mime_type", sa.Text, nullable=False),
    sa.Column("mime_type", sa.Text),  # as proven by the bytes, when accepted
    sa.Column("filename", sa.Text),  # the sender's name for it, cleaned, for staff only
    sa.Column("size", sa.BigInteger),
    sa.Column("sha256", sa.String(64)),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("storage_key", sa.Text),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("deleted_at", UtcDateTime),
)


@dataclass
class PendingInbound:
    """An inbound message handed to one worker for answering."""

    message_id: str
    sender: str
    raw: dict


@dataclass
class OutboundMessage:
    """An outbox row due for sending."""

    id: int
    recipient: str
    body: dict
    attempts: int


@dataclass
class MediaRecord:
    """What became of one attachment."""

    message_id: str
    sender: str
    kind: str
    declared_mime_type: str
    outcome: str
    reason: str = ""
    mime_type: str | None = None
    filename: str | None = None
    size: int | None = None
    sha256: str | None = None
    storage_key: str | None = None
    received_at: datetime | None = None


def default_store_url() -> str:
    """``WHATSAPP_STORE_URL`` or, on the embedded default, ``var/whatsapp.db``.

    The Rasa server, the appointment scheduler and the staff API share this database.
    """
    return url_from_env("WHATSAPP_STORE_URL", "whatsapp.db")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _utc(value: datetime) -> sa.sql.ColumnElement:
    """Returns a bind parameter typed as UtcDateTime, for places SQLAlchemy cannot infer the type."""
    return sa.literal(value, UtcDateTime)


class WhatsAppStore:
    """WhatsApp connector state in one SQL database (SQLAlchemy Core; SQLite or PostgreSQL)."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)
        try:
            metadata.create_all(self.engine)
        except DBAPIError:
            # Another process created the tables between the existence check and CREATE TABLE.
            metadata.create_all(self.engine)

    def close(self) -> None:
        """Releases the pooled database connections."""
        self.engine.dispose()

    def record_inbound(self, message: InboundMessage, raw: dict) -> bool:
        """Stores a message from a webhook; returns False if its id was already recorded."""
        row = {
            "message_id": message.id,
            "sender": message.sender,
            "type": message.type,
            "raw": raw,
            "received_at": _now(),
        }
        try:
            with self.engine.begin() as connection:
                connection.execute(INBOUND.insert().values(**row))
        except IntegrityError:
            return False
        return True

    def claim_pending(self, worker: str, lease_seconds: float = 60, limit: int = 50) -> list[PendingInbound]:
        """Returns up to ``limit`` unprocessed messages, oldest first, leased to ``worker``.

        A message whose lease has run out (its worker died) is handed out again; a live
        lease is never handed to a second worker. A sender is served by one worker at a
        time: while another worker holds one of a sender's messages, that sender's later
        messages wait, so each applicant's messages are answered in order.
        """
        now = _now()
        available = sa.and_(
            INBOUND.c.processed_at.is_(None),
            sa.or_(INBOUND.c.claimed_until.is_(None), INBOUND.c.claimed_until < now),
        )
        held = INBOUND.alias("held")
        held_elsewhere = (
            sa.select(held.c.seq)
            .where(
                held.c.sender == INBOUND.c.sender,
                held.c.processed_at.is_(None),
                held.c.claimed_until >= now,
                held.c.claimed_by != worker,
            )
            .exists()
        )
        free = sa.and_(available, ~held_elsewhere)
        claimed: list[PendingInbound] = []
        lost_senders: set[str] = set()
        with self.engine.begin() as connection:
            candidates = connection.execute(
                sa.select(INBOUND.c.seq, INBOUND.c.message_id, INBOUND.c.sender, INBOUND.c.raw)
                .where(free)
                .order_by(INBOUND.c.seq)
                .limit(limit)
            ).all()
            until = now + timedelta(seconds=lease_seconds)
            for candidate in candidates:
                if candidate.sender in lost_senders:
                    continue
                claim = INBOUND.update().where(INBOUND.c.seq == candidate.seq, free)
                won = connection.execute(claim.values(claimed_by=worker, claimed_until=until)).rowcount
                if won:
                    claimed.append(PendingInbound(candidate.message_id, candidate.sender, candidate.raw))
                else:
                    # Another worker took an earlier message of this sender: leave it the later ones.
                    lost_senders.add(candidate.sender)
        return claimed

    def release(self, worker: str) -> int:
        """Hands back the unanswered messages ``worker`` holds (it could not answer them now); returns how many."""
        with self.engine.begin() as connection:
            return connection.execute(
                INBOUND.update()
                .where(INBOUND.c.claimed_by == worker, INBOUND.c.processed_at.is_(None))
                .values(claimed_by=None, claimed_until=None)
            ).rowcount

    def answer(self, message_id: str, sender: str, bodies: list[dict], options: dict[str, str]) -> None:
        """Records a message's answer: its outbox rows, the options it offers (if any), and that it is answered.

        In one transaction, so a process that dies half-way leaves either nothing (the
        message is answered again) or everything (it is never answered twice).
        """
        with self.engine.begin() as connection:
            if options:
                _replace_options(connection, sender, options)
            for body in bodies:
                _insert_outbox(connection, sender, body)
            _mark_processed(connection, message_id)

    def touch_contact(self, sender: str, profile_name: str | None, at: datetime) -> None:
        """Records a message from ``sender`` at ``at``; keeps the latest time and the last known profile name."""
        # Webhooks arrive out of order: an older delivery must not move the window back.
        update = (
            CONTACTS.update()
            .where(CONTACTS.c.sender == sender)
            .values(
                last_inbound_at=sa.case((CONTACTS.c.last_inbound_at < at, _utc(at)), else_=CONTACTS.c.last_inbound_at),
                profile_name=sa.func.coalesce(sa.literal(profile_name, sa.Text), CONTACTS.c.profile_name),
            )
        )
        with self.engine.begin() as connection:
            if connection.execute(update).rowcount:
                return
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    CONTACTS.insert().values(sender=sender, profile_name=profile_name, last_inbound_at=at)
                )
        except IntegrityError:
            # Another process inserted the contact first.
            with self.engine.begin() as connection:
                connection.execute(update)

    def last_inbound_at(self, sender: str) -> datetime | None:
        """Returns when ``sender`` last wrote (the start of the 24-hour window), or None if never."""
        with self.engine.connect() as connection:
            return connection.execute(
                sa.select(CONTACTS.c.last_inbound_at).where(CONTACTS.c.sender == sender)
            ).scalar_one_or_none()

    def option_payload(self, sender: str, text: str) -> str | None:
        """Returns the payload of the option ``text`` picks ("2", "2.", "٢"), or None."""
        key = text.strip().rstrip(".)")
        # int() reads every script's decimal digits, so "٢" and "２" pick option 2.
        if not key.isdecimal() or len(key) > OPTION_KEY_LENGTH:
            return None
        with self.engine.connect() as connection:
            return connection.execute(
                sa.select(OPTIONS.c.payload).where(OPTIONS.c.sender == sender, OPTIONS.c.option == str(int(key)))
            ).scalar_one_or_none()

    def enqueue(self, recipient: str, body: dict) -> int:
        """Adds a Graph API request body to the outbox; returns the row id."""
        with self.engine.begin() as connection:
            return _insert_outbox(connection, recipient, body)

    def outbox_backlog(self) -> int:
        """How many messages wait in the outbox."""
        with self.engine.connect() as connection:
            query = sa.select(sa.func.count()).where(OUTBOX.c.status == "pending")
            return int(connection.execute(query).scalar_one())

    def due_outbound(self, now: datetime, limit: int = 20, lease_seconds: float = 60) -> list[OutboundMessage]:
        """Returns the outbox rows to send now: per recipient only its oldest pending row, if it is due.

        The returned rows are leased (their next attempt moves ``lease_seconds`` ahead), so
        another process polling meanwhile does not send them too; mark_sent, reschedule or
        mark_failed settles them, and a row whose sender died comes back after the lease.
        """
        oldest = (
            sa.select(sa.func.min(OUTBOX.c.id).label("id"))
            .where(OUTBOX.c.status == "pending")
            .group_by(OUTBOX.c.recipient)
            .subquery()
        )
        due: list[OutboundMessage] = []
        with self.engine.begin() as connection:
            candidates = connection.execute(
                sa.select(OUTBOX.c.id, OUTBOX.c.recipient, OUTBOX.c.body, OUTBOX.c.attempts)
                .join(oldest, OUTBOX.c.id == oldest.c.id)
                .where(OUTBOX.c.next_attempt <= now)
                .order_by(OUTBOX.c.id)
                .limit(limit)
            ).all()
            for candidate in candidates:
                won = connection.execute(
                    OUTBOX.update()
                    .where(OUTBOX.c.id == candidate.id, OUTBOX.c.status == "pending", OUTBOX.c.next_attempt <= now)
                    .values(next_attempt=now + timedelta(seconds=lease_seconds))
                ).rowcount
                if won:
                    due.append(OutboundMessage(candidate.id, candidate.recipient, candidate.body, candidate.attempts))
        return due

    def mark_sent(self, outbox_id: int, wamid: str) -> None:
        """Records that the Graph API accepted an outbox row as message ``wamid``."""
        with self.engine.begin() as connection:
            connection.execute(
                OUTBOX.update().where(OUTBOX.c.id == outbox_id).values(status="sent", wamid=wamid, sent_at=_now())
            )
            # A status webhook can overtake the answer to the send request.
            connection.execute(
                STATUSES.update()
                .where(STATUSES.c.message_id == wamid, STATUSES.c.outbox_id.is_(None))
                .values(outbox_id=outbox_id)
            )

    def reschedule(self, outbox_id: int, next_attempt: datetime, error: str) -> None:
        """Records a failed attempt and when to try again."""
        with self.engine.begin() as connection:
            connection.execute(
                OUTBOX.update()
                .where(OUTBOX.c.id == outbox_id)
                .values(attempts=OUTBOX.c.attempts + 1, next_attempt=next_attempt, last_error=error)
            )

    def mark_failed(self, outbox_id: int, error: str, needs_staff: bool) -> None:
        """Gives up on an outbox row; ``needs_staff`` flags it for a person to follow up."""
        with self.engine.begin() as connection:
            connection.execute(
                OUTBOX.update()
                .where(OUTBOX.c.id == outbox_id)
                .values(status="failed", last_error=error, needs_staff=needs_staff)
            )

    def record_status(self, status: StatusUpdate) -> bool:
        """Stores a delivery report; returns False if this (message, status) pair was already recorded.

        A ``failed`` report marks the message we sent as failed and flags it for staff.
        """
        try:
            with self.engine.begin() as connection:
                outbox_id = connection.execute(
                    sa.select(OUTBOX.c.id).where(OUTBOX.c.wamid == status.message_id).limit(1)
                ).scalar()
                connection.execute(
                    STATUSES.insert().values(
                        message_id=status.message_id,
                        status=status.status,
                        timestamp=min(status.timestamp, MAX_TIMESTAMP),
                        recipient=status.recipient,
                        errors=list(status.errors),
                        outbox_id=outbox_id,
                        received_at=_now(),
                    )
                )
                if outbox_id is not None and status.status == "failed":
                    # Meta reports some refusals only afterwards, as a failed status (131047:
                    # the 24-hour window had closed): the reply never arrived, so a person must follow up.
                    codes = ", ".join(str(error.get("code")) for error in status.errors) or "no code"
                    connection.execute(
                        OUTBOX.update()
                        .where(OUTBOX.c.id == outbox_id)
                        .values(status="failed", last_error=f"failed status ({codes})", needs_staff=True)
                    )
        except IntegrityError:
            return False
        return True

    def record_media(self, record: MediaRecord) -> bool:
        """Stores what became of an attachment; returns False if its message already has a record."""
        values = {**record.__dict__, "received_at": record.received_at or _now()}
        try:
            with self.engine.begin() as connection:
                connection.execute(MEDIA.insert().values(**values))
        except IntegrityError:
            return False
        return True

    def media_of_message(self, message_id: str) -> MediaRecord | None:
        """The attachment record of one inbound message, if any."""
        return next(iter(self._media(MEDIA.c.message_id == message_id)), None)

    def media_of_sender(self, sender: str) -> list[MediaRecord]:
        """Every attachment record of a conversation still held, oldest first (what staff see)."""
        return self._media(sa.and_(MEDIA.c.sender == sender, MEDIA.c.deleted_at.is_(None)))

    def expired_media(self, before: datetime) -> list[MediaRecord]:
        """Attachments received before ``before`` and not deleted yet."""
        return self._media(sa.and_(MEDIA.c.received_at < before, MEDIA.c.deleted_at.is_(None)))

    def mark_media_deleted(self, message_id: str) -> None:
        """Records that an attachment's bytes are gone; the row stays as the trace that it existed."""
        with self.engine.begin() as connection:
            connection.execute(
                MEDIA.update()
                .where(MEDIA.c.message_id == message_id)
                .values(deleted_at=_now(), storage_key=None, filename=None)
            )

    def _media(self, condition: sa.sql.ColumnElement) -> list[MediaRecord]:
        columns = [MEDIA.c[name] for name in MediaRecord.__dataclass_fields__]
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(*columns).where(condition).order_by(MEDIA.c.id)).all()
        return [MediaRecord(**row._mapping) for row in rows]

    # Personal data requests and retention ---------------------------------------------

    def export_sender(self, sender: str) -> dict:
        """Everything kept about ``sender``: messages received, messages sent, statuses, attachments."""
        with self.engine.connect() as connection:
            inbound = connection.execute(
                sa.select(INBOUND.c.message_id, INBOUND.c.type, INBOUND.c.raw, INBOUND.c.received_at)
                .where(INBOUND.c.sender == sender)
                .order_by(INBOUND.c.seq)
            )
            outbound = connection.execute(
                sa.select(OUTBOX.c.id, OUTBOX.c.body, OUTBOX.c.status, OUTBOX.c.created_at, OUTBOX.c.sent_at)
                .where(OUTBOX.c.recipient == sender)
                .order_by(OUTBOX.c.id)
            )
            statuses = connection.execute(sa.select(STATUSES).where(STATUSES.c.recipient == sender))
            return {
                "received": [dict(row._mapping) for row in inbound],
                "sent": [dict(row._mapping) for row in outbound],
                "statuses": [dict(row._mapping) for row in statuses],
                "attachments": [dataclasses.asdict(record) for record in self.media_of_sender(sender)],
            }

    def erase_sender(self, sender: str) -> int:
        """Deletes every row about ``sender`` (attachment files are the caller's); returns how many."""
        deleted = 0
        with self.engine.begin() as connection:
            for table, column in (
                (INBOUND, INBOUND.c.sender),
                (OUTBOX, OUTBOX.c.recipient),
                (STATUSES, STATUSES.c.recipient),
                (MEDIA, MEDIA.c.sender),
                (OPTIONS, OPTIONS.c.sender),
                (CONTACTS, CONTACTS.c.sender),
            ):
                deleted += connection.execute(table.delete().where(column == sender)).rowcount
        return deleted

    def purge_messages(self, before: datetime) -> int:
        """Deletes message texts older than ``before``: answered inbound messages, settled outbox rows, statuses."""
        with self.engine.begin() as connection:
            deleted = connection.execute(
                INBOUND.delete().where(INBOUND.c.received_at < before, INBOUND.c.processed_at.is_not(None))
            ).rowcount
            deleted += connection.execute(
                OUTBOX.delete().where(OUTBOX.c.created_at < before, OUTBOX.c.status != "pending")
            ).rowcount
            deleted += connection.execute(STATUSES.delete().where(STATUSES.c.received_at < before)).rowcount
        return deleted


def _mark_processed(connection: sa.engine.Connection, message_id: str) -> None:
    connection.execute(
        INBOUND.update()
        .where(INBOUND.c.message_id == message_id)
        .values(processed_at=_now(), claimed_by=None, claimed_until=None)
    )


def _replace_options(connection: sa.engine.Connection, sender: str, options: dict[str, str]) -> None:
    connection.execute(OPTIONS.delete().where(OPTIONS.c.sender == sender))
    connection.execute(
        OPTIONS.insert(), [{"sender": sender, "option": key, "payload": payload} for key, payload in options.items()]
    )


def _insert_outbox(connection: sa.engine.Connection, recipient: str, body: dict) -> int:
    now = _now()
    result = connection.execute(
        OUTBOX.insert().values(
            recipient=recipient,
            body=body,
            status="pending",
            attempts=0,
            next_attempt=now,
            created_at=now,
            needs_staff=False,
        )
    )
    return int(result.inserted_primary_key[0])
