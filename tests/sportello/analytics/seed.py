"""Seven conversations with known dashboard figures, in real stores (Rasa's SQL tracker store,
the inbox database, the appointment store), written where the inbox reads them by default.

Period 2-3 November 2026 (Europe/Rome, UTC+1). What each conversation adds is noted
beside it; tests/sportello/analytics/test_figures.py asserts the totals.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional
from unittest import mock
from zoneinfo import ZoneInfo

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from sportello.analytics.settings import DashboardSettings
from sportello.appointments.store import BookingStore, NewBooking
from sportello.inbox.store import InboxStore

ROME = ZoneInfo("Europe/Rome")
FIRST, LAST = date(2026, 11, 2), date(2026, 11, 3)
SETTINGS = DashboardSettings(0.5, 0.3, 8000, "test")


def rome(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A moment given in Rome's wall-clock time, as UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=ROME).astimezone(timezone.utc)


def session(at: datetime, **carried: str) -> List[Event]:
    """Rasa's session start, carrying slots over as domain.yml asks."""
    t = at.timestamp()
    events: List[Event] = [ActionExecuted("action_session_start", timestamp=t), SessionStarted(timestamp=t)]
    events += [SlotSet(name, value, timestamp=t) for name, value in carried.items()]
    return [*events, ActionExecuted("action_listen", timestamp=t)]


def says(
    at: datetime, text: str, intent: str, language: str, action: Optional[str] = None, listen: bool = True, **slots: str
) -> List[Event]:
    """A message, the slots it sets, and the assistant's turn (an action, a reply, listening unless it paused)."""
    t = at.timestamp()
    parse: Dict[str, Any] = {
        "intent": {"name": intent, "confidence": 0.9},
        "entities": [],
        "language": {"name": language, "confidence": 1.0},
    }
    events: List[Event] = [UserUttered(text, parse["intent"], [], parse, timestamp=t, input_channel="whatsapp")]
    events += [SlotSet(name, value, timestamp=t) for name, value in {"language": language, **slots}.items()]
    events += [ActionExecuted(action or f"utter_{intent}", timestamp=t), BotUttered("...", timestamp=t)]
    return [*events, ActionExecuted("action_listen", timestamp=t)] if listen else events


def pause(at: datetime) -> List[Event]:
    return [ConversationPaused(timestamp=at.timestamp())]


def resume(at: datetime) -> List[Event]:
    t = at.timestamp()
    return [ConversationResumed(timestamp=t), ActionExecuted("action_listen", timestamp=t)]


