"""A small async client for the Graph API calls the WhatsApp connector makes: send, mark read, fetch media."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import quote

import aiohttp

# What to do about an error, by Graph API error code (see the reference's error table).
KIND_BY_CODE = {
    **dict.fromkeys((130429, 131056, 4, 80007, 131048), "retry"),  # rate limited
    **dict.fromkeys((131000, 131016, 131052, 131053), "retry"),  # transient, media download/upload
    131047: "window_closed",
    190: "token",
    131026: "undeliverable",
    **dict.fromkeys((131008, 131009, 100), "invalid"),
}
MAX_ERROR_TEXT = 300
CHUNK_BYTES = 64 * 1024
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=30)
DOWNLOAD_TIMEOUT = aiohttp.ClientTimeout(total=120)


def error_kind(http_status: int, code: int | None) -> str:
    """Returns what a caller should do about an error: retry, window_closed, token, undeliverable or invalid."""
    if code in KIND_BY_CODE:
        return KIND_BY_CODE[code]
    if http_status == 0 or http_status == 429 or http_status >= 500:
        return "retry"
    if http_status == 401:
        return "token"
    return "invalid"


class GraphApiError(Exception):
    """A Graph API call that failed; ``kind`` says whether to retry (see error_kind).

    ``http_status`` is 0 when no answer came (network error or timeout).
    """

    def __init__(self, message: str, http_status: int, code: int | None = None, kind: str | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.code = code
        self.kind = kind or error_kind(http_status, code)


class MediaTooLarge(GraphApiError):
    """A media download refused because it is larger than allowed."""


class GraphApi:
    """Calls the Graph API for one WhatsApp business phone number."""

    def __init__(
        self,
        base_url: str,
        phone_number_id: str,
        access_token: str,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._messages_url = f"{self._base_url}/{quote(phone_number_id, safe='')}/messages"
        self._headers = {"Authorization": f"Bearer {access_token}"}
        self._session = session
        self._owns_session = session is None

    def _client(self) -> aiohttp.ClientSession:
        # Created on first use: aiohttp sessions belong to the running event loop.
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=REQUEST_TIMEOUT)
        return self._session

    async def send(self, body: dict) -> str:
        """Sends a message (a request body as built by formatting.format_turn); returns its wamid."""
        answer = await self._call("POST", self._messages_url, body)
        messages = answer.get("messages")
        if isinstance(messages, list) and messages and isinstance(messages[0], dict):
            wamid = messages[0].get("id")
            if isinstance(wamid, str) and wamid:
                return wamid
        # The message may or may not have gone out; sending again risks a duplicate rather than a loss.
        raise GraphApiError("Graph API answer holds no message id", http_status=200, kind="retry")

    async def mark_read(self, message_id: str, typing: bool = True) -> None:
        """Marks an inbound message as read, optionally showing a typing indicator (up to 25 s)."""
        body: dict[str, Any] = {"messaging_product": "whatsapp", "status": "read", "message_id": message_id}
        if typing:
            body["typing_indicator"] = {"type": "text"}
        await self._call("POST", self._messages_url, body)

    async def media_info(self, media_id: str) -> dict:
        """Returns a media object's metadata: url (valid about 5 minutes), mime_type, sha256, file_size."""
        return await self._call("GET", f"{self._base_url}/{quote(media_id, safe='')}")

    async def download(self, url: str, max_bytes: int) -> bytes:
        """Returns the bytes at a media url; raises MediaTooLarge beyond ``max_bytes``."""
        try:
            async with self._client().get(url, headers=self._headers, timeout=DOWNLOAD_TIMEOUT) as response:
                if response.status >= 400:
                    raise _answer_error(response.status, await _json(response))
                if response.content_length is not None and response.content_length > max_bytes:
                    raise _too_large(response.status, max_bytes)
                data = bytearray()
                # Counted while reading: the length header may be missing or wrong.
                async for chunk in response.content.iter_chunked(CHUNK_BYTES):
                    data += chunk
                    if len(data) > max_bytes:
                        raise _too_large(response.status, max_bytes)
                return bytes(data)
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise _network_error(error) from error

    async def close(self) -> None:
        """Closes the HTTP session if this client created it."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def _call(self, method: str, url: str, body: dict | None = None) -> dict:
        try:
            async with self._client().request(method, url, json=body, headers=self._headers) as response:
                answer = await _json(response)
                if response.status >= 400:
                    raise _answer_error(response.status, answer)
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise _network_error(error) from error
        if not isinstance(answer, dict):
            raise GraphApiError("Graph API answer is not a JSON object", http_status=response.status, kind="retry")
        return answer


async def _json(response: aiohttp.ClientResponse) -> Any:
    try:
        return json.loads(await response.read())
    except ValueError:
        return None


def _answer_error(http_status: int, answer: Any) -> GraphApiError:
    error = answer.get("error") if isinstance(answer, dict) else None
    if not isinstance(error, dict):
        return GraphApiError(f"Graph API answered HTTP {http_status}", http_status=http_status)
    code = error.get("code")
    code = code if isinstance(code, int) and not isinstance(code, bool) else None
    details = error.get("error_data", {}).get("details") if isinstance(error.get("error_data"), dict) else None
    text = " - ".join(str(part) for part in (error.get("message"), details) if part)
    return GraphApiError(
        f"Graph API error {code} (HTTP {http_status}): {text[:MAX_ERROR_TEXT]}", http_status=http_status, code=code
    )


def _too_large(http_status: int, max_bytes: int) -> MediaTooLarge:
    return MediaTooLarge(f"media larger than {max_bytes} bytes", http_status=http_status, kind="invalid")


def _network_error(error: BaseException) -> GraphApiError:
    return GraphApiError(f"Graph API unreachable: {type(error).__name__}", http_status=0, kind="retry")
