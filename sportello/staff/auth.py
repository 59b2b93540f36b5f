"""Staff authentication and audit: who called the staff API, and what they read or changed.

A request carries ``Authorization: Bearer <token>``: either a staff member's personal
API token, created in the inbox (docs/api.md) and acting as that account, or the
shared service token (``SPORTELLO_STAFF_TOKEN``) of an integration. Tokens are
compared in constant time (the personal ones through their stored hash). Every
request that succeeds is written to the inbox's append-only audit log under the
account's name (or ``service-token``), with what it touched: bookings and their
applicants' names are personal data, and the office must be able to say who read or
exported them.
"""

from __future__ import annotations

import hmac
import logging
from typing import Awaitable, Callable, Optional

from aiohttp import web

from sportello.inbox.store import InboxStore
from sportello.privacy import pseudonym

logger = logging.getLogger(__name__)
HEALTH_PATH = "/health"
SERVICE_ACTOR = "service-token"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Middleware = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]


def staff_middleware(service_token: str, inbox: Optional[InboxStore]) -> Middleware:
    """Refuses requests without a valid token (401, logged); audits the ones that succeed."""
    expected = f"Bearer {service_token}".encode()

    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == HEALTH_PATH:
            return await handler(request)
        actor = _actor(request.headers.get("Authorization", ""), expected, inbox)
        if actor is None:
            logger.warning("staff API: refused %s %s from %s (bad token)", request.method, request.path, request.remote)
            return web.json_response({"error": "missing or wrong staff token"}, status=401)
        response = await handler(request)
        if inbox is not None and response.status < 400:
            inbox.audit(actor, f"staff_api {request.method} {_route(request)}", _target(request), _detail(request))
        return response

    return check


def _actor(header: str, expected: bytes, inbox: Optional[InboxStore]) -> Optional[str]:
    if hmac.compare_digest(header.encode(), expected):
        return SERVICE_ACTOR
    scheme, _, token = header.partition(" ")
    if inbox is None or scheme != "Bearer" or not token:
        return None
    user = inbox.api_user(token)
    return user.username if user is not None else None


def _route(request: web.Request) -> str:
    # The route's pattern, not the path: paths carry booking codes and applicants' numbers.
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else request.path


def _target(request: web.Request) -> Optional[str]:
    if "code" in request.match_info:
        return request.match_info["code"]
    if "sender" in request.match_info:
        return pseudonym(request.match_info["sender"])
    return None


def _detail(request: web.Request) -> Optional[str]:
    # A searched name is not copied into the log: only that a search was made, and how long it was.
    parts = [f"{key}={value}" for key, value in sorted(request.query.items()) if key != "q"]
    if "q" in request.query:
        parts.append(f"q=({len(request.query['q'])} characters)")
    return "&".join(parts) or None
