"""Parsing WhatsApp Cloud API webhook bodies into typed messages and status updates."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

MAX_BODY_BYTES = 3 * 1024 * 1024
MAX_ID_LENGTH = 256
MEDIA_TYPES = frozenset({"image", "document", "audio", "video", "sticker"})

_TIMESTAMP = re.compile(r"[0-9]{1,19}")


class InvalidPayload(ValueError):
    """The body is not a WhatsApp webhook; the message is fit for a 400 answer."""


@dataclass(frozen=True)
class Media:
    """A media attachment of an inbound message, to be fetched by its id."""

    id: str
    mime_type: str
    sha256: str | None
    filename: str | None
    caption: str | None
    voice: bool


@dataclass(frozen=True)
class InboundMessage:
    """One message from a WhatsApp user."""

    id: str
    sender: str
    profile_name: str | None
    timestamp: int
    type: str
    text: str | None
    reply_id: str | None
    media: Media | None
    location: dict | None
    context_id: str | None


@dataclass(frozen=True)
class StatusUpdate:
    """A delivery report (sent, delivered, read, failed) for one of our messages."""

    message_id: str
    status: str
    timestamp: int
    recipient: str
    errors: tuple[dict, ...]


@dataclass(frozen=True)
class WebhookBatch:
    """Everything one webhook POST carried, in payload order."""

    messages: tuple[InboundMessage, ...]
    statuses: tuple[StatusUpdate, ...]


def parse_webhook(body: bytes) -> WebhookBatch:
    """Parses a raw webhook body (already signature-checked) into messages and statuses.

    Returns:
        The messages and statuses of every entry and change whose field is "messages".

    Raises:
        InvalidPayload: when the body is not a well-formed WhatsApp Business Account webhook.

    """
    payload = _load(body)
    if payload.get("object") != "whatsapp_business_account":
        raise InvalidPayload("'object' must be 'whatsapp_business_account'")
    messages: list[InboundMessage] = []
    statuses: list[StatusUpdate] = []
    for i, entry in enumerate(_list(payload, "entry", "body")):
        where = f"entry[{i}]"
        if not isinstance(entry, dict):
            raise InvalidPayload(f"{where} must be an object")
        for j, change in enumerate(_list(entry, "changes", where)):
            here = f"{where}.changes[{j}]"
            if not isinstance(change, dict):
                raise InvalidPayload(f"{here} must be an object")
            if change.get("field") != "messages":
                continue
            value = change.get("value")
            if not isinstance(value, dict):
                raise InvalidPayload(f"{here}.value must be an object")
            names = _profile_names(value.get("contacts"))
            for k, message in enumerate(_list(value, "messages", f"{here}.value", required=False)):
                messages.append(_message(message, names, f"{here}.value.messages[{k}]"))
            for k, status in enumerate(_list(value, "statuses", f"{here}.value", required=False)):
                statuses.append(_status(status, f"{here}.value.statuses[{k}]"))
    return WebhookBatch(messages=tuple(messages), statuses=tuple(statuses))


def _load(body: bytes) -> dict:
    if len(body) > MAX_BODY_BYTES:
        raise InvalidPayload(f"body must be at most {MAX_BODY_BYTES} bytes")
    try:
        # Decoding first: json.loads on bytes would also accept UTF-16 and UTF-32.
        payload = json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError as error:
        raise InvalidPayload("body must be UTF-8") from error
    except (ValueError, RecursionError) as error:
        # RecursionError: deeply nested arrays exhaust the decoder's stack.
        raise InvalidPayload("body must be a JSON object") from error
    if not isinstance(payload, dict):
        raise InvalidPayload("body must be a JSON object")
    return payload


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _list(container: dict, key: str, where: str, required: bool = True) -> list:
    value = container.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise InvalidPayload(f"{where}.{key} must be an array")
    return value


def _profile_names(contacts: Any) -> dict[str, str]:
    # Profile names are cosmetic, so a malformed contacts array is skipped rather than refused.
    names: dict[str, str] = {}
    if not isinstance(contacts, list):
        return names
    for contact in contacts:
        if not isinstance(contact, dict) or not isinstance(contact.get("profile"), dict):
            continue
        name = _text(contact["profile"].get("name"))
        if name is None:
            continue
        for key in ("wa_id", "user_id"):
            if isinstance(contact.get(key), str):
                names[contact[key]] = name
    return names


def _message(message: Any, names: dict[str, str], where: str) -> InboundMessage:
    if not isinstance(message, dict):
        raise InvalidPayload(f"{where} must be an object")
    message_id = _identifier(message.get("id"), f"{where}.id")
    # Users with a username may come without a phone number, only a business-scoped user id.
    sender_key = next((key for key in ("from", "from_user_id", "user_id") if message.get(key) is not None), "from")
    sender = _identifier(message.get(sender_key), f"{where}.{sender_key}")
    kind = message.get("type")
    if not isinstance(kind, str) or not kind:
        raise InvalidPayload(f"{where}.type must be a non-empty string")
    body = _object(message.get(kind))
    text, reply_id, media, location = None, None, None, None
    if kind == "text":
        text = _text(body.get("body"))
    elif kind == "interactive":
        reply = _object(body.get(body.get("type"))) if body.get("type") in ("button_reply", "list_reply") else {}
        text = _text(reply.get("title"))
        reply_id = _optional_identifier(reply.get("id"), f"{where}.interactive.id")
    elif kind == "button":
        text = _text(body.get("text"))
        reply_id = _optional_identifier(body.get("payload"), f"{where}.button.payload")
    elif kind in MEDIA_TYPES:
        media = _media(body, kind, where)
        text = media.caption if media else None
    elif kind == "location":
        location = _location(body)
    context_id = _optional_identifier(_object(message.get("context")).get("id"), f"{where}.context.id")
    return InboundMessage(
        id=message_id,
        sender=sender,
        profile_name=names.get(sender),
        timestamp=_timestamp(message.get("timestamp"), f"{where}.timestamp"),
        type=kind,
        text=text,
        reply_id=reply_id,
        media=media,
        location=location,
        context_id=context_id,
    )


def _media(body: dict, kind: str, where: str) -> Media | None:
    if body.get("id") is None:
        return None
    return Media(
        id=_identifier(body["id"], f"{where}.{kind}.id"),
        mime_type=_text(body.get("mime_type")) or "application/octet-stream",
        sha256=_text(body.get("sha256")),
        filename=_text(body.get("filename")),
        caption=_text(body.get("caption")),
        voice=body.get("voice") is True,
    )


def _location(body: dict) -> dict | None:
    latitude, longitude = body.get("latitude"), body.get("longitude")
    if not all(_coordinate(value) for value in (latitude, longitude)):
        return None
    location: dict = {"latitude": latitude, "longitude": longitude}
    for key in ("name", "address"):
        if _text(body.get(key)) is not None:
            location[key] = body[key]
    return location


def _coordinate(value: Any) -> bool:
    # json.loads turns 1e400 into inf, which no map can place.
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _status(status: Any, where: str) -> StatusUpdate:
    if not isinstance(status, dict):
        raise InvalidPayload(f"{where} must be an object")
    state = status.get("status")
    if not isinstance(state, str) or not state:
        raise InvalidPayload(f"{where}.status must be a non-empty string")
    recipient_key = "recipient_id" if status.get("recipient_id") is not None else "recipient_user_id"
    errors = status.get("errors")
    return StatusUpdate(
        message_id=_identifier(status.get("id"), f"{where}.id"),
        status=state,
        timestamp=_timestamp(status.get("timestamp"), f"{where}.timestamp"),
        recipient=_identifier(status.get(recipient_key), f"{where}.{recipient_key}"),
        errors=tuple(error for error in errors if isinstance(error, dict)) if isinstance(errors, list) else (),
    )


def _object(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    """Returns the value if it is a string that can be stored and logged as UTF-8, else None."""
    if not isinstance(value, str):
        return None
    try:
        # JSON escapes can smuggle lone surrogates, which break every UTF-8 writer downstream.
        value.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return value


def _identifier(value: Any, where: str) -> str:
    text = _text(value)
    if not text or len(text) > MAX_ID_LENGTH:
        raise InvalidPayload(f"{where} must be a string of 1 to {MAX_ID_LENGTH} characters")
    return text


def _optional_identifier(value: Any, where: str) -> str | None:
    return None if value is None else _identifier(value, where)


def _timestamp(value: Any, where: str) -> int:
    # Meta sends Unix seconds as a decimal string; re.fullmatch keeps out "+1", " 1" and non-ASCII digits.
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**19:
        return value
    if isinstance(value, str) and _TIMESTAMP.fullmatch(value):
        return int(value)
    raise InvalidPayload(f"{where} must be a Unix timestamp")
