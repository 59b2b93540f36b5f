"""How the assistant answers an attachment, or a question about sending one.

The WhatsApp channel reports an attachment to Rasa as the intent ``send_document``
with the outcome as an entity (a message the channel writes itself, never user
text); applicants who type "can I send you my passport?" reach the same intent
without an outcome. One action turns either into the right answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, Optional

from sportello.attachments.policy import Outcome, max_megabytes
from sportello.retention import retention_days

INTENT = "send_document"
OUTCOME_ENTITY = "media_outcome"
KIND_ENTITY = "media_kind"
# Not a file at all: a location, contact card or a type WhatsApp itself cannot show.
UNSUPPORTED = "unsupported"
VOICE_KINDS = ("audio",)


@dataclass(frozen=True)
class Reply:
    """A response name and the values of its placeholders."""

    response: str
    values: Dict[str, Any] = field(default_factory=dict)


def trigger(outcome: str, kind: str) -> str:
    """The message the channel sends Rasa for an attachment (or an unsupported message)."""
    return f"/{INTENT}" + json.dumps({OUTCOME_ENTITY: outcome, KIND_ENTITY: kind}, separators=(",", ":"))


def reply_for(outcome: Optional[str], kind: Optional[str]) -> Reply:
    """The answer to an attachment's outcome; no outcome means the applicant asked about sending files."""
    if outcome is None:
        return Reply(
            "utter_document_info",
            {"max_mb": max_megabytes("document"), "retention_days": retention_days("attachments")},
        )
    if outcome == Outcome.STORED.value:
        if kind in VOICE_KINDS:
            return Reply("utter_media_voice")
        return Reply("utter_media_received", {"retention_days": retention_days("attachments")})
    if outcome == Outcome.TOO_LARGE.value:
        return Reply("utter_media_too_large", {"max_mb": max_megabytes(kind or "document")})
    if outcome == Outcome.TYPE_REFUSED.value:
        return Reply("utter_media_type_refused")
    if outcome == UNSUPPORTED:
        return Reply("utter_message_unsupported")
    return Reply("utter_media_failed")


def needs_staff(outcome: Optional[str], kind: Optional[str]) -> bool:
    """Whether a person should see what was sent: a stored photo or document (not a voice note)."""
    return outcome == Outcome.STORED.value and kind not in VOICE_KINDS
