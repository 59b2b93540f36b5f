import asyncio
import base64
import contextlib
import hashlib
import json
import time

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from sportello.whatsapp.signature import verify
from sportello.whatsapp.simulator import SimulatorConfig, build_app
from sportello.whatsapp.simulator.__main__ import parse_args
from sportello.whatsapp.simulator.payloads import encode
from sportello.whatsapp.webhook import parse_webhook

APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
PHONE_NUMBER_ID = "106540352242922"
ACCESS_TOKEN = "test-access-token"
AUTH = {"Authorization": f"Bearer {ACCESS_TOKEN}"}
MESSAGES = f"/v21.0/{PHONE_NUMBER_ID}/messages"
USER = "393331234567"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


class Receiver:
    """A webhook endpoint that checks signatures over the raw body, as the connector must."""

    def __init__(self):
        self.url = ""
        self.deliveries = []  # (raw body, signature valid, headers)
        self.failures_left = 0

    async def receive(self, request):
        raw = await request.read()
        valid = verify(APP_SECRET, raw, request.headers.get("X-Hub-Signature-256"))
        self.deliveries.append((raw, valid, request.headers))
        if self.failures_left:
            self.failures_left -= 1
            return web.Response(status=500)
        return web.json_response({"status": "ok"})

    async def handshake(self, request):
        if request.query.get("hub.mode") == "subscribe" and request.query.get("hub.verify_token") == VERIFY_TOKEN:
            return web.Response(text=request.query["hub.challenge"])
        return web.Response(status=403)

    def messages(self):
        return [message for raw, _, _ in self.deliveries for message in parse_webhook(raw).messages]

    def statuses(self):
        return [(s.message_id, s.status) for raw, _, _ in self.deliveries for s in parse_webhook(raw).statuses]


@pytest_asyncio.fixture
async def receiver():
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/webhook", receiver.receive)
    app.router.add_get("/webhook", receiver.handshake)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    receiver.url = str(server.make_url("/webhook"))
    yield receiver
    await server.close()


@contextlib.asynccontextmanager
async def running_simulator(receiver, clock=time.time, **settings):
    config = SimulatorConfig(
        webhook_url=receiver.url,
        app_secret=APP_SECRET,
        verify_token=VERIFY_TOKEN,
        phone_number_id=PHONE_NUMBER_ID,
        access_token=ACCESS_TOKEN,
        retry_base=0.01,
        retry_max=0.05,
        **settings,
    )
    client = TestClient(TestServer(build_app(config, clock=clock), host="127.0.0.1"))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


@pytest_asyncio.fixture
async def simulator(receiver):
    async with running_simulator(receiver) as client:
        yield client


