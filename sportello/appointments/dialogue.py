"""The appointment conversation, free of Rasa: what to say and what to remember at each step.

The rasa-sdk actions in ``actions/appointments.py`` read the tracker, call these
functions and turn their results into messages and slot events. Keeping the
decisions here lets them be tested directly, in every language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Dict, List, Optional

from sportello.appointments import messages
from sportello.appointments.backend import BookingRequest, Outcome
from sportello.appointments.dates import format_day, understand_date
from sportello.appointments.guard import BOOKING, LOOKUP
from sportello.appointments.messages import Message, texts
from sportello.appointments.service import Appointments
from sportello.appointments.store import Booking
from sportello.knowledge.answers import Library, library

# Slots offered per list and looked ahead (enough for MAX_DAYS full days and "later").
LOOKAHEAD = 60
BOOK = "book"
RESCHEDULE = "reschedule"
FROM_PREFIX = "from:"


@dataclass
class Step:
    """The result of one step: messages to send, slot values to set, and whether the form should end."""

    messages: List[Message] = field(default_factory=list)
    slots: Dict[str, Optional[str]] = field(default_factory=dict)
    notice: Optional[str] = None


def precheck(app: Appointments, sender: str, mode: str, code: Optional[str], now: datetime) -> Optional[str]:
    """Why the booking (or move) cannot go on, as a notice key; None if it can.

    Notices: ``blocked``, ``too_many_bookings``, ``too_many_lookups``, ``already_booked``,
    ``no_booking`` (nothing to move), ``no_slots``.
    """
    if mode == BOOK:
        refusal = app.guard.refusal(sender, BOOKING, now)  # blocks and the booking limit
    else:
        refusal = "blocked" if app.store.is_blocked(sender) else None
    if refusal is not None:
        return refusal
    upcoming = app.backend.upcoming_of(sender, now)
    if mode == BOOK and len(upcoming) >= app.store.max_active(sender, app.settings.limits.active_per_sender):
        return "already_booked"
    if mode == RESCHEDULE and not any(b.code == code for b in upcoming):
        return "no_booking"
    if not app.backend.free_slots(now, limit=1):
        return "no_slots"
    return None


def booking_to_move(app: Appointments, sender: str, code: Optional[str], now: datetime) -> Optional[Booking]:
    """The booking a reschedule is about: the one named by code, else the sender's next one."""
    upcoming = app.backend.upcoming_of(sender, now)
    return next((b for b in upcoming if b.code == code), None) or (upcoming[0] if upcoming and not code else None)


def slot_question(
    app: Appointments, sender: str, language: str, now: datetime, from_day: Optional[date], moving: Optional[Booking]
) -> List[Message]:
    """The list of free slots (from ``from_day``), introduced for booking or for moving ``moving``."""
    zone = app.settings.timezone
    refusal = app.guard.refusal(sender, LOOKUP, now)
    if refusal is not None:
        return [messages.refusal(refusal, language)]
    free = app.backend.free_slots(now, from_day, limit=LOOKAHEAD)
    if not free:
        last = format_day(app.backend.last_bookable_day(now), language)
        return [{"text": texts()("slots_none", language, last_day=last)}]
    chosen = messages.choose_slots(free, zone)
    if moving is not None:
        intro = texts()("reschedule_intro", language, **messages.booking_facts(moving, zone, language))
    elif from_day is not None:
        intro = texts()("slots_intro_day", language, day=format_day(from_day, language))
    else:
        intro = texts()("slots_intro", language)
    return [messages.slot_list(chosen, zone, language, intro, more=len(free) > len(chosen))]


def choose(
    app: Appointments,
    sender: str,
    language: str,
    candidate: str,
    details: Dict[str, Optional[str]],
    moving: Optional[Booking],
    now: datetime,
) -> Step:
    """Handles the answer to the slot list: a slot id (book or move it), "later dates", or a typed day."""
    if candidate.startswith(FROM_PREFIX):
        try:
            later = date.fromisoformat(candidate[len(FROM_PREFIX) :])
        except ValueError:
            return Step([{"text": texts()("date_not_understood", language)}])
        return Step(slots={messages.FROM_ENTITY: later.isoformat()})
    slot = app.backend.slot(candidate)
    if slot is not None:
        if moving is not None:
            outcome = app.backend.move(sender, moving.code, candidate, now)
        else:
            request = BookingRequest(
                sender=sender,
                slot_id=candidate,
                name=details.get("name") or "",
                permit_type=details.get("permit_type"),
                procedure=details.get("procedure"),
                application_number=details.get("application_number"),
                language=language,
            )
            outcome = app.backend.book(request, now)
            if outcome.status == "booked":
                app.guard.booked(sender, now)
        return _outcome_step(app, outcome, language, candidate)
    return _typed_day(app, language, candidate, now)


