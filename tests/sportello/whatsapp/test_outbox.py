"""Outbox against a real store and a local aiohttp server that plays the Graph API."""

import asyncio
import logging
from datetime import datetime, timedelta, timezone

import pytest
import pytest_asyncio
import sqlalchemy as sa
from aiohttp import web
from aiohttp.test_utils import TestServer

from sportello.privacy import pseudonym
from sportello.whatsapp.graph_api import GraphApi
from sportello.whatsapp.outbox import Outbox, backoff_seconds
from sportello.whatsapp.store import OUTBOX, WhatsAppStore

AMINA = "393331234567"
WEI = "8613800138000"
TOKEN = "EAAG-test-token"


def graph_error(code, message):
    return {"error": {"message": message, "type": "OAuthException", "code": code}}


RATE_LIMITED = (429, graph_error(130429, "Rate limit hit"))
SERVER_ERROR = (500, graph_error(131000, "Something went wrong"))
WINDOW_CLOSED = (400, graph_error(131047, "Re-engagement message"))
TOKEN_EXPIRED = (401, graph_error(190, "Error validating access token: Session has expired"))
BAD_PARAMETER = (400, graph_error(100, "Invalid parameter"))


class FakeGraph:
    """Sends succeed unless a failure is queued for the recipient; every accepted body is kept in order."""

    def __init__(self):
        self.sent = []
        self.failures = {}
        self.requests = 0
        app = web.Application()
        app.router.add_post("/v21.0/{phone}/messages", self.messages)
        self.server = TestServer(app)

    async def messages(self, request):
        body = await request.json()
        self.requests += 1
        # A little latency, so that concurrent sends really overlap.
        await asyncio.sleep(0.01)
        queued = self.failures.get(body["to"])
        if queued:
            status, answer = queued.pop(0)
            return web.json_response(answer, status=status)
        self.sent.append((body["to"], body["text"]["body"]))
        return web.json_response({"messages": [{"id": f"wamid.OUT{len(self.sent)}"}]})

    def texts_to(self, recipient):
        return [text for to, text in self.sent if to == recipient]


class Clock:
    def __init__(self):
        # A little ahead of the store's clock, so that freshly queued rows are due.
        self.now = datetime.now(timezone.utc) + timedelta(seconds=1)

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += timedelta(seconds=seconds)


def text(recipient, body):
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": recipient,
        "type": "text",
        "text": {"body": body, "preview_url": False},
    }


def row(store, outbox_id):
    with store.engine.connect() as connection:
        return connection.execute(sa.select(OUTBOX).where(OUTBOX.c.id == outbox_id)).one()


@pytest_asyncio.fixture
async def graph():
    fake = FakeGraph()
    await fake.server.start_server()
    yield fake
    await fake.server.close()


@pytest.fixture
def store(tmp_path):
    store = WhatsAppStore(f"sqlite:///{tmp_path / 'whatsapp.db'}")
    yield store
    store.close()


@pytest_asyncio.fixture
async def api(graph):
    client = GraphApi(str(graph.server.make_url("/v21.0")), "106540352242922", TOKEN)
    yield client
    await client.close()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def outbox(store, api, clock):
    return Outbox(store, api, clock=clock)


@pytest.mark.asyncio
async def test_sends_everything_in_order_per_user(graph, store, outbox):
    ids = []
    for i in range(1, 4):
        ids.append(store.enqueue(AMINA, text(AMINA, f"مرحبا {i}")))
        ids.append(store.enqueue(WEI, text(WEI, f"你好 {i}")))
    assert await outbox.run_once() == 6
    assert graph.texts_to(AMINA) == ["مرحبا 1", "مرحبا 2", "مرحبا 3"]
    assert graph.texts_to(WEI) == ["你好 1", "你好 2", "你好 3"]
    assert {row(store, i).status for i in ids} == {"sent"}
    assert {row(store, i).wamid for i in ids} == {f"wamid.OUT{n}" for n in range(1, 7)}
    assert await outbox.run_once() == 0


@pytest.mark.asyncio
async def test_rate_limit_backs_off_and_keeps_the_users_order(graph, store, outbox, clock):
    first = store.enqueue(AMINA, text(AMINA, "uno"))
    store.enqueue(AMINA, text(AMINA, "due"))
    store.enqueue(WEI, text(WEI, "你好"))
    graph.failures[AMINA] = [RATE_LIMITED]

    assert await outbox.run_once() == 1
    assert graph.sent == [(WEI, "你好")]
    delayed = row(store, first)
    assert (delayed.status, delayed.attempts) == ("pending", 1)
    assert "130429" in delayed.last_error
    assert clock.now + timedelta(seconds=1.6) <= delayed.next_attempt <= clock.now + timedelta(seconds=2)

    clock.advance(1)
    assert await outbox.run_once() == 0
    clock.advance(1)
    assert await outbox.run_once() == 2
    assert graph.texts_to(AMINA) == ["uno", "due"]


@pytest.mark.asyncio
async def test_server_errors_back_off_exponentially(graph, store, outbox, clock):
    outbox_id = store.enqueue(AMINA, text(AMINA, "ciao"))
    graph.failures[AMINA] = [SERVER_ERROR, SERVER_ERROR, (503, {})]

    delays = []
    for _ in range(3):
        start = clock.now
        assert await outbox.run_once() == 0
        delays.append((row(store, outbox_id).next_attempt - start).total_seconds())
        clock.now = row(store, outbox_id).next_attempt
    assert 1.6 <= delays[0] <= 2 and 3.2 <= delays[1] <= 4 and 6.4 <= delays[2] <= 8
    assert await outbox.run_once() == 1
    assert (row(store, outbox_id).status, row(store, outbox_id).attempts) == ("sent", 3)


