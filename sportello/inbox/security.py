"""Sessions, CSRF, roles and security headers for the inbox web application.

Browsers log in with a session cookie (HttpOnly, SameSite=Strict, stored hashed);
every state-changing form or fetch carries the session's CSRF token, compared in
constant time. The JSON API uses ``Authorization: Bearer <API token>`` instead.
"""

from __future__ import annotations

import hmac
import logging
from typing import Awaitable, Callable, Optional

from aiohttp import web

from sportello.inbox.store import InboxStore, User

logger = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SESSION_COOKIE = "sportello_session"
USER_KEY = "inbox_user"
SESSION_KEY = "inbox_session"
# Pages anyone may open: the log-in page and its static files, health and metrics (no
# personal data; nginx keeps /metrics and /ready to the monitoring network).
PUBLIC = ("/login", "/static/", "/health", "/ready", "/metrics", "/favicon.ico")
HEADERS = {
    # No inline script anywhere: applicant text can never run as code.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def same(given: Optional[str], expected: str) -> bool:
    """Constant-time comparison of a submitted token with the expected one."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def auth_middleware(store: InboxStore) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """Finds the user (session cookie for pages, bearer token for /api), refuses the rest, checks CSRF."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        if path.startswith(PUBLIC):
            return _secured(await handler(request))
        if path.startswith("/api/"):
            token = request.headers.get("Authorization", "")
            user = store.api_user(token[len("Bearer ") :]) if token.startswith("Bearer ") else None
            if user is None:
                logger.warning("inbox API: refused %s %s (no valid token)", request.method, path)
                return web.json_response({"error": "missing or invalid API token"}, status=401)
            request[USER_KEY] = user
            return _secured(await handler(request))
        session = store.session(request.cookies.get(SESSION_COOKIE, ""))
        if session is None:
            if request.method == "GET" and not path.endswith(".json"):
                raise web.HTTPSeeOther("/login")
            return web.json_response({"error": "not logged in"}, status=401)
        if request.method not in ("GET", "HEAD"):
            form_token = request.headers.get("X-CSRF-Token")
            if form_token is None and request.content_type in (
                "application/x-www-form-urlencoded",
                "multipart/form-data",
            ):
                form_token = str((await request.post()).get("csrf") or "")
            if not same(form_token, session.csrf_token):
                logger.warning(
                    "inbox: CSRF token missing or wrong for %s %s by %s", request.method, path, session.user.username
                )
                return web.Response(status=403, text="CSRF token missing or wrong")
        request[USER_KEY] = session.user
        request[SESSION_KEY] = session
        return _secured(await handler(request))

    return middleware


def _secured(response: web.StreamResponse) -> web.StreamResponse:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def current_user(request: web.Request) -> User:
    """The logged-in user of the request."""
    return request[USER_KEY]


def require(request: web.Request, role: str) -> User:
    """The user, if they have at least ``role``; otherwise 403 (and a log line)."""
    user = current_user(request)
    if not user.can(role):
        logger.warning("inbox: %s (%s) refused %s %s", user.username, user.role, request.method, request.path)
        raise web.HTTPForbidden(text=f"this needs the {role} role")
    return user
