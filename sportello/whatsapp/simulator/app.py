"""The simulator's web app: Meta's Graph API for the bot, and a JSON API and chat page for people and tests.

Routes:
    Graph API (Bearer access token): ``POST /v<N>/<phone-number-id>/messages`` (send, mark read),
    ``POST /v<N>/<phone-number-id>/media`` (upload), ``GET /v<N>/<media-id>`` (media info),
    ``GET /media/<media-id>`` (download).
    Users: ``GET /`` (chat page), ``GET /api/users``, ``GET|POST /api/users/<user>/messages``,
    ``GET /api/users/<user>/conversation``, ``POST /api/users/<user>/read``, ``GET /api/media/<media-id>``,
    ``POST /api/verify``, ``POST /api/outage``, ``GET /health``.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import mimetypes
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable, Mapping

import aiohttp
from aiohttp import web

from sportello.privacy import pseudonym
from sportello.whatsapp.simulator.delivery import WebhookPoster
from sportello.whatsapp.simulator.outgoing import GraphError, check_send, media_id, status_error
from sportello.whatsapp.simulator.payloads import (
    BusinessNumber,
    button_reply_content,
    list_reply_content,
    media_content,
    messages_webhook,
    new_media_id,
    new_wamid,
    normalise_user,
    status_webhook,
    text_content,
    user_message,
)
from sportello.whatsapp.simulator.state import SimulatorState, StoredMedia

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 24 * 3600
TYPING_SECONDS = 25
MAX_UPLOAD_BYTES = 100 * 1024 * 1024  # Meta's limit for documents
MAX_USER_TEXT = 65536  # what the WhatsApp app lets a user type
PAGE = Path(__file__).with_name("page.html")
# The page is self-contained: nothing but its own inline code and this server; media links may point anywhere.
PAGE_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
    "img-src 'self' data: http: https:; media-src 'self' http: https:; form-action 'none'; base-uri 'none'"
)
_GRAPH = r"/{version:v[0-9]+\.[0-9]+}"
# What the Graph API answers during an outage, by HTTP status: a rate limit or a server error.
OUTAGE_ERRORS = {
    429: (130429, "Rate limit hit"),
    500: (131000, "Something went wrong"),
    503: (131000, "Service unavailable"),
}
MAX_OUTAGE_SECONDS = 3600
_WINDOW_CLOSED = (
    "Message failed to send because more than 24 hours have passed since the customer last replied to this number."
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class SimulatorConfig:
    """Settings of one simulated business number (see ``python -m sportello.whatsapp.simulator --help``)."""

    webhook_url: str
    app_secret: str
    verify_token: str
    phone_number_id: str
    access_token: str
    duplicate_rate: float = 0.0
    retry_base: float = 1.0  # first webhook retry delay in seconds, doubled on each failure
    retry_max: float = 60.0


class ApiError(Exception):
    """A request to the JSON API that cannot be served; answered as ``{"error": message}``."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def build_app(config: SimulatorConfig, clock: Callable[[], float] = time.time) -> web.Application:
    """Returns the simulator as an aiohttp application; ``clock`` gives the time in seconds (for tests)."""
    simulator = Simulator(config, clock)
    app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 64 * 1024, middlewares=[_errors_as_json])
    app.cleanup_ctx.append(simulator.lifecycle)
    app.add_routes(simulator.routes())
    return app


