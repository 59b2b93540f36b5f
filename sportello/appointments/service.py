"""The appointment parts a process needs, built once from appointments.yml and the database URL."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Optional

from sportello.appointments.backend import AppointmentBackend, load_backend
from sportello.appointments.config import AppointmentSettings, load_settings
from sportello.appointments.guard import Guard
from sportello.appointments.store import BookingStore, database_url


@dataclass(frozen=True)
class Appointments:
    """Settings, the booking backend, the store it (and the limits) keep state in, and the guard."""

    settings: AppointmentSettings
    store: BookingStore
    backend: AppointmentBackend
    guard: Guard


def open_appointments(url: Optional[str] = None, settings: Optional[AppointmentSettings] = None) -> Appointments:
    """Builds the appointment parts on the database at ``url`` (default: database_url())."""
    settings = settings or load_settings()
    store = BookingStore(url or database_url())
    return Appointments(settings, store, load_backend(settings, store), Guard(store, settings.limits))


@cache
def appointments() -> Appointments:
    """The process-wide appointment parts (the action server's)."""
    return open_appointments()
