"""The ``whatsapp`` Rasa input channel for Meta's WhatsApp Cloud API.

Modelled on Rasa's Slack channel: the signature is checked over the raw body in
constant time before anything else, and the webhook is acknowledged as soon as its
messages are stored; the assistant then works on them in the background. Storage
(sportello.whatsapp.store) is shared by every Rasa process and survives restarts:
it deduplicates Meta's at-least-once deliveries and holds acknowledged messages
until they are answered, so a message is neither lost nor answered twice. Replies
go out through the durable outbox (sportello.whatsapp.outbox).
"""

from __future__ import annotations

import asyncio
import dataclasses
import hmac
import logging
import os
import socket
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import DBAPIError

from sportello.attachments.policy import POLICIES
from sportello.attachments.replies import UNSUPPORTED, trigger
from sportello.attachments.storage import AttachmentStorage, FileStorage
from sportello.channels.commands import PayloadSigner, guard_user_text
from sportello.channels.failures import TrackerStoreUnreachable, apology, conversation_language, watch_turn
from sportello.logs import install_redaction
from sportello.metrics import (
    ANSWER_SECONDS,
    DUPLICATES,
    ERRORS,
    MESSAGES_IN,
    OUTBOX_BACKLOG,
    WEBHOOKS_REFUSED,
    exposition,
)
from sportello.privacy import pseudonym
from sportello.retention import retention_days
from sportello.runtime import VAR_DIR, load_secret
from sportello.whatsapp.dedupe import RedisSeenIds
from sportello.whatsapp.formatting import format_turn, text_body
from sportello.whatsapp.graph_api import GraphApi
from sportello.whatsapp.media import MediaReceiver
from sportello.whatsapp.outbox import Outbox
from sportello.whatsapp.signature import verify
from sportello.whatsapp.store import WhatsAppStore, default_store_url
from sportello.whatsapp.webhook import MAX_BODY_BYTES, InboundMessage, InvalidPayload, Media, parse_webhook

# The Rasa server loads this module: from then on its log lines are redacted too.
install_redaction()
logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://graph.facebook.com/v21.0"
# A language-neutral label for list messages (the menu button of a WhatsApp list).
LIST_LABEL = "☰"
# Messages that carry nothing to answer: a sticker is an emoji, a reaction a "like".
SILENT_TYPES = ("sticker", "reaction")
TEXT_TYPES = ("text", "interactive", "button")
PURGE_INTERVAL_SECONDS = 3600
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
# A shared service (PostgreSQL, Redis) out of reach: the message is answered again later, not apologised for.
UNREACHABLE = (DBAPIError, RedisConnectionError, RedisTimeoutError, TrackerStoreUnreachable)
RETRY_AFTER_UNREACHABLE_SECONDS = 2.0


def text_for_rasa(message: InboundMessage, store: WhatsAppStore, signer: PayloadSigner) -> Optional[str]:
    """What the assistant should read of a message's text, or None when it has none.

    Button and list replies carry the payload the assistant attached (signed for this
    sender); a typed number picks one of the numbered options last offered; typed
    text starting with ``/`` is neutralised. A media caption is text like any other.
    """
    if message.reply_id:
        return guard_user_text(message.reply_id, message.sender, signer)
    if message.text is None:
        return None
    chosen = store.option_payload(message.sender, message.text.strip())
    return guard_user_text(chosen if chosen is not None else message.text, message.sender, signer)


def inbound_from_record(raw: Dict[str, Any]) -> InboundMessage:
    """Rebuilds a stored inbound message."""
    media = raw.get("media")
    return InboundMessage(**{**raw, "media": Media(**media) if media else None})


