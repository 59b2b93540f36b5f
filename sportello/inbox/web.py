"""The staff inbox web application (aiohttp, server-rendered pages, a little JavaScript) and its JSON API.

``python -m sportello.inbox.web`` (port 5103; ``make run`` starts it). Pages under
/inbox need a logged-in session; the JSON API under /api/v1 (docs/api.md) needs an
API token. Every read, answer, download and change is written to the audit log.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import secrets
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import quote

import jinja2
from aiohttp import web
from sqlalchemy.exc import DBAPIError

from sportello.analytics.charts import REASON_LABELS, dashboard_charts
from sportello.analytics.export import figures_csv
from sportello.analytics.figures import Figures, Sources, dashboard_figures, parse_range
from sportello.analytics.settings import dashboard_settings
from sportello.appointments.service import open_appointments
from sportello.attachments.storage import AttachmentStorage, FileStorage
from sportello.inbox.handoff import handoff_settings
from sportello.inbox.operations import Entry, Inbox, InboxError, clean_text, transcript
from sportello.inbox.rasa_api import RasaClient, RasaError
from sportello.inbox.security import (
    SESSION_COOKIE,
    SESSION_KEY,
    USER_KEY,
    auth_middleware,
    current_user,
    require,
    same,
)
from sportello.inbox.store import ROLES, Handoff, InboxStore, User, database_url
from sportello.logs import PathOnlyAccessLogger, configure
from sportello.metrics import HANDOFF_QUEUE, exposition
from sportello.personal_data import PersonalData
from sportello.runtime import VAR_DIR, load_secret
from sportello.staff.appointments import booking_rows, csv_response, week_of
from sportello.tracker_data import TrackerData, tracker_url
from sportello.whatsapp.store import WhatsAppStore, default_store_url

logger = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
LOGIN_COOKIE = "sportello_login_csrf"
LOGIN_TOKEN_LENGTH = len(secrets.token_urlsafe(32))
VIEWS = (("waiting", "In attesa"), ("mine", "Assegnate a me"), ("others", "Assegnate ad altri"), ("resolved", "Chiuse"))
INBOX_KEY = web.AppKey("inbox", Inbox)
ENV_KEY = web.AppKey("templates", jinja2.Environment)
STORAGE_KEY = web.AppKey("storage", AttachmentStorage)
SECURE_KEY = web.AppKey("secure_cookies", bool)
ANALYTICS_KEY = web.AppKey("analytics", Sources)


def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, undefined=jinja2.StrictUndefined
    )


def _render(request: web.Request, template: str, status: int = 200, **values: Any) -> web.Response:
    user: Optional[User] = request.get(USER_KEY)
    session = request.get(SESSION_KEY)
    context = {"user": user, "csrf": session.csrf_token if session else "", "error": None, "notice": None, **values}
    html = request.app[ENV_KEY].get_template(template).render(**context)
    return web.Response(text=html, content_type="text/html", status=status)


def _waiting(handoff: Handoff, now: datetime) -> str:
    # A closed conversation waited until it was closed.
    return _duration(((handoff.closed_at or now) - handoff.created_at).total_seconds() / 60)


def _duration(minutes: float) -> str:
    whole = int(minutes)
    return f"{whole // 60} h {whole % 60:02d} min" if whole >= 60 else f"{whole} min"


def _row(handoff: Handoff, now: datetime) -> Dict[str, Any]:
    return {
        "id": handoff.id,
        "waiting": _waiting(handoff, now),
        "language": handoff.language or "",
        "permit_type": handoff.permit_type or "",
        "reason": handoff.reason,
        "status": handoff.status,
        "assigned_to": handoff.assigned_to or "",
        "created_at": handoff.created_at.isoformat(),
    }


def _entry(entry: Entry) -> Dict[str, Any]:
    return {
        "who": entry.who,
        "text": entry.text,
        "at": entry.at.isoformat(),
        "staff": entry.staff,
        "buttons": entry.buttons,
    }


def _handoff_id(request: web.Request) -> int:
    value = request.match_info["id"]
    if not value.isdigit() or len(value) > 12:
        raise web.HTTPNotFound()
    return int(value)


class Pages:
    """The HTML pages and their forms."""

    async def login_form(self, request: web.Request) -> web.Response:
        """The log-in page, with a double-submit CSRF token.

        The token of an earlier visit is kept: the browser may load the page twice (or
        another tab), and a new token would orphan the form already shown.
        """
        token = request.cookies.get(LOGIN_COOKIE) or ""
        if len(token) != LOGIN_TOKEN_LENGTH:
            token = secrets.token_urlsafe(32)
        response = _render(request, "login.html", login_csrf=token)
        response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="Strict", secure=request.app[SECURE_KEY])
        return response

    async def login(self, request: web.Request) -> web.Response:
        """Checks the password (same time for unknown names) and starts a session."""
        form = await request.post()
        if not same(str(form.get("csrf") or ""), request.cookies.get(LOGIN_COOKIE, "") or "-"):
            return web.Response(status=403, text="CSRF token missing or wrong")
        inbox = request.app[INBOX_KEY]
        username = str(form.get("username") or "")[:64]
        user = inbox.store.authenticate(username, str(form.get("password") or "")[:200])
        if user is None:
            logger.warning("inbox: failed log-in for %r from %s", username, request.remote)
            token = secrets.token_urlsafe(32)
            response = _render(
                request, "login.html", status=401, login_csrf=token, error="Nome utente o password errati."
            )
            response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="Strict", secure=request.app[SECURE_KEY])
            return response
        inbox.store.audit(user.username, "login")
        response = web.HTTPSeeOther("/inbox")
        response.set_cookie(
            SESSION_COOKIE,
            inbox.store.start_session(user),
            httponly=True,
            samesite="Strict",
            secure=request.app[SECURE_KEY],
            max_age=8 * 3600,
        )
        response.del_cookie(LOGIN_COOKIE)
        raise response

    async def logout(self, request: web.Request) -> web.Response:
        """Ends the session."""
        request.app[INBOX_KEY].store.end_session(request.cookies.get(SESSION_COOKIE, ""))
        response = web.HTTPSeeOther("/login")
        response.del_cookie(SESSION_COOKIE)
        raise response

    async def queue(self, request: web.Request) -> web.Response:
        """Waiting, mine, others' or closed conversations, oldest first."""
        view = request.query.get("view", "waiting")
        if view not in dict(VIEWS):
            view = "waiting"
        data = _queue(request, view)
        return _render(request, "queue.html", views=VIEWS, view=view, rows=data["rows"], counts=data["counts"])

    async def queue_json(self, request: web.Request) -> web.Response:
        """The queue for live updates."""
        view = request.query.get("view", "waiting")
        return web.json_response(_queue(request, view if view in dict(VIEWS) else "waiting"))

    async def conversation(self, request: web.Request) -> web.Response:
        """One conversation: transcript, facts, documents, notes, reply and hand-back forms."""
        inbox = request.app[INBOX_KEY]
        try:
            handoff = inbox.get(_handoff_id(request))
            data = await inbox.conversation(current_user(request), handoff)
        except InboxError:
            raise web.HTTPNotFound() from None
        except RasaError as error:
            return _render(request, "base.html", status=502, error=f"Assistente non raggiungibile: {error}")
        zone = inbox.appointments.settings.timezone if inbox.appointments else timezone.utc
        return _render(
            request,
            "conversation.html",
            h=handoff,
            c=data,
            users=inbox.store.users(),
            zone=zone,
            error=request.query.get("error"),
        )

    async def transcript_json(self, request: web.Request) -> web.Response:
        """The transcript for live updates (not audited again: the page read was)."""
        inbox = request.app[INBOX_KEY]
        try:
            handoff = inbox.get(_handoff_id(request))
            events = await inbox.rasa.events(handoff.sender)
        except InboxError:
            raise web.HTTPNotFound() from None
        except RasaError as error:
            return web.json_response({"error": str(error)}, status=502)
        return web.json_response({"transcript": [_entry(e) for e in transcript(events)]})

    async def act(self, request: web.Request) -> web.Response:
        """The forms of a conversation: reply, template, assign, note, hand back, resolve."""
        inbox = request.app[INBOX_KEY]
        user = current_user(request)
        form = await request.post()
        handoff_id = _handoff_id(request)
        action = request.match_info["action"]
        try:
            handoff = inbox.get(handoff_id)
            if action == "reply":
                canned = str(form["canned"]) if "canned" in form else None
                await inbox.reply(user, handoff, text=form.get("text"), canned=canned)
            elif action == "template":
                await inbox.send_template(user, handoff)
            elif action == "assign":
                inbox.assign(user, handoff, str(form["to"]) if form.get("to") else None)
            elif action == "note":
                inbox.note(user, handoff, form.get("text"))
            elif action == "handback":
                await inbox.hand_back(user, handoff)
            elif action == "resolve":
                await inbox.resolve(user, handoff)
            else:
                raise web.HTTPNotFound()
        except (InboxError, RasaError) as error:
            logger.info("inbox: %s on handoff %s refused: %s", action, handoff_id, error)
            raise web.HTTPSeeOther(f"/inbox/c/{handoff_id}?error={_quote(str(error))}") from None
        raise web.HTTPSeeOther(f"/inbox/c/{handoff_id}" if action not in ("handback", "resolve") else "/inbox")

    async def export_data(self, request: web.Request) -> web.Response:
        """Everything held about the applicant, as a JSON download (supervisors; audited)."""
        inbox = request.app[INBOX_KEY]
        try:
            handoff = inbox.get(_handoff_id(request))
            data = inbox.export_data(current_user(request), handoff)
        except InboxError as error:
            raise web.HTTPForbidden(text=str(error)) from None
        return web.Response(
            text=json.dumps(data, ensure_ascii=False, indent=2, default=str),
            content_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="dati_{handoff.id}.json"'},
        )

    async def erase_data(self, request: web.Request) -> web.Response:
        """Deletes everything held about the applicant (supervisors; audited)."""
        inbox = request.app[INBOX_KEY]
        try:
            handoff = inbox.get(_handoff_id(request))
            deleted = inbox.erase_data(current_user(request), handoff)
        except InboxError as error:
            raise web.HTTPForbidden(text=str(error)) from None
        data = _queue(request, "waiting")
        notice = "Dati cancellati: " + ", ".join(f"{key} {value}" for key, value in deleted.items())
        return _render(
            request, "queue.html", views=VIEWS, view="waiting", rows=data["rows"], counts=data["counts"], notice=notice
        )

    async def take_over(self, request: web.Request) -> web.Response:
        """Staff take a live conversation by the applicant's number."""
        inbox = request.app[INBOX_KEY]
        form = await request.post()
        try:
            handoff = await inbox.take_over(current_user(request), str(form.get("sender") or ""))
        except (InboxError, RasaError) as error:
            data = _queue(request, "waiting")
            return _render(
                request,
                "queue.html",
                status=400,
                views=VIEWS,
                view="waiting",
                rows=data["rows"],
                counts=data["counts"],
                error=str(error),
            )
        raise web.HTTPSeeOther(f"/inbox/c/{handoff.id}")

    async def document(self, request: web.Request) -> web.Response:
        """A document the applicant sent, with its checked type (downloads are audited)."""
        inbox = request.app[INBOX_KEY]
        try:
            handoff = inbox.get(_handoff_id(request))
            record = inbox.document(current_user(request), handoff, request.match_info["message_id"])
            data = request.app[STORAGE_KEY].read(str(record.storage_key))
        except (InboxError, OSError, ValueError):
            raise web.HTTPNotFound() from None
        name = "".join(ch for ch in (record.filename or record.kind) if ch.isalnum() or ch in "._-")[:80] or "file"
        return web.Response(
            body=data,
            content_type=record.mime_type or "application/octet-stream",
            headers={"Content-Disposition": f'attachment; filename="{name}"', "Content-Security-Policy": "sandbox"},
        )

    async def appointments(self, request: web.Request) -> web.Response:
        """The day's or the week's bookings (from the appointment store)."""
        inbox = request.app[INBOX_KEY]
        if inbox.appointments is None:
            return _render(request, "appointments.html", rows=[], first="-", last="-")
        zone = inbox.appointments.settings.timezone
        try:
            if "week" in request.query:
                first, last = week_of(date.fromisoformat(request.query["week"]))
            else:
                first = last = (
                    date.fromisoformat(request.query["day"]) if "day" in request.query else datetime.now(zone).date()
                )
        except ValueError:
            raise web.HTTPBadRequest(text="week: not a date YYYY-MM-DD") from None
        start = datetime.combine(first, datetime.min.time(), zone).astimezone(timezone.utc)
        end = datetime.combine(last + timedelta(days=1), datetime.min.time(), zone).astimezone(timezone.utc)
        rows = booking_rows(inbox.appointments.store.between(start, end), zone)
        if request.query.get("format") == "csv":
            inbox.store.audit(current_user(request).username, "export_appointments", None, f"{first}..{last}")
            return csv_response(rows, first, last)
        inbox.store.audit(current_user(request).username, "read_appointments", None, f"{first}..{last}")
        return _render(
            request,
            "appointments.html",
            rows=rows,
            first=first.isoformat(),
            last=last.isoformat(),
            week="week" in request.query,
        )

    async def dashboard(self, request: web.Request) -> web.Response:
        """The office's dashboard for a range of days (supervisors and administrators).

        Not audited: it shows counts, no applicant's data.
        """
        try:
            sources, first, last = _dashboard_days(request)
        except ValueError as error:
            return _render(request, "base.html", status=400, error=str(error))
        figures = await _figures(sources, first, last)
        return _render(
            request,
            "dashboard.html",
            f=figures,
            charts=dashboard_charts(figures),
            reasons=REASON_LABELS,
            duration=_duration,
        )

    async def dashboard_csv(self, request: web.Request) -> web.Response:
        """The dashboard's figures as a CSV download (supervisors and administrators)."""
        try:
            sources, first, last = _dashboard_days(request)
        except ValueError as error:
            return _render(request, "base.html", status=400, error=str(error))
        return web.Response(
            text=figures_csv(await _figures(sources, first, last)),
            content_type="text/csv",
            charset="utf-8",
            headers={"Content-Disposition": f'attachment; filename="cruscotto_{first}_{last}.csv"'},
        )

    async def users(self, request: web.Request) -> web.Response:
        """Accounts (administrators)."""
        require(request, "administrator")
        return _render(request, "users.html", users=request.app[INBOX_KEY].store.users(), roles=ROLES, new_token=None)

    async def create_user(self, request: web.Request) -> web.Response:
        """A new account (administrators)."""
        admin = require(request, "administrator")
        store = request.app[INBOX_KEY].store
        form = await request.post()
        try:
            user = store.create_user(
                str(form.get("username") or ""), str(form.get("password") or ""), str(form.get("role") or "")
            )
        except ValueError as error:
            return _render(
                request, "users.html", status=400, users=store.users(), roles=ROLES, new_token=None, error=str(error)
            )
        store.audit(admin.username, "create_user", user.username, user.role)
        return _render(
            request, "users.html", users=store.users(), roles=ROLES, new_token=None, notice=f"{user.username} creato."
        )

    async def create_token(self, request: web.Request) -> web.Response:
        """A new API token for an account (administrators); shown once."""
        admin = require(request, "administrator")
        store = request.app[INBOX_KEY].store
        form = await request.post()
        user = store.user_by_name(request.match_info["username"])
        if user is None:
            raise web.HTTPNotFound()
        try:
            label = clean_text(form.get("label"), "label", 100)
        except InboxError as error:
            return _render(
                request, "users.html", status=400, users=store.users(), roles=ROLES, new_token=None, error=str(error)
            )
        token = store.create_api_token(user, label)
        store.audit(admin.username, "create_api_token", user.username, label)
        return _render(request, "users.html", users=store.users(), roles=ROLES, new_token=token)

    async def audit(self, request: web.Request) -> web.Response:
        """The audit log (supervisors and administrators)."""
        user = require(request, "supervisor")
        store = request.app[INBOX_KEY].store
        store.audit(user.username, "read_audit")
        return _render(request, "audit.html", entries=store.audit_log())


