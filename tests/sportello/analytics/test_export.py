"""The dashboard's CSV: one figure per row, spreadsheet formulas neutralised."""

import csv
import io
from datetime import date

from sportello.analytics.export import figures_csv
from sportello.analytics.figures import AnswerTimes, Figures, Period
from tests.sportello.analytics.seed import ROME, SETTINGS


def figures(permit_types):
    day = date(2026, 11, 2)
    return Figures(
        period=Period(day, day, ROME),
        per_day={day: {"it": 2}},
        contained_per_day={day: 1},
        contained=1,
        handed_off={"asked": 1},
        answers=AnswerTimes((), 1, 0),
        intents=[("greet", 2)],
        permit_types=permit_types,
        typed=0,
        not_understood=0,
        bookings=None,
        settings=SETTINGS,
    )


def test_rows_and_empty_figures():
    rows = list(csv.reader(io.StringIO(figures_csv(figures([("studio", 1)])))))
    assert ["conversations", "2026-11-02", "it", "2"] in rows
    assert ["first_reply_minutes", "", "median", ""] in rows  # nobody answered yet
    assert ["first_reply_minutes", "", "waiting", "1"] in rows
    assert ["fallback", "", "rate", ""] in rows  # no typed message
    assert not any(row[0] == "appointments" for row in rows)  # no appointment store


def test_cells_that_would_run_as_formulas_are_neutralised():
    text = figures_csv(figures([("=HYPERLINK(\"http://x\")", 1)]))
    assert "'=HYPERLINK" in text
