"""Health, readiness and metrics over HTTP for a process that has no web server of its own.

The maintenance process runs passes in a loop; with ``--port`` it answers ``GET /health``
(the process runs), ``GET /ready`` (its last pass succeeded recently: 503 otherwise) and
``GET /metrics`` (Prometheus) from a background thread, as the other processes do.
"""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Tuple

from sportello.metrics import exposition

logger = logging.getLogger(__name__)


def serve_health(host: str, port: int, ready: Callable[[], Tuple[bool, str]]) -> ThreadingHTTPServer:
    """Starts the endpoints on ``host:port`` in a daemon thread; ``ready`` says whether and why (not) ready."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/health":
                self._send(200, "application/json", json.dumps({"status": "ok"}).encode())
            elif self.path == "/ready":
                is_ready, why = ready()
                self._send(200 if is_ready else 503, "application/json", json.dumps({"status": why}).encode())
            elif self.path == "/metrics":
                body, content_type = exposition()
                self._send(200, content_type, body)
            else:
                self._send(404, "application/json", b'{"error": "not found"}')

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            logger.debug(format, *args)

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="health", daemon=True).start()
    return server
