"""The Rasa server's HTTP API, as the inbox uses it: read a conversation, append events.

Rasa is the one record of the conversation (whatever tracker store production uses);
staff messages are appended to it as bot events marked with the staff member, pausing
and resuming are Rasa's own ``pause`` and ``resume`` events.
"""

from __future__ import annotations

from typing import Any, Dict, List
from urllib.parse import quote

import aiohttp

TIMEOUT = aiohttp.ClientTimeout(total=15)


class RasaError(Exception):
    """The Rasa server could not be reached or refused the request."""


class RasaClient:
    """Calls Rasa's HTTP API with its auth token (``rasa run --enable-api --auth-token``)."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token

    async def events(self, sender: str) -> List[Dict[str, Any]]:
        """Every event of the sender's conversation."""
        tracker = await self._call(
            "GET", f"/conversations/{quote(sender, safe='')}/tracker", params={"include_events": "ALL"}
        )
        return list(tracker.get("events") or [])

    async def tracker(self, sender: str) -> Dict[str, Any]:
        """The sender's tracker (slots, paused, latest input channel, events)."""
        return await self._call(
            "GET", f"/conversations/{quote(sender, safe='')}/tracker", params={"include_events": "ALL"}
        )

    async def append(self, sender: str, events: List[Dict[str, Any]]) -> None:
        """Appends events (``pause``, ``resume``, ``bot``) to the sender's conversation."""
        await self._call(
            "POST",
            f"/conversations/{quote(sender, safe='')}/tracker/events",
            json=events,
            params={"include_events": "NONE"},
        )

    async def _call(self, method: str, path: str, **kwargs: Any) -> Dict[str, Any]:
        params = {**kwargs.pop("params", {}), "token": self._token}
        try:
            async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
                async with session.request(method, self.base_url + path, params=params, **kwargs) as response:
                    if response.status >= 400:
                        raise RasaError(f"Rasa answered {response.status} to {method} {path}")
                    return await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as error:
            raise RasaError(f"Rasa not reachable at {self.base_url}: {error}") from None
