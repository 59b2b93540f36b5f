"""The staff-edited appointment settings, ``knowledge/appointments.yml``, read and checked.

Every problem names the file and the setting, so that staff can fix it without
reading Python ("appointments.yml: calendar.services.questura.sessions[0].end:
'12:75' is not a time HH:MM").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from sportello import PROJECT_ROOT
from sportello.settings import ConfigError, SettingsReader, Template

APPOINTMENTS_FILE = PROJECT_ROOT / "knowledge" / "appointments.yml"


@dataclass(frozen=True)
class Session:
    """Opening hours within one day, as local wall-clock times."""

    start: time
    end: time


@dataclass(frozen=True)
class Service:
    """A counter that takes bookings: its days, hours, slot length and capacity."""

    name: str
    slot_minutes: int
    capacity: int
    days: Tuple[int, ...]
    sessions: Tuple[Session, ...]
    overflow_sessions: Tuple[Session, ...] = ()
    overflow_window_days: int = 0


@dataclass(frozen=True)
class ExtraOpening:
    """A day opened by staff outside the regular days, for one service."""

    day: date
    service: str
    sessions: Tuple[Session, ...]


@dataclass(frozen=True)
class Limits:
    """Per-sender limits against slot grabbing."""

    active_per_sender: int
    bookings_per_window: int
    lookups_per_window: int
    window_hours: int
    max_name_length: int


@dataclass(frozen=True)
class AppointmentSettings:
    """Everything appointments.yml says."""

    timezone: ZoneInfo
    backend: str
    services: Mapping[str, Service]
    min_notice_hours: int
    horizon_days: int
    local_holidays: Tuple[Tuple[int, int, str], ...]
    closures: Mapping[date, str]
    extra_openings: Tuple[ExtraOpening, ...]
    limits: Limits
    reminder_from: time
    reminder_template: Template
    change_template: Template
    default_service: str = field(default="")


def _sessions(reader: SettingsReader, value: Any, where: str) -> Tuple[Session, ...]:
    """Opening sessions, checked and in time order, or an error."""
    sessions = []
    for index, item in enumerate(reader.items(value, where)):
        here = f"{where}[{index}]"
        item = reader.mapping(item, here)
        session = Session(
            reader.clock(item.get("start"), f"{here}.start"), reader.clock(item.get("end"), f"{here}.end")
        )
        if session.end <= session.start:
            raise reader.fail(here, "end must be after start")
        sessions.append(session)
    ordered = sorted(sessions, key=lambda s: s.start)
    for before, after in pairwise(ordered):
        if after.start < before.end:
            raise reader.fail(where, "sessions overlap")
    return tuple(ordered)


def _service(reader: SettingsReader, name: str, value: Any) -> Service:
    where = f"calendar.services.{name}"
    value = reader.mapping(value, where)
    sessions = _sessions(reader, value.get("sessions"), f"{where}.sessions")
    if not sessions:
        raise reader.fail(f"{where}.sessions", "at least one session is needed")
    overflow = value.get("overflow") or {}
    overflow = reader.mapping(overflow, f"{where}.overflow")
    overflow_sessions = _sessions(reader, overflow.get("sessions"), f"{where}.overflow.sessions")
    window = reader.whole(overflow.get("window_days", 0), f"{where}.overflow.window_days", 0, 366)
    if overflow_sessions and not window:
        raise reader.fail(f"{where}.overflow.window_days", "overflow sessions need a window of at least 1 day")
    return Service(
        name=name,
        slot_minutes=reader.whole(value.get("slot_minutes"), f"{where}.slot_minutes", 5, 240),
        capacity=reader.whole(value.get("capacity"), f"{where}.capacity", 1, 50),
        days=reader.weekdays(value.get("days"), f"{where}.days"),
        sessions=sessions,
        overflow_sessions=overflow_sessions,
        overflow_window_days=window,
    )


def parse_settings(raw: Any, source: str = "appointments.yml") -> AppointmentSettings:
    """Checks the YAML tree of appointments.yml and returns the settings.

    Raises:
        ConfigError: naming the first problem found.

    """
    reader = SettingsReader(source)
    raw = reader.mapping(raw, "(top level)")
    try:
        zone = ZoneInfo(reader.text(raw.get("timezone"), "timezone"))
    except (ZoneInfoNotFoundError, ValueError):
        raise reader.fail("timezone", f"{raw.get('timezone')!r} is not a known time zone") from None
    calendar = reader.mapping(raw.get("calendar"), "calendar")
    services_raw = reader.mapping(calendar.get("services"), "calendar.services")
    if not services_raw:
        raise reader.fail("calendar.services", "at least one service is needed")
    services = {str(name): _service(reader, str(name), value) for name, value in services_raw.items()}
    local = []
    for index, item in enumerate(reader.items(calendar.get("local_holidays"), "calendar.local_holidays")):
        where = f"calendar.local_holidays[{index}]"
        item = reader.mapping(item, where)
        month = reader.whole(item.get("month"), f"{where}.month", 1, 12)
        day = reader.whole(item.get("day"), f"{where}.day", 1, 31)
        try:
            date(2024, month, day)  # a leap year, so that 29 February is accepted
        except ValueError:
            raise reader.fail(where, f"{day}/{month} is not a day of the year") from None
        local.append((month, day, reader.text(item.get("name"), f"{where}.name")))
    closures: Dict[date, str] = {}
    for index, item in enumerate(reader.items(calendar.get("closures"), "calendar.closures")):
        where = f"calendar.closures[{index}]"
        item = reader.mapping(item, where)
        closures[reader.day(item.get("date"), f"{where}.date")] = reader.text(item.get("name"), f"{where}.name")
    extra = []
    for index, item in enumerate(reader.items(calendar.get("extra_openings"), "calendar.extra_openings")):
        where = f"calendar.extra_openings[{index}]"
        item = reader.mapping(item, where)
        service = item.get("service")
        if service not in services:
            raise reader.fail(f"{where}.service", f"{service!r} is not one of the services {sorted(services)}")
        sessions = _sessions(reader, item.get("sessions"), f"{where}.sessions")
        if not sessions:
            raise reader.fail(f"{where}.sessions", "at least one session is needed")
        extra.append(ExtraOpening(reader.day(item.get("date"), f"{where}.date"), str(service), sessions))
    limits = reader.mapping(raw.get("limits"), "limits")
    reminders = reader.mapping(raw.get("reminders"), "reminders")
    return AppointmentSettings(
        timezone=zone,
        backend=reader.text(raw.get("backend"), "backend"),
        services=services,
        min_notice_hours=reader.whole(calendar.get("min_notice_hours", 0), "calendar.min_notice_hours", 0, 24 * 30),
        horizon_days=reader.whole(calendar.get("horizon_days"), "calendar.horizon_days", 1, 366),
        local_holidays=tuple(local),
        closures=closures,
        extra_openings=tuple(extra),
        limits=Limits(
            active_per_sender=reader.whole(limits.get("active_per_sender"), "limits.active_per_sender", 1, 20),
            bookings_per_window=reader.whole(limits.get("bookings_per_window"), "limits.bookings_per_window", 1, 1000),
            lookups_per_window=reader.whole(limits.get("lookups_per_window"), "limits.lookups_per_window", 1, 10000),
            window_hours=reader.whole(limits.get("window_hours"), "limits.window_hours", 1, 24 * 30),
            max_name_length=reader.whole(limits.get("max_name_length"), "limits.max_name_length", 10, 200),
        ),
        reminder_from=reader.clock(reminders.get("send_from"), "reminders.send_from"),
        reminder_template=reader.template(reminders.get("template"), "reminders.template"),
        change_template=reader.template(reminders.get("change_template"), "reminders.change_template"),
        default_service=next(iter(services)),
    )


@cache
def load_settings(path: Optional[Path] = None) -> AppointmentSettings:
    """Reads and checks appointments.yml (cached: the file is read once per process)."""
    path = path or APPOINTMENTS_FILE
    try:
        with open(path, encoding="utf-8") as handle:
            raw = yaml.safe_load(handle)
    except yaml.YAMLError as error:
        raise ConfigError(f"{path.name}: not valid YAML: {error}") from None
    return parse_settings(raw, path.name)
