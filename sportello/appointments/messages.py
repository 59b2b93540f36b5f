"""What the assistant writes about appointments, in the applicant's language.

Texts come from ``knowledge/appointment_labels.yml``, day names from
``knowledge/dates.yml``; times are written 24-hour in the office's time zone.
Slot choices are buttons carrying a ``section`` (their day), which the WhatsApp
channel turns into a list grouped by day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, Dict, List, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

from sportello.appointments.calendar import Slot
from sportello.appointments.config import AppointmentSettings
from sportello.appointments.dates import date_words, format_day
from sportello.appointments.store import Booking
from sportello.knowledge.answers import KNOWLEDGE_DIR, Library, answer, library, payload
from sportello.knowledge.labels import Labels, load_labels
from sportello.languages import load_registry
from sportello.office import field_text, load_office

Message = Dict[str, Any]
LABELS_FILE = KNOWLEDGE_DIR / "appointment_labels.yml"
# A WhatsApp list has at most 10 rows: 9 slots over at most 3 days, and "later dates".
MAX_DAYS = 3
PER_DAY = 3
SLOT_ENTITY = "appointment_slot"
FROM_ENTITY = "appointment_from"
CODE_ENTITY = "booking_code"


@cache
def texts() -> Labels:
    """The appointment texts in every supported language (raises if a staff edit broke them)."""
    registry = load_registry()
    return load_labels(LABELS_FILE, registry.codes, registry.reference)


def when(moment: datetime, zone: ZoneInfo, language: str) -> Tuple[str, str]:
    """(day, time) as the applicant reads them: ("giovedì 3 dicembre", "09:15")."""
    local = moment.astimezone(zone)
    return format_day(local.date(), language), f"{local:%H:%M}"


def address(language: str) -> str:
    """The office's address, or where to confirm it while no source states it."""
    office = load_office()
    reference = load_registry().reference
    return field_text(office["address"], language, reference) or texts()(
        "address_unknown", language, web=field_text(office["web"], language, reference) or ""
    )


def choose_slots(free: Sequence[Slot], zone: ZoneInfo) -> List[Slot]:
    """The slots to offer: the first PER_DAY of each of the first MAX_DAYS days with free slots."""
    chosen: List[Slot] = []
    per_day: Dict[date, int] = {}
    for slot in free:
        day = slot.starts_at.astimezone(zone).date()
        if day not in per_day and len(per_day) == MAX_DAYS:
            break
        if per_day.get(day, 0) < PER_DAY:
            per_day[day] = per_day.get(day, 0) + 1
            chosen.append(slot)
    return chosen


def slot_list(slots: Sequence[Slot], zone: ZoneInfo, language: str, intro: str, more: bool) -> Message:
    """The slots as buttons grouped by day, with "later dates" when there are more after them."""
    buttons = []
    for slot in slots:
        day, time = when(slot.starts_at, zone, language)
        buttons.append({"title": time, "payload": payload("inform", **{SLOT_ENTITY: slot.id}), "section": day})
    if slots and more:
        after = slots[-1].starts_at.astimezone(zone).date() + timedelta(days=1)
        label = texts()("button_later", language)
        buttons.append(
            {"title": label, "payload": payload("inform", **{FROM_ENTITY: after.isoformat()}), "section": label}
        )
    return {"text": intro, "buttons": buttons}


def open_days(settings: AppointmentSettings, language: str) -> str:
    """The opening weekdays of the main service, in the language ("lunedì, mercoledì, ...")."""
    words = date_words().get(language) or date_words()[load_registry().reference]
    service = settings.services[settings.default_service]
    return ", ".join(words.weekdays[day][0] for day in service.days)


def booking_buttons(booking: Booking, language: str) -> List[Dict[str, str]]:
    """Change date and cancel, for one booking."""
    return [
        {
            "title": texts()("button_change_date", language),
            "payload": payload("reschedule_appointment", **{CODE_ENTITY: booking.code}),
        },
        {
            "title": texts()("button_cancel", language),
            "payload": payload("cancel_appointment", **{CODE_ENTITY: booking.code}),
        },
    ]


def booking_facts(booking: Booking, zone: ZoneInfo, language: str) -> Dict[str, str]:
    """The placeholders every text about a booking uses: code, day, time, address."""
    day, time = when(booking.starts_at, zone, language)
    return {"code": booking.code, "day": day, "time": time, "address": address(language)}


def confirmation(lib: Library, booking: Booking, zone: ZoneInfo, language: str) -> List[Message]:
    """The booking's confirmation, then what to bring (the documents checklist of its case)."""
    permit = lib.knowledge.permits.get(booking.permit_type or "")
    permit_name = permit.name[language] if permit else "-"
    procedure = lib.labels(f"procedure_{booking.procedure}", language) if booking.procedure else "-"
    text = texts()(
        "booked",
        language,
        permit=permit_name,
        procedure=procedure,
        name=booking.name,
        **booking_facts(booking, zone, language),
    )
    messages: List[Message] = [{"text": text}]
    checklist, asking = answer(lib, "documents", booking.permit_type, booking.procedure, language)
    if not asking:
        # The checklist without its closing buttons (book, person, another permit).
        messages += [{"text": texts()("bring", language)}, *checklist[:-1]]
    return messages


def refusal(reason: str, language: str) -> Message:
    """Why booking is refused now (blocked sender, too many requests)."""
    key = "refused_blocked" if reason == "blocked" else "refused_too_many"
    return {"text": texts()(key, language), "buttons": [{"title": human_button(language), "payload": "/request_human"}]}


def human_button(language: str) -> str:
    """The "talk to a person" button title (from the knowledge labels)."""
    return library().labels("button_human", language)


def reminder_text(booking: Booking, zone: ZoneInfo) -> str:
    """The reminder sent the day before, in the booking's language."""
    return texts()("reminder", booking.language, **booking_facts(booking, zone, booking.language))


def staff_change_text(kind: str, booking: Booking, zone: ZoneInfo, message: Optional[str]) -> str:
    """What the applicant reads when staff cancel (``cancelled``) or move (``moved``) a booking."""
    text = texts()(f"staff_{kind}", booking.language, **booking_facts(booking, zone, booking.language))
    if message:
        text += "\n\n" + texts()("staff_message", booking.language, message=message)
    return text
