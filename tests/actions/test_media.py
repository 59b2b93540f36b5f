import pytest

from actions.media import ActionAcknowledgeMedia
from tests.actions.conftest import make_tracker


def media_message(outcome=None, kind=None, metadata=None):
    entities = []
    if outcome:
        entities = [{"entity": "media_outcome", "value": outcome}, {"entity": "media_kind", "value": kind}]
    return {"text": "x", "intent": {"name": "send_document"}, "entities": entities, "metadata": metadata or {}}


@pytest.mark.asyncio
async def test_a_refused_file_gets_its_reason_with_the_kind_limit(dispatcher, domain):
    tracker = make_tracker({"language": "fr"}, media_message("too_large", "image"))
    await ActionAcknowledgeMedia().run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_media_too_large"
    assert message["max_mb"] == 5


@pytest.mark.asyncio
async def test_a_typed_question_gets_the_general_explanation(dispatcher, domain):
    await ActionAcknowledgeMedia().run(dispatcher, make_tracker({}, media_message()), domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_document_info"
    assert message["max_mb"] == 10 and message["retention_days"] >= 1


@pytest.mark.asyncio
async def test_a_caption_saying_here_is_my_file_adds_nothing(dispatcher, domain):
    tracker = make_tracker({}, media_message(metadata={"caption_of": "wamid.1"}))
    assert await ActionAcknowledgeMedia().run(dispatcher, tracker, domain) == []
    assert dispatcher.messages == []
