"""The staff API server: ``python -m sportello.staff.app [--port 5102]`` (``make run`` starts it).

Staff authenticate with their personal API token from the inbox (every call is then
audited under their name) or, for an integration, the shared token in
``SPORTELLO_STAFF_TOKEN`` (on the embedded default, ``var/secrets/staff_token``).
"""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from typing import Callable, List, Optional

from aiohttp import web

from sportello.appointments.notifier import Notifier
from sportello.appointments.service import Appointments, open_appointments
from sportello.inbox.store import InboxStore, database_url
from sportello.logs import PathOnlyAccessLogger, configure
from sportello.runtime import load_secret
from sportello.staff.appointments import StaffAppointments
from sportello.staff.auth import HEALTH_PATH, staff_middleware
from sportello.whatsapp.store import WhatsAppStore, default_store_url


def build_app(
    appointments: Appointments,
    whatsapp: WhatsAppStore,
    token: str,
    inbox: Optional[InboxStore] = None,
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
) -> web.Application:
    """The staff API as an aiohttp application.

    Args:
        appointments: The appointment service.
        whatsapp: Where messages to applicants are queued.
        token: The shared service token.
        inbox: The inbox store: personal API tokens and the audit log (without it, only
            the service token is accepted and nothing is audited).
        clock: The current time (for tests).

    """
    app = web.Application(middlewares=[staff_middleware(token, inbox)], client_max_size=64 * 1024)
    notifier = Notifier(appointments.settings, appointments.store, whatsapp)
    app.add_routes([web.get(HEALTH_PATH, _health), *StaffAppointments(appointments, notifier, clock).routes()])
    return app


async def _health(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def main(argv: Optional[List[str]] = None) -> None:
    """Serves the staff API until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5102)
    args = parser.parse_args(argv)
    configure()
    app = build_app(
        open_appointments(), WhatsAppStore(default_store_url()), load_secret("staff_token"), InboxStore(database_url())
    )
    web.run_app(app, host=args.host, port=args.port, print=None, access_log_class=PathOnlyAccessLogger)


if __name__ == "__main__":
    main()
