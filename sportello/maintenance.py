"""The maintenance process: appointment reminders and deletion of personal data past its retention.

Run as ``python -m sportello.maintenance`` (``make run`` starts it). Several copies may
run: reminders are claimed with compare-and-set and deletions are idempotent.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from datetime import datetime, timezone
from typing import List, Optional

from sportello.appointments.notifier import Notifier
from sportello.appointments.scheduler import purge as purge_bookings
from sportello.appointments.scheduler import send_reminders
from sportello.appointments.service import Appointments, open_appointments
from sportello.attachments.storage import FileStorage
from sportello.inbox.store import InboxStore, database_url
from sportello.logs import configure
from sportello.personal_data import PersonalData
from sportello.runtime import VAR_DIR
from sportello.tracker_data import TrackerData, tracker_url
from sportello.whatsapp.store import WhatsAppStore, default_store_url

logger = logging.getLogger(__name__)


def run_once(app: Appointments, notifier: Notifier, data: PersonalData, now: Optional[datetime] = None) -> None:
    """One pass: reminders, then retention in every store."""
    now = now or datetime.now(timezone.utc)
    reminded = send_reminders(app, notifier, now)
    bookings = purge_bookings(app, now)
    data.purge(now)
    if reminded or bookings:
        logger.info("maintenance: %d reminder(s) sent, %d old booking(s) deleted", reminded, bookings)


def main(argv: Optional[List[str]] = None) -> None:
    """Runs passes every ``--interval`` seconds until SIGINT or SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=float, default=60.0)
    parser.add_argument("--once", action="store_true", help="run one pass and exit")
    args = parser.parse_args(argv)
    configure()
    app = open_appointments()
    whatsapp = WhatsAppStore(default_store_url())
    notifier = Notifier(app.settings, app.store, whatsapp)
    data = PersonalData(
        TrackerData(tracker_url()),
        whatsapp,
        FileStorage(VAR_DIR / "attachments"),
        app.store,
        InboxStore(database_url()),
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.is_set():
        try:
            run_once(app, notifier, data)
        except Exception:
            # A failed pass (the database restarting, say) is logged; the next pass retries.
            logger.exception("maintenance pass failed")
        if args.once:
            break
        stop.wait(args.interval)


if __name__ == "__main__":
    main()
