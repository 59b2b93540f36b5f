"""The built-in calendar: which days are open and which slots they have.

Slots are laid out in local wall-clock time (Europe/Rome) and stored in UTC, so a
09:00 slot stays at 09:00 on both sides of a daylight-saving change. Wall-clock
times that do not exist (the hour skipped in March) are left out; times that occur
twice (the hour repeated in October) are taken once, at their first occurrence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Dict, Iterator, List, Optional, Tuple

from sportello.appointments.config import AppointmentSettings, Service, Session
from sportello.appointments.holidays import holidays

_SLOT_ID = re.compile(r"^([a-z0-9_]{1,40}):(\d{8}T\d{4})Z$")


@dataclass(frozen=True, order=True)
class Slot:
    """One bookable time at one service.

    Attributes:
        starts_at: Start, timezone-aware, in UTC.
        service: The service (counter) it belongs to.
        overflow: True for slots opened only when the regular ones are full.

    """

    starts_at: datetime
    service: str
    overflow: bool = False

    @property
    def id(self) -> str:
        """A stable text id, used in button payloads: ``service:YYYYMMDDTHHMMZ``."""
        return f"{self.service}:{self.starts_at.astimezone(timezone.utc):%Y%m%dT%H%M}Z"


def parse_slot_id(text: str) -> Optional[Tuple[str, datetime]]:
    """The (service, UTC start) a slot id names, or None if the text is not a slot id."""
    match = _SLOT_ID.match(text.strip()) if isinstance(text, str) else None
    if not match:
        return None
    try:
        start = datetime.strptime(match.group(2), "%Y%m%dT%H%M").replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    return match.group(1), start


class Calendar:
    """Open days and slots of the services in appointments.yml."""

    def __init__(self, settings: AppointmentSettings) -> None:
        self.settings = settings
        self.zone = settings.timezone
        self._extra: Dict[Tuple[date, str], Tuple[Session, ...]] = {
            (opening.day, opening.service): opening.sessions for opening in settings.extra_openings
        }
        self._days: Dict[Tuple[date, str], List[Slot]] = {}

    def service(self, name: Optional[str] = None) -> Service:
        """The named service, or the first one in the file."""
        return self.settings.services[name or self.settings.default_service]

    def local_day(self, moment: datetime) -> date:
        """The office's calendar day at ``moment``."""
        return moment.astimezone(self.zone).date()

    def closed_reason(self, day: date, service: Optional[str] = None) -> Optional[str]:
        """Why the service is closed on ``day`` (a holiday's or closure's name, or "closed"); None when open."""
        svc = self.service(service)
        if day in self.settings.closures:
            return self.settings.closures[day]
        if (day, svc.name) in self._extra:
            return None
        holiday = _holidays(day.year, self.settings.local_holidays).get(day)
        if holiday:
            return holiday
        return None if day.weekday() in svc.days else "closed"

    def slots_of_day(self, day: date, service: Optional[str] = None) -> List[Slot]:
        """The day's slots, regular first then overflow, each list in time order; none when closed."""
        svc = self.service(service)
        key = (day, svc.name)
        if key not in self._days:
            # The layout depends only on the settings, which do not change while the process runs.
            self._days[key] = self._layout(day, svc)
        return list(self._days[key])

    def _layout(self, day: date, svc: Service) -> List[Slot]:
        if self.closed_reason(day, svc.name) is not None:
            return []
        regular = self._extra.get((day, svc.name), svc.sessions)
        slots = [Slot(start, svc.name) for start in self._starts(day, regular, svc.slot_minutes)]
        if (day, svc.name) not in self._extra:
            overflow = self._starts(day, svc.overflow_sessions, svc.slot_minutes)
            slots += [Slot(start, svc.name, overflow=True) for start in overflow]
        return slots

    def slots_between(self, first: date, last: date, service: Optional[str] = None) -> Iterator[Slot]:
        """Every slot from ``first`` to ``last`` (local days, both included), in time order."""
        day = first
        while day <= last:
            yield from sorted(self.slots_of_day(day, service), key=lambda slot: slot.starts_at)
            day += timedelta(days=1)

    def slot(self, slot_id: str) -> Optional[Slot]:
        """The slot a slot id names, if the calendar has such a slot."""
        parsed = parse_slot_id(slot_id)
        if parsed is None or parsed[0] not in self.settings.services:
            return None
        service, start = parsed
        return next((s for s in self.slots_of_day(self.local_day(start), service) if s.starts_at == start), None)

    def _starts(self, day: date, sessions: Tuple[Session, ...], minutes: int) -> List[datetime]:
        starts = []
        step = timedelta(minutes=minutes)
        for session in sessions:
            wall = datetime.combine(day, session.start)
            end = datetime.combine(day, session.end)
            while wall + step <= end:
                local = wall.replace(tzinfo=self.zone, fold=0)
                utc = local.astimezone(timezone.utc)
                # A wall time skipped by the spring change does not survive the round trip.
                if utc.astimezone(self.zone).replace(tzinfo=None) == wall:
                    starts.append(utc)
                wall += step
        return starts


@lru_cache(maxsize=64)
def _holidays(year: int, local: Tuple[Tuple[int, int, str], ...]) -> Dict[date, str]:
    return holidays(year, local)
