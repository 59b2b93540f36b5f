from datetime import date, datetime, timezone

from sportello.appointments.calendar import Calendar, Slot, parse_slot_id
from tests.sportello.appointments.conftest import settings_with


def calendar(**changes):
    return Calendar(settings_with(**changes))


def local_times(slots, cal):
    return [f"{s.starts_at.astimezone(cal.zone):%H:%M}" for s in slots]


def test_a_regular_day_has_15_slots_then_the_overflow_ones():
    cal = calendar()
    slots = cal.slots_of_day(date(2026, 12, 3))  # Thursday
    regular = [s for s in slots if not s.overflow]
    assert len(regular) == 15
    assert local_times(regular, cal)[0] == "09:00" and local_times(regular, cal)[-1] == "12:30"
    assert local_times([s for s in slots if s.overflow], cal) == ["14:30", "14:45"]


def test_closed_days_say_why():
    cal = calendar()
    assert cal.closed_reason(date(2026, 12, 1)) == "closed"  # Tuesday
    assert cal.closed_reason(date(2026, 12, 8)) == "Immacolata Concezione"
    assert cal.closed_reason(date(2026, 12, 9)) == "Chiusura straordinaria"
    assert cal.closed_reason(date(2027, 1, 29)) == "San Costanzo"  # a Friday
    assert cal.closed_reason(date(2027, 3, 29)) == "Lunedì dell'Angelo (Pasquetta)"
    assert cal.slots_of_day(date(2026, 12, 25)) == []


def test_an_extra_opening_replaces_the_sessions_of_that_day():
    cal = calendar()
    slots = cal.slots_of_day(date(2026, 12, 12))  # a Saturday opened by staff
    assert local_times(slots, cal) == ["09:00", "09:15", "09:30", "09:45"]
    assert not any(s.overflow for s in slots)


def test_slots_keep_their_wall_clock_time_across_daylight_saving_changes():
    cal = calendar()
    before = cal.slots_of_day(date(2026, 3, 27))[0]  # Friday before the spring change (UTC+1)
    after = cal.slots_of_day(date(2026, 3, 30))[0]  # Monday after it (UTC+2)
    assert local_times([before, after], cal) == ["09:00", "09:00"]
    assert before.starts_at.hour == 8 and after.starts_at.hour == 7
    autumn = cal.slots_of_day(date(2026, 10, 26))[0]  # Monday after the autumn change
    assert autumn.starts_at.hour == 8


def test_wall_times_that_do_not_exist_are_skipped_and_repeated_ones_taken_once():
    night = {
        "questura": {
            "slot_minutes": 30,
            "capacity": 1,
            "days": ["sunday"],
            "sessions": [{"start": "01:00", "end": "04:00"}],
        }
    }
    cal = Calendar(settings_with(calendar={"services": night}))
    spring = cal.slots_of_day(date(2026, 3, 29))
    assert local_times(spring, cal) == ["01:00", "01:30", "03:00", "03:30"]
    autumn = cal.slots_of_day(date(2026, 10, 25))
    assert local_times(autumn, cal) == ["01:00", "01:30", "02:00", "02:30", "03:00", "03:30"]
    assert len({s.starts_at for s in autumn}) == 6


def test_slot_ids_round_trip_and_unknown_ids_are_refused():
    cal = calendar()
    slot = cal.slots_of_day(date(2026, 12, 3))[4]
    assert slot.id == "questura:20261203T0900Z"
    assert cal.slot(slot.id) == slot
    assert cal.slot("questura:20261203T0907Z") is None  # not on the grid
    assert cal.slot("questura:20261201T0900Z") is None  # a Tuesday
    assert cal.slot("poste:20261203T0900Z") is None
    for text in ["", "questura:2026-12-03", "questura:20261399T0900Z", "../etc:20261203T0900Z", 42]:
        assert parse_slot_id(text) is None


def test_slot_ordering_is_by_time():
    a = Slot(datetime(2026, 12, 3, 8, tzinfo=timezone.utc), "questura")
    b = Slot(datetime(2026, 12, 3, 9, tzinfo=timezone.utc), "questura")
    assert sorted([b, a]) == [a, b]
