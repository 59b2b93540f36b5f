"""What staff do with a handed-over conversation, shared by the web pages and the JSON API.

Every operation is checked (role, state, the 24-hour window) and written to the audit
log. Messages to the applicant go out through the WhatsApp connector's outbox and are
appended to the Rasa conversation as bot events marked with the staff member.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, List, Optional

from sportello.appointments.service import Appointments
from sportello.appointments.store import Booking
from sportello.inbox.handoff import canned_replies, handoff_settings, handoff_texts
from sportello.inbox.rasa_api import RasaClient
from sportello.inbox.store import Handoff, InboxStore, User
from sportello.languages import load_registry
from sportello.personal_data import PersonalData
from sportello.privacy import pseudonym
from sportello.staff.text_input import plain_text
from sportello.whatsapp.formatting import template_body, text_body
from sportello.whatsapp.store import MediaRecord, WhatsAppStore

logger = logging.getLogger(__name__)
WINDOW = timedelta(hours=24)
MAX_REPLY = 3000
MAX_NOTE = 2000
DELIVERABLE_CHANNELS = ("whatsapp",)
# After resuming, the assistant is listening: Rasa's rules start from this action.
LISTEN = {"event": "action", "name": "action_listen"}


class InboxError(Exception):
    """An operation that cannot be done, with the reason staff read."""


@dataclass(frozen=True)
class Entry:
    """One line of the transcript."""

    who: str  # applicant, assistant or staff
    text: str
    at: datetime
    staff: Optional[str] = None
    buttons: List[str] = field(default_factory=list)


def clean_text(value: Any, name: str, limit: int) -> str:
    """Staff input as plain text: control characters removed, trimmed, within the limit."""
    try:
        text = plain_text(value, name, limit)
    except ValueError as error:
        raise InboxError(str(error)) from None
    if not text:
        raise InboxError(f"{name}: is empty")
    return text


def transcript(events: List[Dict[str, Any]]) -> List[Entry]:
    """The applicant's, the assistant's and staff messages, in order."""
    entries = []
    for event in events:
        kind = event.get("event")
        at = datetime.fromtimestamp(float(event.get("timestamp") or 0), timezone.utc)
        if kind == "user":
            entries.append(Entry("applicant", _user_text(event), at))
        elif kind == "bot":
            staff = (event.get("metadata") or {}).get("staff")
            buttons = [str(b.get("title", "")) for b in (event.get("data") or {}).get("buttons") or []]
            entries.append(Entry("staff" if staff else "assistant", str(event.get("text") or ""), at, staff, buttons))
    return entries


def _user_text(event: Dict[str, Any]) -> str:
    text = str(event.get("text") or "")
    if not text.startswith("/"):
        return text
    # Written by the channel (attachments) or by a button: show what it means, not the syntax.
    intent = text[1:].split("{", 1)[0]
    if intent == "send_document":
        entities = {e.get("entity"): e.get("value") for e in (event.get("parse_data") or {}).get("entities") or []}
        return f"[{entities.get('media_kind') or 'file'}: {entities.get('media_outcome') or '?'}]"
    return f"[button: {intent}]"


class Inbox:
    """The staff operations on handed-over conversations."""

    def __init__(
        self,
        store: InboxStore,
        rasa: RasaClient,
        whatsapp: WhatsAppStore,
        appointments: Optional[Appointments] = None,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        personal_data: Optional[PersonalData] = None,
    ) -> None:
        self.store = store
        self.rasa = rasa
        self.whatsapp = whatsapp
        self.appointments = appointments
        self.clock = clock
        self.personal_data = personal_data

    def get(self, handoff_id: int) -> Handoff:
        """The handoff, or an error."""
        handoff = self.store.handoff(handoff_id)
        if handoff is None:
            raise InboxError("no such conversation")
        return handoff

    async def conversation(self, user: User, handoff: Handoff) -> Dict[str, Any]:
        """Everything the conversation page shows (and the read is audited)."""
        tracker = await self.rasa.tracker(handoff.sender)
        slots = tracker.get("slots") or {}
        self.store.audit(user.username, "read", handoff.sender, f"handoff {handoff.id}")
        bookings: List[Booking] = []
        if self.appointments is not None:
            bookings = self.appointments.backend.upcoming_of(handoff.sender, self.clock())
        return {
            "handoff": handoff,
            "transcript": transcript(tracker.get("events") or []),
            "paused": bool(tracker.get("paused")),
            "facts": {
                "language": slots.get("language") or handoff.language,
                "permit_type": slots.get("permit_type") or handoff.permit_type,
                "procedure": slots.get("procedure"),
            },
            "bookings": bookings,
            "documents": self.documents(handoff.sender),
            "notes": self.store.notes(handoff.id),
            "window_open": self.window_open(handoff.sender),
            "canned": {key: canned_replies()(key, self.language(handoff)) for key in canned_replies().keys()},
        }

    def documents(self, sender: str) -> List[MediaRecord]:
        """The photos and documents the applicant sent that are still kept."""
        return [m for m in self.whatsapp.media_of_sender(sender) if m.storage_key]

    def window_open(self, sender: str) -> bool:
        """Whether WhatsApp still accepts free-form messages (24 hours from the applicant's last message)."""
        last = self.whatsapp.last_inbound_at(sender)
        return last is not None and self.clock() - last < WINDOW

    def language(self, handoff: Handoff) -> str:
        """The applicant's language (the reference language while unknown)."""
        return handoff.language or load_registry().reference

    async def reply(
        self, user: User, handoff: Handoff, text: Optional[str] = None, canned: Optional[str] = None
    ) -> None:
        """Sends a staff message (typed, or a canned reply in the applicant's language)."""
        self._open(handoff)
        language = self.language(handoff)
        if canned is not None:
            if canned not in canned_replies().keys():
                raise InboxError("no such canned reply")
            body = canned_replies()(canned, language)
        else:
            body = clean_text(text, "reply", MAX_REPLY)
        self._deliverable(handoff)
        if not self.window_open(handoff.sender):
            raise InboxError("the 24-hour window is closed: only the template can be sent")
        message = f"{handoff_texts()('staff_prefix', language)}\n{body}"
        self.whatsapp.enqueue(handoff.sender, text_body(handoff.sender, message))
        await self.rasa.append(handoff.sender, [_bot(message, user.username)])
        if handoff.status == "waiting":
            self.store.assign(handoff.id, user.username)
        self.store.audit(user.username, "reply", handoff.sender, canned or f"{len(body)} characters")
        logger.info("staff reply to %s by %s", pseudonym(handoff.sender), user.username)

    async def send_template(self, user: User, handoff: Handoff) -> None:
        """Outside the 24-hour window: the approved template asking the applicant to write."""
        self._open(handoff)
        self._deliverable(handoff)
        template = handoff_settings().reply_template
        code = template.languages.get(self.language(handoff)) or template.languages[load_registry().reference]
        self.whatsapp.enqueue(handoff.sender, template_body(handoff.sender, template.name, code, []))
        await self.rasa.append(handoff.sender, [_bot(f"[template {template.name}]", user.username)])
        self.store.audit(user.username, "template", handoff.sender, template.name)

    async def hand_back(self, user: User, handoff: Handoff) -> None:
        """Gives the conversation back to the assistant, which greets the applicant in their language."""
        self._open(handoff)
        welcome = handoff_texts()("welcome_back", self.language(handoff))
        await self.rasa.append(handoff.sender, [{"event": "resume"}, _bot(welcome, None), LISTEN])
        if handoff.channel in DELIVERABLE_CHANNELS and self.window_open(handoff.sender):
            self.whatsapp.enqueue(handoff.sender, text_body(handoff.sender, welcome))
        self.store.end_handoff(handoff.id, "handed_back")
        self.store.audit(user.username, "hand_back", handoff.sender)

    async def resolve(self, user: User, handoff: Handoff) -> None:
        """Closes the handoff as resolved; the assistant answers the applicant's next message."""
        self._open(handoff)
        await self.rasa.append(handoff.sender, [{"event": "resume"}, LISTEN])
        self.store.end_handoff(handoff.id, "resolved")
        self.store.audit(user.username, "resolve", handoff.sender)

    async def take_over(self, user: User, sender: str) -> Handoff:
        """Staff take a live conversation: the assistant pauses and the conversation is theirs."""
        sender = clean_text(sender, "sender", 256)
        tracker = await self.rasa.tracker(sender)
        if not tracker.get("events"):
            raise InboxError("no conversation with this sender")
        await self.rasa.append(sender, [{"event": "pause"}])
        slots = tracker.get("slots") or {}
        channel = str(tracker.get("latest_input_channel") or "unknown")
        handoff = self.store.open_handoff(sender, channel, "staff", slots.get("language"), slots.get("permit_type"))
        self.store.assign(handoff.id, user.username)
        self.store.audit(user.username, "take_over", sender)
        return self.get(handoff.id)

    def assign(self, user: User, handoff: Handoff, to: Optional[str]) -> None:
        """Assigns to the user, or (supervisors) to another active account."""
        self._open(handoff)
        target = to or user.username
        if target != user.username:
            if not user.can("supervisor"):
                raise InboxError("only supervisors assign conversations to others")
            other = self.store.user_by_name(target)
            if other is None or not other.active:
                raise InboxError("no such active account")
        self.store.assign(handoff.id, target)
        self.store.audit(user.username, "assign", handoff.sender, target)

    def note(self, user: User, handoff: Handoff, text: Any) -> None:
        """A private note (never sent to the applicant)."""
        self.store.add_note(handoff.id, user.username, clean_text(text, "note", MAX_NOTE))
        self.store.audit(user.username, "note", handoff.sender)

    def document(self, user: User, handoff: Handoff, message_id: str) -> MediaRecord:
        """One of the applicant's documents, for viewing or download (audited)."""
        record = next((m for m in self.documents(handoff.sender) if m.message_id == message_id), None)
        if record is None:
            raise InboxError("no such document")
        self.store.audit(user.username, "download", handoff.sender, json.dumps({"message": message_id}))
        return record

    def export_data(self, user: User, handoff: Handoff) -> Dict[str, Any]:
        """Everything held about the applicant (supervisors; audited)."""
        data = self._personal_data(user)
        self.store.audit(user.username, "export", handoff.sender)
        return data.export(handoff.sender)

    def erase_data(self, user: User, handoff: Handoff) -> Dict[str, int]:
        """Deletes everything held about the applicant (supervisors; audited, with the counts)."""
        data = self._personal_data(user)
        deleted = data.erase(handoff.sender)
        self.store.audit(user.username, "erase", pseudonym(handoff.sender), json.dumps(deleted))
        return deleted

    def _personal_data(self, user: User) -> PersonalData:
        if not user.can("supervisor"):
            raise InboxError("only supervisors export or erase an applicant's data")
        if self.personal_data is None:
            raise InboxError("export and erasure are not configured")
        return self.personal_data

    @staticmethod
    def _open(handoff: Handoff) -> None:
        if handoff.status not in ("waiting", "assigned"):
            raise InboxError("this conversation is closed")

    @staticmethod
    def _deliverable(handoff: Handoff) -> None:
        if handoff.channel not in DELIVERABLE_CHANNELS:
            raise InboxError(f"messages cannot be delivered on the {handoff.channel} channel")


def _bot(text: str, staff: Optional[str]) -> Dict[str, Any]:
    event: Dict[str, Any] = {"event": "bot", "text": text}
    if staff:
        event["metadata"] = {"staff": staff}
    return event
