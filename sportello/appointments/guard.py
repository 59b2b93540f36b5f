"""Limits against bots that grab and resell slots: blocks, look-ups and bookings per sender and window.

Refusals are logged (with a pseudonym, never the number) and recorded so that
staff can see them and release or block the sender (staff API).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Optional

from sportello.appointments.config import Limits
from sportello.appointments.store import BookingStore, window_start
from sportello.privacy import pseudonym

logger = logging.getLogger(__name__)

LOOKUP = "lookup"
BOOKING = "booking"
REFUSED = "refused"


class Guard:
    """Decides whether a sender may look up slots or book now."""

    def __init__(self, store: BookingStore, limits: Limits) -> None:
        self.store = store
        self.limits = limits

    def refusal(self, sender: str, action: str, now: datetime) -> Optional[str]:
        """None when ``action`` (LOOKUP or BOOKING) is allowed (a look-up is then counted), else the reason.

        Reasons: ``blocked``, ``too_many_lookups``, ``too_many_bookings``.
        """
        reason = None
        since = window_start(now, self.limits.window_hours)
        if self.store.is_blocked(sender):
            reason = "blocked"
        elif action == LOOKUP and self.store.count_events(sender, LOOKUP, since) >= self.limits.lookups_per_window:
            reason = "too_many_lookups"
        elif action == BOOKING and self.store.count_events(sender, BOOKING, since) >= self.limits.bookings_per_window:
            reason = "too_many_bookings"
        if reason is not None:
            self.store.record_event(sender, REFUSED, reason, now)
            logger.warning("appointment %s refused for %s: %s", action, pseudonym(sender), reason)
            return reason
        if action == LOOKUP:
            self.store.record_event(sender, LOOKUP, at=now)
        return None

    def booked(self, sender: str, now: datetime) -> None:
        """Counts a booking made (cancelled ones keep counting within the window)."""
        self.store.record_event(sender, BOOKING, at=now)
