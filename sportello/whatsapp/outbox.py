"""Sending the stored outbox through the Graph API: in order per user, retried with back-off, never silently lost."""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import datetime, timedelta, timezone
from typing import Callable

from sportello.metrics import ERRORS, MESSAGES_OUT, SEND_FAILURES
from sportello.privacy import pseudonym
from sportello.whatsapp.graph_api import GraphApi, GraphApiError
from sportello.whatsapp.store import OutboundMessage, WhatsAppStore

logger = logging.getLogger(__name__)

FIRST_DELAY_SECONDS = 2.0
MAX_DELAY_SECONDS = 600.0
# Attempts beyond this already hit the ten-minute ceiling; the cap keeps 2**attempts small.
MAX_EXPONENT = 16
# Retries of many users failing together (rate limit, outage) spread over the last fifth of the delay.
JITTER = 0.2


def backoff_seconds(attempts: int) -> float:
    """Returns the delay before the next try after ``attempts`` earlier failures (2 s doubling, at most 10 min)."""
    delay = min(FIRST_DELAY_SECONDS * 2 ** min(attempts, MAX_EXPONENT), MAX_DELAY_SECONDS)
    return delay * random.uniform(1 - JITTER, 1)  # noqa: S311 - jitter, not cryptography


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Outbox:
    """Sends due outbox rows; the store keeps them across restarts and processes."""

    def __init__(self, store: WhatsAppStore, api: GraphApi, clock: Callable[[], datetime] = _utc_now) -> None:
        self._store = store
        self._api = api
        self._clock = clock
        # The channel calls run_once after each answer while run_forever polls: one pass at a time.
        self._lock = asyncio.Lock()

    async def run_once(self) -> int:
        """Sends every due message, each user's oldest first; returns how many were sent."""
        sent = 0
        async with self._lock:
            while True:
                # At most one row per user per batch, so sending a batch concurrently keeps each user's order.
                due = self._store.due_outbound(self._clock())
                if not due:
                    return sent
                results = await asyncio.gather(*(self._deliver(message) for message in due))
                sent += sum(results)

    async def run_forever(self, stop: asyncio.Event, interval: float = 0.5) -> None:
        """Runs run_once every ``interval`` seconds until ``stop`` is set."""
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:  # logged: a database hiccup or a bug must not stop all sending for good
                logger.exception("WhatsApp outbox pass failed")
                ERRORS.labels("outbox").inc()
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
            except asyncio.TimeoutError:
                pass

    async def _deliver(self, message: OutboundMessage) -> bool:
        try:
            wamid = await self._api.send(message.body)
        except GraphApiError as error:
            SEND_FAILURES.labels(error.kind).inc()
            self._settle_failure(message, error)
            return False
        self._store.mark_sent(message.id, wamid)
        MESSAGES_OUT.inc()
        logger.info("WhatsApp outbox %d sent to %s as %s", message.id, pseudonym(message.recipient), wamid)
        return True

    def _settle_failure(self, message: OutboundMessage, error: GraphApiError) -> None:
        recipient = pseudonym(message.recipient)
        if error.kind in ("retry", "token"):
            delay = backoff_seconds(message.attempts)
            self._store.reschedule(message.id, self._clock() + timedelta(seconds=delay), str(error))
            if error.kind == "token":
                # Kept, not dropped: the messages go out once operators renew the token.
                logger.error(
                    "WhatsApp access token rejected; outbox %d to %s kept, next attempt in %.0f s: %s",
                    message.id,
                    recipient,
                    delay,
                    error,
                )
            else:
                logger.warning(
                    "WhatsApp outbox %d to %s: attempt %d failed, next in %.0f s: %s",
                    message.id,
                    recipient,
                    message.attempts + 1,
                    delay,
                    error,
                )
        elif error.kind == "window_closed":
            self._store.mark_failed(message.id, str(error), needs_staff=True)
            logger.warning(
                "WhatsApp outbox %d to %s not sent: the 24-hour window is closed, staff must follow up",
                message.id,
                recipient,
            )
        else:
            self._store.mark_failed(message.id, str(error), needs_staff=False)
            logger.error("WhatsApp outbox %d to %s dropped (%s): %s", message.id, recipient, error.kind, error)