def seed(directory: Path) -> None:
    """Writes tracker.db, inbox.db and appointments.db into ``directory``."""
    tracker = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(directory / "tracker.db"))
    inbox = InboxStore(f"sqlite:///{directory / 'inbox.db'}")
    bookings = BookingStore(f"sqlite:///{directory / 'appointments.db'}")

    def save(sender: str, events: List[Event]) -> None:
        asyncio.run(tracker.save(DialogueStateTracker.from_events(sender, events)))

    def handoff(sender: str, reason: str, language: str, opened: datetime) -> int:
        with mock.patch("sportello.inbox.store._now", return_value=opened):
            return inbox.open_handoff(sender, "whatsapp", reason, language, None).id

    def staff(action: str, sender: str, handoff_id: int, at: datetime) -> None:
        with mock.patch("sportello.inbox.store._now", return_value=at):
            if action == "reply":
                inbox.audit("anna", "reply", sender, "12 characters")
                inbox.assign(handoff_id, "anna")
            else:
                inbox.end_handoff(handoff_id, action)
                inbox.audit("anna", action, sender)

    def book(sender: str, made: datetime, starts: datetime) -> str:
        new = NewBooking(sender, "questura", starts, "Nome Cognome", "studio", "rinnovo", None, "it")
        return bookings.book(new, capacity=1, default_max_active=1, now=made).code

    # ALBA (it). 30 October, outside the period: documents, handed over and back.
    alba = "393310000001"
    october = rome(30, 9, month=10)
    alba_events = session(october)
    alba_events += says(october, "/send_document", "send_document", "it", "action_acknowledge_media", listen=False)
    alba_events += pause(rome(30, 9, 1, month=10))
    handed = handoff(alba, "documents", "it", rome(30, 9, 1, month=10))
    staff("reply", alba, handed, rome(30, 9, 30, month=10))
    staff("handed_back", alba, handed, rome(30, 10, month=10))
    alba_events += resume(rome(30, 10, month=10))
    # 2 November: a new session (permit type "famiglia" carried over, not counted);
    # contained; 3 typed; greet, ask_documents, ask_cost; studio.
    alba_events += session(rome(2, 9), language="it", permit_type="famiglia")
    alba_events += says(rome(2, 9), "Buongiorno", "greet", "it")
    alba_events += says(rome(2, 9, 1), "documenti per studio?", "ask_documents", "it", permit_type="studio")
    alba_events += says(rome(2, 9, 2), "quanto costa?", "ask_cost", "it")
    save(alba, alba_events)

    # BEN (en), 2 November: asks for a person; answered in 12 minutes, resolved.
    # 2 typed; ask_documents, request_human; lavoro_subordinato.
    ben = "393310000002"
    ben_events = session(rome(2, 10))
    ben_events += says(rome(2, 10), "documents for work?", "ask_documents", "en", permit_type="lavoro_subordinato")
    ben_events += says(rome(2, 10, 2), "a person please", "request_human", "en", "action_handoff", listen=False)
    ben_events += pause(rome(2, 10, 2))
    handed = handoff(ben, "asked", "en", rome(2, 10, 2))
    staff("reply", ben, handed, rome(2, 10, 14))
    staff("resolved", ben, handed, rome(2, 10, 30))
    ben_events += resume(rome(2, 10, 30))
    save(ben, ben_events)

    # CHAMA (ar), 2 November: not understood twice, handed over; answered in 90 minutes,
    # still assigned. 2 typed, 2 not understood; her message while paused is not counted.
    chama = "393310000003"
    chama_events = session(rome(2, 15))
    chama_events += says(rome(2, 15), "xyzzy", "nlu_fallback", "ar", "action_handle_fallback")
    chama_events += says(rome(2, 15, 1), "qwerty", "nlu_fallback", "ar", "action_handle_fallback", listen=False)
    chama_events += pause(rome(2, 15, 1))
    handed = handoff(chama, "not_understood", "ar", rome(2, 15, 1))
    chama_events += [UserUttered("مرحبا", {"name": "greet"}, timestamp=rome(2, 15, 10).timestamp())]
    staff("reply", chama, handed, rome(2, 16, 31))
    save(chama, chama_events)

    # DINO (it), 3 November: books with buttons (not typed), thanks; contained.
    # 1 typed; book_appointment, inform, thank; studio. One booking made.
    dino = "393310000004"
    dino_events = session(rome(3, 9, 30))
    dino_events += says(rome(3, 9, 30), "/book_appointment", "book_appointment", "it", "appointment_form")
    dino_events += says(rome(3, 9, 31), '/inform{"permit_type":"studio"}', "inform", "it", permit_type="studio")
    dino_events += says(rome(3, 9, 36), "grazie", "thank", "it")
    book(dino, rome(3, 9, 35), rome(10, 9))
    save(dino, dino_events)

    # ELISE (fr): 23:30 UTC on 2 November is 00:30 on 3 November in Rome. Cancels the
    # booking she made in October; contained. 1 typed; cancel_appointment, affirm.
    elise = "393310000005"
    first = datetime(2026, 11, 2, 23, 30, tzinfo=timezone.utc)
    code = book(elise, rome(20, 11, month=10), rome(12, 9))
    bookings.cancel(code, by="applicant", now=first + timedelta(minutes=1))
    elise_events = session(first)
    elise_events += says(first, "annuler mon rendez-vous", "cancel_appointment", "fr", "action_cancel_appointment")
    elise_events += says(first + timedelta(minutes=1), "/affirm", "affirm", "fr")
    save(elise, elise_events)

    # FEDIR (uk), 3 November: asks for erasure; nobody has answered yet. 1 typed; request_erasure.
    fedir = "393310000006"
    fedir_events = session(rome(3, 11))
    fedir_events += says(
        rome(3, 11), "видаліть мої дані", "request_erasure", "uk", "action_request_erasure", listen=False
    )
    fedir_events += pause(rome(3, 11, 1))
    handoff(fedir, "erasure", "uk", rome(3, 11, 1))
    save(fedir, fedir_events)

    # HANA (zh), 3 November: sends a photo (not typed); resolved without a written reply.
    hana = "393310000007"
    hana_events = session(rome(3, 16))
    hana_events += says(rome(3, 16), "/send_document", "send_document", "zh", "action_acknowledge_media", listen=False)
    hana_events += pause(rome(3, 16, 1))
    handed = handoff(hana, "documents", "zh", rome(3, 16, 1))
    staff("resolved", hana, handed, rome(3, 16, 40))
    hana_events += resume(rome(3, 16, 40))
    save(hana, hana_events)

    # GIANNI (it), 4 November, after the period: neither his conversation nor his booking
    # count; a staff cancellation on 3 November does.
    gianni = "393310000008"
    save(gianni, session(rome(4, 10)) + says(rome(4, 10), "ciao", "greet", "it"))
    book(gianni, rome(4, 10, 5), rome(16, 9))
    code = book("393310000009", rome(25, 12, month=10), rome(13, 9))
    bookings.cancel(code, by="staff", now=rome(3, 12))

    inbox.close()
    bookings.close()
