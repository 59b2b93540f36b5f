"""Webhook bodies and identifiers shaped as the WhatsApp Cloud API sends them."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any, Iterable

# Phone numbers in international form, without "+", or business-scoped user ids ("US.…").
_PHONE = re.compile(r"[0-9]{5,20}")
_USER_ID = re.compile(r"US\.[A-Za-z0-9._-]{1,120}")


@dataclass(frozen=True)
class BusinessNumber:
    """The business account and phone number every simulated webhook comes from."""

    phone_number_id: str
    display_phone_number: str = "15550000000"
    waba_id: str = "100000000000000"


def normalise_user(user: str) -> str | None:
    """Returns the user as Meta writes it (a phone number without "+", or a user id), or None if invalid."""
    user = user.strip().removeprefix("+")
    if _PHONE.fullmatch(user) or _USER_ID.fullmatch(user):
        return user
    return None


def is_user_id(user: str) -> bool:
    """Returns whether the user is known by a business-scoped user id rather than a phone number."""
    return user.startswith("US.")


def new_wamid() -> str:
    """Returns a fresh message id; the "SIM" prefix tells simulated ids apart from Meta's."""
    return "wamid.SIM" + secrets.token_hex(16).upper()


def new_media_id() -> str:
    """Returns a fresh media id, digits only like Meta's."""
    return str(10**15 + secrets.randbelow(9 * 10**15))


def text_content(body: str) -> dict[str, Any]:
    """Returns the type-specific part of a text message."""
    return {"type": "text", "text": {"body": body}}


def button_reply_content(button_id: str, title: str) -> dict[str, Any]:
    """Returns the type-specific part of a reply-button press."""
    reply = {"id": button_id, "title": title}
    return {"type": "interactive", "interactive": {"type": "button_reply", "button_reply": reply}}


def list_reply_content(row_id: str, title: str, description: str | None = None) -> dict[str, Any]:
    """Returns the type-specific part of a list-row pick."""
    reply = {"id": row_id, "title": title}
    if description:
        reply["description"] = description
    return {"type": "interactive", "interactive": {"type": "list_reply", "list_reply": reply}}


def media_content(
    kind: str, media_id: str, mime_type: str, data: bytes, filename: str | None = None, caption: str | None = None
) -> dict[str, Any]:
    """Returns the type-specific part of an image, document, audio or video message."""
    # Webhooks carry the base64 form of the digest; GET /<media-id> answers the hex form.
    media: dict[str, Any] = {
        "mime_type": mime_type,
        "sha256": base64.b64encode(hashlib.sha256(data).digest()).decode("ascii"),
        "id": media_id,
    }
    if kind == "document" and filename:
        media["filename"] = filename
    if kind == "audio":
        media["voice"] = False
    if caption:
        media["caption"] = caption
    return {"type": kind, kind: media}


def user_message(
    business: BusinessNumber, user: str, wamid: str, timestamp: int, content: dict, context_id: str | None = None
) -> dict[str, Any]:
    """Returns one entry of ``value.messages``: who, when, and the type-specific content."""
    message: dict[str, Any] = {_sender_key(user): user, "id": wamid, "timestamp": str(timestamp), **content}
    if context_id:
        message["context"] = {"from": business.display_phone_number, "id": context_id}
    return message


def messages_webhook(business: BusinessNumber, user: str, name: str, message: dict) -> dict[str, Any]:
    """Returns a webhook body announcing one user message."""
    contact_key = "user_id" if is_user_id(user) else "wa_id"
    return _envelope(business, {"contacts": [{"profile": {"name": name}, contact_key: user}], "messages": [message]})


def status_webhook(
    business: BusinessNumber, wamid: str, status: str, user: str, timestamp: int, errors: Iterable[dict] = ()
) -> dict[str, Any]:
    """Returns a webhook body reporting the status of one of the business's messages."""
    report: dict[str, Any] = {
        "id": wamid,
        "status": status,
        "timestamp": str(timestamp),
        "recipient_user_id" if is_user_id(user) else "recipient_id": user,
    }
    if status in ("sent", "delivered"):
        conversation_id = hashlib.sha256(user.encode("utf-8")).hexdigest()[:32]
        report["conversation"] = {"id": conversation_id, "origin": {"type": "service"}}
        report["pricing"] = {"billable": False, "pricing_model": "PMP", "category": "service"}
    errors = list(errors)
    if errors:
        report["errors"] = errors
    return _envelope(business, {"statuses": [report]})


def encode(body: dict) -> bytes:
    """Returns the raw bytes Meta would post: compact JSON, non-ASCII and "/" escaped.

    Signatures are computed over these bytes, so a receiver that re-serialises the
    JSON before checking them fails here as it would with Meta.
    """
    text = json.dumps(body, ensure_ascii=True, separators=(",", ":"))
    # "/" occurs only inside JSON strings, where "\/" is a valid escape.
    return text.replace("/", "\\/").encode("ascii")


def _sender_key(user: str) -> str:
    return "from_user_id" if is_user_id(user) else "from"


def _envelope(business: BusinessNumber, value: dict) -> dict[str, Any]:
    metadata = {"display_phone_number": business.display_phone_number, "phone_number_id": business.phone_number_id}
    change = {"field": "messages", "value": {"messaging_product": "whatsapp", "metadata": metadata, **value}}
    return {"object": "whatsapp_business_account", "entry": [{"id": business.waba_id, "changes": [change]}]}
