"""Understanding a typed day in any supported language, and writing one.

Applicants answer "when?" with "giovedì", "next Monday", "15/12", "3 décembre",
"12月15日", "الخميس" or "завтра". The words live in ``knowledge/dates.yml``; this
module only applies them. Numeric dates are read day first (as in Italy), and a
date without a year is the next such date from today.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

from sportello import PROJECT_ROOT

DATES_FILE = PROJECT_ROOT / "knowledge" / "dates.yml"
FIELDS = ("weekdays", "months", "today", "tomorrow", "day_after_tomorrow", "next_week", "day_format")
# Arabic-Indic and Eastern Arabic-Indic digits, and full-width digits, read as ASCII.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹０１２３４５６７８９", "0123456789" * 3)
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})(?:\s*[/.\-]\s*(\d{4}|\d{2}))?(?![\d/.\-]*\d)")
_CJK = re.compile(r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*[日号號]?")


@dataclass(frozen=True)
class DateWords:
    """One language's words for days and dates (see knowledge/dates.yml)."""

    weekdays: Tuple[Tuple[str, ...], ...]
    months: Tuple[Tuple[str, ...], ...]
    today: Tuple[str, ...]
    tomorrow: Tuple[str, ...]
    day_after_tomorrow: Tuple[str, ...]
    next_week: Tuple[str, ...]
    day_format: str


@dataclass(frozen=True)
class TypedDate:
    """What a text says about a day.

    Attributes:
        day: The day meant, if the text names one.
        invalid: True when the text has a date that does not exist (31/02, 15/13).

    """

    day: Optional[date] = None
    invalid: bool = False


