"""MediaReceiver against a local server playing the Graph API's media endpoints, with a real store and files."""

import base64
import hashlib
from datetime import datetime, timedelta, timezone

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer

from sportello.attachments.storage import FileStorage
from sportello.whatsapp.graph_api import GraphApi
from sportello.whatsapp.media import MediaReceiver, checksum_matches, clean_filename
from sportello.whatsapp.store import WhatsAppStore
from sportello.whatsapp.webhook import InboundMessage, Media
from tests.sportello.attachments.samples import EXE, JPEG, OGG, PDF

TOKEN = "EAAG-media-token"


class FakeMediaGraph:
    """Media info and download; ``failures`` queues HTTP error statuses for the next info requests."""

    def __init__(self):
        self.files = {}
        self.info_overrides = {}
        self.failures = []
        self.downloads = 0
        app = web.Application()
        app.router.add_get("/v21.0/{media_id}", self.info)
        app.router.add_get("/download/{media_id}", self.download)
        self.server = TestServer(app)

    def add(self, media_id, data, mime_type, **overrides):
        self.files[media_id] = (data, mime_type)
        self.info_overrides[media_id] = overrides

    async def info(self, request):
        if self.failures:
            status, code = self.failures.pop(0)
            return web.json_response({"error": {"message": "try later", "code": code}}, status=status)
        media_id = request.match_info["media_id"]
        data, mime_type = self.files[media_id]
        answer = {
            "url": str(self.server.make_url(f"/download/{media_id}")),
            "mime_type": mime_type,
            "sha256": hashlib.sha256(data).hexdigest(),
            "file_size": len(data),
            "id": media_id,
        }
        return web.json_response({**answer, **self.info_overrides[media_id]})

    async def download(self, request):
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        self.downloads += 1
        data, mime_type = self.files[request.match_info["media_id"]]
        return web.Response(body=data, content_type=mime_type)


def media_message(message_id, media_id, kind, mime_type, data, filename=None, sha256="webhook"):
    if sha256 == "webhook":
        sha256 = base64.b64encode(hashlib.sha256(data).digest()).decode()
    return InboundMessage(
        id=message_id,
        sender="393331234567",
        profile_name="Amina",
        timestamp=1717000000,
        type=kind,
        text=None,
        reply_id=None,
        media=Media(id=media_id, mime_type=mime_type, sha256=sha256, filename=filename, caption=None, voice=False),
        location=None,
        context_id=None,
    )


@pytest_asyncio.fixture
async def graph():
    fake = FakeMediaGraph()
    await fake.server.start_server()
    yield fake
    await fake.server.close()


@pytest_asyncio.fixture
async def setup(graph, tmp_path):
    api = GraphApi(str(graph.server.make_url("/v21.0")), "1065", TOKEN)
    store = WhatsAppStore(f"sqlite:///{tmp_path / 'wa.db'}")
    storage = FileStorage(tmp_path / "attachments")
    receiver = MediaReceiver(api, store, storage, retry_pauses=(0, 0), sleep=_no_sleep)
    yield receiver, store, storage
    await api.close()
    store.close()


async def _no_sleep(_):
    return None


@pytest.mark.asyncio
async def test_a_photo_is_stored_and_linked_to_the_conversation(graph, setup):
    receiver, store, storage = setup
    graph.add("m1", JPEG, "image/jpeg")
    record = await receiver.receive(media_message("wamid.1", "m1", "image", "image/jpeg", JPEG))
    assert record.outcome == "stored"
    assert record.sha256 == hashlib.sha256(JPEG).hexdigest()
    assert storage.read(record.storage_key) == JPEG
    [kept] = store.media_of_sender("393331234567")
    assert kept.message_id == "wamid.1" and kept.mime_type == "image/jpeg" and kept.size == len(JPEG)


@pytest.mark.asyncio
async def test_a_redelivered_message_is_not_downloaded_again(graph, setup):
    receiver, store, _ = setup
    graph.add("m1", PDF, "application/pdf")
    message = media_message("wamid.1", "m1", "document", "application/pdf", PDF, filename="../../passaporto.pdf")
    first = await receiver.receive(message)
    again = await receiver.receive(message)
    assert graph.downloads == 1
    assert again.storage_key == first.storage_key
    assert first.filename == "passaporto.pdf"


@pytest.mark.asyncio
async def test_a_voice_note_is_kept_for_staff(graph, setup):
    receiver, _, _ = setup
    graph.add("v1", OGG, "audio/ogg; codecs=opus")
    record = await receiver.receive(media_message("wamid.v", "v1", "audio", "audio/ogg; codecs=opus", OGG))
    assert (record.outcome, record.mime_type) == ("stored", "audio/ogg")


