import pytest

from actions.erasure import ActionRequestErasure
from actions.handoff import ActionHandoff, ActionSessionStart
from actions.knowledge import ActionAnswerFaq
from actions.media import ActionAcknowledgeMedia
from sportello.knowledge.answers import library
from tests.actions.conftest import make_tracker

PAUSE = {"event": "pause", "timestamp": None}


@pytest.mark.asyncio
async def test_asking_for_a_person_queues_pauses_and_says_when(dispatcher, domain, handoff_store):
    handoff_store.open_handoff("someone-else", "whatsapp", "asked", "it", None)
    tracker = make_tracker({"language": "fr", "permit_type": "studio"}, {"text": "un humain svp"})
    events = await ActionHandoff().run(dispatcher, tracker, domain)
    assert events == [PAUSE]
    [message] = dispatcher.messages
    assert "position 2" in message["text"]  # behind the conversation already waiting
    assert "075 5062594" in message["text"] and "mardi" in message["text"]
    handoff = handoff_store.open_handoff_of("test-sender")
    assert (handoff.reason, handoff.language, handoff.permit_type) == ("asked", "fr", "studio")


@pytest.mark.asyncio
async def test_a_stored_document_goes_to_staff(dispatcher, domain, handoff_store):
    message = {
        "text": "/send_document",
        "intent": {"name": "send_document"},
        "entities": [{"entity": "media_outcome", "value": "stored"}, {"entity": "media_kind", "value": "image"}],
    }
    events = await ActionAcknowledgeMedia().run(dispatcher, make_tracker({"language": "en"}, message), domain)
    assert events == [PAUSE] and handoff_store.open_handoff_of("test-sender").reason == "documents"


@pytest.mark.asyncio
async def test_a_voice_note_does_not(dispatcher, domain, handoff_store):
    message = {
        "text": "/send_document",
        "intent": {"name": "send_document"},
        "entities": [{"entity": "media_outcome", "value": "stored"}, {"entity": "media_kind", "value": "audio"}],
    }
    assert await ActionAcknowledgeMedia().run(dispatcher, make_tracker({"language": "en"}, message), domain) == []
    assert handoff_store.open_handoff_of("test-sender") is None


@pytest.mark.asyncio
async def test_a_question_that_needs_judgement_is_answered_then_handed_over(dispatcher, domain, handoff_store):
    key = next(k for k, faq in library().knowledge.faqs.items() if faq.needs_person)
    latest = {"text": "x", "entities": [{"entity": "faq_key", "value": key}]}
    events = await ActionAnswerFaq().run(dispatcher, make_tracker({"language": "es"}, latest), domain)
    assert events == [PAUSE] and len(dispatcher.messages) == 2
    assert handoff_store.open_handoff_of("test-sender").reason == "judgement"


@pytest.mark.asyncio
async def test_a_new_session_stays_paused_while_staff_have_the_conversation(dispatcher, domain, handoff_store):
    tracker = make_tracker({"language": "ar", "permit_type": None}, {"text": "hi"})
    events = await ActionSessionStart().run(dispatcher, tracker, domain)
    assert [e["event"] for e in events] == ["session_started", "slot", "action"]
    handoff_store.open_handoff("test-sender", "whatsapp", "asked", "ar", None)
    events = await ActionSessionStart().run(dispatcher, tracker, domain)
    assert [e["event"] for e in events] == ["session_started", "slot", "pause", "action"]


@pytest.mark.asyncio
async def test_asking_for_erasure_tells_what_happens_and_queues_it_for_staff(dispatcher, domain, handoff_store):
    latest = {"text": "delete my data", "intent": {"name": "request_erasure", "confidence": 0.9}}
    events = await ActionRequestErasure().run(dispatcher, make_tracker({"language": "en"}, latest), domain)
    assert events == [PAUSE]
    assert dispatcher.messages[0]["text"].startswith("You asked us to delete your data")
    assert handoff_store.open_handoff_of("test-sender").reason == "erasure"


@pytest.mark.asyncio
async def test_an_unsure_erasure_guess_asks_did_you_mean_instead(dispatcher, domain, handoff_store):
    ranking = [{"name": "request_erasure", "confidence": 0.38}, {"name": "ask_status", "confidence": 0.3}]
    latest = {"text": "I need information about my permit", "intent": ranking[0], "intent_ranking": ranking}
    events = await ActionRequestErasure().run(dispatcher, make_tracker({"language": "en"}, latest), domain)
    assert events == [] and handoff_store.open_handoff_of("test-sender") is None
    assert dispatcher.messages[0]["text"].startswith("I am not sure")
