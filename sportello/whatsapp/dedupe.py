"""Recognising Meta's repeated deliveries in Redis, before they reach the database.

Meta retries a webhook for up to 7 days and may deliver a message more than once.
The SQL store's unique message id is the authority (it also holds the message until
it is answered); with several Rasa processes, a shared Redis answers "seen before?"
with one read instead of a failed INSERT. An id is written to Redis only after the
message is safely in the store, so Redis never hides a message that was not stored;
if Redis is unreachable the store decides alone.
"""

from __future__ import annotations

import logging

import redis

logger = logging.getLogger(__name__)

# Longer than Meta's retry period, so a late redelivery is still recognised.
SEEN_TTL_SECONDS = 8 * 24 * 3600
KEY_PREFIX = "sportello:whatsapp:seen:"


class RedisSeenIds:
    """Ids of stored messages, shared by every process through Redis."""

    def __init__(self, url: str, ttl_seconds: int = SEEN_TTL_SECONDS) -> None:
        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._ttl = ttl_seconds

    def seen(self, message_id: str) -> bool:
        """Whether ``message_id`` is known to be stored already; False when Redis cannot tell."""
        try:
            return bool(self._redis.exists(KEY_PREFIX + message_id))
        except redis.RedisError as error:
            logger.warning("Redis dedupe unavailable (%s): the SQL store decides", type(error).__name__)
            return False

    def remember(self, message_id: str) -> None:
        """Records that ``message_id`` is stored (call only once it is)."""
        try:
            self._redis.set(KEY_PREFIX + message_id, 1, ex=self._ttl)
        except redis.RedisError as error:
            logger.warning("Redis dedupe unavailable (%s): the SQL store decides", type(error).__name__)

    def close(self) -> None:
        """Releases the connection pool."""
        self._redis.close()
