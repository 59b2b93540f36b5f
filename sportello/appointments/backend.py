"""The one interface behind which slots are checked and booked.

The built-in calendar (builtin.py) implements it; an office with its own booking
system writes an adapter class with the same methods and names it in
appointments.yml (``backend: package.module.Class``). The assistant's actions, the
staff API and the reminder scheduler only ever talk to this interface.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import List, Optional, Protocol

from sportello.appointments.calendar import Slot
from sportello.appointments.config import AppointmentSettings
from sportello.appointments.store import Booking, BookingStore


@dataclass(frozen=True)
class DayCheck:
    """Whether a day can be booked, and if not why.

    Attributes:
        status: ``open``, ``past``, ``too_soon`` (within the minimum notice),
            ``beyond`` (after the booking horizon), ``closed`` or ``full``.
        reason: For ``closed``, the holiday or closure name ("closed" for a weekday without opening).

    """

    status: str
    reason: Optional[str] = None


@dataclass(frozen=True)
class BookingRequest:
    """A booking as the applicant asked for it."""

    sender: str
    slot_id: str
    name: str
    permit_type: Optional[str]
    procedure: Optional[str]
    application_number: Optional[str]
    language: str


@dataclass(frozen=True)
class Outcome:
    """The result of booking or moving.

    Attributes:
        status: ``booked``, ``moved``, ``slot_taken`` (offer ``alternatives``),
            ``already_booked`` (see ``bookings``), ``invalid_slot`` or ``not_found``.

    """

    status: str
    booking: Optional[Booking] = None
    alternatives: List[Slot] = field(default_factory=list)
    bookings: List[Booking] = field(default_factory=list)


class AppointmentBackend(Protocol):
    """Checking and booking slots."""

    def free_slots(self, now: datetime, from_day: Optional[date] = None, limit: int = 10) -> List[Slot]:
        """The next free slots from ``from_day`` (default: as soon as possible), soonest first."""

    def check_day(self, day: date, now: datetime) -> DayCheck:
        """Whether ``day`` can be booked."""

    def last_bookable_day(self, now: datetime) -> date:
        """The last day that can be booked today; one more day opens every day."""

    def slot(self, slot_id: str) -> Optional[Slot]:
        """The slot a slot id names, if it exists."""

    def book(self, request: BookingRequest, now: datetime) -> Outcome:
        """Books the requested slot."""

    def move(self, sender: Optional[str], code: str, slot_id: str, now: datetime) -> Outcome:
        """Moves a booking (of ``sender``; any booking when None, for staff) to another slot."""

    def cancel(self, sender: Optional[str], code: str, by: str) -> Optional[Booking]:
        """Cancels a booking (of ``sender``; any when None); None if there was no such active booking."""

    def upcoming_of(self, sender: str, now: datetime) -> List[Booking]:
        """The sender's bookings still to come."""


def load_backend(settings: AppointmentSettings, store: BookingStore) -> AppointmentBackend:
    """The backend class named in appointments.yml, built with the settings and the store."""
    module_name, _, class_name = settings.backend.rpartition(".")
    try:
        backend_class = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError, ValueError) as error:
        raise ValueError(f"appointments.yml: backend: cannot load {settings.backend!r}: {error}") from None
    return backend_class(settings, store)