async def eventually(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def settled(client):
    """Waits until the simulator has no webhook left to deliver."""
    for _ in range(500):
        if (await (await client.get("/health")).json())["pending_webhooks"] == 0:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("webhooks still pending")


async def user_says(client, text, user=USER, name="Amina"):
    response = await client.post(f"/api/users/{user}/messages", json={"text": text, "name": name})
    assert response.status == 200, await response.text()
    return (await response.json())["id"]


async def bot_sends(client, body, user=USER):
    response = await client.post(MESSAGES, json={"messaging_product": "whatsapp", "to": user, **body}, headers=AUTH)
    return response.status, await response.json()


async def bot_sent_id(client, body, user=USER):
    status, answer = await bot_sends(client, body, user)
    assert status == 200, answer
    return answer["messages"][0]["id"]


def text(body):
    return {"type": "text", "text": {"body": body}}


def buttons(*titles):
    replies = [{"type": "reply", "reply": {"id": f"/b{i}", "title": title}} for i, title in enumerate(titles)]
    action = {"buttons": replies}
    return {"type": "interactive", "interactive": {"type": "button", "body": {"text": "Scegli"}, "action": action}}


@pytest.mark.asyncio
@pytest.mark.parametrize("text", ["مرحبا، أريد تجديد تصريح الإقامة", "你好，我想预约办理居留许可"])
async def test_user_text_arrives_signed_over_the_raw_bytes(simulator, receiver, text):
    wamid = await user_says(simulator, text)
    await eventually(lambda: receiver.deliveries)
    raw, signature_valid, headers = receiver.deliveries[0]
    assert signature_valid
    assert headers["Content-Type"] == "application/json"
    assert raw.decode("ascii")  # Meta escapes every non-ASCII character
    # A receiver that re-serialises before checking would refuse Meta's (and our) webhooks.
    reserialised = json.dumps(json.loads(raw), ensure_ascii=False).encode("utf-8")
    assert not verify(APP_SECRET, reserialised, headers["X-Hub-Signature-256"])
    [message] = parse_webhook(raw).messages
    assert (message.id, message.sender, message.profile_name, message.type, message.text) == (
        wamid,
        USER,
        "Amina",
        "text",
        text,
    )
    await settled(simulator)
    conversation = await (await simulator.get(f"/api/users/{USER}/conversation")).json()
    assert [(m["id"], m["direction"], m["status"]) for m in conversation["messages"]] == [(wamid, "user", "delivered")]


@pytest.mark.asyncio
async def test_a_bot_send_is_listed_and_reported_by_signed_status_webhooks(simulator, receiver):
    await user_says(simulator, "Buongiorno")
    wamid = await bot_sent_id(simulator, text("Come posso aiutarla?"))
    assert wamid.startswith("wamid.SIM")
    [sent] = await (await simulator.get(f"/api/users/{USER}/messages")).json()
    assert (sent["id"], sent["status"], sent["body"]["text"]["body"]) == (wamid, "delivered", "Come posso aiutarla?")
    await eventually(lambda: {(wamid, "sent"), (wamid, "delivered")} <= set(receiver.statuses()))
    assert all(valid for _, valid, _ in receiver.deliveries)

    # The page reading the conversation reports "read".
    assert await (await simulator.post(f"/api/users/{USER}/read")).json() == {"read": 1}
    await eventually(lambda: (wamid, "read") in receiver.statuses())
    [sent] = await (await simulator.get(f"/api/users/{USER}/messages")).json()
    assert sent["status"] == "read"


@pytest.mark.asyncio
async def test_the_graph_api_refuses_what_meta_refuses(simulator):
    await user_says(simulator, "Ciao")
    body = {"messaging_product": "whatsapp", "to": USER, **text("x")}
    response = await simulator.post(MESSAGES, json=body, headers={"Authorization": "Bearer wrong"})
    assert (response.status, (await response.json())["error"]["code"]) == (401, 190)
    response = await simulator.post("/v21.0/999/messages", json=body, headers=AUTH)
    assert (response.status, (await response.json())["error"]["code"]) == (400, 100)
    refused = [
        (buttons("Uno", "Due", "Tre", "Quattro"), 131009),
        (buttons("Un titolo decisamente troppo lungo"), 131009),
        (buttons("Uno", "Uno"), 131009),
        (text("x" * 4097), 131009),
        ({"type": "text", "text": {}}, 100),
        ({"type": "image", "image": {"link": "javascript:alert(1)"}}, 131009),
        ({"type": "image", "image": {"id": "123"}}, 100),  # never uploaded
        ({"type": "hologram", "hologram": {}}, 131051),
    ]
    for body, code in refused:
        status, answer = await bot_sends(simulator, body)
        assert (status, answer["error"]["code"]) == (400, code), body
    status, _ = await bot_sends(simulator, buttons("Uno", "Due", "Tre"))
    assert status == 200


@pytest.mark.asyncio
async def test_lists_are_checked_against_the_row_limits(simulator):
    await user_says(simulator, "Ciao")

    def menu(rows, title="Permesso di soggiorno"):
        section = {"title": "Pratiche", "rows": [{"id": f"/r{i}", "title": title} for i in range(rows)]}
        action = {"button": "Menu", "sections": [section]}
        return {"type": "interactive", "interactive": {"type": "list", "body": {"text": "Scegli"}, "action": action}}

    assert (await bot_sends(simulator, menu(10)))[0] == 200
    assert (await bot_sends(simulator, menu(11)))[1]["error"]["code"] == 131009
    assert (await bot_sends(simulator, menu(2, title="x" * 25)))[1]["error"]["code"] == 131009


@pytest.mark.asyncio
async def test_mark_read_and_typing_show_on_the_phone(simulator):
    first = await user_says(simulator, "Ciao")
    second = await user_says(simulator, "C'è nessuno?")
    body = {"messaging_product": "whatsapp", "status": "read", "message_id": second}
    body["typing_indicator"] = {"type": "text"}
    response = await simulator.post(MESSAGES, json=body, headers=AUTH)
    assert await response.json() == {"success": True}
    conversation = await (await simulator.get(f"/api/users/{USER}/conversation")).json()
    assert {m["id"]: m["status"] for m in conversation["messages"]} == {first: "read", second: "read"}
    assert conversation["typing"] is True
    await bot_sent_id(simulator, text("Eccomi"))
    conversation = await (await simulator.get(f"/api/users/{USER}/conversation")).json()
    assert conversation["typing"] is False
    response = await simulator.post(MESSAGES, json={**body, "message_id": "wamid.unknown"}, headers=AUTH)
    assert response.status == 400


@pytest.mark.asyncio
async def test_outside_the_24_hour_window_only_templates_are_delivered(receiver):
    now = [1_750_000_000.0]
    async with running_simulator(receiver, clock=lambda: now[0]) as simulator:
        never_wrote = await bot_sent_id(simulator, text("Ha scritto?"), user="393339999999")
        await user_says(simulator, "Buongiorno")
        now[0] += 23 * 3600
        inside = await bot_sent_id(simulator, text("Risposta"))
        now[0] += 2 * 3600
        outside = await bot_sent_id(simulator, text("Risposta tardiva"))
        template = {"type": "template", "template": {"name": "pratica_aggiornata", "language": {"code": "it"}}}
        templated = await bot_sent_id(simulator, template)
        await settled(simulator)
    statuses = set(receiver.statuses())
    assert {(never_wrote, "failed"), (inside, "delivered"), (outside, "failed"), (templated, "delivered")} <= statuses
    assert (outside, "delivered") not in statuses
    failed = [s for raw, _, _ in receiver.deliveries for s in parse_webhook(raw).statuses if s.message_id == outside]
    assert failed[0].errors[0]["code"] == 131047


@pytest.mark.asyncio
async def test_a_webhook_answered_500_is_retried_with_the_same_bytes(simulator, receiver):
    receiver.failures_left = 2
    wamid = await user_says(simulator, "Riprova")
    await settled(simulator)
    assert len(receiver.deliveries) == 3
    assert len({raw for raw, _, _ in receiver.deliveries}) == 1
    assert all(valid for _, valid, _ in receiver.deliveries)
    conversation = await (await simulator.get(f"/api/users/{USER}/conversation")).json()
    assert conversation["messages"][0]["id"] == wamid
    assert conversation["messages"][0]["status"] == "delivered"


@pytest.mark.asyncio
async def test_an_unreachable_webhook_is_retried_until_it_answers(receiver):
    receiver.url = "http://127.0.0.1:9/webhook"  # nothing listens on the discard port
    async with running_simulator(receiver) as simulator:
        await user_says(simulator, "C'è qualcuno?")
        await asyncio.sleep(0.1)
        assert (await (await simulator.get("/health")).json())["pending_webhooks"] == 1
    assert receiver.deliveries == []


@pytest.mark.asyncio
async def test_every_webhook_is_posted_twice_with_duplicate_rate_1(receiver):
    async with running_simulator(receiver, duplicate_rate=1.0) as simulator:
        wamid = await user_says(simulator, "Doppio")
        sent = await bot_sent_id(simulator, text("Ricevuto"))
        await settled(simulator)
    assert [message.id for message in receiver.messages()] == [wamid, wamid]
    statuses = receiver.statuses()
    assert sorted(statuses) == sorted([(sent, "sent"), (sent, "delivered")] * 2)


@pytest.mark.asyncio
async def test_media_from_the_user_is_downloadable_with_the_token(simulator, receiver):
    form = aiohttp.FormData()
    form.add_field("file", PNG, filename="passaporto.png", content_type="image/png")
    form.add_field("caption", "Il mio passaporto")
    response = await simulator.post(f"/api/users/{USER}/messages", data=form)
    assert response.status == 200
    await eventually(lambda: receiver.deliveries)
    raw = receiver.deliveries[0][0]
    [message] = parse_webhook(raw).messages
    assert (message.type, message.text, message.media.mime_type) == ("image", "Il mio passaporto", "image/png")
    assert message.media.sha256 == base64.b64encode(hashlib.sha256(PNG).digest()).decode()

    info = await (await simulator.get(f"/v21.0/{message.media.id}", headers=AUTH)).json()
    assert (info["mime_type"], info["file_size"]) == ("image/png", len(PNG))
    assert info["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert (await simulator.get(f"/v21.0/{message.media.id}")).status == 401
    url = info["url"].replace(str(simulator.make_url("")).rstrip("/"), "")
    assert (await simulator.get(url)).status == 401
    download = await simulator.get(url, headers=AUTH)
    assert await download.read() == PNG
    assert (await simulator.get("/v21.0/1234567890", headers=AUTH)).status == 400


@pytest.mark.asyncio
async def test_a_pdf_from_the_user_arrives_as_a_document(simulator, receiver):
    form = aiohttp.FormData()
    form.add_field("file", PDF, filename="ricevuta.pdf", content_type="application/octet-stream")
    assert (await simulator.post(f"/api/users/{USER}/messages", data=form)).status == 200
    await eventually(lambda: receiver.deliveries)
    [message] = receiver.messages()
    assert (message.type, message.media.filename) == ("document", "ricevuta.pdf")
    assert message.media.mime_type == "application/pdf"  # guessed from the name, as a phone would


@pytest.mark.asyncio
async def test_the_bot_uploads_media_and_sends_it_by_id(simulator):
    await user_says(simulator, "Mi manda il modulo?")
    form = aiohttp.FormData()
    form.add_field("messaging_product", "whatsapp")
    form.add_field("type", "application/pdf")
    form.add_field("file", PDF, filename="modulo.pdf", content_type="application/pdf")
    response = await simulator.post(f"/v21.0/{PHONE_NUMBER_ID}/media", data=form, headers=AUTH)
    media_id = (await response.json())["id"]
    assert media_id.isdigit()
    await bot_sent_id(simulator, {"type": "document", "document": {"id": media_id, "filename": "modulo.pdf"}})
    [sent] = await (await simulator.get(f"/api/users/{USER}/messages")).json()
    assert sent["body"]["document"]["id"] == media_id
    page_copy = await simulator.get(f"/api/media/{media_id}")
    assert (page_copy.content_type, await page_copy.read()) == ("application/pdf", PDF)


@pytest.mark.asyncio
async def test_button_and_list_replies_carry_their_id_and_context(simulator, receiver):
    await user_says(simulator, "Ciao")
    question = await bot_sent_id(simulator, buttons("Sì", "No"))
    path = f"/api/users/{USER}/messages"
    await simulator.post(path, json={"button_id": "/b0", "title": "Sì", "context_id": question})
    row = {"list_id": "/ask_cost", "title": "Costi", "description": "Quanto costa il permesso", "context_id": question}
    await simulator.post(path, json=row)
    await eventually(lambda: len(receiver.messages()) == 3)
    replies = {message.reply_id: message for message in receiver.messages()}
    button, row = replies["/b0"], replies["/ask_cost"]
    assert (button.type, button.reply_id, button.text, button.context_id) == ("interactive", "/b0", "Sì", question)
    assert (row.reply_id, row.text, row.context_id) == ("/ask_cost", "Costi", question)


@pytest.mark.asyncio
async def test_business_scoped_user_ids_are_used_instead_of_numbers(simulator, receiver):
    wamid = await user_says(simulator, "Hello", user="US.13491208655302741918")
    sent = await bot_sent_id(simulator, text("Hi"), user="US.13491208655302741918")
    await settled(simulator)
    [message] = receiver.messages()
    assert (message.id, message.sender, message.profile_name) == (wamid, "US.13491208655302741918", "Amina")
    statuses = [s for raw, _, _ in receiver.deliveries for s in parse_webhook(raw).statuses]
    assert {(s.message_id, s.recipient) for s in statuses} == {(sent, "US.13491208655302741918")}


@pytest.mark.asyncio
async def test_the_verification_handshake_is_played(simulator):
    for _ in range(500):
        health = await (await simulator.get("/health")).json()
        if health["webhook_verified"] is not None:
            break
        await asyncio.sleep(0.01)
    assert health["webhook_verified"] is True
    assert await (await simulator.post("/api/verify")).json() == {"verified": True}
    assert await (await simulator.post("/api/verify", json={"verify_token": "wrong"})).json() == {"verified": False}


@pytest.mark.asyncio
async def test_bad_requests_to_the_json_api_are_refused(simulator):
    assert (await simulator.post("/api/users/not-a-number/messages", json={"text": "x"})).status == 400
    assert (await simulator.post(f"/api/users/{USER}/messages", json={})).status == 400
    assert (await simulator.post(f"/api/users/{USER}/messages", data=b"nope")).status == 400
    assert (await simulator.post(f"/api/users/{USER}/messages", json={"button_id": "/b0"})).status == 400
    assert await (await simulator.get("/api/users/393330000000/messages")).json() == []
    assert await (await simulator.get("/api/users")).json() == []


@pytest.mark.asyncio
async def test_the_page_is_self_contained_and_never_writes_html(simulator):
    response = await simulator.get("/")
    assert response.status == 200
    assert response.content_type == "text/html"
    page = await response.text()
    assert "innerHTML" not in page and "outerHTML" not in page and "insertAdjacentHTML" not in page
    assert "http://" not in page and "https://" not in page and "<script src" not in page
    assert all(link.startswith('<link rel="icon" href="data:') for link in page.split("\n") if "<link" in link)
    assert "connect-src 'self'" in response.headers["Content-Security-Policy"]


def test_webhook_bodies_are_escaped_as_meta_escapes_them():
    raw = encode({"body": "Città / 城市"})
    assert raw == b'{"body":"Citt\\u00e0 \\/ \\u57ce\\u5e02"}'
    assert json.loads(raw) == {"body": "Città / 城市"}


def test_the_command_line_needs_the_credentials_and_a_valid_duplicate_rate():
    required = ["--webhook", "http://127.0.0.1:5005/webhooks/whatsapp/webhook", "--app-secret", "S"]
    required += ["--verify-token", "T", "--phone-number-id", "P", "--access-token", "A"]
    args = parse_args(required)
    assert (args.port, args.duplicate_rate) == (5101, 0.0)
    assert parse_args([*required, "--duplicate-rate", "0.3"]).duplicate_rate == 0.3
    with pytest.raises(SystemExit):
        parse_args([*required, "--duplicate-rate", "1.5"])
    with pytest.raises(SystemExit):
        parse_args(required[2:])


@pytest.mark.asyncio
async def test_an_outage_answers_the_chosen_errors_in_turn_until_it_ends(receiver):
    now = [1000.0]
    async with running_simulator(receiver, clock=lambda: now[0]) as simulator:
        await user_says(simulator, "Ciao")
        response = await simulator.post("/api/outage", json={"statuses": [503, 429], "seconds": 60})
        assert response.status == 200
        answers = [await bot_sends(simulator, text(f"n. {i}")) for i in range(4)]
        assert [status for status, _ in answers] == [429, 503, 429, 503]
        assert {answer["error"]["code"] for _, answer in answers} == {130429, 131000}
        now[0] += 61
        status, _ = await bot_sends(simulator, text("back"))
        assert status == 200
        bad_requests = ({"seconds": -1}, {"seconds": 10, "statuses": [404]}, {"seconds": "60"}, {"statuses": []})
        for bad in bad_requests:
            assert (await simulator.post("/api/outage", json=bad)).status == 400