@web.middleware
async def _errors_as_json(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except GraphError as error:
        return web.json_response(error.as_json(), status=error.http_status)
    except ApiError as error:
        return web.json_response({"error": str(error)}, status=error.status)


class Simulator:
    """The simulated business number, its users' phones, and the webhook deliveries between them."""

    def __init__(self, config: SimulatorConfig, clock: Callable[[], float]) -> None:
        self._config = config
        self._clock = clock
        self._state = SimulatorState()
        self._business = BusinessNumber(config.phone_number_id)
        self._poster = WebhookPoster(
            config.webhook_url, config.app_secret, config.retry_base, config.retry_max, config.duplicate_rate
        )
        # An outage of the Graph API played by tests: the HTTP statuses answered in turn, until when.
        self._outage: tuple[list[int], float] = ([], 0.0)
        self._outage_calls = 0

    def routes(self) -> list[web.RouteDef]:
        """Returns every route of the app (specific paths before the Graph API's catch-all media path)."""
        return [
            web.get("/", self.page),
            web.get("/health", self.health),
            web.get("/api/users", self.users),
            web.get("/api/users/{user}/messages", self.bot_messages),
            web.post("/api/users/{user}/messages", self.user_sends),
            web.get("/api/users/{user}/conversation", self.conversation),
            web.post("/api/users/{user}/read", self.user_reads),
            web.get("/api/media/{media_id}", self.page_media),
            web.post("/api/verify", self.verify),
            web.post("/api/outage", self.outage),
            web.get("/media/{media_id}", self.graph_download),
            web.post(_GRAPH + "/{phone_number_id}/messages", self.graph_messages),
            web.post(_GRAPH + "/{phone_number_id}/media", self.graph_upload),
            web.get(_GRAPH + "/{media_id}", self.graph_media_info),
        ]

    async def lifecycle(self, _: web.Application) -> AsyncIterator[None]:
        """Opens the webhook session and plays the verification handshake; cleans up on shutdown."""
        await self._poster.start()
        handshake = asyncio.get_running_loop().create_task(self._verify_when_reachable())
        yield
        handshake.cancel()
        await self._poster.close()

    # --- Graph API, as the bot sees it ---

    async def graph_messages(self, request: web.Request) -> web.Response:
        """Sends a message to a user, or marks a user's message read."""
        self._check_graph_request(request)
        body = await _json_or_none(request)
        if isinstance(body, dict) and body.get("status") == "read":
            return self._mark_read(body)
        return self._send(body)

    async def graph_upload(self, request: web.Request) -> web.Response:
        """Stores a file uploaded by the bot and answers its media id."""
        self._check_graph_request(request)
        form = await request.post()
        if form.get("messaging_product") != "whatsapp":
            raise GraphError(100, "messaging_product must be 'whatsapp'")
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            raise GraphError(100, "the parameter file is required")
        media = self._store_upload(upload, str(form.get("type") or ""))
        logger.info("bot uploaded media %s (%s, %d bytes)", media.id, media.mime_type, len(media.data))
        return web.json_response({"id": media.id})

    async def graph_media_info(self, request: web.Request) -> web.Response:
        """Answers the download URL and checksum of a media id."""
        self._check_access(request)
        media = self._known_media(request.match_info["media_id"])
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                # request.url fails on "host:port" with this aiohttp and yarl pair; scheme and host do not.
                "url": f"{request.scheme}://{request.host}/media/{media.id}",
                "mime_type": media.mime_type,
                "sha256": media.sha256_hex,
                "file_size": len(media.data),
                "id": media.id,
            }
        )

    async def graph_download(self, request: web.Request) -> web.Response:
        """Answers the bytes of a media file (Bearer token required, as on Meta's media host)."""
        self._check_access(request)
        media = self._known_media(request.match_info["media_id"])
        return web.Response(body=media.data, content_type=media.mime_type)

    # --- JSON API and page, as the users (and tests) see it ---

    async def page(self, _: web.Request) -> web.Response:
        """Serves the chat page (read at each request, so edits show on reload)."""
        headers = {"Content-Security-Policy": PAGE_POLICY, "Cache-Control": "no-store"}
        return web.Response(text=PAGE.read_text(encoding="utf-8"), content_type="text/html", headers=headers)

    async def health(self, _: web.Request) -> web.Response:
        """Answers whether the simulator runs, how many webhooks are still being delivered, and the handshake."""
        return web.json_response(
            {
                "status": "ok",
                "pending_webhooks": self._poster.pending,
                "webhook_verified": self._state.webhook_verified,
            }
        )

    async def users(self, _: web.Request) -> web.Response:
        """Lists the users who have a conversation, most recent first."""
        return web.json_response(self._state.users())

    async def bot_messages(self, request: web.Request) -> web.Response:
        """Lists everything the bot sent to a user, with wamid, status and the Graph request body."""
        chat = self._state.peek(_user(request))
        return web.json_response([entry.as_json() for entry in chat.entries if entry.direction == "bot"])

    async def conversation(self, request: web.Request) -> web.Response:
        """Answers a user's whole conversation, what the page draws."""
        user = _user(request)
        chat = self._state.peek(user)
        return web.json_response(
            {
                "user": user,
                "name": chat.name,
                "version": chat.version,
                "typing": chat.typing_until > self._clock(),
                "messages": [entry.as_json() for entry in chat.entries],
            }
        )

    async def user_sends(self, request: web.Request) -> web.Response:
        """Takes a message from a user (JSON text or reply, or a multipart file) and posts its webhook."""
        user = _user(request)
        if request.content_type == "multipart/form-data":
            fields: Mapping[str, Any] = await request.post()
            content = self._content_from_upload(fields)
        else:
            fields = await _json_or_none(request)
            if not isinstance(fields, dict):
                raise ApiError("the body must be a JSON object or a multipart form")
            content = content_from_json(fields)
        name = _optional_text(fields, "name", 256)
        context_id = _optional_text(fields, "context_id", 256)
        return web.json_response({"id": self._receive_from_user(user, name, content, context_id)})

    async def user_reads(self, request: web.Request) -> web.Response:
        """Marks the bot's delivered messages to a user read, posting a "read" status for each."""
        user = _user(request)
        read = 0
        for entry in self._state.peek(user).entries:
            if entry.direction == "bot" and entry.status == "delivered":
                self._state.set_status(entry.id, "read")
                self._post_status(user, entry.id, "read")
                read += 1
        return web.json_response({"read": read})

    async def page_media(self, request: web.Request) -> web.Response:
        """Answers a media file for the page (no token: the page stands for the phone)."""
        media = self._state.media(request.match_info["media_id"])
        if media is None:
            raise ApiError("unknown media id", status=404)
        return web.Response(body=media.data, content_type=media.mime_type)

    async def verify(self, request: web.Request) -> web.Response:
        """Plays Meta's verification handshake now; ``{"verify_token"}`` may override the configured token."""
        fields = await _json_or_none(request)
        token = fields.get("verify_token") if isinstance(fields, dict) else None
        if not isinstance(token, str):
            token = None
        try:
            verified = await self._poster.verify_subscription(token or self._config.verify_token)
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise ApiError(f"webhook not reachable: {type(error).__name__}", status=502) from error
        if token is None:
            self._state.webhook_verified = verified
        return web.json_response({"verified": verified})

    async def outage(self, request: web.Request) -> web.Response:
        """Makes the Graph API fail: ``{"statuses": [503, 429], "seconds": 60}`` answers those in turn.

        Every Graph API call (send, mark read, media) fails until the time runs out, as
        during an outage or a rate limit at Meta; ``{"seconds": 0}`` ends it.
        """
        fields = await _json_or_none(request)
        if not isinstance(fields, dict):
            raise ApiError("the body must be a JSON object")
        seconds, statuses = fields.get("seconds"), fields.get("statuses", [503])
        if not isinstance(seconds, int | float) or isinstance(seconds, bool) or not 0 <= seconds <= MAX_OUTAGE_SECONDS:
            raise ApiError(f"'seconds' must be a number from 0 to {MAX_OUTAGE_SECONDS}")
        if not isinstance(statuses, list) or not statuses or any(s not in OUTAGE_ERRORS for s in statuses):
            raise ApiError(f"'statuses' must be a non-empty list of {sorted(OUTAGE_ERRORS)}")
        self._outage = (statuses, self._clock() + seconds)
        logger.warning("Graph API outage for %.0f s answering %s", seconds, statuses)
        return web.json_response({"until": self._outage[1]})

    # --- the work behind the handlers ---

    def _send(self, body: Any) -> web.Response:
        recipient, kind = check_send(body)
        user = normalise_user(recipient)
        if user is None:
            raise GraphError(100, f"'{recipient}' is not a valid WhatsApp user")
        reference = media_id(body)
        if reference is not None and self._state.media(reference) is None:
            raise GraphError(100, f"media id {reference} does not exist")
        wamid = new_wamid()
        self._state.add_entry(user, "bot", wamid, int(self._clock()), body, "accepted")
        self._state.chat(user).typing_until = 0
        # As on Meta, a message outside the 24-hour window is accepted, then reported failed.
        if kind == "template" or self._window_open(user):
            self._state.set_status(wamid, "delivered")
            self._post_status(user, wamid, "sent", "delivered")
        else:
            errors = [status_error(131047, _WINDOW_CLOSED)]
            self._state.set_status(wamid, "failed", errors)
            self._post_status(user, wamid, "failed", errors=errors)
        logger.info("bot sent %s %s to %s", kind, wamid, pseudonym(user))
        contacts = [{"input": recipient, "wa_id": user}]
        return web.json_response({"messaging_product": "whatsapp", "contacts": contacts, "messages": [{"id": wamid}]})

    def _mark_read(self, body: dict) -> web.Response:
        found = self._state.find(body.get("message_id")) if isinstance(body.get("message_id"), str) else None
        if found is None or found[1].direction != "user":
            raise GraphError(100, "message_id is not a message received from a user")
        user, read = found
        # Marking a message read marks the earlier ones read too, as on a phone.
        for entry in self._state.peek(user).entries:
            if entry.direction == "user" and entry.seq <= read.seq:
                self._state.set_status(entry.id, "read")
        if isinstance(body.get("typing_indicator"), dict):
            self._state.chat(user).typing_until = self._clock() + TYPING_SECONDS
        return web.json_response({"success": True})

    def _receive_from_user(self, user: str, name: str | None, content: dict, context_id: str | None) -> str:
        chat = self._state.chat(user)
        chat.name = name or chat.name
        now = self._clock()
        chat.last_user_message_at = now
        wamid = new_wamid()
        message = user_message(self._business, user, wamid, int(now), content, context_id)
        self._state.add_entry(user, "user", wamid, int(now), message, "pending")
        body = messages_webhook(self._business, user, chat.name or user, message)
        self._poster.post([body], wamid, on_delivered=lambda: self._state.set_status(wamid, "delivered"))
        logger.info("user %s sent %s %s", pseudonym(user), content["type"], wamid)
        return wamid

    def _post_status(self, user: str, wamid: str, *statuses: str, errors: list[dict] | None = None) -> None:
        now = int(self._clock())
        bodies = [status_webhook(self._business, wamid, status, user, now, errors or []) for status in statuses]
        self._poster.post(bodies, wamid)

    def _content_from_upload(self, fields: Mapping[str, Any]) -> dict:
        upload = fields.get("file")
        if not isinstance(upload, web.FileField):
            raise ApiError("a multipart message needs a 'file'")
        media = self._store_upload(upload)
        if not media.data:
            raise ApiError("the file is empty")
        kind = _media_kind(media.mime_type)
        caption = _optional_text(fields, "caption", 1024)
        return media_content(kind, media.id, media.mime_type, media.data, media.filename, caption)

    def _store_upload(self, upload: web.FileField, mime_type: str = "") -> StoredMedia:
        mime_type = mime_type or upload.content_type
        if not mime_type or mime_type == "application/octet-stream":
            mime_type = mimetypes.guess_type(upload.filename or "")[0] or "application/octet-stream"
        media = StoredMedia(new_media_id(), mime_type, upload.file.read(), upload.filename or None)
        self._state.add_media(media)
        return media

    def _known_media(self, media_id: str) -> StoredMedia:
        media = self._state.media(media_id)
        if media is None:
            raise GraphError(100, f"Unsupported get request. Object with ID '{media_id}' does not exist")
        return media

    def _check_graph_request(self, request: web.Request) -> None:
        self._check_access(request)
        number = request.match_info["phone_number_id"]
        if number != self._config.phone_number_id:
            raise GraphError(100, f"Unsupported post request. Object with ID '{number}' does not exist")

    def _check_access(self, request: web.Request) -> None:
        statuses, until = self._outage
        if self._clock() < until:
            self._outage_calls += 1
            status = statuses[self._outage_calls % len(statuses)]
            code, details = OUTAGE_ERRORS[status]
            raise GraphError(code, details, http_status=status)
        _check_token(request, self._config.access_token)

    def _window_open(self, user: str) -> bool:
        last = self._state.peek(user).last_user_message_at
        return last is not None and self._clock() - last < WINDOW_SECONDS

    async def _verify_when_reachable(self) -> None:
        # The webhook's server often starts after the simulator: retry until it answers at all.
        delay = self._config.retry_base
        while True:
            try:
                verified = await self._poster.verify_subscription(self._config.verify_token)
            except (aiohttp.ClientError, asyncio.TimeoutError):
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._config.retry_max)
                continue
            self._state.webhook_verified = verified
            if verified:
                logger.info("webhook verified the subscription")
            else:
                logger.warning("webhook refused the verification handshake (check --verify-token)")
            return


