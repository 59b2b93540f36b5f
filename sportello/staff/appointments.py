"""Staff API for appointments: the day's and week's bookings, search, cancel or move with a message, CSV.

Every input is checked; a bad one gets a 400 with what is wrong and a log line.
Changes are logged with the booking code, never the applicant's name or number.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable, Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo

from aiohttp import web

from sportello.appointments.notifier import Notifier
from sportello.appointments.service import Appointments
from sportello.appointments.store import Booking
from sportello.staff.text_input import CONTROL, plain_text

logger = logging.getLogger(__name__)
JSON = "application/json"
MAX_MESSAGE = 1000
MAX_QUERY = 100
MAX_SENDER = 256
MAX_RANGE_DAYS = 366
# Cells that spreadsheet programs would run as formulas.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = (
    "code",
    "date",
    "time",
    "status",
    "name",
    "permit_type",
    "procedure",
    "application_number",
    "language",
    "sender",
    "created_at",
    "cancelled_by",
)


class BadInput(web.HTTPBadRequest):
    """A 400 answer naming the problem."""

    def __init__(self, problem: str) -> None:
        super().__init__(text=json.dumps({"error": problem}), content_type="application/json")
        logger.info("staff API: bad input: %s", problem)


@dataclass(frozen=True)
class StaffAppointments:
    """The routes, over the appointment parts and the notifier."""

    app: Appointments
    notifier: Notifier
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)

    def routes(self) -> List[web.RouteDef]:
        """The API's routes under /staff/api."""
        return [
            web.get("/staff/api/appointments", self.listing),
            web.get("/staff/api/appointments/search", self.search),
            web.get("/staff/api/appointments/free", self.free),
            web.get("/staff/api/appointments/export.csv", self.export),
            web.get("/staff/api/appointments/refusals", self.refusals),
            web.post("/staff/api/appointments/{code}/cancel", self.cancel),
            web.post("/staff/api/appointments/{code}/move", self.move),
            web.post("/staff/api/senders/{sender}/block", self.block),
            web.post("/staff/api/senders/{sender}/release", self.release),
            web.put("/staff/api/senders/{sender}/allowance", self.allowance),
        ]

    async def listing(self, request: web.Request) -> web.Response:
        """``?day=YYYY-MM-DD`` (that day) or ``?week=YYYY-MM-DD`` (its Monday to Sunday); default today."""
        if "week" in request.query:
            first, last = week_of(_day(request.query["week"], "week"))
        else:
            first = last = _day(request.query["day"], "day") if "day" in request.query else self._today()
        bookings = self.app.store.between(*self._span(first, last))
        return web.json_response({"from": first.isoformat(), "to": last.isoformat(), "bookings": self._json(bookings)})

    async def search(self, request: web.Request) -> web.Response:
        """``?q=`` a booking code or part of a name."""
        query = _clean(request.query.get("q", ""), "q", MAX_QUERY)
        if len(query) < 2:
            raise BadInput("q: give at least 2 characters")
        return web.json_response({"bookings": self._json(self.app.store.search(query))})

    async def free(self, request: web.Request) -> web.Response:
        """Free slots from ``?from=YYYY-MM-DD`` (default: as soon as possible), to move a booking to."""
        start = _day(request.query["from"], "from") if "from" in request.query else None
        zone = self.app.settings.timezone
        slots = self.app.backend.free_slots(self.clock(), start, limit=50)
        return web.json_response(
            {"slots": [{"id": s.id, "starts_at": s.starts_at.astimezone(zone).isoformat()} for s in slots]}
        )

    async def export(self, request: web.Request) -> web.Response:
        """CSV of the bookings from ``?from=`` to ``?to=`` (YYYY-MM-DD, both included)."""
        first = _day(request.query.get("from", ""), "from")
        last = _day(request.query.get("to", ""), "to")
        if last < first or (last - first).days > MAX_RANGE_DAYS:
            raise BadInput(f"to: must be on or after from, at most {MAX_RANGE_DAYS} days later")
        return csv_response(self._json(self.app.store.between(*self._span(first, last))), first, last)

    async def refusals(self, request: web.Request) -> web.Response:
        """Look-ups and bookings refused in the last ``?hours=`` (default 24), latest first."""
        hours = _whole(request.query.get("hours", "24"), "hours", 1, 24 * 31)
        rows = self.app.store.refusals(self.clock() - timedelta(hours=hours))
        return web.json_response({"refusals": [{**r, "at": r["at"].isoformat()} for r in rows]})

    async def cancel(self, request: web.Request) -> web.Response:
        """Cancels a booking and tells the applicant, with the staff's ``message`` if given."""
        body = await _body(request)
        message = _optional_message(body)
        booking = self.app.backend.cancel(None, request.match_info["code"], by="staff")
        if booking is None:
            raise web.HTTPNotFound(
                text='{"error": "no active booking with this code"}', content_type="application/json"
            )
        channel = self.notifier.staff_change("cancelled", booking, message, self.clock())
        logger.info("staff cancelled booking %s", booking.code)
        return web.json_response({"booking": self._json([booking])[0], "notified_by": channel})

    async def move(self, request: web.Request) -> web.Response:
        """Moves a booking to ``slot`` (an id from /free) and tells the applicant."""
        body = await _body(request)
        message = _optional_message(body)
        slot = body.get("slot")
        if not isinstance(slot, str) or self.app.backend.slot(slot) is None:
            raise BadInput("slot: not a slot of the calendar (take one from /staff/api/appointments/free)")
        outcome = self.app.backend.move(None, request.match_info["code"], slot, self.clock())
        if outcome.status == "not_found":
            raise web.HTTPNotFound(
                text='{"error": "no active booking with this code"}', content_type="application/json"
            )
        if outcome.booking is None:
            raise web.HTTPConflict(text=json.dumps({"error": outcome.status}), content_type=JSON)
        channel = self.notifier.staff_change("moved", outcome.booking, message, self.clock())
        logger.info("staff moved booking %s", outcome.booking.code)
        return web.json_response({"booking": self._json([outcome.booking])[0], "notified_by": channel})

    async def block(self, request: web.Request) -> web.Response:
        """Blocks a sender from booking (``reason`` required)."""
        sender = _sender(request)
        reason = _clean((await _body(request)).get("reason", ""), "reason", MAX_MESSAGE)
        if not reason:
            raise BadInput("reason: say why the sender is blocked")
        self.app.store.block(sender, reason)
        return web.json_response({"sender": sender, "blocked": True})

    async def release(self, request: web.Request) -> web.Response:
        """Lifts a block and the sender's counted look-ups and bookings."""
        sender = _sender(request)
        self.app.store.unblock(sender)
        return web.json_response({"sender": sender, "blocked": False})

    async def allowance(self, request: web.Request) -> web.Response:
        """Sets how many active bookings the sender may hold (``max_active``; null for the default)."""
        sender = _sender(request)
        value = (await _body(request)).get("max_active")
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 20):
            raise BadInput("max_active: a whole number from 1 to 20, or null for the default")
        self.app.store.allow(sender, value)
        return web.json_response({"sender": sender, "max_active": value})

    def _today(self) -> date:
        return self.clock().astimezone(self.app.settings.timezone).date()

    def _span(self, first: date, last: date) -> Tuple[datetime, datetime]:
        zone = self.app.settings.timezone
        start = datetime.combine(first, time(0), zone).astimezone(timezone.utc)
        end = datetime.combine(last + timedelta(days=1), time(0), zone).astimezone(timezone.utc)
        return start, end

    def _json(self, bookings: List[Booking]) -> List[Dict[str, Any]]:
        return booking_rows(bookings, self.app.settings.timezone)


