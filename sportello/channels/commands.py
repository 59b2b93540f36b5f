"""Keeping users from typing intents: only the assistant's own button payloads start with ``/``.

Rasa parses any message that starts with ``/`` as an intent with entities
(``/restart``, ``/inform{"permit_type": ...}``). On a public number anyone could
inject intents and slots that way, so every channel passes user text through
`guard_user_text`: a payload the assistant itself attached to a button for this
sender carries an HMAC tag and goes through; anything else starting with ``/`` is
neutralised and reaches the NLU as ordinary text.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any, Dict, Optional

INTENT_PREFIX = "/"
TAG_SEPARATOR = "~~"
# Prefixed to neutralised text: invisible when shown to staff, not whitespace (so
# Rasa's strip() keeps it), and it makes the text no longer start with "/".
NEUTRALISER = "\u2060"


class PayloadSigner:
    """Tags button payloads for one sender and recognises them when they come back."""

    def __init__(self, secret: str) -> None:
        self._key = secret.encode("utf-8")

    def _tag(self, sender_id: str, payload: str) -> str:
        digest = hmac.new(self._key, f"{sender_id}\x00{payload}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()[:12]).decode("ascii")

    def sign(self, sender_id: str, payload: str) -> str:
        """The payload as sent to the client: intent payloads get a tag, others are unchanged."""
        if not payload.startswith(INTENT_PREFIX):
            return payload
        return f"{payload}{TAG_SEPARATOR}{self._tag(sender_id, payload)}"

    def verify(self, sender_id: str, text: str) -> Optional[str]:
        """The original payload if ``text`` is a payload signed for this sender, else None."""
        payload, separator, tag = text.rpartition(TAG_SEPARATOR)
        if not separator or not payload.startswith(INTENT_PREFIX):
            return None
        if hmac.compare_digest(tag.encode("ascii", "replace"), self._tag(sender_id, payload).encode("ascii")):
            return payload
        return None

    def sign_buttons(self, message: Dict[str, Any]) -> Dict[str, Any]:
        """A copy of an outgoing message whose buttons' payloads are signed for its recipient."""
        buttons = message.get("buttons")
        if not buttons:
            return message
        recipient = str(message.get("recipient_id", ""))
        signed = [
            {**button, "payload": self.sign(recipient, str(button.get("payload", "")))}
            for button in buttons
        ]
        return {**message, "buttons": signed}


def guard_user_text(text: str, sender_id: str, signer: PayloadSigner) -> str:
    """The text to hand to Rasa for a message a client sent.

    A payload signed for ``sender_id`` comes back as the bare payload (Rasa then reads
    its intent); any other text starting with ``/`` is neutralised so that Rasa's NLU
    reads it as words; all other text is unchanged.
    """
    if not text.lstrip().startswith(INTENT_PREFIX):
        return text
    payload = signer.verify(sender_id, text.strip())
    return payload if payload is not None else NEUTRALISER + text.lstrip()
