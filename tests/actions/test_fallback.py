import pytest

from actions.fallback import ActionHandleFallback
from tests.actions.conftest import make_tracker

RANKING = [
    {"name": "nlu_fallback", "confidence": 0.45},
    {"name": "ask_cost", "confidence": 0.3},
    {"name": "ask_status", "confidence": 0.2},
]


def fallback_event():
    return {"event": "user", "parse_data": {"intent": {"name": "nlu_fallback"}}}


@pytest.mark.asyncio
async def test_first_failure_asks_did_you_mean(dispatcher, domain):
    tracker = make_tracker({"language": "en"}, {"intent_ranking": RANKING}, [fallback_event()])
    await ActionHandleFallback().run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["text"].startswith("I am not sure")
    assert [b["payload"] for b in message["buttons"]] == ["/ask_cost", "/ask_status", "/nlu_fallback"]
    assert message["buttons"][-1]["title"] == "None of these"


@pytest.mark.asyncio
async def test_second_failure_in_a_row_hands_over_to_a_person(dispatcher, domain, handoff_store):
    events = [fallback_event(), {"event": "bot"}, fallback_event()]
    tracker = make_tracker({"language": "en"}, {"intent_ranking": RANKING}, events)
    result = await ActionHandleFallback().run(dispatcher, tracker, domain)
    assert result == [{"event": "pause", "timestamp": None}]
    assert dispatcher.messages[0]["text"].startswith("I could not understand your request")
    assert handoff_store.open_handoff_of("test-sender").reason == "not_understood"


@pytest.mark.asyncio
async def test_no_likely_intent_offers_a_person(dispatcher, domain):
    tracker = make_tracker({"language": "en"}, {"intent_ranking": RANKING[:1]}, [fallback_event()])
    await ActionHandleFallback().run(dispatcher, tracker, domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_offer_human"]