def csv_response(rows: List[Dict[str, Any]], first: date, last: date) -> web.Response:
    """Booking rows as a CSV download (cells that would run as spreadsheet formulas neutralised)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([csv_safe(row.get(column)) for column in CSV_COLUMNS])
    name = f"appuntamenti_{first.isoformat()}_{last.isoformat()}.csv"
    return web.Response(
        text=out.getvalue(),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def week_of(day: date) -> Tuple[date, date]:
    """The Monday and the Sunday of the week of ``day``."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def booking_rows(bookings: List[Booking], zone: ZoneInfo) -> List[Dict[str, Any]]:
    """Bookings as staff read them (local date and time), for JSON, CSV and the inbox page."""
    rows = []
    for b in bookings:
        local = b.starts_at.astimezone(zone)
        rows.append(
            {
                "code": b.code,
                "date": local.date().isoformat(),
                "time": f"{local:%H:%M}",
                "starts_at": local.isoformat(),
                "status": b.status,
                "name": b.name,
                "permit_type": b.permit_type,
                "procedure": b.procedure,
                "application_number": b.application_number,
                "language": b.language,
                "sender": b.sender,
                "created_at": b.created_at.isoformat(),
                "cancelled_by": b.cancelled_by,
            }
        )
    return rows


async def _body(request: web.Request) -> Dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise BadInput("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise BadInput("the body must be a JSON object")
    return body


def _clean(value: Any, name: str, limit: int) -> str:
    try:
        return plain_text(value, name, limit)
    except ValueError as error:
        raise BadInput(str(error)) from None


def _optional_message(body: Dict[str, Any]) -> Optional[str]:
    message = body.get("message")
    return None if message is None else (_clean(message, "message", MAX_MESSAGE) or None)


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{name}: not a date YYYY-MM-DD") from None


def _whole(value: str, name: str, low: int, high: int) -> int:
    if not value.isdigit() or not low <= int(value) <= high:
        raise BadInput(f"{name}: a whole number from {low} to {high}")
    return int(value)


def _sender(request: web.Request) -> str:
    sender = request.match_info["sender"]
    if not 1 <= len(sender) <= MAX_SENDER or CONTROL.search(sender):
        raise BadInput("sender: not a valid sender id")
    return sender


def csv_safe(value: Any) -> str:
    """A CSV cell that spreadsheet programs will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
