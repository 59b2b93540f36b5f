"""Rasa's REST channel with validated input, the ``/`` guard and signed button payloads.

Mounted at ``/webhooks/rest/webhook`` like Rasa's own (it replaces it in
credentials.yml), so existing clients and ``make shell`` work unchanged.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import QueueOutputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from sportello.channels.commands import PayloadSigner, guard_user_text
from sportello.channels.failures import apology, conversation_language, watch_turn
from sportello.logs import install_redaction
from sportello.privacy import pseudonym
from sportello.runtime import load_secret

# The Rasa server loads this module: from then on its log lines are redacted too.
install_redaction()
logger = logging.getLogger(__name__)

MAX_SENDER_LENGTH = 128
MAX_TEXT_LENGTH = 4096


class InvalidRequest(ValueError):
    """The request body is not a valid REST-channel message."""


def parse_body(raw: bytes) -> Dict[str, Any]:
    """Validates a REST-channel request body.

    Returns:
        ``sender`` (str), ``message`` (str) and ``metadata`` (dict or None).

    Raises:
        InvalidRequest: with a message fit for the caller.

    """
    try:
        body = json.loads(raw or b"")
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidRequest("body must be a JSON object") from error
    if not isinstance(body, dict):
        raise InvalidRequest("body must be a JSON object")
    sender, text, metadata = body.get("sender"), body.get("message"), body.get("metadata")
    if not isinstance(sender, str) or not 0 < len(sender) <= MAX_SENDER_LENGTH:
        raise InvalidRequest(f"'sender' must be a string of 1 to {MAX_SENDER_LENGTH} characters")
    if not isinstance(text, str) or len(text) > MAX_TEXT_LENGTH:
        raise InvalidRequest(f"'message' must be a string of at most {MAX_TEXT_LENGTH} characters")
    if metadata is not None and not isinstance(metadata, dict):
        raise InvalidRequest("'metadata' must be an object")
    return {"sender": sender, "message": text, "metadata": metadata}


class SigningCollectingOutputChannel(CollectingOutputChannel):
    """Collects the bot's messages with button payloads signed for the recipient."""

    def __init__(self, signer: PayloadSigner) -> None:
        super().__init__()
        self._signer = signer

    async def _persist_message(self, message: Dict[str, Any]) -> None:
        await super()._persist_message(self._signer.sign_buttons(message))


class SigningQueueOutputChannel(QueueOutputChannel):
    """Streams the bot's messages with button payloads signed for the recipient."""

    def __init__(self, signer: PayloadSigner, queue: asyncio.Queue[Any]) -> None:
        super().__init__(queue)
        self._signer = signer

    async def _persist_message(self, message: Dict[str, Any]) -> None:
        await super()._persist_message(self._signer.sign_buttons(message))


class GuardedRestInput(InputChannel):
    """A REST channel that only lets the assistant's own button payloads through as intents."""

    @classmethod
    def name(cls) -> str:
        """Mounted as ``rest``, replacing Rasa's REST channel."""
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> GuardedRestInput:
        """Builds the channel; the payload secret comes from the environment or ``var/``."""
        return cls(PayloadSigner(load_secret("payload_secret")))

    def __init__(self, signer: PayloadSigner) -> None:
        self._signer = signer

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The health and webhook routes."""
        webhook = Blueprint("sportello_rest", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = parse_body(request.body)
            except InvalidRequest as error:
                logger.warning("REST channel rejected a request: %s", error)
                return response.json({"error": str(error)}, status=400)
            sender = body["sender"]
            text = guard_user_text(body["message"], sender, self._signer)
            logger.debug("REST message from %s (%d chars)", pseudonym(sender), len(text))

            def user_message(output: CollectingOutputChannel) -> UserMessage:
                return UserMessage(
                    text, output, sender, input_channel=self.name(), metadata=body["metadata"]
                )

            if request.args.get("stream", "").lower() == "true":
                return await self._stream(request, on_new_message, user_message)
            collector = SigningCollectingOutputChannel(self._signer)
            with watch_turn() as watch:
                try:
                    await on_new_message(user_message(collector))
                except Exception:
                    logger.exception("REST channel failed to handle a message from %s", pseudonym(sender))
                    watch.failures.append("exception")
            if watch.tracker_store_failed:
                # The answer ignored the conversation and was not saved with it: the client sends again.
                logger.warning("REST message from %s not handled: tracker store unreachable", pseudonym(sender))
                return response.json({"error": "the conversation store is unreachable, try again"}, status=503)
            if watch.failures:
                language = await conversation_language(getattr(request.app.ctx, "agent", None), sender)
                await collector.send_text_message(sender, apology(language))
            return response.json(collector.messages)

        return webhook

    async def _stream(
        self,
        request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        user_message: Callable[[CollectingOutputChannel], UserMessage],
    ) -> HTTPResponse:
        """Streams each bot message as one JSON line (the protocol of Rasa's console)."""
        queue: asyncio.Queue[Any] = asyncio.Queue()
        done = object()

        async def handle() -> None:
            try:
                await on_new_message(user_message(SigningQueueOutputChannel(self._signer, queue)))
            finally:
                await queue.put(done)

        stream = await request.respond(content_type="text/event-stream")
        task = asyncio.ensure_future(handle())
        while (item := await queue.get()) is not done:
            await stream.send(json.dumps(item) + "\n")
        await task
        await stream.eof()
        return stream
