"""The staff API server: ``python -m sportello.staff.app [--port 5102]`` (``make run`` starts it).

Staff authenticate with the token in ``SPORTELLO_STAFF_TOKEN`` or, on the embedded
default, ``var/secrets/staff_token``.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from typing import Callable, List, Optional

from aiohttp import web

from sportello.appointments.notifier import Notifier
from sportello.appointments.service import Appointments, open_appointments
from sportello.logs import PathOnlyAccessLogger, configure
from sportello.runtime import load_secret
from sportello.staff.appointments import StaffAppointments
from sportello.staff.auth import HEALTH_PATH, token_middleware
from sportello.whatsapp.store import WhatsAppStore, default_store_url


def build_app(
    appointments: Appointments,
    whatsapp: WhatsAppStore,
    token: str,
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
) -> web.Application:
    """The staff API as an aiohttp application; ``clock`` gives the current time (for tests)."""
    app = web.Application(middlewares=[token_middleware(token)], client_max_size=64 * 1024)
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
    app = build_app(open_appointments(), WhatsAppStore(default_store_url()), load_secret("staff_token"))
    web.run_app(app, host=args.host, port=args.port, print=None, access_log_class=PathOnlyAccessLogger)


if __name__ == "__main__":
    main()
