"""Fetching an applicant's attachment from the Graph API, checking it, and keeping it for staff.

Media id -> metadata (URL, type, size, sha256) -> bytes with the bearer token; the
bytes must match the checksums Meta gave and pass the office's policy
(sportello.attachments.policy) before they are stored. Every outcome, refusals
included, is recorded against the message and the conversation, so staff see that
something was sent and why it was not kept.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import unicodedata
from datetime import datetime
from typing import Any, Awaitable, Callable, Optional, Sequence

from sportello.attachments.policy import EXTENSIONS, Outcome, accepts_declared, judge, max_bytes
from sportello.attachments.storage import AttachmentStorage
from sportello.privacy import pseudonym
from sportello.whatsapp.graph_api import GraphApi, GraphApiError, MediaTooLarge
from sportello.whatsapp.store import MediaRecord, WhatsAppStore
from sportello.whatsapp.webhook import InboundMessage

logger = logging.getLogger(__name__)

MAX_FILENAME = 120
# Pauses between attempts when the Graph API answers "try again" (3 attempts in all).
RETRY_PAUSES = (0.5, 2.0)


def clean_filename(name: Optional[str]) -> Optional[str]:
    """The sender's file name without directories or control characters, shortened; None if nothing is left."""
    if not name:
        return None
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    return kept[:MAX_FILENAME] or None


def checksum_matches(digest: bytes, claimed: str) -> bool:
    """Whether ``claimed`` is ``digest`` in hex or base64 (Meta uses both, depending on the endpoint)."""
    claimed = claimed.strip()
    encoded = base64.b64encode(digest).decode("ascii")
    return claimed.lower() == digest.hex() or claimed in (encoded, encoded.rstrip("="))


class MediaReceiver:
    """Turns the media of inbound messages into stored attachments, once per message."""

    def __init__(
        self,
        api: GraphApi,
        store: WhatsAppStore,
        storage: AttachmentStorage,
        retry_pauses: Sequence[float] = RETRY_PAUSES,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self._api = api
        self._store = store
        self._storage = storage
        self._retry_pauses = tuple(retry_pauses)
        self._sleep = sleep

    async def receive(self, message: InboundMessage) -> MediaRecord:
        """Fetches, checks and stores the message's attachment; a message seen before keeps its first outcome."""
        existing = self._store.media_of_message(message.id)
        if existing is not None:
            return existing
        record = await self._fetch(message)
        if not self._store.record_media(record):
            # Another worker recorded this message first: keep its outcome, drop our copy.
            if record.storage_key:
                self._storage.delete(record.storage_key)
            return self._store.media_of_message(message.id) or record
        logger.info(
            "WhatsApp %s %s from %s: %s %s",
            record.kind,
            message.id,
            pseudonym(message.sender),
            record.outcome,
            record.reason,
        )
        return record

    def purge(self, before: datetime) -> int:
        """Deletes the attachments received before ``before`` (the retention period); returns how many."""
        expired = self._store.expired_media(before)
        for record in expired:
            if record.storage_key:
                self._storage.delete(record.storage_key)
            self._store.mark_media_deleted(record.message_id)
        if expired:
            logger.info("Deleted %d attachments received before %s", len(expired), before.isoformat())
        return len(expired)

    async def _fetch(self, message: InboundMessage) -> MediaRecord:
        media = message.media
        if media is None:
            raise ValueError(f"message {message.id} has no media")
        record = MediaRecord(
            message_id=message.id,
            sender=message.sender,
            kind=message.type,
            declared_mime_type=media.mime_type,
            outcome=Outcome.FAILED.value,
            filename=clean_filename(media.filename),
        )
        limit = max_bytes(message.type)
        if limit is None or not accepts_declared(message.type, media.mime_type):
            return _settle(record, Outcome.TYPE_REFUSED, f"declared type {media.mime_type!r} not accepted")
        try:
            info = await self._attempt(lambda: self._api.media_info(media.id))
        except GraphApiError as error:
            return _settle(record, Outcome.FAILED, f"media info: {error}")
        size = info.get("file_size")
        if isinstance(size, int) and size > limit:
            return _settle(record, Outcome.TOO_LARGE, f"{size} bytes announced", size=size)
        url = info.get("url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            return _settle(record, Outcome.FAILED, "media info without a download URL")
        try:
            data = await self._attempt(lambda: self._api.download(url, limit))
        except MediaTooLarge:
            return _settle(record, Outcome.TOO_LARGE, f"more than {limit} bytes")
        except GraphApiError as error:
            return _settle(record, Outcome.FAILED, f"download: {error}")
        digest = hashlib.sha256(data).digest()
        record.size, record.sha256 = len(data), digest.hex()
        for claimed in (media.sha256, info.get("sha256")):
            if isinstance(claimed, str) and claimed and not checksum_matches(digest, claimed):
                return _settle(record, Outcome.FAILED, "checksum mismatch")
        verdict = judge(message.type, str(info.get("mime_type") or media.mime_type), data)
        if verdict.outcome is not Outcome.STORED or verdict.mime_type is None:
            return _settle(record, verdict.outcome, verdict.reason)
        record.mime_type = verdict.mime_type
        record.storage_key = self._storage.save(data, EXTENSIONS[verdict.mime_type])
        return _settle(record, Outcome.STORED, "")

    async def _attempt(self, call: Callable[[], Awaitable[Any]]) -> Any:
        for pause in (*self._retry_pauses, None):
            try:
                return await call()
            except GraphApiError as error:
                if error.kind != "retry" or pause is None:
                    raise
                await self._sleep(pause)


def _settle(record: MediaRecord, outcome: Outcome, reason: str, size: Optional[int] = None) -> MediaRecord:
    record.outcome, record.reason = outcome.value, reason
    if size is not None:
        record.size = size
    return record
