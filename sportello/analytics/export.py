"""The dashboard's figures as CSV: one figure per row (``figure, day, key, value``), for spreadsheets."""

from __future__ import annotations

import csv
import io
from typing import List, Tuple

from sportello.analytics.figures import Figures
from sportello.staff.appointments import csv_safe

CSV_COLUMNS = ("figure", "day", "key", "value")
NOT_RECORDED = "not recorded"
Row = Tuple[str, str, str, str]


def figure_rows(figures: Figures) -> List[Row]:
    """Every figure of the dashboard, in the order of the page."""
    period = figures.period
    rows: List[Row] = [("period", "", "from", period.first.isoformat()), ("period", "", "to", period.last.isoformat())]
    for day, languages in figures.per_day.items():
        rows += [("conversations", day.isoformat(), language, str(count)) for language, count in languages.items()]
    rows.append(("conversations", "", "total", str(figures.conversations)))
    rows += [("conversations", "", language, str(count)) for language, count in figures.languages]
    rows += [("contained", day.isoformat(), "", str(count)) for day, count in figures.contained_per_day.items()]
    rows.append(("contained", "", "total", str(figures.contained)))
    rows.append(("contained", "", "share", _share(figures.containment)))
    rows += [("handed_off", "", reason, str(count)) for reason, count in figures.handed_off.items()]
    answers = figures.answers
    rows += [
        ("first_reply_minutes", "", "median", _number(answers.median)),
        ("first_reply_minutes", "", "p90", _number(answers.p90)),
        ("first_reply_minutes", "", "answered", str(len(answers.minutes))),
        ("first_reply_minutes", "", "waiting", str(answers.waiting)),
        ("first_reply_minutes", "", "closed_without_reply", str(answers.closed_without_reply)),
    ]
    rows += [("intent", "", intent, str(count)) for intent, count in figures.intents]
    rows += [("permit_type", "", permit, str(count)) for permit, count in figures.permit_types]
    rows += [
        ("fallback", "", "typed_messages", str(figures.typed)),
        ("fallback", "", "not_understood", str(figures.not_understood)),
        ("fallback", "", "rate", _share(figures.fallback_rate)),
    ]
    bookings = figures.bookings
    if bookings is not None:
        rows.append(("appointments", "", "booked", str(bookings.booked)))
        rows += [("appointments", "", f"cancelled_by_{who}", str(n)) for who, n in bookings.cancelled_by.items()]
        rows.append(("appointments", "", "no_shows", NOT_RECORDED))
    settings = figures.settings
    rows += [
        ("avoided", "", "visits", _number(figures.avoided_visits)),
        ("avoided", "", "calls", _number(figures.avoided_calls)),
        ("avoided", "", "visits_per_year_at_this_pace", _number(figures.avoided_visits_per_year)),
        ("assumption", "", "visits_per_conversation_without_a_person", _number(settings.visits_per_conversation)),
        ("assumption", "", "calls_per_conversation_without_a_person", _number(settings.calls_per_conversation)),
        ("assumption", "", "office_expected_visits_per_year", str(settings.reference_visits_per_year)),
    ]
    return rows


def figures_csv(figures: Figures) -> str:
    """The figures as a CSV document (cells that would run as spreadsheet formulas neutralised)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerows([[csv_safe(cell) for cell in row] for row in figure_rows(figures)])
    return out.getvalue()


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")
