"""GraphApi against a local aiohttp server that plays the Graph API."""

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer

from sportello.whatsapp.graph_api import GraphApi, GraphApiError, MediaTooLarge, error_kind

TOKEN = "EAAG-test-token"
PHONE_NUMBER_ID = "106540352242922"
IMAGE = bytes(range(256)) * 40


def graph_error(code, message="error"):
    return {"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "A1"}}


class FakeGraph:
    """Answers like the Graph API; ``answers`` queues (HTTP status, body) for the next sends."""

    def __init__(self):
        self.requests = []
        self.answers = []
        app = web.Application()
        app.router.add_post("/v21.0/{phone}/messages", self.messages)
        app.router.add_get("/v21.0/{media_id}", self.media_info)
        app.router.add_get("/media/{name}", self.media)
        self.server = TestServer(app)

    async def messages(self, request):
        self.requests.append(
            {"path": request.path, "auth": request.headers.get("Authorization"), "body": await request.json()}
        )
        if self.answers:
            status, body = self.answers.pop(0)
            if isinstance(body, str):
                return web.Response(status=status, text=body, content_type="text/html")
            return web.json_response(body, status=status)
        if "status" in self.requests[-1]["body"]:
            return web.json_response({"success": True})
        return web.json_response({"messages": [{"id": f"wamid.TEST{len(self.requests)}"}]})

    async def media_info(self, request):
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response(graph_error(190, "Invalid OAuth access token"), status=401)
        media_id = request.match_info["media_id"]
        return web.json_response(
            {"url": str(self.server.make_url(f"/media/{media_id}")), "mime_type": "image/jpeg", "id": media_id}
        )

    async def media(self, request):
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.Response(status=401)
        if request.match_info["name"] == "streamed":
            # No Content-Length: the size is only known while reading.
            response = web.StreamResponse()
            response.enable_chunked_encoding()
            await response.prepare(request)
            for start in range(0, len(IMAGE), 1000):
                await response.write(IMAGE[start : start + 1000])
            await response.write_eof()
            return response
        if request.match_info["name"] == "missing":
            return web.Response(status=404, text="not found")
        return web.Response(body=IMAGE, content_type="image/jpeg")


@pytest_asyncio.fixture
async def graph():
    fake = FakeGraph()
    await fake.server.start_server()
    yield fake
    await fake.server.close()


@pytest_asyncio.fixture
async def api(graph):
    client = GraphApi(str(graph.server.make_url("/v21.0")), PHONE_NUMBER_ID, TOKEN)
    yield client
    await client.close()


@pytest.mark.asyncio
async def test_send_posts_the_body_with_the_token_and_returns_the_wamid(graph, api):
    body = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "393331234567",
        "type": "text",
        "text": {"body": "مرحبا 你好", "preview_url": False},
    }
    assert await api.send(body) == "wamid.TEST1"
    [request] = graph.requests
    assert request == {"path": f"/v21.0/{PHONE_NUMBER_ID}/messages", "auth": f"Bearer {TOKEN}", "body": body}


