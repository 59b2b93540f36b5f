"""The maintenance process: appointment reminders and deletion of personal data past its retention.

Run as ``python -m sportello.maintenance [--port N]`` (``make run`` starts it). Several
copies may run: reminders are claimed with compare-and-set and deletions are idempotent.
With ``--port`` it answers /health, /ready (the last pass succeeded within three
intervals) and /metrics (sportello.health_server).
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import List, Optional, Tuple

from sportello.appointments.notifier import Notifier
from sportello.appointments.scheduler import purge as purge_bookings
from sportello.appointments.scheduler import send_reminders
from sportello.appointments.service import Appointments, open_appointments
from sportello.attachments.storage import FileStorage
from sportello.health_server import serve_health
from sportello.inbox.store import InboxStore, database_url
from sportello.logs import configure
from sportello.metrics import ERRORS, MAINTENANCE_LAST_PASS
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


@dataclass
class Heartbeat:
    """When the last pass succeeded; the process is ready while that is recent."""

    interval: float
    last_success: float = 0.0

    def beat(self) -> None:
        """Records a successful pass (also for Prometheus)."""
        self.last_success = time.time()
        MAINTENANCE_LAST_PASS.set(self.last_success)

    def readiness(self) -> Tuple[bool, str]:
        """Ready when a pass succeeded within the last three intervals (the databases answer)."""
        if self.last_success and time.time() - self.last_success < 3 * max(self.interval, 1.0):
            return True, "ready"
        return False, "no successful pass recently"


def main(argv: Optional[List[str]] = None) -> None:
    """Runs passes every ``--interval`` seconds until SIGINT or SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=float, default=60.0)
    parser.add_argument("--once", action="store_true", help="run one pass and exit")
    parser.add_argument("--host", default="127.0.0.1", help="address of /health, /ready, /metrics")
    parser.add_argument("--port", type=int, help="serve /health, /ready and /metrics on this port")
    args = parser.parse_args(argv)
    configure()
    heartbeat = Heartbeat(args.interval)
    if args.port:
        serve_health(args.host, args.port, heartbeat.readiness)
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
            heartbeat.beat()
        except Exception:
            # A failed pass (the database restarting, say) is logged; the next pass retries.
            logger.exception("maintenance pass failed")
            ERRORS.labels("maintenance").inc()
        if args.once:
            break
        stop.wait(args.interval)


if __name__ == "__main__":
    main()
