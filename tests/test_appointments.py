"""End to end: booking, checking, moving and cancelling through the real Rasa server, action server and REST channel.

The calendar is the office's (knowledge/appointments.yml) and the date is today's,
so expectations are computed with the same calendar the assistant uses.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Dict, List

import pytest

from sportello.appointments.calendar import Calendar
from sportello.appointments.config import load_settings
from sportello.appointments.dates import format_day
from tests.test_server import new_sender, say, tracker

CODE = re.compile(r"\*([A-Z2-9]{6})\*")


def buttons(replies: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [b for r in replies for b in r.get("buttons", [])]


def text(replies: List[Dict[str, Any]]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def tap(server: str, sender: str, replies: List[Dict[str, Any]], where) -> List[Dict[str, Any]]:
    """Taps the first button whose payload or title matches ``where``."""
    button = next(b for b in buttons(replies) if where(b))
    return say(server, sender, button["payload"])


def slot_button(b: Dict[str, Any]) -> bool:
    return "appointment_slot" in b["payload"]


def an_open_day_ahead() -> datetime:
    """An open day at least three days from now, for typing it."""
    settings = load_settings()
    calendar = Calendar(settings)
    today = calendar.local_day(datetime.now(timezone.utc))
    slots = calendar.slots_between(today.fromordinal(today.toordinal() + 3), today.fromordinal(today.toordinal() + 30))
    return next(slots).starts_at.astimezone(settings.timezone)


def test_booking_in_italian_with_buttons_then_check_move_and_cancel(server):
    sender = new_sender()
    say(server, sender, "Buongiorno")
    replies = say(server, sender, "vorrei prenotare un appuntamento")
    assert "Per quale permesso di soggiorno?" in text(replies)
    replies = tap(server, sender, replies, lambda b: '"studio"' in b["payload"])
    replies = tap(server, sender, replies, lambda b: '"rinnovo"' in b["payload"])
    assert "passaporto" in text(replies)
    replies = say(server, sender, "Mario Rossi 1990")
    assert "senza numeri" in text(replies)
    replies = say(server, sender, "Mario Rossi")
    assert "Non ce l'ho" in [b["title"] for b in buttons(replies)]
    replies = tap(server, sender, replies, lambda b: b["title"] == "Non ce l'ho")
    slots = [b for b in buttons(replies) if slot_button(b)]
    assert 1 <= len(slots) <= 9 and all(b.get("section") for b in slots)
    replies = say(server, sender, slots[0]["payload"])
    confirmation = text(replies)
    code = CODE.search(confirmation).group(1)
    assert "Appuntamento prenotato" in confirmation and "Mario Rossi" in confirmation
    assert "Porta all'appuntamento" in confirmation  # and the checklist follows
    assert tracker(server, sender)["slots"]["applicant_name"] is None  # forgotten after booking

    replies = say(server, sender, "quando è il mio appuntamento?")
    assert code in text(replies)
    replies = tap(server, sender, replies, lambda b: b["payload"].startswith("/reschedule_appointment"))
    assert f"nuovo orario per l'appuntamento {code}" in text(replies)
    replies = say(server, sender, [b for b in buttons(replies) if slot_button(b)][-1]["payload"])
    assert "Appuntamento spostato" in text(replies) and code in text(replies)

    replies = say(server, sender, "prenota un altro appuntamento")
    assert "Hai già un appuntamento" in text(replies)

    replies = say(server, sender, "voglio annullare il mio appuntamento")
    assert "Vuoi davvero annullare" in text(replies)
    replies = say(server, sender, "sì")
    assert f"Appuntamento {code} annullato" in text(replies)


def test_booking_in_english_with_a_typed_day(server):
    sender = new_sender()
    say(server, sender, "Hello, I need help with my residence permit")
    replies = say(server, sender, "I want to book an appointment for my work permit renewal")
    if "For which residence permit?" in text(replies):
        replies = tap(server, sender, replies, lambda b: '"lavoro_subordinato"' in b["payload"])
    if buttons(replies) and any('"procedure"' in b["payload"] for b in buttons(replies)):
        replies = tap(server, sender, replies, lambda b: '"rinnovo"' in b["payload"])
    replies = say(server, sender, "Amina Ben Ali")
    replies = say(server, sender, "no")
    assert "Here are the first free times" in text(replies)
    day = an_open_day_ahead()
    replies = say(server, sender, f"{day:%d/%m}")
    sections = {b["section"] for b in buttons(replies) if slot_button(b)}
    assert format_day(day.date(), "en") in sections
    replies = say(server, sender, next(b for b in buttons(replies) if slot_button(b))["payload"])
    assert "Appointment booked" in text(replies) and "Amina Ben Ali" in text(replies)


def test_stopping_a_booking_in_french_saves_nothing(server):
    sender = new_sender()
    say(server, sender, "Bonjour, j'ai une question sur mon titre de séjour")
    replies = say(server, sender, "je veux prendre rendez-vous")
    assert "Pour quel titre de séjour" in text(replies)
    replies = say(server, sender, "non, laissez tomber")
    assert "je n'ai rien enregistré" in text(replies)
    assert not (tracker(server, sender)["active_loop"] or {}).get("name")


@pytest.mark.parametrize(
    "greeting, request_text, expected",
    [
        ("مرحبا", "أريد إلغاء موعدي", "لا يوجد"),
        ("Привіт", "хочу скасувати запис", "немає"),
        ("你好", "我想取消预约", "没有"),
    ],
)
def test_cancelling_without_a_booking_says_so_in_the_language(server, greeting, request_text, expected):
    sender = new_sender()
    say(server, sender, greeting)
    replies = say(server, sender, request_text)
    assert expected in text(replies)