@pytest.mark.asyncio
async def test_mark_read_with_and_without_typing_indicator(graph, api):
    await api.mark_read("wamid.IN1")
    await api.mark_read("wamid.IN2", typing=False)
    assert [r["body"] for r in graph.requests] == [
        {
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": "wamid.IN1",
            "typing_indicator": {"type": "text"},
        },
        {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.IN2"},
    ]


@pytest.mark.asyncio
async def test_media_info_and_download(api):
    info = await api.media_info("1234567890")
    assert info["mime_type"] == "image/jpeg"
    assert await api.download(info["url"], max_bytes=len(IMAGE)) == IMAGE


@pytest.mark.asyncio
async def test_download_refuses_media_over_the_limit(graph, api):
    with pytest.raises(MediaTooLarge) as declared:
        await api.download(str(graph.server.make_url("/media/declared")), max_bytes=len(IMAGE) - 1)
    assert declared.value.kind == "invalid"
    with pytest.raises(MediaTooLarge):
        await api.download(str(graph.server.make_url("/media/streamed")), max_bytes=5000)
    assert await api.download(str(graph.server.make_url("/media/streamed")), max_bytes=len(IMAGE)) == IMAGE


@pytest.mark.asyncio
async def test_download_errors(graph, api):
    with pytest.raises(GraphApiError) as missing:
        await api.download(str(graph.server.make_url("/media/missing")), max_bytes=100)
    assert (missing.value.http_status, missing.value.code, missing.value.kind) == (404, None, "invalid")

    wrong_token = GraphApi(str(graph.server.make_url("/v21.0")), PHONE_NUMBER_ID, "expired")
    try:
        with pytest.raises(GraphApiError) as rejected:
            await wrong_token.media_info("1234567890")
    finally:
        await wrong_token.close()
    assert (rejected.value.http_status, rejected.value.code, rejected.value.kind) == (401, 190, "token")


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("status", "body", "code", "kind"),
    [
        (429, graph_error(130429, "Rate limit hit"), 130429, "retry"),
        (400, graph_error(131056, "Pair rate limit hit"), 131056, "retry"),
        (400, graph_error(4, "Application request limit reached"), 4, "retry"),
        (500, graph_error(131000, "Something went wrong"), 131000, "retry"),
        (502, "<html>Bad gateway</html>", None, "retry"),
        (503, {"unexpected": True}, None, "retry"),
        (400, graph_error(131047, "Re-engagement message"), 131047, "window_closed"),
        (401, graph_error(190, "Error validating access token"), 190, "token"),
        (400, graph_error(131026, "Message undeliverable"), 131026, "undeliverable"),
        (400, graph_error(100, "Invalid parameter"), 100, "invalid"),
        (400, graph_error(131009, "Parameter value is not valid"), 131009, "invalid"),
        (404, "<html>Not found</html>", None, "invalid"),
        (200, {"messaging_product": "whatsapp"}, None, "retry"),
        (200, "not json", None, "retry"),
    ],
)
async def test_send_errors_are_classified(graph, api, status, body, code, kind):
    graph.answers.append((status, body))
    with pytest.raises(GraphApiError) as raised:
        await api.send({"to": "393331234567", "type": "text", "text": {"body": "ciao"}})
    assert (raised.value.http_status, raised.value.code, raised.value.kind) == (status, code, kind)


@pytest.mark.asyncio
async def test_error_message_carries_the_graph_explanation_only(graph, api):
    body = graph_error(100, "Invalid parameter")
    body["error"]["error_data"] = {"details": "Param text['body'] must be at most 4096 characters long."}
    graph.answers.append((400, body))
    with pytest.raises(GraphApiError) as raised:
        await api.send({"to": "393331234567", "type": "text", "text": {"body": "secret"}})
    message = str(raised.value)
    assert "Invalid parameter" in message and "4096" in message
    assert "393331234567" not in message and "secret" not in message


@pytest.mark.asyncio
async def test_an_unreachable_server_is_a_retry():
    server = TestServer(web.Application())
    await server.start_server()
    url = str(server.make_url("/v21.0"))
    await server.close()
    api = GraphApi(url, PHONE_NUMBER_ID, TOKEN)
    try:
        with pytest.raises(GraphApiError) as raised:
            await api.send({"to": "393331234567"})
    finally:
        await api.close()
    assert (raised.value.http_status, raised.value.code, raised.value.kind) == (0, None, "retry")


@pytest.mark.asyncio
async def test_a_given_session_is_used_and_left_open(graph):
    async with aiohttp.ClientSession() as session:
        api = GraphApi(str(graph.server.make_url("/v21.0/")), PHONE_NUMBER_ID, TOKEN, session=session)
        assert await api.send({"to": "1"}) == "wamid.TEST1"
        await api.close()
        assert not session.closed
        assert await api.send({"to": "1"}) == "wamid.TEST2"


@pytest.mark.parametrize(
    ("http_status", "code", "kind"),
    [
        (400, 80007, "retry"),
        (400, 131048, "retry"),
        (400, 131016, "retry"),
        (0, None, "retry"),
        (429, None, "retry"),
        (500, 100, "invalid"),
        (401, None, "token"),
        (403, 10, "invalid"),
        (400, 131008, "invalid"),
        (400, None, "invalid"),
    ],
)
def test_error_kind(http_status, code, kind):
    assert error_kind(http_status, code) == kind
