"""Reminders and retention, with the WhatsApp outbox of a real store."""

from datetime import datetime, timedelta, timezone

from sportello.appointments.backend import BookingRequest
from sportello.appointments.notifier import Notifier
from sportello.appointments.scheduler import purge, send_reminders
from sportello.whatsapp.store import OUTBOX
from tests.sportello.appointments.conftest import NOW


def outbox(whatsapp_store):
    with whatsapp_store.engine.connect() as connection:
        return [row.body for row in connection.execute(OUTBOX.select().order_by(OUTBOX.c.id))]


def book_thursday_nine(app, sender="393331234567", language="en"):
    slot = app.backend.slot("questura:20261203T0800Z")
    return app.backend.book(BookingRequest(sender, slot.id, "Amina Ben Ali", None, None, None, language), NOW).booking


def test_the_reminder_goes_out_once_the_day_before_from_the_configured_time(app, whatsapp_store):
    booking = book_thursday_nine(app)
    notifier = Notifier(app.settings, app.store, whatsapp_store)
    wednesday_nine = datetime(2026, 12, 2, 8, 0, tzinfo=timezone.utc)  # 09:00 in Rome, before 10:00
    assert send_reminders(app, notifier, wednesday_nine) == 0
    wednesday_ten = wednesday_nine + timedelta(hours=1)
    assert send_reminders(app, notifier, wednesday_ten) == 1
    assert send_reminders(app, notifier, wednesday_ten + timedelta(minutes=5)) == 0
    [body] = outbox(whatsapp_store)
    # The applicant has not written in 24 hours: only the approved template may go out.
    assert body["type"] == "template" and body["to"] == booking.sender
    assert body["template"]["name"] == "promemoria_appuntamento"
    assert body["template"]["language"] == {"code": "en"}
    assert [p["text"] for p in body["template"]["components"][0]["parameters"]] == [
        "Thursday 3 December", "09:00", booking.code]
    assert app.store.notifications(booking.id)[0]["channel"] == "template"


def test_inside_the_24_hour_window_the_reminder_is_a_text_in_the_language(app, whatsapp_store):
    booking = book_thursday_nine(app, language="it")
    wednesday_ten = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)
    whatsapp_store.touch_contact(booking.sender, None, wednesday_ten - timedelta(hours=2))
    send_reminders(app, Notifier(app.settings, app.store, whatsapp_store), wednesday_ten)
    [body] = outbox(whatsapp_store)
    assert body["type"] == "text"
    assert body["text"]["body"].startswith("Promemoria: domani, giovedì 3 dicembre, alle 09:00")
    [note] = app.store.notifications(booking.id)
    assert (note["kind"], note["channel"], note["template"]) == ("reminder", "text", None)


def test_a_cancelled_booking_gets_no_reminder(app, whatsapp_store):
    booking = book_thursday_nine(app)
    notifier = Notifier(app.settings, app.store, whatsapp_store)
    wednesday_ten = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)
    app.backend.cancel(booking.sender, booking.code, "applicant")
    assert send_reminders(app, notifier, wednesday_ten) == 0


def test_purge_follows_the_retention_period(app):
    booking = book_thursday_nine(app)
    assert purge(app, NOW + timedelta(days=30)) == 0
    assert purge(app, booking.starts_at + timedelta(days=91)) == 1
    assert app.store.by_code(booking.code) is None