@pytest.mark.asyncio
async def test_closed_window_fails_for_staff_without_blocking_the_user(graph, store, outbox, clock):
    late = store.enqueue(AMINA, text(AMINA, "La sua pratica è pronta"))
    store.enqueue(AMINA, text(AMINA, "dopo"))
    graph.failures[AMINA] = [WINDOW_CLOSED]

    assert await outbox.run_once() == 1
    failed = row(store, late)
    assert (failed.status, failed.needs_staff) == ("failed", True)
    assert "131047" in failed.last_error
    assert graph.texts_to(AMINA) == ["dopo"]
    clock.advance(3600)
    assert await outbox.run_once() == 0


@pytest.mark.asyncio
async def test_rejected_token_keeps_the_messages_and_logs_an_error(graph, store, outbox, clock, caplog):
    outbox_id = store.enqueue(AMINA, text(AMINA, "ciao"))
    graph.failures[AMINA] = [TOKEN_EXPIRED, TOKEN_EXPIRED]

    with caplog.at_level(logging.INFO, logger="sportello.whatsapp.outbox"):
        assert await outbox.run_once() == 0
        clock.advance(2)
        assert await outbox.run_once() == 0
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2
    assert all("WhatsApp access token rejected" in r.getMessage() for r in errors)
    kept = row(store, outbox_id)
    assert (kept.status, kept.attempts) == ("pending", 2)

    # Operators renewed the token.
    clock.advance(4)
    assert await outbox.run_once() == 1
    assert graph.texts_to(AMINA) == ["ciao"]


@pytest.mark.asyncio
async def test_invalid_message_is_dropped_without_retry(graph, store, outbox, clock, caplog):
    outbox_id = store.enqueue(AMINA, text(AMINA, "corpo segreto"))
    graph.failures[AMINA] = [BAD_PARAMETER]

    with caplog.at_level(logging.INFO, logger="sportello.whatsapp.outbox"):
        assert await outbox.run_once() == 0
    failed = row(store, outbox_id)
    assert (failed.status, failed.needs_staff) == ("failed", False)
    clock.advance(86400)
    assert await outbox.run_once() == 0
    assert graph.requests == 1
    assert any(r.levelno == logging.ERROR and str(outbox_id) in r.getMessage() for r in caplog.records)


@pytest.mark.asyncio
async def test_logs_carry_pseudonyms_not_numbers_or_bodies(graph, store, outbox, clock, caplog):
    for failure in (RATE_LIMITED, WINDOW_CLOSED, TOKEN_EXPIRED, BAD_PARAMETER):
        graph.failures.setdefault(AMINA, []).append(failure)
    for i in range(5):
        store.enqueue(AMINA, text(AMINA, f"messaggio privato {i}"))

    with caplog.at_level(logging.DEBUG):
        for _ in range(4):
            await outbox.run_once()
            clock.advance(700)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert pseudonym(AMINA) in logged
    assert AMINA not in logged
    assert "messaggio privato" not in logged


@pytest.mark.asyncio
async def test_overlapping_passes_and_two_processes_send_each_message_once(graph, store, api, clock, tmp_path):
    for i in range(4):
        for user in (AMINA, WEI, "US.1"):
            store.enqueue(user, text(user, f"{user} {i}"))
    first = Outbox(store, api, clock=clock)
    # Another process: its own store object and Graph client on the same database.
    other_store = WhatsAppStore(f"sqlite:///{tmp_path / 'whatsapp.db'}")
    other_api = GraphApi(str(graph.server.make_url("/v21.0")), "106540352242922", TOKEN)
    second = Outbox(other_store, other_api, clock=clock)
    try:
        counts = await asyncio.gather(first.run_once(), first.run_once(), second.run_once())
    finally:
        await other_api.close()
        other_store.close()
    assert sum(counts) == 12
    assert len(graph.sent) == len(set(graph.sent)) == 12
    for user in (AMINA, WEI, "US.1"):
        assert graph.texts_to(user) == [f"{user} {i}" for i in range(4)]


@pytest.mark.asyncio
async def test_run_forever_sends_until_stopped(graph, store, outbox):
    stop = asyncio.Event()
    task = asyncio.create_task(outbox.run_forever(stop, interval=0.01))
    store.enqueue(AMINA, text(AMINA, "ciao"))
    for _ in range(200):
        if graph.sent:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, timeout=2)
    assert graph.sent == [(AMINA, "ciao")]


@pytest.mark.asyncio
async def test_run_forever_survives_a_failing_pass(store, api, caplog):
    outbox = Outbox(store, api, clock=lambda: datetime(2024, 1, 1))  # naive: the store refuses it
    stop = asyncio.Event()
    with caplog.at_level(logging.ERROR, logger="sportello.whatsapp.outbox"):
        task = asyncio.create_task(outbox.run_forever(stop, interval=0.01))
        await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(task, timeout=2)
    assert any("WhatsApp outbox pass failed" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(("attempts", "low", "high"), [(0, 1.6, 2), (1, 3.2, 4), (3, 12.8, 16), (20, 480, 600)])
def test_backoff_seconds(attempts, low, high):
    for _ in range(50):
        assert low <= backoff_seconds(attempts) <= high
    assert backoff_seconds(10**6) <= 600
