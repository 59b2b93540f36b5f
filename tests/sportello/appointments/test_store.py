"""BookingStore on SQLite and on a real PostgreSQL: the database itself refuses double bookings."""

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from sportello.appointments.schema import ACTIVE, BOOKINGS, metadata
from sportello.appointments.store import BookingStore, NewBooking, SenderFull, SlotFull, normalise_code

NINE = datetime(2026, 12, 3, 8, 0, tzinfo=timezone.utc)
NOW = datetime(2026, 11, 30, 7, 0, tzinfo=timezone.utc)


def new(sender="39333", start=NINE, name="Mario Rossi"):
    return NewBooking(sender, "questura", start, name, "studio", "rinnovo", None, "it")


@pytest.fixture
def store(database_url):
    store = BookingStore(database_url)
    yield store
    store.close()


def test_migrations_create_exactly_the_declared_schema(store):
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": "appointment_schema_version"})
        assert compare_metadata(context, metadata) == []
        assert context.get_current_revision() == "0001"


def test_opening_the_store_twice_migrates_once(database_url, store):
    BookingStore(database_url).close()
    with store.engine.connect() as connection:
        versions = connection.execute(sa.text("SELECT count(*) FROM appointment_schema_version")).scalar()
    assert versions == 1


def test_booking_gives_a_code_and_the_slot_fills_up(store):
    booking = store.book(new(), capacity=2, default_max_active=1, now=NOW)
    assert len(booking.code) == 6 and booking.status == ACTIVE and booking.starts_at == NINE
    store.book(new(sender="39444"), capacity=2, default_max_active=1, now=NOW)
    with pytest.raises(SlotFull):
        store.book(new(sender="39555"), capacity=2, default_max_active=1, now=NOW)
    assert store.taken("questura", NINE, NINE + timedelta(minutes=1)) == {NINE: 2}


def test_one_active_booking_per_sender_unless_staff_allow_more(store):
    store.book(new(), 5, 1, NOW)
    with pytest.raises(SenderFull) as full:
        store.book(new(start=NINE + timedelta(minutes=15)), 5, 1, NOW)
    assert [b.starts_at for b in full.value.bookings] == [NINE]
    store.allow("39333", 2)
    store.book(new(start=NINE + timedelta(minutes=15)), 5, 1, NOW)
    assert len(store.upcoming_of("39333", NOW)) == 2


def test_past_bookings_stop_counting(store):
    store.book(new(), 1, 1, NOW)
    later = NINE + timedelta(days=1)
    booking = store.book(new(start=later + timedelta(days=7)), 1, 1, now=later)
    assert store.upcoming_of("39333", later) == [booking]
    assert store.by_code(store.between(NINE, NINE + timedelta(minutes=1))[0].code).status == "done"


def test_the_database_refuses_a_second_active_booking_on_the_same_seat(store):
    store.book(new(), 1, 1, NOW)
    row = {c.name: None for c in BOOKINGS.columns if c.name != "id"}
    row.update(
        code="ZZZZZZ",
        service="questura",
        starts_at=NINE,
        seat=0,
        sender="39999",
        sender_seat=0,
        status=ACTIVE,
        name="Bot",
        language="it",
        created_at=NOW,
    )
    with pytest.raises(sa.exc.IntegrityError):
        with store.engine.begin() as connection:
            connection.execute(BOOKINGS.insert().values(**row))
    row.update(sender="39333", starts_at=NINE + timedelta(hours=1))
    with pytest.raises(sa.exc.IntegrityError):  # the same sender's only seat
        with store.engine.begin() as connection:
            connection.execute(BOOKINGS.insert().values(**row))


def test_cancel_frees_the_seat_and_is_only_for_the_owner(store):
    booking = store.book(new(), 1, 1, NOW)
    assert store.cancel(booking.code, "applicant", sender="39444") is None
    cancelled = store.cancel(booking.code.lower(), "applicant", sender="39333")
    assert cancelled.status == "cancelled" and cancelled.cancelled_by == "applicant"
    assert store.cancel(booking.code, "applicant") is None
    store.book(new(sender="39444"), 1, 1, NOW)


def test_move_keeps_the_code_and_needs_a_free_seat(store):
    mine = store.book(new(), 1, 1, NOW)
    other = store.book(new(sender="39444", start=NINE + timedelta(minutes=15)), 1, 1, NOW)
    with pytest.raises(SlotFull):
        store.move(mine.code, "questura", other.starts_at, 1, sender="39333")
    with pytest.raises(KeyError):
        store.move(mine.code, "questura", NINE + timedelta(hours=1), 1, sender="39444")
    moved = store.move(mine.code, "questura", NINE + timedelta(hours=1), 1, sender="39333")
    assert moved.code == mine.code and moved.starts_at == NINE + timedelta(hours=1)
    store.book(new(sender="39555"), 1, 1, NOW)  # the old seat is free again


def test_search_by_code_or_part_of_the_name(store):
    booking = store.book(new(name="Amina Ben Ali"), 1, 1, NOW)
    store.book(new(sender="39444", start=NINE + timedelta(minutes=15), name="Mario 100% Rossi"), 1, 1, NOW)
    assert [b.code for b in store.search(booking.code.lower())] == [booking.code]
    assert [b.name for b in store.search("ben ali")] == ["Amina Ben Ali"]
    assert [b.name for b in store.search("100%")] == ["Mario 100% Rossi"]
    assert store.search("%") == [] or all("%" in b.name for b in store.search("%"))
    assert store.search("  ") == []


def test_blocks_and_events(store):
    assert not store.is_blocked("39333")
    store.block("39333", "resold slots")
    assert store.is_blocked("39333")
    store.record_event("39333", "lookup", at=NOW)
    assert store.count_events("39333", "lookup", NOW - timedelta(hours=1)) == 1
    store.unblock("39333")
    assert not store.is_blocked("39333")
    assert store.count_events("39333", "lookup", NOW - timedelta(hours=1)) == 0


def test_a_reminder_is_claimed_once_and_recorded(store):
    booking = store.book(new(), 1, 1, NOW)
    due = store.due_reminders(NINE - timedelta(hours=1), NINE + timedelta(hours=1))
    assert [b.code for b in due] == [booking.code]
    assert store.claim_reminder(booking.id, NOW)
    assert not store.claim_reminder(booking.id, NOW)
    store.record_notification(booking.id, "reminder", "template", "promemoria_appuntamento")
    assert store.notifications(booking.id)[0]["template"] == "promemoria_appuntamento"
    assert store.due_reminders(NINE - timedelta(hours=1), NINE + timedelta(hours=1)) == []


def test_purge_deletes_ended_and_cancelled_bookings_after_retention(store):
    kept = store.book(new(start=NINE + timedelta(days=30)), 1, 1, NOW)
    old = store.book(new(sender="39444"), 1, 1, NOW)
    store.record_notification(old.id, "reminder", "text", None)
    cancelled = store.book(new(sender="39555", start=NINE + timedelta(days=40)), 1, 1, NOW)
    store.cancel(cancelled.code, "applicant", now=NOW)
    assert store.purge(before=NINE + timedelta(days=1), events_before=NOW) == 2
    assert store.by_code(old.code) is None and store.by_code(cancelled.code) is None
    assert store.by_code(kept.code) is not None


def test_codes_are_normalised():
    assert normalise_code(" k7p-4qx ") == "K7P4QX"
