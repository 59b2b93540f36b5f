from datetime import date

import pytest

from sportello.appointments.holidays import easter_sunday, holidays


@pytest.mark.parametrize(
    "year, expected",
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),
        (2000, date(2000, 4, 23)),
    ],
)
def test_easter_sunday_matches_the_published_dates(year, expected):
    assert easter_sunday(year) == expected


def test_holidays_include_easter_monday_the_national_days_and_local_ones():
    days = holidays(2026, [(1, 29, "San Costanzo")])
    assert days[date(2026, 4, 6)].startswith("Lunedì dell'Angelo")
    for fixed in [(1, 1), (1, 6), (4, 25), (5, 1), (6, 2), (8, 15), (11, 1), (12, 8), (12, 25), (12, 26)]:
        assert date(2026, *fixed) in days
    assert days[date(2026, 1, 29)] == "San Costanzo"


def test_san_francesco_is_a_holiday_from_2026_only():
    assert date(2026, 10, 4) in holidays(2026)
    assert date(2025, 10, 4) not in holidays(2025)
