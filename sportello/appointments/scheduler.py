"""The appointment scheduler process: day-before reminders and deletion of old bookings.

Run as ``python -m sportello.appointments.scheduler`` (``make run`` starts it). Several
copies may run: a reminder is claimed with a compare-and-set UPDATE, so it goes out once.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from datetime import datetime, time, timedelta, timezone
from typing import List, Optional

from sportello.appointments.notifier import Notifier
from sportello.appointments.service import Appointments, open_appointments
from sportello.logs import configure
from sportello.retention import retention_days
from sportello.whatsapp.store import WhatsAppStore, default_store_url

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


def run_once(app: Appointments, notifier: Notifier, now: Optional[datetime] = None) -> None:
    """One pass: reminders, then retention."""
    now = now or datetime.now(timezone.utc)
    reminded = send_reminders(app, notifier, now)
    deleted = purge(app, now)
    if reminded or deleted:
        logger.info("scheduler: %d reminder(s) sent, %d old booking(s) deleted", reminded, deleted)


def main(argv: Optional[List[str]] = None) -> None:
    """Runs passes every ``--interval`` seconds until SIGINT or SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=float, default=60.0)
    parser.add_argument("--once", action="store_true", help="run one pass and exit")
    args = parser.parse_args(argv)
    configure()
    app = open_appointments()
    notifier = Notifier(app.settings, app.store, WhatsAppStore(default_store_url()))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.is_set():
        try:
            run_once(app, notifier)
        except Exception:
            # A failed pass (the database restarting, say) is logged; the next pass retries.
            logger.exception("scheduler pass failed")
        if args.once:
            break
        stop.wait(args.interval)


if __name__ == "__main__":
    main()