def _queue(request: web.Request, view: str) -> Dict[str, Any]:
    inbox = request.app[INBOX_KEY]
    user = current_user(request)
    now = inbox.clock()
    return {
        "rows": [_row(h, now) for h in inbox.store.queue(view, user.username)],
        "counts": inbox.store.counts(user.username),
    }


def _dashboard_days(request: web.Request) -> Tuple[Sources, date, date]:
    """The dashboard's sources and the days asked for (``from``, ``to``), for supervisors.

    Raises:
        ValueError: a parameter is wrong (named).

    """
    require(request, "supervisor")
    sources = request.app.get(ANALYTICS_KEY)
    if sources is None:
        raise web.HTTPNotFound(text="the dashboard is not configured")
    today = request.app[INBOX_KEY].clock().astimezone(sources.zone).date()
    return (sources, *parse_range(request.query.get("from"), request.query.get("to"), today))


async def _figures(sources: Sources, first: date, last: date) -> Figures:
    # A year of conversations takes a while to read: in a thread, so that the live queue keeps answering.
    return await asyncio.to_thread(dashboard_figures, sources, first, last)


def _quote(text: str) -> str:
    return quote(text[:200])


class Api:
    """The JSON API (docs/api.md): the same operations for the office's own tools."""

    async def queue(self, request: web.Request) -> web.Response:
        """GET /api/v1/queue?view=waiting|mine|others|resolved."""
        view = request.query.get("view", "waiting")
        if view not in dict(VIEWS):
            return web.json_response({"error": "view: waiting, mine, others or resolved"}, status=400)
        return web.json_response(_queue(request, view))

    async def conversation(self, request: web.Request) -> web.Response:
        """GET /api/v1/conversations/{id}."""
        inbox = request.app[INBOX_KEY]
        try:
            handoff = inbox.get(_handoff_id(request))
            data = await inbox.conversation(current_user(request), handoff)
        except InboxError as error:
            return web.json_response({"error": str(error)}, status=404)
        except RasaError as error:
            return web.json_response({"error": str(error)}, status=502)
        return web.json_response(
            {
                **_row(handoff, inbox.clock()),
                "sender": handoff.sender,
                "channel": handoff.channel,
                "transcript": [_entry(e) for e in data["transcript"]],
                "facts": data["facts"],
                "bookings": [{"code": b.code, "starts_at": b.starts_at.isoformat()} for b in data["bookings"]],
                "documents": [
                    {"message_id": d.message_id, "kind": d.kind, "mime_type": d.mime_type, "filename": d.filename}
                    for d in data["documents"]
                ],
                "notes": [{**n, "created_at": n["created_at"].isoformat()} for n in data["notes"]],
                "window_open": data["window_open"],
                "canned": data["canned"],
            }
        )

    async def act(self, request: web.Request) -> web.Response:
        """POST /api/v1/conversations/{id}/{reply|template|assign|note|handback|resolve}."""
        inbox = request.app[INBOX_KEY]
        user = current_user(request)
        try:
            body = await request.json()
        except ValueError:
            body = None
        if body is not None and not isinstance(body, dict):
            return web.json_response({"error": "the body must be a JSON object"}, status=400)
        body = body or {}
        action = request.match_info["action"]
        operations: Dict[str, Callable[[Handoff], Any]] = {
            "reply": lambda h: inbox.reply(user, h, text=body.get("text"), canned=body.get("canned")),
            "template": lambda h: inbox.send_template(user, h),
            "handback": lambda h: inbox.hand_back(user, h),
            "resolve": lambda h: inbox.resolve(user, h),
        }
        try:
            handoff = inbox.get(_handoff_id(request))
            if action in operations:
                await operations[action](handoff)
            elif action == "assign":
                inbox.assign(user, handoff, body.get("to"))
            elif action == "note":
                inbox.note(user, handoff, body.get("text"))
            else:
                return web.json_response({"error": f"unknown action {action!r}"}, status=404)
        except InboxError as error:
            return web.json_response({"error": str(error)}, status=409)
        except RasaError as error:
            return web.json_response({"error": str(error)}, status=502)
        return web.json_response(_row(inbox.get(handoff.id), inbox.clock()))

    async def take_over(self, request: web.Request) -> web.Response:
        """POST /api/v1/takeover {"sender": "..."}."""
        inbox = request.app[INBOX_KEY]
        try:
            body = await request.json()
            handoff = await inbox.take_over(
                current_user(request), body.get("sender") if isinstance(body, dict) else None
            )
        except ValueError:
            return web.json_response({"error": "the body must be a JSON object"}, status=400)
        except InboxError as error:
            return web.json_response({"error": str(error)}, status=409)
        except RasaError as error:
            return web.json_response({"error": str(error)}, status=502)
        return web.json_response(_row(handoff, inbox.clock()))