def fold(text: str) -> str:
    """Lower case, without accents or combining marks, one kind of apostrophe, ASCII digits."""
    text = unicodedata.normalize("NFKD", text.translate(_DIGITS).casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[’‘ʼ`´]", "'", text)


def load_date_words(path: Path = DATES_FILE) -> Dict[str, DateWords]:
    """The date words of every language in the file.

    Raises:
        ValueError: naming the language and field that is missing or malformed.

    """
    with open(path, encoding="utf-8") as handle:
        raw = (yaml.safe_load(handle) or {}).get("languages") or {}
    words = {}
    for code, entry in raw.items():
        missing = [name for name in FIELDS if not (entry or {}).get(name)]
        if missing:
            raise ValueError(f"{path.name}: languages.{code}: missing {missing}")
        for name, size in (("weekdays", 7), ("months", 12)):
            groups = entry[name]
            if len(groups) != size or not all(isinstance(g, list) and g for g in groups):
                raise ValueError(f"{path.name}: languages.{code}.{name}: needs {size} non-empty lists")
        words[str(code)] = DateWords(
            weekdays=tuple(tuple(str(w) for w in group) for group in entry["weekdays"]),
            months=tuple(tuple(str(w) for w in group) for group in entry["months"]),
            today=tuple(str(w) for w in entry["today"]),
            tomorrow=tuple(str(w) for w in entry["tomorrow"]),
            day_after_tomorrow=tuple(str(w) for w in entry["day_after_tomorrow"]),
            next_week=tuple(str(w) for w in entry["next_week"]),
            day_format=str(entry["day_format"]),
        )
    return words


@cache
def date_words() -> Dict[str, DateWords]:
    """The date words of knowledge/dates.yml, read once per process."""
    return load_date_words()


def format_day(day: date, language: str, reference: str = "it") -> str:
    """The day as the language writes it ("giovedì 3 dicembre", "12月3日" with the weekday)."""
    words = date_words().get(language) or date_words()[reference]
    return words.day_format.format(
        weekday=words.weekdays[day.weekday()][0],
        day=day.day,
        month=words.months[day.month - 1][0],
        month_number=day.month,
    )


def understand_date(text: str, today: date) -> TypedDate:
    """The day a typed text names, read with the words of every language."""
    folded = fold(text)
    explicit = _explicit_date(folded, today)
    if explicit is not None:
        return explicit
    matcher = _matcher()
    relative = matcher.relative(folded)
    if relative is not None:
        return TypedDate(today + timedelta(days=relative))
    weekday = matcher.weekday(folded)
    if weekday is not None:
        ahead = (weekday - today.weekday()) % 7 or 7
        if matcher.next_week(folded):
            # "下周一": the Monday of next week, even when this week's is still to come.
            monday_next_week = today + timedelta(days=7 - today.weekday())
            return TypedDate(monday_next_week + timedelta(days=weekday))
        return TypedDate(today + timedelta(days=ahead))
    return TypedDate()


def _explicit_date(folded: str, today: date) -> Optional[TypedDate]:
    match = _ISO.search(folded)
    if match:
        return _make(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    match = _CJK.search(folded)
    if match:
        return _next_date(int(match.group(1)), int(match.group(2)), today)
    match = _NUMERIC.search(folded)
    if match:
        day, month, year = int(match.group(1)), int(match.group(2)), match.group(3)
        if year is None:
            return _next_date(month, day, today)
        full_year = int(year) + 2000 if len(year) == 2 else int(year)
        return _make(full_year, month, day)
    named = _matcher().day_and_month(folded)
    if named is not None:
        return _next_date(named[1], named[0], today)
    return None


def _make(year: int, month: int, day: int) -> TypedDate:
    try:
        return TypedDate(date(year, month, day))
    except ValueError:
        return TypedDate(invalid=True)


def _next_date(month: int, day: int, today: date) -> TypedDate:
    """The next ``day``/``month`` from today (29 February: in the next leap year)."""
    for year in range(today.year, today.year + 5):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return TypedDate(candidate)
    return TypedDate(invalid=True)


def _pattern(word: str) -> str:
    # Han words have no spaces around them; other words must stand alone.
    if any("CJK" in unicodedata.name(ch, "") for ch in word):
        return re.escape(word)
    return r"(?<!\w)" + re.escape(word).replace(r"\ ", r"\s+") + r"(?!\w)"


def _alternatives(words: List[Tuple[str, int]]) -> List[Tuple[re.Pattern[str], int]]:
    # Longest first, so that "十一月" wins over "一月" and "day after tomorrow" over "tomorrow".
    ordered = sorted(words, key=lambda item: len(item[0]), reverse=True)
    return [(re.compile(_pattern(word)), value) for word, value in ordered]


class _Matcher:
    """The date words of all languages, compiled once."""

    def __init__(self, languages: Dict[str, DateWords]) -> None:
        weekdays, months, relative, next_week = [], [], [], []
        for words in languages.values():
            weekdays += [(fold(w), i) for i, group in enumerate(words.weekdays) for w in group]
            months += [(fold(w), i + 1) for i, group in enumerate(words.months) for w in group]
            relative += [(fold(w), 0) for w in words.today]
            relative += [(fold(w), 1) for w in words.tomorrow]
            relative += [(fold(w), 2) for w in words.day_after_tomorrow]
            next_week += [(fold(w), 1) for w in words.next_week]
        self._weekdays = _alternatives(weekdays)
        self._relative = _alternatives(relative)
        self._next_week = _alternatives(next_week)
        self._months = _alternatives(months)

    def relative(self, folded: str) -> Optional[int]:
        return _first(self._relative, folded)

    def weekday(self, folded: str) -> Optional[int]:
        return _first(self._weekdays, folded)

    def next_week(self, folded: str) -> bool:
        return _first(self._next_week, folded) is not None

    def day_and_month(self, folded: str) -> Optional[Tuple[int, int]]:
        """(day, month) for "15 dicembre", "15 de diciembre", "December 15th", "3 грудня", "十二月15日"."""
        for pattern, month in self._months:
            for match in pattern.finditer(folded):
                before = re.search(
                    r"(?<!\d)(\d{1,2})(?:st|nd|rd|th|er|°|º)?\s*(?:de\s+|of\s+)?$", folded[: match.start()]
                )
                after = re.match(r"\s*(\d{1,2})(?!\d)", folded[match.end() :])
                found = before or after
                if found:
                    return int(found.group(1)), month
        return None


def _first(patterns: List[Tuple[re.Pattern[str], int]], folded: str) -> Optional[int]:
    return next((value for pattern, value in patterns if pattern.search(folded)), None)


@cache
def _matcher() -> _Matcher:
    return _Matcher(date_words())