@pytest.mark.asyncio
async def test_a_declared_dangerous_type_is_refused_without_downloading(graph, setup):
    receiver, store, _ = setup
    graph.add("x1", EXE, "application/x-msdownload")
    record = await receiver.receive(media_message("wamid.x", "x1", "document", "application/x-msdownload", EXE))
    assert record.outcome == "type_refused"
    assert graph.downloads == 0
    assert store.media_of_message("wamid.x").storage_key is None


@pytest.mark.asyncio
async def test_an_executable_posing_as_pdf_is_refused_and_not_kept(graph, setup, tmp_path):
    receiver, _, _ = setup
    graph.add("x2", EXE, "application/pdf")
    record = await receiver.receive(media_message("wamid.x2", "x2", "document", "application/pdf", EXE))
    assert record.outcome == "type_refused" and "content" in record.reason
    assert not (tmp_path / "attachments").exists() or not any((tmp_path / "attachments").rglob("*.*"))


@pytest.mark.asyncio
async def test_announced_size_over_the_limit_is_refused_before_download(graph, setup):
    receiver, _, _ = setup
    graph.add("big", JPEG, "image/jpeg", file_size=6 * 1024 * 1024)
    record = await receiver.receive(media_message("wamid.big", "big", "image", "image/jpeg", JPEG))
    assert record.outcome == "too_large"
    assert graph.downloads == 0


@pytest.mark.asyncio
async def test_bytes_over_the_limit_are_refused_even_when_the_size_was_understated(graph, setup):
    receiver, _, _ = setup
    big = JPEG + bytes(5 * 1024 * 1024)
    graph.add("big2", big, "image/jpeg", file_size=100)
    record = await receiver.receive(media_message("wamid.big2", "big2", "image", "image/jpeg", big))
    assert record.outcome == "too_large"


@pytest.mark.asyncio
@pytest.mark.parametrize("where", ["webhook", "info"])
async def test_a_checksum_mismatch_is_a_failure(graph, setup, where):
    receiver, _, _ = setup
    wrong = hashlib.sha256(b"other").hexdigest()
    graph.add("m1", JPEG, "image/jpeg", **({"sha256": wrong} if where == "info" else {}))
    message = media_message("wamid.1", "m1", "image", "image/jpeg", JPEG, sha256=wrong if where == "webhook" else None)
    record = await receiver.receive(message)
    assert (record.outcome, record.reason, record.storage_key) == ("failed", "checksum mismatch", None)


@pytest.mark.asyncio
async def test_transient_errors_are_retried(graph, setup):
    receiver, _, _ = setup
    graph.add("m1", JPEG, "image/jpeg")
    graph.failures = [(500, 131016), (429, 130429)]
    record = await receiver.receive(media_message("wamid.1", "m1", "image", "image/jpeg", JPEG))
    assert record.outcome == "stored"


@pytest.mark.asyncio
async def test_lasting_errors_end_as_failed(graph, setup):
    receiver, _, _ = setup
    graph.add("m1", JPEG, "image/jpeg")
    graph.failures = [(500, 131016)] * 3
    record = await receiver.receive(media_message("wamid.1", "m1", "image", "image/jpeg", JPEG))
    assert record.outcome == "failed" and "media info" in record.reason


@pytest.mark.asyncio
async def test_purge_deletes_old_files_and_keeps_a_trace(graph, setup):
    receiver, store, storage = setup
    graph.add("m1", JPEG, "image/jpeg")
    record = await receiver.receive(media_message("wamid.1", "m1", "image", "image/jpeg", JPEG))
    assert receiver.purge(datetime.now(timezone.utc) - timedelta(days=1)) == 0
    assert receiver.purge(datetime.now(timezone.utc) + timedelta(seconds=1)) == 1
    with pytest.raises(KeyError):
        storage.read(record.storage_key)
    assert store.media_of_sender("393331234567") == []
    trace = store.media_of_message("wamid.1")
    assert trace.outcome == "stored" and trace.storage_key is None and trace.filename is None


def test_checksums_in_hex_or_base64():
    digest = hashlib.sha256(b"data").digest()
    assert checksum_matches(digest, digest.hex().upper())
    assert checksum_matches(digest, base64.b64encode(digest).decode())
    assert checksum_matches(digest, base64.b64encode(digest).decode().rstrip("="))
    assert not checksum_matches(digest, hashlib.sha256(b"other").hexdigest())


@pytest.mark.parametrize(
    "name, cleaned",
    [
        ("C:\\Users\\a\\pass.pdf", "pass.pdf"),
        ("a\x00b\u202e.pdf", "ab.pdf"),
        ("", None),
        ("/", None),
        ("x" * 300, "x" * 120),
    ],
)
def test_clean_filename(name, cleaned):
    assert clean_filename(name) == cleaned
