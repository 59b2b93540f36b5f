import json

import pytest

from sportello.attachments.replies import INTENT, UNSUPPORTED, reply_for, trigger
from sportello.retention import retention_days


def test_trigger_is_an_intent_message_with_entities():
    text = trigger("stored", "image")
    assert text.startswith(f"/{INTENT}{{")
    assert json.loads(text[len(INTENT) + 1 :]) == {"media_outcome": "stored", "media_kind": "image"}


@pytest.mark.parametrize(
    "outcome, kind, response",
    [
        ("stored", "image", "utter_media_received"),
        ("stored", "document", "utter_media_received"),
        ("stored", "audio", "utter_media_voice"),
        ("too_large", "image", "utter_media_too_large"),
        ("type_refused", "document", "utter_media_type_refused"),
        ("failed", "video", "utter_media_failed"),
        (UNSUPPORTED, "location", "utter_message_unsupported"),
        (None, None, "utter_document_info"),
    ],
)
def test_reply_for_each_outcome(outcome, kind, response):
    assert reply_for(outcome, kind).response == response


def test_replies_fill_limits_and_retention():
    assert reply_for("too_large", "image").values == {"max_mb": 5}
    assert reply_for("stored", "image").values == {"retention_days": retention_days("attachments")}
    assert reply_for(None, None).values == {"max_mb": 10, "retention_days": retention_days("attachments")}


def test_reply_placeholders_exist_in_every_variation(domain):
    for outcome, kind in [("stored", "image"), ("too_large", "video"), (None, None)]:
        reply = reply_for(outcome, kind)
        for variation in domain["responses"][reply.response]:
            for name in reply.values:
                assert "{" + name + "}" in variation["text"], (reply.response, name)
