"""Posting webhooks as Meta does: signed over the raw bytes, retried until answered 200, sometimes twice."""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from typing import Callable, Optional

import aiohttp

from sportello.whatsapp.signature import sign
from sportello.whatsapp.simulator.payloads import encode

logger = logging.getLogger(__name__)

OnDelivered = Callable[[], object]


class WebhookPoster:
    """Delivers webhook bodies to one URL in the background, at least once each.

    Every call to ``post`` starts its own delivery, so a webhook that keeps failing
    delays only itself (Meta does not keep order either). With ``duplicate_rate`` p,
    a body answered 200 is posted once more with probability p.
    """

    def __init__(
        self,
        url: str,
        app_secret: str,
        retry_base: float = 1.0,
        retry_max: float = 60.0,
        duplicate_rate: float = 0.0,
    ) -> None:
        self._url = url
        self._app_secret = app_secret
        self._retry_base = retry_base
        self._retry_max = retry_max
        self._duplicate_rate = duplicate_rate
        self._random = random.SystemRandom()
        self._session: Optional[aiohttp.ClientSession] = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def pending(self) -> int:
        """Returns how many deliveries are still under way."""
        return len(self._tasks)

    async def start(self) -> None:
        """Opens the HTTP session; call from a running event loop."""
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20))

    async def close(self) -> None:
        """Abandons the deliveries under way and closes the session."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    def post(self, bodies: list[dict], label: str, on_delivered: Optional[OnDelivered] = None) -> None:
        """Posts the bodies one after the other (each until answered 200), then calls ``on_delivered``.

        ``label`` names the delivery in logs (a message id), since bodies must not be logged.
        """
        task = asyncio.get_running_loop().create_task(self._deliver([encode(b) for b in bodies], label, on_delivered))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def verify_subscription(self, verify_token: str) -> bool:
        """Plays Meta's GET handshake; returns whether the webhook echoed the challenge.

        Raises:
            aiohttp.ClientError: if the webhook cannot be reached.

        """
        challenge = str(secrets.randbelow(10**9))
        params = {"hub.mode": "subscribe", "hub.verify_token": verify_token, "hub.challenge": challenge}
        async with self._client().get(self._url, params=params) as response:
            return response.status == 200 and (await response.text()).strip() == challenge

    async def _deliver(self, raws: list[bytes], label: str, on_delivered: Optional[OnDelivered]) -> None:
        duplicates = []
        for raw in raws:
            await self._post_until_ok(raw, label)
            if self._duplicate_rate and self._random.random() < self._duplicate_rate:
                duplicates.append(raw)
        if on_delivered is not None:
            on_delivered()
        for raw in duplicates:
            logger.info("webhook for %s posted again as a duplicate", label)
            await self._post_until_ok(raw, label)

    async def _post_until_ok(self, raw: bytes, label: str) -> None:
        attempt = 0
        while (failure := await self._failure(raw)) is not None:
            delay = min(self._retry_base * 2**attempt, self._retry_max)
            attempt += 1
            logger.warning("webhook for %s %s; attempt %d, retrying in %.2f s", label, failure, attempt, delay)
            await asyncio.sleep(delay)

    async def _failure(self, raw: bytes) -> Optional[str]:
        """Posts the body once; returns None if answered 200, else what went wrong."""
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": sign(self._app_secret, raw),
            "User-Agent": "facebookexternalua",
        }
        try:
            async with self._client().post(self._url, data=raw, headers=headers) as response:
                await response.read()
                return None if response.status == 200 else f"answered {response.status}"
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            return f"not reached ({type(error).__name__})"

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("WebhookPoster.start() was not called")
        return self._session
