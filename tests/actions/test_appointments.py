"""The appointment actions on a real (SQLite) booking store, at a fixed moment."""

from datetime import date

import pytest
import yaml

import actions.appointments as module
from actions.appointments import (
    STOP_INTENTS,
    ActionAnswerYesNo,
    ActionAppointmentDone,
    ActionAskAppointmentSlot,
    ActionCancelAppointment,
    ActionCheckAppointment,
    ValidateAppointmentForm,
)
from sportello import PROJECT_ROOT
from sportello.appointments.backend import BookingRequest
from sportello.appointments.service import open_appointments
from tests.actions.conftest import make_tracker
from tests.sportello.appointments.conftest import NOW, settings_with

SENDER = "test-sender"


@pytest.fixture
def app(tmp_path, monkeypatch):
    parts = open_appointments(f"sqlite:///{tmp_path / 'appointments.db'}", settings_with())
    monkeypatch.setattr(module, "appointments", lambda: parts)
    monkeypatch.setattr(module, "_now", lambda: NOW)
    yield parts
    parts.store.close()


def latest(text, intent="inform", confidence=0.9, entities=()):
    return {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": list(entities)}


def slots_of(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def form_slots(**values):
    base = {"language": "it", "appointment_mode": "book", "permit_type": "studio", "procedure": "rinnovo"}
    return {**base, **values}


async def validate(dispatcher, domain, slots, message):
    return await ValidateAppointmentForm().run(dispatcher, make_tracker(slots, message), domain)


def test_every_stop_intent_has_its_stop_rule():
    rules = yaml.safe_load((PROJECT_ROOT / "data" / "rules.yml").read_text(encoding="utf-8"))["rules"]
    stopping = {
        rule["steps"][0]["intent"]
        for rule in rules
        if {"active_loop": "appointment_form"} in (rule.get("condition") or [])
        and rule["steps"][1] == {"action": "action_stop_appointment"}
    }
    assert stopping == set(STOP_INTENTS)


@pytest.mark.asyncio
async def test_activation_sets_the_mode_and_a_day_named_in_the_request(app, dispatcher, domain):
    events = await validate(dispatcher, domain, {"language": "it"}, latest("prenota per giovedì", "book_appointment"))
    assert slots_of(events)["appointment_mode"] == "book"
    assert slots_of(events)["appointment_from"] == "2026-12-03"


@pytest.mark.asyncio
async def test_a_name_with_digits_is_refused_in_the_users_language(app, dispatcher, domain):
    slots = form_slots(language="fr", requested_slot="applicant_name")
    events = await validate(dispatcher, domain, slots, latest("Jean 1985"))
    assert slots_of(events)["applicant_name"] is None
    assert "sans chiffres" in dispatcher.messages[0]["text"]


@pytest.mark.asyncio
async def test_a_clear_request_to_stop_is_left_to_the_stop_rule(app, dispatcher, domain):
    slots = form_slots(requested_slot="applicant_name")
    assert await validate(dispatcher, domain, slots, latest("no, lascia stare", "deny", 0.95)) == []


@pytest.mark.asyncio
async def test_no_to_the_number_question_skips_it(app, dispatcher, domain):
    slots = form_slots(requested_slot="application_number", applicant_name="Mario Rossi")
    events = await validate(dispatcher, domain, slots, latest("no", "deny", 0.95))
    assert slots_of(events)["application_number"] == "none"


@pytest.mark.asyncio
async def test_an_unclear_answer_to_a_button_question_is_asked_again(app, dispatcher, domain):
    slots = {"language": "en", "appointment_mode": "book", "requested_slot": "permit_type"}
    events = await validate(dispatcher, domain, slots, latest("blah blah", "out_of_scope", 0.4))
    assert slots_of(events)["permit_type"] is None
    assert dispatcher.messages[0]["text"] == "I did not understand. Please choose one of the options."


@pytest.mark.asyncio
async def test_a_typed_closed_day_is_explained(app, dispatcher, domain):
    slots = form_slots(
        language="en", requested_slot="appointment_slot", applicant_name="Mario Rossi", application_number="none"
    )
    events = await validate(dispatcher, domain, slots, latest("8/12"))
    assert slots_of(events)["appointment_slot"] is None
    assert "closed (Immacolata Concezione)" in dispatcher.messages[0]["text"]


@pytest.mark.asyncio
async def test_choosing_a_slot_books_it_and_the_confirmation_lists_what_to_bring(app, dispatcher, domain):
    slot = app.backend.free_slots(NOW, date(2026, 12, 3), limit=1)[0]
    slots = form_slots(requested_slot="appointment_slot", applicant_name="Mario Rossi", application_number="none")
    message = latest(
        f'/inform{{"appointment_slot":"{slot.id}"}}', entities=[{"entity": "appointment_slot", "value": slot.id}]
    )
    events = await validate(dispatcher, domain, slots, message)
    code = slots_of(events)["booking_code"]
    assert app.store.by_code(code).name == "Mario Rossi"
    done = await ActionAppointmentDone().run(dispatcher, make_tracker({**slots, **slots_of(events)}, message), domain)
    text = "\n".join(m["text"] for m in dispatcher.messages)
    assert code in text and "giovedì 3 dicembre, ore 09:00" in text and "passaporto" in text.lower()
    assert all(e["value"] is None for e in done if e["name"] in ("applicant_name", "booking_code"))
    # A second booking is refused at once, showing the first.
    again = await validate(dispatcher, domain, {"language": "it"}, latest("prenota", "book_appointment"))
    assert slots_of(again)["appointment_notice"] == "already_booked"


@pytest.mark.asyncio
async def test_slot_list_is_grouped_by_day_with_later_dates(app, dispatcher, domain):
    await ActionAskAppointmentSlot().run(dispatcher, make_tracker({"language": "en"}, latest("book")), domain)
    buttons = dispatcher.messages[0]["buttons"]
    assert len(buttons) == 10
    assert [b["section"] for b in buttons[:3]] == ["Wednesday 2 December"] * 3
    assert buttons[-1]["title"] == "Later dates" and "appointment_from" in buttons[-1]["payload"]


@pytest.mark.asyncio
async def test_yes_cancels_only_right_after_the_question(app, dispatcher, domain):
    slot = app.backend.free_slots(NOW, limit=1)[0]
    booking = app.backend.book(BookingRequest(SENDER, slot.id, "Mario Rossi", None, None, None, "it"), NOW).booking
    events = await ActionCancelAppointment().run(
        dispatcher, make_tracker({"language": "it"}, latest("annulla")), domain
    )
    assert slots_of(events)["booking_code"] == booking.code
    asked = [
        {"event": "action", "name": "action_cancel_appointment"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "sì"},
    ]
    late = [
        {"event": "action", "name": "action_cancel_appointment"},
        {"event": "user", "text": "ok"},
        {"event": "action", "name": "utter_anything_else"},
        {"event": "user", "text": "sì"},
    ]
    slots = {"language": "it", "booking_code": booking.code}
    await ActionAnswerYesNo().run(dispatcher, make_tracker(slots, latest("sì", "affirm"), late), domain)
    assert app.store.by_code(booking.code).status == "active"
    await ActionAnswerYesNo().run(dispatcher, make_tracker(slots, latest("sì", "affirm"), asked), domain)
    assert app.store.by_code(booking.code).status == "cancelled"
    assert f"Appuntamento {booking.code} annullato" in dispatcher.messages[-1]["text"]


@pytest.mark.asyncio
async def test_check_shows_the_booking_with_change_and_cancel(app, dispatcher, domain):
    await ActionCheckAppointment().run(dispatcher, make_tracker({"language": "es"}, latest("mi cita")), domain)
    assert dispatcher.messages[0]["text"].startswith("No hay")
    slot = app.backend.free_slots(NOW, limit=1)[0]
    app.backend.book(BookingRequest(SENDER, slot.id, "Ana Pérez", None, None, None, "es"), NOW)
    await ActionCheckAppointment().run(dispatcher, make_tracker({"language": "es"}, latest("mi cita")), domain)
    assert [b["payload"].split("{")[0] for b in dispatcher.messages[-1]["buttons"]] == [
        "/reschedule_appointment",
        "/cancel_appointment",
    ]
