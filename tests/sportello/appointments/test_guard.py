import logging
from datetime import timedelta

from sportello.appointments.guard import BOOKING, LOOKUP
from tests.sportello.appointments.conftest import NOW


def test_lookups_are_limited_per_window(app, caplog):
    guard = app.guard
    limit = app.settings.limits.lookups_per_window
    for _ in range(limit):
        assert guard.refusal("39333", LOOKUP, NOW) is None
    with caplog.at_level(logging.WARNING):
        assert guard.refusal("39333", LOOKUP, NOW) == "too_many_lookups"
    assert "39333" not in caplog.text and "too_many_lookups" in caplog.text
    later = NOW + timedelta(hours=app.settings.limits.window_hours, minutes=1)
    assert guard.refusal("39333", LOOKUP, later) is None
    assert app.store.refusals(NOW - timedelta(hours=1))[0]["reason"] == "too_many_lookups"


def test_bookings_are_limited_and_blocked_senders_refused(app):
    guard = app.guard
    for _ in range(app.settings.limits.bookings_per_window):
        assert guard.refusal("39333", BOOKING, NOW) is None
        guard.booked("39333", NOW)
    assert guard.refusal("39333", BOOKING, NOW) == "too_many_bookings"
    app.store.block("39444", "bot")
    assert guard.refusal("39444", LOOKUP, NOW) == "blocked"
    app.store.unblock("39333")  # a staff release forgets the counted events
    assert guard.refusal("39333", BOOKING, NOW) is None
