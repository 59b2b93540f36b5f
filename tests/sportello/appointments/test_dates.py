from datetime import date
from pathlib import Path

import pytest

from sportello.appointments.dates import date_words, format_day, load_date_words, understand_date
from sportello.languages import load_registry

SATURDAY = date(2026, 11, 28)
THURSDAY = date(2026, 12, 3)


@pytest.mark.parametrize(
    "text",
    [
        "giovedì",
        "giovedi",
        "Thursday",
        "thursday pls",
        "jeudi",
        "jueves",
        "الخميس",
        "يوم الخميس",
        "e enjte",
        "четвер",
        "в четвер",
        "星期四",
        "周四",
        "can I come on thu?",
    ],
)
def test_a_weekday_in_any_language_is_the_next_such_day(text):
    assert understand_date(text, SATURDAY).day == THURSDAY


@pytest.mark.parametrize(
    "text, expected",
    [
        ("15/12", date(2026, 12, 15)),
        ("15.12.2026", date(2026, 12, 15)),
        ("15-12-26", date(2026, 12, 15)),
        ("2027-01-07", date(2027, 1, 7)),
        ("il 7 gennaio", date(2027, 1, 7)),
        ("15 dicembre", date(2026, 12, 15)),
        ("December 15th", date(2026, 12, 15)),
        ("15th of December", date(2026, 12, 15)),
        ("3 décembre", date(2026, 12, 3)),
        ("3 decembre", date(2026, 12, 3)),
        ("15 de diciembre", date(2026, 12, 15)),
        ("15 ديسمبر", date(2026, 12, 15)),
        ("١٥/١٢", date(2026, 12, 15)),
        ("15 dhjetor", date(2026, 12, 15)),
        ("15 грудня", date(2026, 12, 15)),
        ("12月15日", date(2026, 12, 15)),
        ("12月15号", date(2026, 12, 15)),
        ("3/12 alle 10", date(2026, 12, 3)),
        ("10/11", date(2027, 11, 10)),  # already passed this year: next year's
    ],
)
def test_dates_with_numbers_or_month_names(text, expected):
    assert understand_date(text, SATURDAY).day == expected


@pytest.mark.parametrize(
    "text, days",
    [
        ("oggi", 0),
        ("domani", 1),
        ("dopodomani", 2),
        ("tomorrow", 1),
        ("day after tomorrow", 2),
        ("demain", 1),
        ("après-demain", 2),
        ("mañana", 1),
        ("pasado mañana", 2),
        ("غدا", 1),
        ("بعد غد", 2),
        ("nesër", 1),
        ("neser", 1),
        ("pasnesër", 2),
        ("завтра", 1),
        ("післязавтра", 2),
        ("明天", 1),
        ("后天", 2),
        ("今天", 0),
    ],
)
def test_relative_days(text, days):
    assert (understand_date(text, SATURDAY).day - SATURDAY).days == days


def test_next_week_moves_a_weekday_to_the_following_week():
    wednesday = date(2026, 12, 2)
    assert understand_date("周五", wednesday).day == date(2026, 12, 4)
    assert understand_date("下周五", wednesday).day == date(2026, 12, 11)
    assert understand_date("venerdì della settimana prossima", wednesday).day == date(2026, 12, 11)


@pytest.mark.parametrize("text", ["31/02", "30/02/2027", "15/13", "0/12", "2026-02-30", "31 aprile"])
def test_impossible_dates_are_flagged(text):
    result = understand_date(text, SATURDAY)
    assert result.invalid and result.day is None


def test_29_february_is_the_next_leap_year_one():
    assert understand_date("29/02", SATURDAY).day == date(2028, 2, 29)


@pytest.mark.parametrize("text", ["ciao", "may I book", "Mario Rossi", "ok", "", "345 6789012", "sunny"])
def test_texts_without_a_day(text):
    result = understand_date(text, SATURDAY)
    assert result.day is None and not result.invalid


def test_every_supported_language_has_its_date_words(registry):
    assert set(registry.codes) <= set(date_words())


@pytest.mark.parametrize(
    "language, expected",
    [
        ("it", "giovedì 3 dicembre"),
        ("en", "Thursday 3 December"),
        ("fr", "jeudi 3 décembre"),
        ("es", "jueves 3 de diciembre"),
        ("ar", "الخميس 3 ديسمبر"),
        ("sq", "e enjte, 3 dhjetor"),
        ("uk", "четвер, 3 грудня"),
        ("zh", "12月3日（星期四）"),
    ],
)
def test_days_are_written_in_the_language(language, expected):
    assert format_day(THURSDAY, language) == expected


def test_each_written_day_is_understood_back_in_its_language():
    for code in load_registry().codes:
        for offset in range(1, 40):
            day = date.fromordinal(SATURDAY.toordinal() + offset)
            assert understand_date(format_day(day, code), SATURDAY).day == day, (code, day)


def test_a_broken_dates_file_names_the_language(tmp_path: Path):
    path = tmp_path / "dates.yml"
    path.write_text("languages:\n  it:\n    weekdays: [[lunedì]]\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"languages.it: missing"):
        load_date_words(path)