class WhatsAppInput(InputChannel):
    """Receives WhatsApp webhooks and answers through the Graph API."""

    @classmethod
    def name(cls) -> str:
        """Mounted at ``/webhooks/whatsapp/webhook``."""
        return "whatsapp"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> WhatsAppInput:
        """Builds the channel from credentials.yml (values come from WHATSAPP_* variables)."""
        credentials = credentials or {}
        required = ("access_token", "app_secret", "verify_token", "phone_number_id")
        missing = [key for key in required if not credentials.get(key)]
        if missing:
            raise ValueError(f"whatsapp channel: missing credentials {missing} (set the WHATSAPP_* variables)")
        # Optional: a Redis shared by the processes answers "seen before?" (sportello.whatsapp.dedupe).
        redis_url = credentials.get("redis_url") or os.environ.get("WHATSAPP_REDIS_URL")
        store_url = credentials.get("store_url") or default_store_url()
        return cls(
            app_secret=str(credentials["app_secret"]),
            verify_token=str(credentials["verify_token"]),
            api=GraphApi(
                str(credentials.get("api_url") or DEFAULT_API_URL),
                str(credentials["phone_number_id"]),
                str(credentials["access_token"]),
            ),
            store=WhatsAppStore(store_url),
            signer=PayloadSigner(load_secret("payload_secret")),
            storage=FileStorage(Path(credentials.get("attachments_dir") or VAR_DIR / "attachments")),
            seen=RedisSeenIds(redis_url) if redis_url else None,
        )

    def __init__(
        self,
        app_secret: str,
        verify_token: str,
        api: GraphApi,
        store: WhatsAppStore,
        signer: PayloadSigner,
        storage: AttachmentStorage,
        seen: Optional[RedisSeenIds] = None,
    ) -> None:
        self._app_secret = app_secret
        self._verify_token = verify_token
        self._api = api
        self._store = store
        self._signer = signer
        self._media = MediaReceiver(api, store, storage)
        self._seen = seen
        self._outbox = Outbox(store, api)
        self._worker = f"{socket.gethostname()}-{os.getpid()}"
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._agent: Callable[[], Any] = lambda: None

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """The verification, webhook and health routes, and the background workers."""
        webhook = Blueprint("sportello_whatsapp", __name__)

        @webhook.listener("after_server_start")
        async def start_workers(app: Any, _: Any) -> None:
            # Rasa loads its agent into the app; read when needed (the language of an apology).
            self._agent = lambda: getattr(app.ctx, "agent", None)
            # Messages acknowledged before a restart but never answered are picked up here.
            app.add_task(self._process_forever(on_new_message))
            app.add_task(self._outbox.run_forever(self._stop))

        @webhook.listener("before_server_stop")
        async def stop_workers(app: Any, _: Any) -> None:
            self._stop.set()
            self._wake.set()

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/ready", methods=["GET"])
        async def ready(_: Request) -> HTTPResponse:
            # Ready when the shared store answers (the process reconnects by itself).
            try:
                backlog = self._store.outbox_backlog()
            except DBAPIError:
                logger.warning("WhatsApp store not reachable: not ready")
                return response.json({"status": "database unreachable"}, status=503)
            return response.json({"status": "ready", "outbox_backlog": backlog})

        @webhook.route("/metrics", methods=["GET"])
        async def metrics(_: Request) -> HTTPResponse:
            try:
                OUTBOX_BACKLOG.set(self._store.outbox_backlog())
            except DBAPIError:
                ERRORS.labels("metrics").inc()
            body, content_type = exposition()
            return response.raw(body, content_type=content_type)

        @webhook.route("/webhook", methods=["GET"])
        async def verify_subscription(request: Request) -> HTTPResponse:
            token = request.args.get("hub.verify_token", "")
            if request.args.get("hub.mode") == "subscribe" and token and verify_tokens_match(token, self._verify_token):
                return response.text(request.args.get("hub.challenge", ""))
            logger.warning("WhatsApp webhook verification refused")
            return response.text("forbidden", status=403)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return self._receive(request)

        return webhook

    def _receive(self, request: Request) -> HTTPResponse:
        raw = request.body or b""
        if len(raw) > MAX_BODY_BYTES:
            logger.warning("WhatsApp webhook refused: body of %d bytes", len(raw))
            WEBHOOKS_REFUSED.labels("too_large").inc()
            return response.json({"error": "body too large"}, status=413)
        if not verify(self._app_secret, raw, request.headers.get("X-Hub-Signature-256")):
            logger.warning("WhatsApp webhook refused: bad or missing signature")
            WEBHOOKS_REFUSED.labels("signature").inc()
            return response.json({"error": "invalid signature"}, status=403)
        try:
            batch = parse_webhook(raw)
        except InvalidPayload as error:
            logger.warning("WhatsApp webhook refused: %s", error)
            WEBHOOKS_REFUSED.labels("invalid").inc()
            return response.json({"error": str(error)}, status=400)
        for status in batch.statuses:
            self._store.record_status(status)
        now = datetime.now(timezone.utc)
        for message in batch.messages:
            if self._seen is not None and self._seen.seen(message.id):
                logger.info("WhatsApp message %s is a duplicate delivery (Redis)", message.id)
                DUPLICATES.inc()
                continue
            if self._store.record_inbound(message, dataclasses.asdict(message)):
                self._store.touch_contact(message.sender, message.profile_name, now)
                logger.info("WhatsApp message %s from %s stored", message.id, pseudonym(message.sender))
                MESSAGES_IN.labels(message.type).inc()
            else:
                logger.info("WhatsApp message %s is a duplicate delivery", message.id)
                DUPLICATES.inc()
            if self._seen is not None:
                self._seen.remember(message.id)
        self._wake.set()
        return response.json({"status": "ok"})

    async def _process_forever(self, on_new_message: OnNewMessage) -> None:
        purged_at = 0.0
        while not self._stop.is_set():
            self._wake.clear()
            try:
                await self.process_pending(on_new_message)
                if time.monotonic() - purged_at > PURGE_INTERVAL_SECONDS:
                    purged_at = time.monotonic()
                    self.purge_attachments()
            except UNREACHABLE as error:
                # The database or Redis restarts: the pool reconnects on a later pass.
                logger.warning("WhatsApp worker: shared store unreachable (%s); retrying", type(error).__name__)
                ERRORS.labels("unreachable").inc()
                await asyncio.sleep(RETRY_AFTER_UNREACHABLE_SECONDS)
            except Exception:  # logged: the worker must outlive any single failure
                logger.exception("WhatsApp worker pass failed")
                ERRORS.labels("worker").inc()
                await asyncio.sleep(RETRY_AFTER_UNREACHABLE_SECONDS)
            try:
                # Wake on the next webhook, or re-check soon for messages whose lease expired.
                await asyncio.wait_for(self._wake.wait(), timeout=5)
            except asyncio.TimeoutError:
                pass

    def purge_attachments(self) -> int:
        """Deletes attachments older than the office's retention period (knowledge/privacy.yml)."""
        days = retention_days("attachments")
        return self._media.purge(datetime.now(timezone.utc) - timedelta(days=days))

    async def process_pending(self, on_new_message: OnNewMessage) -> int:
        """Answers every stored message not answered yet, oldest first; returns how many.

        One at a time: answering runs the NLU model on this process's event loop, and
        answering several senders at once measured no faster here while it delayed the
        webhook acknowledgements (docs/benchmarks/whatsapp.md). Each reply is sent as
        soon as its turn is done.
        """
        handled = 0
        for pending in self._store.claim_pending(self._worker):
            message = inbound_from_record(pending.raw)
            try:
                bodies, options = await self._answer(message, on_new_message)
                self._store.answer(message.id, message.sender, bodies, options)
            except UNREACHABLE:
                self._release_claims()
                raise
            except Exception:  # an answer that cannot be recorded must not come back forever and block the sender
                logger.exception("WhatsApp message %s: answer not recorded, the apology sent instead", message.id)
                ERRORS.labels("answer").inc()
                language = await conversation_language(self._agent(), message.sender)
                self._store.answer(message.id, message.sender, [text_body(message.sender, apology(language))], {})
            ANSWER_SECONDS.observe(max(0.0, time.time() - float(message.timestamp)))
            await self._outbox.run_once()
            handled += 1
        return handled

    def _release_claims(self) -> None:
        # Handed out again at once if the database answers; otherwise when the leases run out.
        try:
            self._store.release(self._worker)
        except DBAPIError:
            logger.info("WhatsApp claims of %s left to expire", self._worker)

    async def _answer(
        self, message: InboundMessage, on_new_message: OnNewMessage
    ) -> Tuple[List[Dict[str, Any]], Dict[str, str]]:
        """Has the assistant answer a message; returns the Graph API bodies and the numbered options offered."""
        turns = await self._turns(message)
        if not turns:
            logger.info("WhatsApp message %s of type %s left unanswered", message.id, message.type)
            return [], {}
        try:
            await self._api.mark_read(message.id, typing=True)
        except Exception as error:  # noqa: BLE001 - a read receipt is a courtesy, not a reason to stop
            logger.info("WhatsApp read receipt for %s not sent: %s", message.id, error)
        collector = CollectingOutputChannel()
        with watch_turn() as watch:
            try:
                for text, extra in turns:
                    metadata = {"whatsapp": {"message_id": message.id, "type": message.type}, **extra}
                    await on_new_message(
                        UserMessage(text, collector, message.sender, input_channel=self.name(), metadata=metadata)
                    )
            except UNREACHABLE:
                raise
            except Exception:  # a message that breaks the assistant gets the apology, and must not block the others
                logger.exception("WhatsApp message %s could not be answered", message.id)
                watch.failures.append("exception")
        if watch.tracker_store_failed:
            raise TrackerStoreUnreachable(f"WhatsApp message {message.id}: the conversation could not be read or saved")
        if watch.failures:
            ERRORS.labels("answer").inc()
            language = await conversation_language(self._agent(), message.sender)
            await collector.send_text_message(message.sender, apology(language))
        signed: List[Dict[str, Any]] = [self._signer.sign_buttons(m) for m in collector.messages]
        turn = format_turn(message.sender, signed, list_label=LIST_LABEL)
        return list(turn.bodies), turn.options

    async def _turns(self, message: InboundMessage) -> List[Tuple[str, Dict[str, Any]]]:
        """The messages Rasa reads for one WhatsApp message, each with extra metadata.

        An attachment is reported by the channel itself (sportello.attachments.replies),
        followed by its caption as ordinary user text; all answers go out as one turn.
        """
        if message.type in SILENT_TYPES:
            return []
        if message.type in TEXT_TYPES:
            text = text_for_rasa(message, self._store, self._signer)
            return [(text, {})] if text is not None else []
        if message.media is None or message.type not in POLICIES:
            return [(trigger(UNSUPPORTED, message.type), {})]
        record = await self._media.receive(message)
        turns: List[Tuple[str, Dict[str, Any]]] = [(trigger(record.outcome, record.kind), {})]
        caption = text_for_rasa(message, self._store, self._signer)
        if caption:
            turns.append((caption, {"caption_of": message.id}))
        return turns


def verify_tokens_match(given: str, expected: str) -> bool:
    """Constant-time comparison of the verification token."""
    return hmac.compare_digest(given.encode(), expected.encode())
