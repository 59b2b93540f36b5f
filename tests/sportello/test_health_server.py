"""The health endpoints of a process without a web server of its own."""

import json
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest

from sportello.devserver import free_port
from sportello.health_server import serve_health
from sportello.maintenance import Heartbeat


def get(url: str) -> tuple:
    try:
        with urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def served():
    heartbeat = Heartbeat(interval=60)
    port = free_port()
    server = serve_health("127.0.0.1", port, heartbeat.readiness)
    yield f"http://127.0.0.1:{port}", heartbeat
    server.shutdown()
    server.server_close()


def test_alive_at_once_ready_only_after_a_successful_pass(served):
    base, heartbeat = served
    assert get(f"{base}/health") == (200, json.dumps({"status": "ok"}))
    status, body = get(f"{base}/ready")
    assert status == 503 and "no successful pass" in body
    heartbeat.beat()
    assert get(f"{base}/ready")[0] == 200
    status, metrics = get(f"{base}/metrics")
    assert status == 200 and "sportello_maintenance_last_success_timestamp_seconds" in metrics
    assert get(f"{base}/anything")[0] == 404


def test_a_pass_long_ago_is_not_ready():
    heartbeat = Heartbeat(interval=60, last_success=1.0)
    assert heartbeat.readiness() == (False, "no successful pass recently")
