"""The built-in backend over the calendar and a real database (SQLite and PostgreSQL)."""

import threading
from datetime import date, timedelta

from sportello.appointments.backend import BookingRequest
from sportello.appointments.service import open_appointments
from tests.sportello.appointments.conftest import NOW, settings_with


def request(slot_id, sender="39333"):
    return BookingRequest(sender, slot_id, "Mario Rossi", "studio", "rinnovo", None, "it")


def day_of(app, slot):
    return slot.starts_at.astimezone(app.settings.timezone).date()


def test_free_slots_start_after_the_minimum_notice_on_open_days(app):
    slots = app.backend.free_slots(NOW, limit=20)
    # Monday 08:00 + 18 h: Monday is past, Tuesday closed, so Wednesday 09:00 comes first.
    assert slots[0].id == "questura:20261202T0800Z"
    assert {day_of(app, s) for s in slots} == {date(2026, 12, 2), date(2026, 12, 3)}
    assert not any(s.overflow for s in slots)


def test_free_slots_from_a_day_skip_closures(app):
    slots = app.backend.free_slots(NOW, date(2026, 12, 8), limit=1)  # 8 Dec holiday, 9 Dec closure
    assert day_of(app, slots[0]) == date(2026, 12, 10)


def test_check_day(app):
    check = app.backend.check_day
    assert check(date(2026, 11, 29), NOW).status == "past"
    assert check(date(2026, 11, 30), NOW).status == "too_soon"
    assert check(date(2026, 12, 1), NOW).reason == "closed"
    assert check(date(2026, 12, 8), NOW).reason == "Immacolata Concezione"
    assert check(date(2026, 12, 3), NOW).status == "open"
    assert check(date(2027, 3, 1), NOW).status == "beyond"


def test_booking_a_slot_takes_it_off_the_list(app):
    first = app.backend.free_slots(NOW, limit=1)[0]
    outcome = app.backend.book(request(first.id), NOW)
    assert outcome.status == "booked" and outcome.booking.starts_at == first.starts_at
    assert app.backend.free_slots(NOW, limit=1)[0] != first
    assert app.backend.upcoming_of("39333", NOW) == [outcome.booking]


def test_slots_that_are_not_bookable_are_refused(app):
    for slot_id in ["questura:20261130T1000Z", "questura:20261201T0800Z", "questura:20261202T0807Z", "nonsense"]:
        outcome = app.backend.book(request(slot_id), NOW)
        assert outcome.status == "invalid_slot" and outcome.alternatives


def test_a_second_booking_by_the_same_sender_is_refused_with_the_first(app):
    first, second = app.backend.free_slots(NOW, limit=2)
    booked = app.backend.book(request(first.id), NOW).booking
    outcome = app.backend.book(request(second.id), NOW)
    assert outcome.status == "already_booked" and outcome.bookings == [booked]


def test_move_and_cancel(app):
    first, second = app.backend.free_slots(NOW, limit=2)
    booked = app.backend.book(request(first.id), NOW).booking
    assert app.backend.move("39444", booked.code, second.id, NOW).status == "not_found"
    moved = app.backend.move("39333", booked.code, second.id, NOW)
    assert moved.status == "moved" and moved.booking.starts_at == second.starts_at
    assert app.backend.cancel("39333", booked.code, "applicant").status == "cancelled"
    assert app.backend.upcoming_of("39333", NOW) == []


def test_overflow_slots_open_only_when_the_window_is_full(database_url):
    settings = settings_with(calendar={"horizon_days": 3})  # Wednesday and Thursday only
    app = open_appointments(database_url, settings)
    try:
        regular = app.backend.free_slots(NOW, limit=100)
        assert len(regular) == 30 and not any(s.overflow for s in regular)
        for index, slot in enumerate(regular):
            assert app.backend.book(request(slot.id, sender=f"s{index}"), NOW).status == "booked"
        overflow = app.backend.free_slots(NOW, limit=100)
        assert len(overflow) == 4 and all(s.overflow for s in overflow)
        assert app.backend.book(request(overflow[0].id, sender="late"), NOW).status == "booked"
    finally:
        app.store.close()


def test_fifty_senders_race_for_the_last_slot_of_a_day(database_url):
    """Exactly one gets it; the other 49 are told it was taken and offered other slots."""
    app = open_appointments(database_url, settings_with())
    try:
        day = date(2026, 12, 3)
        slots = [s for s in app.backend.free_slots(NOW, day, limit=200) if day_of(app, s) == day]
        *others, last = slots
        for index, slot in enumerate(others):
            app.backend.book(request(slot.id, sender=f"early{index}"), NOW)
        barrier = threading.Barrier(50)
        outcomes = [None] * 50

        def attempt(index):
            barrier.wait()
            outcomes[index] = app.backend.book(request(last.id, sender=f"racer{index}"), NOW)

        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        statuses = [o.status for o in outcomes]
        assert statuses.count("booked") == 1
        assert statuses.count("slot_taken") == 49
        for outcome in outcomes:
            if outcome.status == "slot_taken":
                assert outcome.alternatives and all(day_of(app, s) > day for s in outcome.alternatives)
        taken = app.store.between(last.starts_at, last.starts_at + timedelta(minutes=1))
        assert len([b for b in taken if b.status == "active"]) == 1
    finally:
        app.store.close()


def test_a_slot_with_capacity_two_takes_two_bookings(database_url):
    services = {
        "questura": {
            "slot_minutes": 15,
            "capacity": 2,
            "days": ["thursday"],
            "sessions": [{"start": "09:00", "end": "09:30"}],
        }
    }
    app = open_appointments(database_url, settings_with(calendar={"services": services}))
    try:
        first = app.backend.free_slots(NOW, limit=1)[0]
        assert app.backend.book(request(first.id, "a"), NOW).status == "booked"
        assert app.backend.free_slots(NOW, limit=1)[0] == first  # one seat left
        assert app.backend.book(request(first.id, "b"), NOW).status == "booked"
        assert app.backend.free_slots(NOW, limit=1)[0] != first
        assert app.backend.book(request(first.id, "c"), NOW).status == "slot_taken"
    finally:
        app.store.close()
