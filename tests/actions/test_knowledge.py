import pytest

from actions.knowledge import ActionAnswerCost, ActionAnswerDocuments, ActionResumeQuestion
from tests.actions.conftest import make_tracker


@pytest.mark.asyncio
async def test_a_missing_permit_is_asked_and_the_question_kept(dispatcher, domain):
    tracker = make_tracker({"language": "en", "procedure": "rinnovo"}, {"text": "how much", "entities": []})
    events = await ActionAnswerCost().run(dispatcher, tracker, domain)
    assert {"event": "slot", "name": "pending_question", "value": "cost", "timestamp": None} in events
    assert dispatcher.messages[0]["text"] == "For which residence permit?"


@pytest.mark.asyncio
async def test_the_typed_answer_resumes_the_pending_question(dispatcher, domain):
    slots = {"language": "it", "permit_type": "studio", "procedure": "rinnovo", "pending_question": "cost"}
    events = await ActionResumeQuestion().run(dispatcher, make_tracker(slots, {"text": "studio"}), domain)
    assert "Totale: 116,46 €" in dispatcher.messages[0]["text"]
    assert {"event": "slot", "name": "pending_question", "value": None, "timestamp": None} in events


@pytest.mark.asyncio
async def test_the_another_permit_button_asks_afresh(dispatcher, domain):
    slots = {"language": "it", "permit_type": "studio", "procedure": "rinnovo"}
    await ActionAnswerDocuments().run(dispatcher, make_tracker(slots, {"text": "/ask_documents"}), domain)
    assert dispatcher.messages[0]["text"] == "Per quale permesso di soggiorno?"


@pytest.mark.asyncio
async def test_without_a_pending_question_the_menu_is_shown(dispatcher, domain):
    await ActionResumeQuestion().run(dispatcher, make_tracker({}, {"text": "studio"}), domain)
    assert dispatcher.messages[0]["response"] == "utter_menu"