async def _health(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _ready(request: web.Request) -> web.Response:
    try:
        request.app[INBOX_KEY].store.counts("-")
    except DBAPIError:
        logger.warning("inbox database not reachable: not ready")
        return web.json_response({"status": "database unreachable"}, status=503)
    return web.json_response({"status": "ready"})


async def _metrics(request: web.Request) -> web.Response:
    # Counted for nobody in particular: every assigned conversation is someone else's.
    counts = request.app[INBOX_KEY].store.counts("")
    HANDOFF_QUEUE.labels("waiting").set(counts["waiting"])
    HANDOFF_QUEUE.labels("assigned").set(counts["mine"] + counts["others"])
    body, content_type = exposition()
    return web.Response(body=body, headers={"Content-Type": content_type})


async def _no_icon(_: web.Request) -> web.Response:
    return web.Response(status=204)


def build_app(
    inbox: Inbox, storage: AttachmentStorage, secure_cookies: bool = False, analytics: Optional[Sources] = None
) -> web.Application:
    """The inbox as an aiohttp application (with the dashboard when ``analytics`` says where to read)."""
    app = web.Application(middlewares=[auth_middleware(inbox.store)], client_max_size=256 * 1024)
    app[INBOX_KEY] = inbox
    if analytics is not None:
        app[ANALYTICS_KEY] = analytics
    app[ENV_KEY] = _templates()
    app[STORAGE_KEY] = storage
    app[SECURE_KEY] = secure_cookies
    pages, api = Pages(), Api()
    app.add_routes(
        [
            web.get("/health", _health),
            web.get("/ready", _ready),
            web.get("/metrics", _metrics),
            web.get("/favicon.ico", _no_icon),
            web.get("/", _home),
            web.get("/login", pages.login_form),
            web.post("/login", pages.login),
            web.post("/logout", pages.logout),
            web.get("/inbox", pages.queue),
            web.get("/inbox/queue.json", pages.queue_json),
            web.post("/inbox/takeover", pages.take_over),
            web.get("/inbox/appointments", pages.appointments),
            web.get("/inbox/users", pages.users),
            web.post("/inbox/users", pages.create_user),
            web.post("/inbox/users/{username}/token", pages.create_token),
            web.get("/inbox/audit", pages.audit),
            web.get("/inbox/dashboard", pages.dashboard),
            web.get("/inbox/dashboard.csv", pages.dashboard_csv),
            web.get("/inbox/c/{id}", pages.conversation),
            web.get("/inbox/c/{id}/transcript.json", pages.transcript_json),
            web.get("/inbox/c/{id}/documents/{message_id}", pages.document),
            web.get("/inbox/c/{id}/export.json", pages.export_data),
            web.post("/inbox/c/{id}/erase", pages.erase_data),
            web.post("/inbox/c/{id}/{action}", pages.act),
            web.get("/api/v1/queue", api.queue),
            web.get("/api/v1/conversations/{id}", api.conversation),
            web.post("/api/v1/conversations/{id}/{action}", api.act),
            web.post("/api/v1/takeover", api.take_over),
            web.static("/static", HERE / "static"),
        ]
    )
    return app


async def _home(_: web.Request) -> web.Response:
    raise web.HTTPSeeOther("/inbox")


def main(argv: Optional[List[str]] = None) -> None:
    """Serves the inbox until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5103)
    parser.add_argument("--rasa-url", default="http://127.0.0.1:5005")
    parser.add_argument("--secure-cookies", action="store_true", help="behind HTTPS: cookies only over HTTPS")
    args = parser.parse_args(argv)
    configure()
    handoff_settings()  # a broken handoff.yml stops the start with the setting named
    appointments = open_appointments()
    store, whatsapp = InboxStore(database_url()), WhatsAppStore(default_store_url())
    storage = FileStorage(VAR_DIR / "attachments")
    tracker = TrackerData(tracker_url())
    personal_data = PersonalData(tracker, whatsapp, storage, appointments.store, store)
    inbox = Inbox(
        store, RasaClient(args.rasa_url, load_secret("api_token")), whatsapp, appointments, personal_data=personal_data
    )
    analytics = Sources(tracker, store, appointments.store, dashboard_settings(), appointments.settings.timezone)
    app = build_app(inbox, storage, args.secure_cookies, analytics)
    web.run_app(app, host=args.host, port=args.port, print=None, access_log_class=PathOnlyAccessLogger)


if __name__ == "__main__":
    main()
