"""The dashboard's figures against seven seeded conversations whose answers are known by construction."""

from datetime import date

import pytest

from sportello.analytics.figures import Period, Sources, dashboard_figures, parse_range
from sportello.appointments.store import BookingStore
from sportello.inbox.store import InboxStore
from sportello.tracker_data import TrackerData
from tests.sportello.analytics.seed import FIRST, LAST, ROME, SETTINGS, seed


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    directory = tmp_path_factory.mktemp("seeded")
    seed(directory)
    tracker = TrackerData(f"sqlite:///{directory / 'tracker.db'}")
    inbox = InboxStore(f"sqlite:///{directory / 'inbox.db'}")
    bookings = BookingStore(f"sqlite:///{directory / 'appointments.db'}")
    yield Sources(tracker, inbox, bookings, SETTINGS, ROME)
    for store in (tracker, inbox, bookings):
        store.close()


def figures_for(stores, first=FIRST, last=LAST):
    return dashboard_figures(stores, first, last)


def test_conversations_per_day_and_language_on_rome_days(stores):
    figures = figures_for(stores)
    # Elise's first message, 23:30 UTC on 2 November, is on 3 November in Rome.
    assert figures.per_day == {
        date(2026, 11, 2): {"it": 1, "en": 1, "ar": 1},
        date(2026, 11, 3): {"it": 1, "fr": 1, "uk": 1, "zh": 1},
    }
    assert figures.conversations == 7
    assert figures.languages == [("it", 2), ("ar", 1), ("en", 1), ("fr", 1), ("uk", 1), ("zh", 1)]


def test_containment_and_handoffs_by_reason(stores):
    figures = figures_for(stores)
    # Alba's October handoff ended before her November conversation: that one is contained.
    assert figures.contained == 3 and figures.containment == pytest.approx(3 / 7)
    assert figures.contained_per_day == {date(2026, 11, 2): 1, date(2026, 11, 3): 2}
    assert figures.handed_off == {"asked": 1, "documents": 1, "erasure": 1, "not_understood": 1}


def test_time_until_a_person_answers(stores):
    answers = figures_for(stores).answers
    assert answers.minutes == (12.0, 90.0)
    assert answers.median == 51.0 and answers.p90 == 90.0
    assert answers.waiting == 1  # Fedir
    assert answers.closed_without_reply == 1  # Hana


def test_intents_permit_types_and_fallback(stores):
    figures = figures_for(stores)
    # Top ten: "thank" (1, last alphabetically) is left out; Chama's message while paused is not counted.
    assert figures.intents == [
        ("ask_documents", 2),
        ("affirm", 1),
        ("ask_cost", 1),
        ("book_appointment", 1),
        ("cancel_appointment", 1),
        ("greet", 1),
        ("inform", 1),
        ("request_erasure", 1),
        ("request_human", 1),
        ("send_document", 1),
    ]
    # Alba's carried-over "famiglia" is not something she asked about in November.
    assert figures.permit_types == [("studio", 2), ("lavoro_subordinato", 1)]
    assert (figures.typed, figures.not_understood) == (10, 2)
    assert figures.fallback_rate == pytest.approx(0.2)


def test_bookings_and_the_estimate(stores):
    figures = figures_for(stores)
    assert figures.bookings.booked == 1
    assert figures.bookings.cancelled_by == {"applicant": 1, "staff": 1}
    assert figures.avoided_visits == pytest.approx(1.5) and figures.avoided_calls == pytest.approx(0.9)
    assert figures.avoided_visits_per_year == pytest.approx(1.5 / 2 * 365)


def test_one_day_and_an_empty_period(stores):
    day_one = figures_for(stores, last=FIRST)
    assert day_one.conversations == 3 and day_one.contained == 1
    assert day_one.handed_off == {"asked": 1, "not_understood": 1}
    assert day_one.bookings.booked == 0 and day_one.bookings.cancelled == 0
    empty = figures_for(stores, date(2026, 10, 1), date(2026, 10, 2))
    assert empty.conversations == 0 and empty.containment is None and empty.fallback_rate is None
    assert empty.answers.median is None and empty.answers.p90 is None


def test_periods_are_whole_days_in_rome_across_daylight_saving():
    spring = Period(date(2026, 3, 29), date(2026, 3, 29), ROME)
    assert (spring.end - spring.start).total_seconds() == 23 * 3600
    assert spring.start.isoformat() == "2026-03-28T23:00:00+00:00"
    assert Period(date(2026, 11, 2), date(2026, 11, 4), ROME).days() == [
        date(2026, 11, 2),
        date(2026, 11, 3),
        date(2026, 11, 4),
    ]


def test_without_an_appointment_store_there_are_no_booking_figures(stores):
    sources = Sources(stores.tracker, stores.inbox, None, SETTINGS, ROME)
    figures = dashboard_figures(sources, FIRST, LAST)
    assert figures.bookings is None and figures.conversations == 7


def test_the_range_defaults_to_the_last_30_days_and_is_checked():
    today = date(2026, 11, 28)
    assert parse_range(None, None, today) == (date(2026, 10, 30), today)
    assert parse_range("2026-11-02", "2026-11-03", today) == (FIRST, LAST)
    assert parse_range(None, "2026-11-03", today) == (date(2026, 10, 5), LAST)
    assert parse_range("2025-11-03", "2026-11-03", today)[0] == date(2025, 11, 3)  # 366 days


@pytest.mark.parametrize(
    ("first", "last", "problem"),
    [
        ("2026-11-3", None, "from: not a date YYYY-MM-DD"),
        ("2026-02-30", None, "from: not a date YYYY-MM-DD"),
        (None, "yesterday", "to: not a date YYYY-MM-DD"),
        ("2026-11-04", "2026-11-03", "from: after to"),
        ("2025-11-02", "2026-11-03", "from, to: at most 366 days"),
        ("0001-01-01", "0001-01-02", "from: not between 2000-01-01 and 2099-12-31"),
        (None, "9999-12-31", "to: not between 2000-01-01 and 2099-12-31"),
    ],
)
def test_bad_ranges_name_the_problem(first, last, problem):
    with pytest.raises(ValueError, match=problem):
        parse_range(first, last, date(2026, 11, 28))
