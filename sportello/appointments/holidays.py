"""Italian public holidays: the national ones (Easter Monday computed) and the office's local ones."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Dict, Iterable, Tuple

# Fixed national holidays (Law 260/1949 and later amendments), as (month, day): name.
NATIONAL_FIXED: Dict[Tuple[int, int], str] = {
    (1, 1): "Capodanno",
    (1, 6): "Epifania",
    (4, 25): "Festa della Liberazione",
    (5, 1): "Festa del Lavoro",
    (6, 2): "Festa della Repubblica",
    (8, 15): "Ferragosto",
    (11, 1): "Ognissanti",
    (12, 8): "Immacolata Concezione",
    (12, 25): "Natale",
    (12, 26): "Santo Stefano",
}

# 4 October is a national holiday again from 2026 (Legge 151/2025).
SAN_FRANCESCO_FROM = 2026


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return date(year, month, day + 1)


def holidays(year: int, local: Iterable[Tuple[int, int, str]] = ()) -> Dict[date, str]:
    """The public holidays of ``year``: national, Easter Monday and the given (month, day, name)."""
    days = {date(year, month, day): name for (month, day), name in NATIONAL_FIXED.items()}
    days[easter_sunday(year) + timedelta(days=1)] = "Lunedì dell'Angelo (Pasquetta)"
    if year >= SAN_FRANCESCO_FROM:
        days[date(year, 10, 4)] = "San Francesco d'Assisi"
    for month, day, name in local:
        days[date(year, month, day)] = name
    return days
