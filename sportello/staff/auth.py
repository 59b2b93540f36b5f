"""Staff authentication: a bearer token compared in constant time."""

from __future__ import annotations

import hmac
import logging
from typing import Awaitable, Callable

from aiohttp import web

logger = logging.getLogger(__name__)
HEALTH_PATH = "/health"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def token_middleware(token: str) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """Refuses requests without ``Authorization: Bearer <token>`` (401), logging the refusal."""
    expected = f"Bearer {token}".encode()

    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == HEALTH_PATH:
            return await handler(request)
        given = request.headers.get("Authorization", "").encode()
        if not hmac.compare_digest(given, expected):
            logger.warning("staff API: refused %s %s from %s (bad token)", request.method, request.path, request.remote)
            return web.json_response({"error": "missing or wrong staff token"}, status=401)
        return await handler(request)

    return check
