"""The inbox database: handoffs and their notes, staff accounts, sessions, API tokens, the audit log.

SQLite by default (``var/inbox.db``), PostgreSQL in production (``SPORTELLO_INBOX_DB``).
The action server opens handoffs here; the inbox web application reads and changes them.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from sportello.db import UtcDateTime, create_engine, migrate, url_from_env
from sportello.inbox.passwords import hash_password, verify_password
from sportello.inbox.schema import API_TOKENS, AUDIT, HANDOFFS, NOTES, OPEN_STATUSES, SESSIONS, USERS
from sportello.privacy import pseudonym

logger = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
ROLES = ("operator", "supervisor", "administrator")
SESSION_HOURS = 8


def database_url() -> str:
    """``SPORTELLO_INBOX_DB`` or, on the embedded default, ``var/inbox.db``."""
    return url_from_env("SPORTELLO_INBOX_DB", "inbox.db")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _digest(token: str) -> str:
    # Session and API tokens are stored hashed: a copy of the database does not log anyone in.
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Handoff:
    """A conversation handed over to a person."""

    id: int
    sender: str
    channel: str
    reason: str
    language: Optional[str]
    permit_type: Optional[str]
    status: str
    assigned_to: Optional[str]
    created_at: datetime
    updated_at: datetime
    closed_at: Optional[datetime]


@dataclass(frozen=True)
class User:
    """A staff account."""

    id: int
    username: str
    role: str
    active: bool

    def can(self, role: str) -> bool:
        """Whether the account has ``role`` or a higher one."""
        return ROLES.index(self.role) >= ROLES.index(role)


@dataclass(frozen=True)
class Session:
    """A logged-in browser: its user and the CSRF token its forms must carry."""

    user: User
    csrf_token: str


class InboxStore:
    """Everything the inbox keeps, on one SQL database."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, immediate_transactions=True)
        migrate(self.engine, MIGRATIONS_DIR)

    def close(self) -> None:
        """Releases the pooled connections."""
        self.engine.dispose()

    # Handoffs ---------------------------------------------------------------------

    def open_handoff(
        self, sender: str, channel: str, reason: str, language: Optional[str], permit_type: Optional[str]
    ) -> Handoff:
        """Opens a handoff for the sender, or returns the one already open (the database allows one)."""
        now = _now()
        row = {
            "sender": sender,
            "channel": channel,
            "reason": reason,
            "language": language,
            "permit_type": permit_type,
            "status": "waiting",
            "created_at": now,
            "updated_at": now,
        }
        try:
            with self.engine.begin() as connection:
                connection.execute(HANDOFFS.insert().values(**row))
            logger.info("handoff opened for %s (%s)", pseudonym(sender), reason)
        except IntegrityError:
            pass  # already open: keep the first reason and place in the queue
        handoff = self.open_handoff_of(sender)
        if handoff is None:
            raise RuntimeError("handoff vanished right after opening")
        return handoff

    def open_handoff_of(self, sender: str) -> Optional[Handoff]:
        """The sender's open (waiting or assigned) handoff."""
        return self._one(sa.and_(HANDOFFS.c.sender == sender, HANDOFFS.c.status.in_(OPEN_STATUSES)))

    def handoff(self, handoff_id: int) -> Optional[Handoff]:
        """A handoff by id."""
        return self._one(HANDOFFS.c.id == handoff_id)

    def position(self, handoff: Handoff) -> int:
        """1 for the oldest waiting handoff, and so on."""
        query = sa.select(sa.func.count()).where(
            HANDOFFS.c.status == "waiting", HANDOFFS.c.created_at <= handoff.created_at, HANDOFFS.c.id <= handoff.id
        )
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def queue(self, view: str, username: str, limit: int = 200) -> List[Handoff]:
        """``waiting``, ``mine``, ``others`` or ``resolved``; oldest first (resolved: latest first)."""
        conditions = {
            "waiting": HANDOFFS.c.status == "waiting",
            "mine": sa.and_(HANDOFFS.c.status == "assigned", HANDOFFS.c.assigned_to == username),
            "others": sa.and_(HANDOFFS.c.status == "assigned", HANDOFFS.c.assigned_to != username),
            "resolved": HANDOFFS.c.status.in_(("resolved", "handed_back")),
        }
        order = HANDOFFS.c.closed_at.desc() if view == "resolved" else HANDOFFS.c.created_at
        query = sa.select(HANDOFFS).where(conditions[view]).order_by(order, HANDOFFS.c.id).limit(limit)
        with self.engine.connect() as connection:
            return [_handoff(row) for row in connection.execute(query)]

    def counts(self, username: str) -> Dict[str, int]:
        """How many open handoffs are waiting, assigned to ``username`` and assigned to others (one query)."""
        mine = sa.case((HANDOFFS.c.assigned_to == username, "mine"), else_="others")
        view = sa.case((HANDOFFS.c.status == "waiting", "waiting"), else_=mine).label("view")
        query = sa.select(view, sa.func.count()).where(HANDOFFS.c.status.in_(OPEN_STATUSES)).group_by(view)
        counts = {"waiting": 0, "mine": 0, "others": 0}
        with self.engine.connect() as connection:
            counts.update({row[0]: int(row[1]) for row in connection.execute(query)})
        return counts

    def assign(self, handoff_id: int, username: str) -> bool:
        """Assigns an open handoff to ``username``; False if it is not open."""
        return self._update(handoff_id, status="assigned", assigned_to=username)

    def end_handoff(self, handoff_id: int, status: str) -> bool:
        """Ends an open handoff as ``resolved`` or ``handed_back``; False if it was not open."""
        return self._update(handoff_id, status=status, closed_at=_now())

    def handoffs_with_first_reply(self, since: datetime) -> List[Tuple[Handoff, Optional[datetime]]]:
        """Handoffs open at ``since`` or opened after it, each with the time of its first staff reply.

        The reply comes from the audit log (a ``reply`` to the sender while the handoff
        was open), so the dashboard's answer times are read from stored records.
        """
        first_reply = (
            sa.select(sa.type_coerce(sa.func.min(AUDIT.c.at), UtcDateTime))
            .where(
                AUDIT.c.action == "reply",
                AUDIT.c.target == HANDOFFS.c.sender,
                AUDIT.c.at >= HANDOFFS.c.created_at,
                sa.or_(HANDOFFS.c.closed_at.is_(None), AUDIT.c.at <= HANDOFFS.c.closed_at),
            )
            .scalar_subquery()
            .label("first_reply")
        )
        query = (
            sa.select(HANDOFFS, first_reply)
            .where(sa.or_(HANDOFFS.c.closed_at.is_(None), HANDOFFS.c.closed_at >= since))
            .order_by(HANDOFFS.c.id)
        )
        with self.engine.connect() as connection:
            return [(_handoff(row), row.first_reply) for row in connection.execute(query)]

    def add_note(self, handoff_id: int, author: str, text: str) -> None:
        """A private note for staff."""
        with self.engine.begin() as connection:
            connection.execute(
                NOTES.insert().values(handoff_id=handoff_id, author=author, text=text, created_at=_now())
            )

    def notes(self, handoff_id: int) -> List[Dict[str, Any]]:
        """The handoff's notes, oldest first."""
        query = sa.select(NOTES.c.author, NOTES.c.text, NOTES.c.created_at).where(NOTES.c.handoff_id == handoff_id)
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query.order_by(NOTES.c.id))]

    def handoffs_of(self, sender: str) -> List[Dict[str, Any]]:
        """Every handoff of ``sender`` with its notes, oldest first."""
        with self.engine.connect() as connection:
            rows = list(
                connection.execute(sa.select(HANDOFFS).where(HANDOFFS.c.sender == sender).order_by(HANDOFFS.c.id))
            )
        return [{**dict(row._mapping), "notes": self.notes(row.id)} for row in rows]

    def erase_sender(self, sender: str) -> int:
        """Deletes the sender's handoffs and notes (the audit log keeps that an erasure happened)."""
        with self.engine.begin() as connection:
            ids = [row[0] for row in connection.execute(sa.select(HANDOFFS.c.id).where(HANDOFFS.c.sender == sender))]
            if ids:
                connection.execute(NOTES.delete().where(NOTES.c.handoff_id.in_(ids)))
            return connection.execute(HANDOFFS.delete().where(HANDOFFS.c.sender == sender)).rowcount

    def purge(self, closed_before: datetime, audit_before: datetime) -> int:
        """Deletes handoffs closed before ``closed_before`` (with notes) and audit entries before ``audit_before``.

        The only deletion of audit entries: by age, as privacy.yml says.
        """
        with self.engine.begin() as connection:
            old = sa.select(HANDOFFS.c.id).where(HANDOFFS.c.closed_at < closed_before)
            connection.execute(NOTES.delete().where(NOTES.c.handoff_id.in_(old)))
            deleted = connection.execute(HANDOFFS.delete().where(HANDOFFS.c.closed_at < closed_before)).rowcount
            deleted += connection.execute(AUDIT.delete().where(AUDIT.c.at < audit_before)).rowcount
        return deleted

    # Accounts -----------------------------------------------------------------------

    def create_user(self, username: str, password: str, role: str) -> User:
        """Creates an account.

        Raises:
            ValueError: unknown role, bad user name, short password, or the name is taken.

        """
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        if not username.isascii() or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
            raise ValueError("user name: letters, digits, '.', '-' and '_' only")
        if not 3 <= len(username) <= 64:
            raise ValueError("user name: 3 to 64 characters")
        if len(password) < 12:
            raise ValueError("password: at least 12 characters")
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    USERS.insert().values(
                        username=username,
                        password_hash=hash_password(password),
                        role=role,
                        active=True,
                        created_at=_now(),
                    )
                )
        except IntegrityError:
            raise ValueError(f"user name {username!r} is taken") from None
        user = self.user_by_name(username)
        if user is None:
            raise RuntimeError("user vanished right after creation")
        return user

    def user_by_name(self, username: str) -> Optional[User]:
        """The account with this user name."""
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(USERS).where(USERS.c.username == username)).first()
        return _user(row) if row else None

    def users(self) -> List[User]:
        """Every account, by name."""
        with self.engine.connect() as connection:
            return [_user(row) for row in connection.execute(sa.select(USERS).order_by(USERS.c.username))]

    def authenticate(self, username: str, password: str) -> Optional[User]:
        """The active account if the password is right (the hash is checked even for unknown names)."""
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(USERS).where(USERS.c.username == username)).first()
        stored = row.password_hash if row else None
        ok = verify_password(password, stored)
        return _user(row) if ok and row is not None and row.active else None

    def start_session(self, user: User) -> str:
        """A new session for the user; returns the token for the cookie."""
        token = secrets.token_urlsafe(32)
        now = _now()
        with self.engine.begin() as connection:
            connection.execute(SESSIONS.delete().where(SESSIONS.c.expires_at < now))
            connection.execute(
                SESSIONS.insert().values(
                    token_hash=_digest(token),
                    user_id=user.id,
                    csrf_token=secrets.token_urlsafe(32),
                    created_at=now,
                    expires_at=now + timedelta(hours=SESSION_HOURS),
                )
            )
        return token

    def session(self, token: str) -> Optional[Session]:
        """The session of a cookie token, if it exists, has not expired and its user is active."""
        query = (
            sa.select(USERS, SESSIONS.c.csrf_token)
            .join(SESSIONS, SESSIONS.c.user_id == USERS.c.id)
            .where(SESSIONS.c.token_hash == _digest(token), SESSIONS.c.expires_at > _now(), USERS.c.active.is_(True))
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return Session(_user(row), row.csrf_token) if row else None

    def end_session(self, token: str) -> None:
        """Logs a browser out."""
        with self.engine.begin() as connection:
            connection.execute(SESSIONS.delete().where(SESSIONS.c.token_hash == _digest(token)))

    def create_api_token(self, user: User, label: str) -> str:
        """A new API token acting as ``user``; shown once, stored hashed."""
        token = secrets.token_urlsafe(32)
        with self.engine.begin() as connection:
            connection.execute(
                API_TOKENS.insert().values(token_hash=_digest(token), user_id=user.id, label=label, created_at=_now())
            )
        return token

    def api_user(self, token: str) -> Optional[User]:
        """The active account an API token acts as."""
        query = (
            sa.select(USERS)
            .join(API_TOKENS, API_TOKENS.c.user_id == USERS.c.id)
            .where(API_TOKENS.c.token_hash == _digest(token), USERS.c.active.is_(True))
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return _user(row) if row else None

    # Audit --------------------------------------------------------------------------

    def audit(self, username: str, action: str, target: Optional[str] = None, detail: Optional[str] = None) -> None:
        """Appends to the audit log (nothing in the store updates or deletes it)."""
        with self.engine.begin() as connection:
            connection.execute(
                AUDIT.insert().values(at=_now(), username=username, action=action, target=target, detail=detail)
            )

    def audit_log(self, limit: int = 500) -> List[Dict[str, Any]]:
        """The latest audit entries, newest first."""
        query = sa.select(AUDIT).order_by(AUDIT.c.id.desc()).limit(limit)
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    # Helpers ------------------------------------------------------------------------

    def _one(self, condition: sa.sql.ColumnElement) -> Optional[Handoff]:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(HANDOFFS).where(condition).order_by(HANDOFFS.c.id.desc())).first()
        return _handoff(row) if row else None

    def _update(self, handoff_id: int, **values: Any) -> bool:
        values["updated_at"] = _now()
        with self.engine.begin() as connection:
            result = connection.execute(
                HANDOFFS.update()
                .where(HANDOFFS.c.id == handoff_id, HANDOFFS.c.status.in_(OPEN_STATUSES))
                .values(**values)
            )
        return result.rowcount == 1


def _handoff(row: sa.engine.Row) -> Handoff:
    return Handoff(**{name: row._mapping[name] for name in Handoff.__dataclass_fields__})


def _user(row: sa.engine.Row) -> User:
    return User(id=row.id, username=row.username, role=row.role, active=bool(row.active))
