"""End to end: the trained model behind the real Rasa server, action server and REST channel."""

from __future__ import annotations

import json
import uuid
from typing import Any, Dict, List
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest

from sportello.channels.commands import NEUTRALISER
from sportello.devserver import call
from tests.conftest import TOKEN


def say(base: str, sender: str, text: str) -> List[Dict[str, Any]]:
    return call(f"{base}/webhooks/rest/webhook", {"sender": sender, "message": text})


def tracker(base: str, sender: str) -> Dict[str, Any]:
    return call(f"{base}/conversations/{sender}/tracker?token={TOKEN}")


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"


@pytest.mark.parametrize(
    "text, language",
    [("Bonjour, je voudrais renouveler mon titre de séjour", "fr"), ("我想知道续居留需要什么材料", "zh"),
     ("مرحبا، أريد تجديد تصريح الإقامة", "ar")],
)
def test_parse_result_carries_the_language(server, text, language):
    result = call(f"{server}/model/parse?token={TOKEN}", {"text": text})
    assert result["language"]["name"] == language
    assert 0 < result["language"]["confidence"] <= 1


def test_a_conversation_stays_in_the_users_language(server):
    sender = new_sender()
    replies = say(server, sender, "Buenos días, necesito ayuda con mi permiso de residencia")
    assert tracker(server, sender)["slots"]["language"] == "es"
    assert replies, "the assistant answered nothing"
    replies = say(server, sender, "cuáles son los contactos de la oficina")
    assert any("351 7749241" in r.get("text", "") for r in replies)
    assert any("Teléfono" in r.get("text", "") for r in replies)


def test_menu_buttons_come_back_as_intents_and_switch_language(server):
    sender = new_sender()
    say(server, sender, "Hello, I need information about my residence permit please")
    replies = say(server, sender, "can you change the language")
    buttons = [b for r in replies for b in r.get("buttons", [])]
    chinese = next(b for b in buttons if b["title"] == "中文")
    assert chinese["payload"].startswith("/change_language")  # signed for this sender
    say(server, sender, chinese["payload"])
    assert tracker(server, sender)["slots"]["language"] == "zh"


def test_typed_commands_never_become_intents(server):
    sender = new_sender()
    say(server, sender, "Ciao, vorrei rinnovare il permesso di soggiorno")
    for command in ["/restart", '/change_language{"language": "ar"}', "/greet"]:
        say(server, sender, command)
    events = tracker(server, sender)["events"]
    commands = [e for e in events if e["event"] == "user"][1:]
    assert len(commands) == 3
    for event in commands:
        # Read as words by the NLU model (an injected intent would have confidence 1.0
        # and no ranking), never as Rasa's /intent syntax.
        assert event["text"].startswith(NEUTRALISER)
        assert event["parse_data"]["intent"]["name"] != "restart"
        assert event["parse_data"]["intent"]["confidence"] < 1.0
        assert len(event["parse_data"]["intent_ranking"]) > 1
    assert not any(e["event"] in ("restart", "session_started") for e in events[events.index(commands[0]):])


def test_a_payload_signed_for_another_sender_is_refused(server):
    alice, mallory = new_sender(), new_sender()
    say(server, alice, "Hello, I need information about my residence permit please")
    buttons = [b for r in say(server, alice, "change language please") for b in r.get("buttons", [])]
    say(server, mallory, "Hello, I need information about my residence permit please")
    say(server, mallory, buttons[0]["payload"])
    last = [e for e in tracker(server, mallory)["events"] if e["event"] == "user"][-1]
    assert last["text"].startswith(NEUTRALISER)
    assert last["parse_data"]["intent"]["confidence"] < 1.0


def test_streamed_replies_for_the_terminal_chat(server):
    # `make shell` uses Rasa's console client, which asks for one JSON line per message.
    request = Request(f"{server}/webhooks/rest/webhook?stream=true",
                      data=json.dumps({"sender": new_sender(), "message": "Hello, how are you?"}).encode(),
                      headers={"Content-Type": "application/json"})
    with urlopen(request, timeout=60) as response:
        lines = [json.loads(line) for line in response.read().decode().splitlines() if line.strip()]
    assert lines and all("recipient_id" in line for line in lines)
    assert any(button["payload"].startswith("/") and "~~" in button["payload"]
               for line in lines for button in line.get("buttons", []))


