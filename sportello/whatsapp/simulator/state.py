"""What the simulated phones hold: conversations, message statuses and uploaded media."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

# Statuses only move forward, whatever order their updates come in.
_STATUS_RANK = {"pending": 0, "accepted": 0, "sent": 1, "delivered": 2, "read": 3, "failed": 4}


@dataclass(frozen=True)
class StoredMedia:
    """An uploaded file, by the user (from the page) or by the business (Graph API)."""

    id: str
    mime_type: str
    data: bytes
    filename: str | None = None

    @property
    def sha256_hex(self) -> str:
        """Returns the hex SHA-256 of the bytes, as GET /<media-id> reports it."""
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class ChatEntry:
    """One message of a conversation: from the user (a webhook message) or from the bot (a Graph send body)."""

    seq: int
    id: str
    direction: str  # "user" or "bot"
    timestamp: int
    body: dict[str, Any]
    status: str
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """Returns the entry as the JSON API shows it."""
        return {
            "seq": self.seq,
            "id": self.id,
            "direction": self.direction,
            "timestamp": self.timestamp,
            "type": self.body.get("type"),
            "status": self.status,
            "errors": self.errors,
            "body": self.body,
        }


@dataclass
class Conversation:
    """Everything exchanged with one user, and what the phone shows about it."""

    name: str | None = None
    entries: list[ChatEntry] = field(default_factory=list)
    last_user_message_at: float | None = None
    typing_until: float = 0.0
    version: int = 0  # bumped on every change, so the page redraws only when needed


class SimulatorState:
    """In-memory conversations and media of the simulator (lost when it stops)."""

    def __init__(self) -> None:
        self._chats: dict[str, Conversation] = {}
        self._entries: dict[str, tuple[str, ChatEntry]] = {}
        self._media: dict[str, StoredMedia] = {}
        self._seq = 0
        self.webhook_verified: bool | None = None

    def chat(self, user: str) -> Conversation:
        """Returns the user's conversation, empty for a new user."""
        return self._chats.setdefault(user, Conversation())

    def peek(self, user: str) -> Conversation:
        """Returns the user's conversation without registering a new user (empty if unknown)."""
        return self._chats.get(user) or Conversation()

    def users(self) -> list[dict[str, Any]]:
        """Returns the known users, most recently active first."""
        rows = [
            {"user": user, "name": chat.name, "last": chat.entries[-1].timestamp if chat.entries else 0}
            for user, chat in self._chats.items()
        ]
        return sorted(rows, key=lambda row: row["last"], reverse=True)

    def add_entry(
        self, user: str, direction: str, wamid: str, timestamp: int, body: dict[str, Any], status: str
    ) -> ChatEntry:
        """Appends a message to the user's conversation."""
        self._seq += 1
        entry = ChatEntry(self._seq, wamid, direction, timestamp, body, status)
        chat = self.chat(user)
        chat.entries.append(entry)
        chat.version += 1
        self._entries[wamid] = (user, entry)
        return entry

    def find(self, wamid: str) -> tuple[str, ChatEntry] | None:
        """Returns the user and entry of a message id, or None if unknown."""
        return self._entries.get(wamid)

    def set_status(self, wamid: str, status: str, errors: list[dict[str, Any]] | None = None) -> bool:
        """Moves a message to a later status; returns False if unknown or already there or beyond."""
        found = self._entries.get(wamid)
        if found is None:
            return False
        user, entry = found
        if _STATUS_RANK[status] <= _STATUS_RANK[entry.status]:
            return False
        entry.status = status
        entry.errors = list(errors or [])
        self.chat(user).version += 1
        return True

    def add_media(self, media: StoredMedia) -> None:
        """Keeps an uploaded file under its id."""
        self._media[media.id] = media

    def media(self, media_id: str) -> StoredMedia | None:
        """Returns an uploaded file, or None if unknown."""
        return self._media.get(media_id)
