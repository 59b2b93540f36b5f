"""End to end through WhatsApp: the simulator plays Meta, Rasa answers through the connector."""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest
import requests

from sportello.channels.commands import NEUTRALISER
from sportello.devserver import Stack, call, running_stack
from sportello.whatsapp.signature import sign
from sportello.whatsapp.store import WhatsAppStore
from sportello.whatsapp.webhook import parse_webhook
from tests.sportello.attachments.samples import EXE, JPEG

TOKEN = "test-api-token"
APP_SECRET = "simulator-app-secret"  # the value sportello.devserver gives the simulator and Rasa


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("whatsapp")


@pytest.fixture(scope="module")
def stack(model_path: Path, workdir: Path) -> Iterator[Stack]:
    with running_stack(model_path, workdir, TOKEN) as running:
        yield running


def new_user() -> str:
    return "39" + str(uuid.uuid4().int)[:10]


def bot_messages(stack: Stack, user: str) -> List[Dict[str, Any]]:
    return call(f"{stack.simulator_url}/api/users/{user}/messages")


def write(stack: Stack, user: str, body: Dict[str, Any]) -> str:
    return call(f"{stack.simulator_url}/api/users/{user}/messages", body)["id"]


def wait_for_replies(stack: Stack, user: str, at_least: int, timeout: float = 60) -> List[Dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = bot_messages(stack, user)
        if len(messages) >= at_least:
            time.sleep(1.5)  # anything more of this turn would arrive now
            return bot_messages(stack, user)
        time.sleep(0.3)
    raise AssertionError(f"no reply for {user} within {timeout} s")


def texts(messages: List[Dict[str, Any]]) -> str:
    return json.dumps(messages, ensure_ascii=False)


@pytest.mark.parametrize(
    "text, marker",
    [("Qual è il numero di telefono dell'ufficio immigrazione?", "351 7749241"),
     ("مرحبا، أريد رقم هاتف المكتب وعنوانه", "الهاتف"),
     ("你好，我想知道移民局的电话和地址", "电话")],
)
def test_a_message_is_answered_once_in_the_users_language(stack, text, marker):
    user = new_user()
    write(stack, user, {"text": text})
    replies = wait_for_replies(stack, user, 1)
    assert marker in texts(replies)
    time.sleep(2)
    assert len(bot_messages(stack, user)) == len(replies), "answered twice"


def test_list_and_button_replies_come_back_as_the_assistants_payloads(stack):
    user = new_user()
    write(stack, user, {"text": "Hello, good morning, I need help with my residence permit"})
    replies = wait_for_replies(stack, user, 1)
    rows = [row for m in replies if m["body"].get("type") == "interactive"
            for section in m["body"]["interactive"]["action"].get("sections", []) for row in section["rows"]]
    office = next(row for row in rows if "contact" in row["title"].lower())
    write(stack, user, {"list_id": office["id"], "title": office["title"]})
    replies = wait_for_replies(stack, user, len(replies) + 1)
    assert "351 7749241" in texts(replies)


def post_webhook(stack: Stack, body: bytes, signature: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    request = Request(f"{stack.base_url}/webhooks/whatsapp/webhook", data=body, headers=headers)
    try:
        with urlopen(request, timeout=30) as response:
            return response.status
    except HTTPError as error:
        return error.code


def text_webhook(user: str, text: str, message_id: str) -> bytes:
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "393517749241", "phone_number_id": "393517749241"},
             "contacts": [{"profile": {"name": "Test"}, "wa_id": user}],
             "messages": [{"from": user, "id": message_id, "timestamp": str(int(time.time())), "type": "text",
                           "text": {"body": text}}]}
    payload = {"object": "whatsapp_business_account",
               "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}]}
    return json.dumps(payload).encode()


def test_a_redelivered_message_is_answered_once(stack):
    user, message_id = new_user(), f"wamid.test-{uuid.uuid4().hex}"
    body = text_webhook(user, "Quali sono i contatti dell'ufficio immigrazione?", message_id)
    assert post_webhook(stack, body, sign(APP_SECRET, body)) == 200
    assert post_webhook(stack, body, sign(APP_SECRET, body)) == 200
    replies = wait_for_replies(stack, user, 1)
    time.sleep(3)
    assert len(bot_messages(stack, user)) == len(replies)


def test_bad_webhooks_are_refused_and_not_processed(stack):
    user = new_user()
    body = text_webhook(user, "ciao", f"wamid.test-{uuid.uuid4().hex}")
    assert post_webhook(stack, body, None) == 403
    assert post_webhook(stack, body, "sha256=" + "0" * 64) == 403
    assert post_webhook(stack, body, sign("another-secret", body)) == 403
    assert post_webhook(stack, b"{not json", sign(APP_SECRET, b"{not json")) == 400
    assert post_webhook(stack, b'{"object": "page"}', sign(APP_SECRET, b'{"object": "page"}')) == 400
    time.sleep(3)
    assert bot_messages(stack, user) == []


def test_verification_handshake(stack):
    url = f"{stack.base_url}/webhooks/whatsapp/webhook?hub.mode=subscribe&hub.challenge=12345&hub.verify_token="
    with urlopen(url + "simulator-verify-token", timeout=10) as response:
        assert response.read() == b"12345"
    with pytest.raises(HTTPError) as refused:
        urlopen(url + "wrong", timeout=10)
    assert refused.value.code == 403


def test_typed_commands_are_read_as_text(stack):
    user = new_user()
    write(stack, user, {"text": "/restart"})
    wait_for_replies(stack, user, 1)
    events = call(f"{stack.base_url}/conversations/{user}/tracker?token={TOKEN}")["events"]
    [message] = [e for e in events if e["event"] == "user"]
    assert message["text"].startswith(NEUTRALISER)
    assert not any(e["event"] == "restart" for e in events)


def test_a_message_acknowledged_before_a_crash_is_answered_once_after_restart(model_path, tmp_path):
    # State a crashed Rasa process leaves behind: the message was stored (so Meta got
    # its 200 and will not send it again) and claimed, but never answered.
    user = new_user()
    question = "Qual è il numero di telefono dell'ufficio immigrazione?"
    body = text_webhook(user, question, f"wamid.crash-{uuid.uuid4().hex}")
    [message] = parse_webhook(body).messages
    store = WhatsAppStore(f"sqlite:///{tmp_path / 'whatsapp.db'}")
    assert store.record_inbound(message, dataclasses.asdict(message))
    assert store.claim_pending("crashed-worker", lease_seconds=2)
    store.close()
    with running_stack(model_path, tmp_path, TOKEN) as restarted:
        replies = wait_for_replies(restarted, user, 1, timeout=120)
        assert "351 7749241" in texts(replies)
        time.sleep(6)  # the worker's next rounds must not answer it again
        assert len(bot_messages(restarted, user)) == len(replies)


def send_file(stack: Stack, user: str, name: str, data: bytes, mime_type: str, caption: str = "") -> str:
    answer = requests.post(
        f"{stack.simulator_url}/api/users/{user}/messages",
        files={"file": (name, data, mime_type)},
        data={"caption": caption} if caption else {},
        timeout=10,
    )
    answer.raise_for_status()
    return answer.json()["id"]


def test_a_photo_is_kept_for_staff_and_the_user_is_told_in_their_language(stack, workdir):
    user = new_user()
    write(stack, user, {"text": "Hello, I need information about my residence permit"})
    before = len(wait_for_replies(stack, user, 1))
    send_file(stack, user, "passport.jpg", JPEG, "image/jpeg")
    replies = wait_for_replies(stack, user, before + 1)[before:]
    assert "I do not read" in texts(replies) or "don't read" in texts(replies), texts(replies)
    stored = [path for path in (workdir / "attachments").rglob("*.jpg")]
    assert any(path.read_bytes() == JPEG for path in stored)


def test_a_renamed_executable_is_refused_with_a_clear_message(stack, workdir):
    user = new_user()
    write(stack, user, {"text": "Buongiorno, vorrei rinnovare il permesso di soggiorno"})
    before = len(wait_for_replies(stack, user, 1))
    send_file(stack, user, "documento.pdf", EXE, "application/pdf", caption="ecco il documento")
    replies = wait_for_replies(stack, user, before + 1)[before:]
    assert "PDF" in texts(replies) and "non l'ho conservato" in texts(replies), texts(replies)
    assert not any(path.read_bytes() == EXE for path in (workdir / "attachments").rglob("*.*"))


def test_readiness_and_metrics_of_the_channel(stack):
    user = new_user()
    write(stack, user, {"text": "Buongiorno, qual è il numero di telefono dell'ufficio?"})
    wait_for_replies(stack, user, 1)
    assert call(f"{stack.base_url}/webhooks/whatsapp/ready")["status"] == "ready"
    with urlopen(f"{stack.base_url}/webhooks/whatsapp/metrics", timeout=10) as answer:
        metrics = answer.read().decode()
    assert 'sportello_whatsapp_messages_in_total{type="text"}' in metrics
    assert "sportello_whatsapp_messages_out_total" in metrics and "sportello_whatsapp_answer_seconds_count" in metrics
    assert user not in metrics