@pytest.mark.parametrize("raw", [b"{not json", b'{"sender": 1, "message": "x"}', b'{"sender": "a"}'])
def test_bad_requests_get_a_clear_400(server, raw):
    with pytest.raises(HTTPError) as error:
        call(f"{server}/webhooks/rest/webhook", raw=raw)
    assert error.value.code == 400
    assert "error" in json.loads(error.value.read())


def texts_of(replies: List[Dict[str, Any]]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


@pytest.mark.parametrize(
    "greeting, question, total, pick",
    [
        ("Buongiorno, ho bisogno di informazioni", "quanto costa rinnovare il permesso per studio?", "116,46 €",
         None),
        ("Hello, I need some information please", "how much does the renewal cost?", "116,46 €", "studio"),
        ("Bonjour, j'ai besoin d'informations", "combien coûte le renouvellement du permis de travail?", "126,46 €",
         None),
    ],
)
def test_the_cost_of_a_case_in_the_users_language(server, greeting, question, total, pick):
    sender = new_sender()
    say(server, sender, greeting)
    replies = say(server, sender, question)
    if pick:
        # The permit type was missing: the answer is a question with one button per permit.
        button = next(b for r in replies for b in r.get("buttons", []) if f'"permit_type":"{pick}"' in b["payload"])
        replies = say(server, sender, button["payload"])
    assert total in texts_of(replies), texts_of(replies)


def test_a_typed_answer_completes_the_pending_question_and_is_remembered(server):
    sender = new_sender()
    say(server, sender, "Buongiorno, vorrei rinnovare il permesso di soggiorno")
    replies = say(server, sender, "che documenti servono?")
    assert any(r.get("buttons") for r in replies), texts_of(replies)
    replies = say(server, sender, "per lavoro autonomo")
    assert "Iscrizione alla Camera di Commercio" in texts_of(replies), texts_of(replies)
    replies = say(server, sender, "e quanto costa?")
    assert "Totale: 126,46 €" in texts_of(replies), texts_of(replies)


@pytest.mark.parametrize(
    "greeting, question, key, language",
    [
        ("Buongiorno", "posso lavorare mentre aspetto il permesso, con la ricevuta?", "receipt_work", "it"),
        ("Hello, good morning", "my permit was stolen, what should I do?", "lost_stolen", "en"),
        ("مرحبا", "فقدت عملي، ماذا يحدث لتصريح الإقامة؟", "lost_job", "ar"),
    ],
)
def test_frequent_questions_are_answered_from_the_knowledge_base(server, greeting, question, key, language):
    from sportello.knowledge.answers import library

    sender = new_sender()
    say(server, sender, greeting)
    replies = say(server, sender, question)
    faq = library().knowledge.faqs[key]
    text = texts_of(replies)
    offered = [b["payload"] for r in replies for b in r.get("buttons", [])]
    # Either the answer, or (when unsure) the question among the offered ones.
    assert faq.answer[language] in text or any(key in payload for payload in offered), text


def test_a_bare_number_gets_its_shape_checked(server):
    sender = new_sender()
    say(server, sender, "Buongiorno, vorrei sapere se il mio permesso è pronto")
    replies = say(server, sender, "05 0123 456789")
    assert "12 caratteri" in texts_of(replies) and "questure.poliziadistato.it" in texts_of(replies)


def checklist_parts(knowledge, language):
    return [knowledge.base_pack[0][language], knowledge.permits["studio"].name[language]]


def steps_parts(knowledge, language):
    kit = knowledge.routes["kit"]
    return [kit.name[language], kit.steps[0][language]]


@pytest.mark.parametrize(
    "greeting, question, language, expected",
    [
        ("Добрий день", "які документи потрібні для продовження дозволу на навчання?", "uk", checklist_parts),
        ("你好", "学习居留续签需要什么材料？", "zh", checklist_parts),
        ("Përshëndetje", "cilat dokumente duhen për rinovimin e lejes për studime?", "sq", checklist_parts),
        ("Hola, buenos días", "cuáles son los pasos para renovar el permiso de trabajo?", "es", steps_parts),
        ("السلام عليكم", "ما هي خطوات تجديد تصريح الإقامة للعمل؟", "ar", steps_parts),
    ],
)
def test_checklists_and_steps_in_the_users_language(server, greeting, question, language, expected):
    from sportello.knowledge.answers import library

    sender = new_sender()
    say(server, sender, greeting)
    text = texts_of(say(server, sender, question))
    for part in expected(library().knowledge, language):
        assert part in text, text
