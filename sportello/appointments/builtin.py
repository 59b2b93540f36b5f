"""The built-in booking backend: the calendar of appointments.yml and the SQL booking store."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Dict, List, Optional

from sportello.appointments.backend import BookingRequest, DayCheck, Outcome
from sportello.appointments.calendar import Calendar, Slot
from sportello.appointments.config import AppointmentSettings
from sportello.appointments.store import Booking, BookingStore, NewBooking, SenderFull, SlotFull

# Alternatives offered when the chosen slot was taken meanwhile.
ALTERNATIVES = 5


class BuiltinBackend:
    """Slots from the calendar, seats and bookings from the store."""

    def __init__(self, settings: AppointmentSettings, store: BookingStore) -> None:
        self.settings = settings
        self.store = store
        self.calendar = Calendar(settings)

    def last_bookable_day(self, now: datetime) -> date:
        """Today plus the booking horizon (local days)."""
        return self.calendar.local_day(now) + timedelta(days=self.settings.horizon_days)

    def check_day(self, day: date, now: datetime) -> DayCheck:
        """Past, too soon, beyond the horizon, closed (with the reason), full or open."""
        today = self.calendar.local_day(now)
        if day < today:
            return DayCheck("past")
        if day > self.last_bookable_day(now):
            return DayCheck("beyond")
        reason = self.calendar.closed_reason(day)
        if reason is not None:
            return DayCheck("closed", reason)
        earliest = self._earliest(now)
        if all(slot.starts_at < earliest for slot in self.calendar.slots_of_day(day)):
            return DayCheck("too_soon")
        first_free = self.free_slots(now, day, limit=1)
        if not first_free or self.calendar.local_day(first_free[0].starts_at) != day:
            return DayCheck("full")
        return DayCheck("open")

    def free_slots(self, now: datetime, from_day: Optional[date] = None, limit: int = 10) -> List[Slot]:
        """Free slots from ``from_day``; overflow slots only once the regular ones of the window are all taken."""
        earliest = self._earliest(now)
        today = self.calendar.local_day(now)
        first = max(from_day or today, today)
        last = self.last_bookable_day(now)
        if first > last:
            return []
        slots = [s for s in self.calendar.slots_between(today, last) if s.starts_at >= earliest]
        if not slots:
            return []
        taken = self.store.taken(
            self.calendar.service().name, slots[0].starts_at, slots[-1].starts_at + timedelta(seconds=1)
        )
        capacity = self.calendar.service().capacity
        overflow_open = self._overflow_open(slots, taken, capacity, today)
        free = []
        for slot in slots:
            if self.calendar.local_day(slot.starts_at) < first or taken.get(slot.starts_at, 0) >= capacity:
                continue
            if slot.overflow and not overflow_open:
                continue
            free.append(slot)
        free.sort(key=lambda s: s.starts_at)
        return free[:limit]

    def slot(self, slot_id: str) -> Optional[Slot]:
        """The calendar's slot for this id."""
        return self.calendar.slot(slot_id)

    def book(self, request: BookingRequest, now: datetime) -> Outcome:
        """Books the slot if it is still bookable and free, else offers the next free ones."""
        slot = self._bookable(request.slot_id, now)
        if slot is None:
            return Outcome("invalid_slot", alternatives=self.free_slots(now, limit=ALTERNATIVES))
        new = NewBooking(
            sender=request.sender,
            service=slot.service,
            starts_at=slot.starts_at,
            name=request.name,
            permit_type=request.permit_type,
            procedure=request.procedure,
            application_number=request.application_number,
            language=request.language,
        )
        capacity = self.calendar.service(slot.service).capacity
        try:
            booking = self.store.book(new, capacity, self.settings.limits.active_per_sender, now)
        except SenderFull as full:
            return Outcome("already_booked", bookings=full.bookings)
        except SlotFull:
            return Outcome(
                "slot_taken", alternatives=self.free_slots(now, self.calendar.local_day(slot.starts_at), ALTERNATIVES)
            )
        return Outcome("booked", booking=booking)

    def move(self, sender: Optional[str], code: str, slot_id: str, now: datetime) -> Outcome:
        """Moves the booking if the new slot is bookable and free."""
        slot = self._bookable(slot_id, now)
        if slot is None:
            return Outcome("invalid_slot", alternatives=self.free_slots(now, limit=ALTERNATIVES))
        try:
            booking = self.store.move(
                code, slot.service, slot.starts_at, self.calendar.service(slot.service).capacity, sender
            )
        except KeyError:
            return Outcome("not_found")
        except SlotFull:
            return Outcome(
                "slot_taken", alternatives=self.free_slots(now, self.calendar.local_day(slot.starts_at), ALTERNATIVES)
            )
        return Outcome("moved", booking=booking)

    def cancel(self, sender: Optional[str], code: str, by: str) -> Optional[Booking]:
        """Cancels the booking."""
        return self.store.cancel(code, by, sender)

    def upcoming_of(self, sender: str, now: datetime) -> List[Booking]:
        """The sender's bookings still to come."""
        return self.store.upcoming_of(sender, now)

    def _earliest(self, now: datetime) -> datetime:
        return now + timedelta(hours=self.settings.min_notice_hours)

    def _bookable(self, slot_id: str, now: datetime) -> Optional[Slot]:
        slot = self.calendar.slot(slot_id)
        if slot is None or slot.starts_at < self._earliest(now):
            return None
        if self.calendar.local_day(slot.starts_at) > self.last_bookable_day(now):
            return None
        if slot.overflow:
            # Overflow slots are bookable only while they are offered.
            offered = self.free_slots(now, self.calendar.local_day(slot.starts_at), limit=10_000)
            return slot if slot in offered else None
        return slot

    def _overflow_open(self, slots: List[Slot], taken: Dict[datetime, int], capacity: int, today: date) -> bool:
        service = self.calendar.service()
        if not service.overflow_sessions:
            return False
        window_end = today + timedelta(days=service.overflow_window_days)
        regular = [s for s in slots if not s.overflow and self.calendar.local_day(s.starts_at) < window_end]
        return all(taken.get(s.starts_at, 0) >= capacity for s in regular)
