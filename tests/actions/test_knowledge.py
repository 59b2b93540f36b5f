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


@pytest.mark.asyncio
async def test_a_typed_number_gets_its_shape_checked_in_the_users_language(dispatcher, domain):
    from actions.knowledge import ActionAnswerStatus

    latest = {"text": "050123456789", "entities": [{"entity": "application_number", "value": "050123456789"}]}
    await ActionAnswerStatus().run(dispatcher, make_tracker({"language": "en"}, latest), domain)
    text = dispatcher.messages[0]["text"]
    assert "12 characters" in text and "https://questure.poliziadistato.it/stranieri" in text


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "faq, entities, expected",
    [
        ({"key": "receipt_work", "confidence": 0.8, "confident": True, "ranking": []}, [], "answer"),
        (
            {
                "key": "receipt_work",
                "confidence": 0.1,
                "confident": False,
                "ranking": [{"key": "receipt_work"}, {"key": "lost_stolen"}],
            },
            [],
            "choices",
        ),
        (None, [{"entity": "faq_key", "value": "lost_stolen"}], "answer"),
        (None, [], "menu"),
    ],
)
async def test_frequent_questions(dispatcher, domain, faq, entities, expected):
    from actions.knowledge import ActionAnswerFaq

    latest = {"text": "x", "entities": entities, **({"faq": faq} if faq else {})}
    await ActionAnswerFaq().run(dispatcher, make_tracker({"language": "en"}, latest), domain)
    message = dispatcher.messages[0]
    if expected == "menu":
        assert [m.get("response") for m in dispatcher.messages] == ["utter_menu"]
    elif expected == "choices":
        assert len(message["buttons"]) == 2 and message["buttons"][0]["payload"].startswith("/ask_faq")
        assert dispatcher.messages[1]["response"] == "utter_menu"
    else:
        assert len(dispatcher.messages) == 1
        assert message["text"].startswith("*") and message["buttons"][0]["payload"] == "/request_human"
