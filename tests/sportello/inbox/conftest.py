"""A stand-in for the Rasa HTTP API (tracker read, events appended, pause/resume) and an inbox on it.

The inbox's unit and API tests run against this small real HTTP server; the browser
test (tests/test_inbox_browser.py) runs against the real Rasa server.
"""

import time
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from sportello.attachments.storage import FileStorage
from sportello.inbox.operations import Inbox
from sportello.inbox.rasa_api import RasaClient
from sportello.inbox.store import InboxStore
from sportello.inbox.web import build_app

RASA_TOKEN = "rasa-token"
PASSWORD = "correct horse battery staple"
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)


class RasaStandIn:
    """Trackers in memory, with Rasa's pause and resume semantics."""

    def __init__(self) -> None:
        self.events: Dict[str, List[Dict[str, Any]]] = {}
        self.slots: Dict[str, Dict[str, Any]] = {}

    def user_says(self, sender: str, text: str) -> None:
        self.events.setdefault(sender, []).append({"event": "user", "text": text, "timestamp": time.time()})

    def paused(self, sender: str) -> bool:
        state = False
        for event in self.events.get(sender, []):
            if event["event"] == "pause":
                state = True
            elif event["event"] == "resume":
                state = False
        return state

    def app(self) -> web.Application:
        async def tracker(request: web.Request) -> web.Response:
            assert request.query["token"] == RASA_TOKEN
            sender = request.match_info["sender"]
            return web.json_response(
                {
                    "sender_id": sender,
                    "events": self.events.get(sender, []),
                    "paused": self.paused(sender),
                    "slots": self.slots.get(sender, {}),
                    "latest_input_channel": "whatsapp",
                }
            )

        async def append(request: web.Request) -> web.Response:
            assert request.query["token"] == RASA_TOKEN
            sender = request.match_info["sender"]
            for event in await request.json():
                self.events.setdefault(sender, []).append({**event, "timestamp": time.time()})
            return web.json_response({"sender_id": sender})

        app = web.Application()
        app.add_routes(
            [
                web.get("/conversations/{sender}/tracker", tracker),
                web.post("/conversations/{sender}/tracker/events", append),
            ]
        )
        return app


@pytest_asyncio.fixture
async def rasa():
    stand_in = RasaStandIn()
    server = TestServer(stand_in.app())
    await server.start_server()
    stand_in.url = str(server.make_url(""))
    yield stand_in
    await server.close()


@pytest.fixture
def inbox_store(tmp_path):
    store = InboxStore(f"sqlite:///{tmp_path / 'inbox.db'}")
    yield store
    store.close()


@pytest.fixture
def inbox(inbox_store, rasa, whatsapp_store):
    return Inbox(inbox_store, RasaClient(rasa.url, RASA_TOKEN), whatsapp_store, None, clock=lambda: NOW)


@pytest_asyncio.fixture
async def client(inbox, tmp_path):
    async with TestClient(TestServer(build_app(inbox, FileStorage(tmp_path / "attachments")))) as test_client:
        yield test_client


def within_window(whatsapp_store, sender):
    whatsapp_store.touch_contact(sender, None, NOW - timedelta(hours=1))


async def log_in(client, inbox_store, username="anna", role="operator"):
    """Creates the account, logs in through the form; returns the session's CSRF token."""
    if inbox_store.user_by_name(username) is None:
        inbox_store.create_user(username, PASSWORD, role)
    page = await client.get("/login")
    csrf = (await page.text()).split('name="csrf" value="')[1].split('"')[0]
    response = await client.post(
        "/login", data={"csrf": csrf, "username": username, "password": PASSWORD}, allow_redirects=False
    )
    assert response.status == 303
    queue = await (await client.get("/inbox")).text()
    return queue.split('data-csrf="')[1].split('"')[0]
