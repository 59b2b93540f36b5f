"""Day-before reminders and deletion of old bookings, run by the maintenance process (sportello.maintenance).

Several copies may run: a reminder is claimed with a compare-and-set UPDATE, so it goes out once.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta, timezone

from sportello.appointments.notifier import Notifier
from sportello.appointments.service import Appointments
from sportello.retention import retention_days

logger = logging.getLogger(__name__)


def send_reminders(app: Appointments, notifier: Notifier, now: datetime) -> int:
    """Sends the reminders due: bookings of tomorrow (local), from the configured time of day."""
    zone = app.settings.timezone
    local = now.astimezone(zone)
    if local.time() < app.settings.reminder_from:
        return 0
    tomorrow = local.date() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(0), zone).astimezone(timezone.utc)
    end = datetime.combine(tomorrow + timedelta(days=1), time(0), zone).astimezone(timezone.utc)
    sent = 0
    for booking in app.store.due_reminders(start, end):
        if app.store.claim_reminder(booking.id, now):
            notifier.remind(booking, now)
            sent += 1
    return sent


def purge(app: Appointments, now: datetime) -> int:
    """Deletes bookings past the retention period (knowledge/privacy.yml) and expired limit events."""
    before = now - timedelta(days=retention_days("appointments"))
    events_before = now - timedelta(hours=app.settings.limits.window_hours)
    return app.store.purge(before, events_before)