def content_from_json(fields: Mapping[str, Any]) -> dict:
    """Returns the type-specific part of a user message given as JSON.

    Accepted: ``{"text"}``, ``{"button_id", "title"}`` or ``{"list_id", "title", "description"?}``.

    Raises:
        ApiError: if none of them is given well.

    """
    if "text" in fields:
        return text_content(_required_text(fields, "text", MAX_USER_TEXT))
    if "button_id" in fields:
        return button_reply_content(_required_text(fields, "button_id", 256), _required_text(fields, "title", 20))
    if "list_id" in fields:
        return list_reply_content(
            _required_text(fields, "list_id", 200),
            _required_text(fields, "title", 24),
            _optional_text(fields, "description", 72),
        )
    raise ApiError("give 'text', 'button_id' and 'title', 'list_id' and 'title', or a multipart 'file'")


def _media_kind(mime_type: str) -> str:
    for kind in ("image", "audio", "video"):
        if mime_type.startswith(kind + "/"):
            return kind
    return "document"


def _user(request: web.Request) -> str:
    user = normalise_user(request.match_info["user"])
    if user is None:
        raise ApiError("a user is a phone number in international form (5 to 20 digits) or a 'US.' user id")
    return user


def _check_token(request: web.Request, access_token: str) -> None:
    given = request.headers.get("Authorization", "").encode("utf-8")
    if not hmac.compare_digest(given, f"Bearer {access_token}".encode()):
        raise GraphError(190, "Invalid OAuth access token - Cannot parse access token", http_status=401)


async def _json_or_none(request: web.Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        return None


def _required_text(fields: Mapping[str, Any], key: str, maximum: int) -> str:
    value = _optional_text(fields, key, maximum)
    if value is None:
        raise ApiError(f"'{key}' is required")
    return value


def _optional_text(fields: Mapping[str, Any], key: str, maximum: int) -> str | None:
    value = fields.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > maximum:
        raise ApiError(f"'{key}' must be a string of at most {maximum} characters")
    return value