def _outcome_step(app: Appointments, outcome: Outcome, language: str, slot_id: str) -> Step:
    if outcome.booking is not None:
        return Step(slots={messages.SLOT_ENTITY: slot_id, messages.CODE_ENTITY: outcome.booking.code})
    if outcome.status == "already_booked":
        return Step(notice="already_booked")
    if outcome.status == "not_found":
        return Step(notice="no_booking")
    key = "slot_taken" if outcome.status == "slot_taken" else "slot_invalid"
    from_day = None
    if outcome.alternatives:
        from_day = outcome.alternatives[0].starts_at.astimezone(app.settings.timezone).date().isoformat()
    return Step([{"text": texts()(key, language)}], {messages.FROM_ENTITY: from_day})


def _typed_day(app: Appointments, language: str, text: str, now: datetime) -> Step:
    today = now.astimezone(app.settings.timezone).date()
    typed = understand_date(text, today)
    if typed.invalid:
        return Step([{"text": texts()("date_invalid", language)}])
    if typed.day is None:
        return Step([{"text": texts()("date_not_understood", language)}])
    day = typed.day
    check = app.backend.check_day(day, now)
    name = format_day(day, language)
    if check.status == "open":
        return Step(slots={messages.FROM_ENTITY: day.isoformat()})
    if check.status == "full":
        return Step([{"text": texts()("day_full", language, day=name)}], {messages.FROM_ENTITY: day.isoformat()})
    if check.status == "too_soon":
        hours = str(app.settings.min_notice_hours)
        return Step([{"text": texts()("day_too_soon", language, day=name, hours=hours)}])
    if check.status == "beyond":
        last = format_day(app.backend.last_bookable_day(now), language)
        return Step([{"text": texts()("day_beyond", language, last_day=last)}])
    if check.status == "past":
        return Step([{"text": texts()("day_past", language, day=name)}])
    if check.reason == "closed":
        days = messages.open_days(app.settings, language)
        return Step([{"text": texts()("day_not_open", language, day=name, days=days)}])
    return Step([{"text": texts()("day_closed", language, day=name, reason=check.reason or "")}])


def notice_messages(app: Appointments, notice: str, sender: str, language: str, now: datetime) -> List[Message]:
    """What to tell the applicant when the booking cannot go on."""
    if notice in ("blocked", "too_many_bookings", "too_many_lookups"):
        return [messages.refusal(notice, language)]
    if notice == "already_booked":
        booking = app.backend.upcoming_of(sender, now)[0]
        facts = messages.booking_facts(booking, app.settings.timezone, language)
        return [
            {
                "text": texts()("already_booked", language, **facts),
                "buttons": messages.booking_buttons(booking, language),
            }
        ]
    if notice == "no_booking":
        return [{"text": texts()("check_none", language), "buttons": [_book_button(language)]}]
    last = format_day(app.backend.last_bookable_day(now), language)
    return [{"text": texts()("slots_none", language, last_day=last)}]


def booked_messages(app: Appointments, lib: Library, code: str, language: str, moved: bool) -> List[Message]:
    """The confirmation of a booking just made or moved."""
    booking = app.store.by_code(code)
    if booking is None:
        return []
    if moved:
        facts = messages.booking_facts(booking, app.settings.timezone, language)
        return [{"text": texts()("moved", language, **facts)}]
    return messages.confirmation(lib, booking, app.settings.timezone, language)


def check_messages(app: Appointments, sender: str, language: str, now: datetime) -> List[Message]:
    """The sender's upcoming bookings, each with "change date" and "cancel"."""
    refusal = app.guard.refusal(sender, LOOKUP, now)
    if refusal is not None:
        return [messages.refusal(refusal, language)]
    upcoming = app.backend.upcoming_of(sender, now)
    if not upcoming:
        return [{"text": texts()("check_none", language), "buttons": [_book_button(language)]}]
    zone = app.settings.timezone
    return [
        {
            "text": texts()("check_one", language, **messages.booking_facts(b, zone, language)),
            "buttons": messages.booking_buttons(b, language),
        }
        for b in upcoming
    ]


def cancel_question(
    app: Appointments, sender: str, language: str, code: Optional[str], now: datetime
) -> tuple[List[Message], Optional[str]]:
    """Asks to confirm cancelling the booking (named by code, else the next one); returns its code."""
    booking = booking_to_move(app, sender, code, now)
    if booking is None:
        return [{"text": texts()("check_none", language), "buttons": [_book_button(language)]}], None
    facts = messages.booking_facts(booking, app.settings.timezone, language)
    buttons = [
        {"title": texts()("button_yes_cancel", language), "payload": "/affirm"},
        {"title": texts()("button_keep", language), "payload": "/deny"},
    ]
    return [{"text": texts()("cancel_confirm", language, **facts), "buttons": buttons}], booking.code


def cancel(app: Appointments, sender: str, language: str, code: str) -> List[Message]:
    """Cancels the sender's booking after confirmation."""
    booking = app.backend.cancel(sender, code, by="applicant")
    if booking is None:
        return [{"text": texts()("check_none", language), "buttons": [_book_button(language)]}]
    return [{"text": texts()("cancelled", language, code=booking.code), "buttons": [_book_button(language)]}]


def _book_button(language: str) -> Dict[str, str]:
    return {"title": library().labels("button_book", language), "payload": "/book_appointment"}
