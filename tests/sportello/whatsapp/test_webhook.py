import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sportello.whatsapp.webhook import (
    MAX_BODY_BYTES,
    InboundMessage,
    InvalidPayload,
    Media,
    StatusUpdate,
    WebhookBatch,
    parse_webhook,
)

USER = "393331234567"
TS = "1717000000"


def envelope(*values, field="messages"):
    """A webhook body with one entry holding one change per value, escaped as Meta sends it."""
    changes = [{"field": field, "value": {"messaging_product": "whatsapp", **value}} for value in values]
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": changes}]}).encode()


def inbound(message, contacts=None):
    value = {
        "metadata": {"display_phone_number": "393517749241", "phone_number_id": "1065"},
        "contacts": contacts if contacts is not None else [{"profile": {"name": "Amina"}, "wa_id": USER}],
        "messages": [{"from": USER, "id": "wamid.1", "timestamp": TS, **message}],
    }
    return envelope(value)


def only_message(body):
    batch = parse_webhook(body)
    assert batch.statuses == ()
    (message,) = batch.messages
    return message


@pytest.mark.parametrize("text", ["Buongiorno", "مرحبا، أحتاج إلى تجديد تصريح الإقامة", "你好，我想续签居留许可"])
def test_text_message_in_any_script(text):
    body = inbound({"type": "text", "text": {"body": text}})
    assert b"\\u" in body or text.isascii()
    assert only_message(body) == InboundMessage(
        id="wamid.1",
        sender=USER,
        profile_name="Amina",
        timestamp=1717000000,
        type="text",
        text=text,
        reply_id=None,
        media=None,
        location=None,
        context_id=None,
    )


def test_unescaped_utf8_text_is_read_too():
    body = inbound({"type": "text", "text": {"body": "你好"}}).decode().replace("\\u4f60\\u597d", "你好").encode()
    assert only_message(body).text == "你好"


def test_reply_button_and_list_row_and_template_button():
    button = only_message(
        inbound(
            {
                "type": "interactive",
                "interactive": {"type": "button_reply", "button_reply": {"id": "/affirm", "title": "Sì"}},
                "context": {"from": "393517749241", "id": "wamid.bot"},
            }
        )
    )
    assert (button.type, button.text, button.reply_id) == ("interactive", "Sì", "/affirm")
    assert button.context_id == "wamid.bot"
    row = only_message(
        inbound(
            {
                "type": "interactive",
                "interactive": {
                    "type": "list_reply",
                    "list_reply": {"id": "/ask_cost", "title": "Costi", "description": "Quanto costa il permesso"},
                },
            }
        )
    )
    assert (row.text, row.reply_id) == ("Costi", "/ask_cost")
    template = only_message(inbound({"type": "button", "button": {"payload": "CONTINUE", "text": "Continua"}}))
    assert (template.type, template.text, template.reply_id) == ("button", "Continua", "CONTINUE")


def test_unknown_interactive_reply_keeps_the_message_without_text():
    message = only_message(inbound({"type": "interactive", "interactive": {"type": "nfm_reply", "nfm_reply": {}}}))
    assert (message.type, message.text, message.reply_id) == ("interactive", None, None)


def test_media_messages():
    image = only_message(
        inbound(
            {
                "type": "image",
                "image": {"id": "m1", "mime_type": "image/jpeg", "sha256": "abc=", "caption": "la mia ricevuta"},
            }
        )
    )
    assert image.media == Media(
        id="m1", mime_type="image/jpeg", sha256="abc=", filename=None, caption="la mia ricevuta", voice=False
    )
    assert image.text == "la mia ricevuta"
    document = only_message(
        inbound(
            {
                "type": "document",
                "document": {"id": "m2", "filename": "passaporto.pdf", "mime_type": "application/pdf", "sha256": "d="},
            }
        )
    )
    assert document.media.filename == "passaporto.pdf"
    assert document.text is None
    voice = only_message(
        inbound({"type": "audio", "audio": {"id": "m3", "mime_type": "audio/ogg; codecs=opus", "voice": True}})
    )
    assert voice.media.voice is True
    video = only_message(inbound({"type": "video", "video": {"id": "m4", "mime_type": "video/mp4", "sha256": "v="}}))
    assert (video.type, video.media.id) == ("video", "m4")
    sticker = only_message(inbound({"type": "sticker", "sticker": {"id": "m5", "mime_type": "image/webp"}}))
    assert (sticker.type, sticker.media.mime_type, sticker.text) == ("sticker", "image/webp", None)


def test_media_without_id_is_kept_without_media():
    message = only_message(inbound({"type": "image", "image": {"mime_type": "image/png"}}))
    assert (message.type, message.media) == ("image", None)


def test_location():
    full = only_message(
        inbound(
            {
                "type": "location",
                "location": {"latitude": 45.07, "longitude": 7.68, "name": "Questura", "address": "Corso Vinzaglio 10"},
            }
        )
    )
    assert full.location == {"latitude": 45.07, "longitude": 7.68, "name": "Questura", "address": "Corso Vinzaglio 10"}
    bare = only_message(inbound({"type": "location", "location": {"latitude": 45, "longitude": 7}}))
    assert bare.location == {"latitude": 45, "longitude": 7}
    broken = only_message(inbound({"type": "location", "location": {"latitude": "45", "longitude": 7}}))
    assert broken.location is None
    # 1e400 is valid JSON that Python reads as infinity.
    infinite = inbound({"type": "location", "location": {"latitude": 45, "longitude": 7}}).replace(b": 7}", b": 1e400}")
    assert only_message(infinite).location is None


@pytest.mark.parametrize(
    "message",
    [
        {"type": "reaction", "reaction": {"message_id": "wamid.bot", "emoji": "👍"}},
        {"type": "unsupported", "errors": [{"code": 131051, "title": "Message type unknown"}]},
        {"type": "contacts", "contacts": [{"name": {"formatted_name": "X"}, "phones": []}]},
        {"type": "order", "order": {"catalog_id": "1", "product_items": []}},
        {"type": "system", "system": {"body": "User changed number", "type": "user_changed_number"}},
        {"type": "hologram", "hologram": [1, 2, 3]},
    ],
)
def test_other_types_are_kept_with_their_type(message):
    parsed = only_message(inbound(message))
    assert parsed.type == message["type"]
    assert (parsed.text, parsed.media, parsed.location, parsed.reply_id) == (None, None, None, None)


def test_business_scoped_user_id_without_phone_number():
    value = {
        "contacts": [{"profile": {"name": "Li"}, "user_id": "US.13491208655302741918"}],
        "messages": [
            {
                "from_user_id": "US.13491208655302741918",
                "id": "wamid.2",
                "timestamp": TS,
                "type": "text",
                "text": {"body": "hi"},
            }
        ],
    }
    message = only_message(envelope(value))
    assert (message.sender, message.profile_name) == ("US.13491208655302741918", "Li")
    value["messages"][0]["user_id"] = value["messages"][0].pop("from_user_id")
    assert only_message(envelope(value)).sender == "US.13491208655302741918"


def test_profile_name_matches_by_wa_id_and_is_optional():
    contacts = [{"profile": {"name": "Other"}, "wa_id": "391111"}, {"profile": {"name": "Amina"}, "wa_id": USER}]
    assert only_message(inbound({"type": "text", "text": {"body": "x"}}, contacts)).profile_name == "Amina"
    assert only_message(inbound({"type": "text", "text": {"body": "x"}}, [])).profile_name is None
    assert only_message(inbound({"type": "text", "text": {"body": "x"}}, ["junk", {"profile": 3}])).profile_name is None


def test_statuses_with_and_without_errors():
    error = {
        "code": 131047,
        "title": "Re-engagement message",
        "message": "Re-engagement message",
        "error_data": {"details": "Message failed to send because more than 24 hours have passed"},
    }
    body = envelope(
        {
            "statuses": [
                {
                    "id": "wamid.out1",
                    "status": "delivered",
                    "timestamp": "1717000100",
                    "recipient_id": USER,
                    "conversation": {"id": "c"},
                    "pricing": {"billable": False},
                },
                {
                    "id": "wamid.out2",
                    "status": "failed",
                    "timestamp": "1717000101",
                    "recipient_id": USER,
                    "errors": [error],
                },
                {"id": "wamid.out3", "status": "read", "timestamp": "1717000102", "recipient_user_id": "US.1"},
            ]
        }
    )
    batch = parse_webhook(body)
    assert batch.messages == ()
    assert batch.statuses == (
        StatusUpdate("wamid.out1", "delivered", 1717000100, USER, ()),
        StatusUpdate("wamid.out2", "failed", 1717000101, USER, (error,)),
        StatusUpdate("wamid.out3", "read", 1717000102, "US.1", ()),
    )


def test_every_entry_change_and_message_is_read_in_order():
    def value(n):
        return {
            "contacts": [{"profile": {"name": f"U{n}"}, "wa_id": f"39{n}"}],
            "messages": [
                {"from": f"39{n}", "id": f"wamid.{n}.{k}", "timestamp": TS, "type": "text", "text": {"body": str(k)}}
                for k in range(2)
            ],
        }

    status = {"id": "wamid.out", "status": "sent", "timestamp": TS, "recipient_id": "391"}
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {"id": "A", "changes": [{"field": "messages", "value": value(n)} for n in (1, 2)]},
            {
                "id": "B",
                "changes": [
                    {"field": "message_template_status_update", "value": "anything"},
                    {"field": "messages", "value": {"statuses": [status]}},
                    {"field": "messages", "value": value(3)},
                ],
            },
        ],
    }
    batch = parse_webhook(json.dumps(payload).encode())
    assert [m.id for m in batch.messages] == [f"wamid.{n}.{k}" for n in (1, 2, 3) for k in range(2)]
    assert [m.profile_name for m in batch.messages] == ["U1", "U1", "U2", "U2", "U3", "U3"]
    assert [s.message_id for s in batch.statuses] == ["wamid.out"]


def test_empty_batches():
    assert parse_webhook(b'{"object": "whatsapp_business_account", "entry": []}') == WebhookBatch((), ())
    assert parse_webhook(envelope({"metadata": {}})) == WebhookBatch((), ())


def test_integer_timestamps_are_accepted():
    message = only_message(inbound({"type": "text", "text": {"body": "x"}, "timestamp": 1717000000}))
    assert message.timestamp == 1717000000


def message_body(**changes):
    message = {"from": USER, "id": "wamid.1", "timestamp": TS, "type": "text", "text": {"body": "x"}}
    message.update(changes)
    return envelope({"messages": [{k: v for k, v in message.items() if v is not None}]})


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"\xff\xfe{}",
        '{"object": "whatsapp_business_account", "entry": []}'.encode("utf-16"),
        b"[1, 2]",
        b'"whatsapp_business_account"',
        b'{"object": "page", "entry": []}',
        b'{"entry": []}',
        b'{"object": "whatsapp_business_account"}',
        b'{"object": "whatsapp_business_account", "entry": {}}',
        b'{"object": "whatsapp_business_account", "entry": [1]}',
        b'{"object": "whatsapp_business_account", "entry": [{"changes": "x"}]}',
        b'{"object": "whatsapp_business_account", "entry": [{"changes": [[]]}]}',
        b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": []}]}]}',
        envelope({"messages": {}}),
        envelope({"messages": ["x"]}),
        envelope({"statuses": [{"id": "w", "status": "sent", "timestamp": TS}]}),
        envelope({"statuses": [{"id": "w", "timestamp": TS, "recipient_id": USER}]}),
        message_body(id=None),
        message_body(id=""),
        message_body(id="w" * 257),
        message_body(id=5),
        message_body(**{"from": None}),
        message_body(**{"from": "3" * 257}),
        message_body(**{"from": 393331234567}),
        message_body(type=None),
        message_body(type=""),
        message_body(timestamp=None),
        message_body(timestamp="soon"),
        message_body(timestamp="-1"),
        message_body(timestamp=True),
        message_body(context={"id": "c" * 257}),
        message_body(type="interactive", interactive={"type": "button_reply", "button_reply": {"id": "i" * 257}}),
        message_body(id="\ud800"),
        b'{"object": "whatsapp_business_account", "entry": [], "x": NaN}',
        b"[" * 100_000,
        b" " * (MAX_BODY_BYTES + 1),
    ],
)
def test_malformed_bodies_are_refused(raw):
    with pytest.raises(InvalidPayload):
        parse_webhook(raw)


def test_refusal_messages_do_not_echo_the_sender():
    with pytest.raises(InvalidPayload) as caught:
        parse_webhook(message_body(**{"from": USER * 30}))
    assert USER not in str(caught.value)


def test_ids_of_exactly_256_characters_are_accepted():
    assert only_message(message_body(id="w" * 256)).id == "w" * 256


def test_lone_surrogates_in_text_are_dropped_not_passed_on():
    assert only_message(message_body(text={"body": "\ud800"})).text is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
# Mostly realistic webhooks with arbitrary JSON swapped in here and there, so the property reaches the message and
# status parsers instead of stopping at the envelope.
REALISTIC_BODIES = {
    "text": {"body": "مرحبا 你好"},
    "interactive": {"type": "button_reply", "button_reply": {"id": "/affirm", "title": "Sì"}},
    "button": {"payload": "CONTINUE", "text": "Continua"},
    "image": {"id": "m1", "mime_type": "image/jpeg", "sha256": "abc=", "caption": "ricevuta"},
    "document": {"id": "m2", "filename": "a.pdf", "mime_type": "application/pdf", "sha256": "d="},
    "audio": {"id": "m3", "mime_type": "audio/ogg", "voice": True},
    "location": {"latitude": 45.07, "longitude": 7.68, "name": "Questura"},
    "reaction": {"message_id": "wamid.bot", "emoji": "👍"},
}
plausible = st.sampled_from([USER, "US.1", "wamid.1", TS, 1717000000, "button_reply", "list_reply", 45.0, True])
body_keys = ["body", "id", "title", "type", "button_reply", "list_reply", "payload", "text", "mime_type", "sha256"]
body_keys += ["caption", "filename", "voice", "latitude", "longitude", "name", "address"]
any_value = plausible | json_values


def sometimes(strategy, otherwise, one_in=3):
    """Draws from strategy once in one_in draws, else from otherwise (one_of would split evenly)."""
    return st.integers(1, one_in).flatmap(lambda n: strategy if n == 1 else otherwise)


def mostly(strategy):
    # Garbage compounds over nested lists: kept rare, most examples still reach the innermost parsers.
    return sometimes(json_values, strategy, one_in=12)


mutations = sometimes(st.dictionaries(st.sampled_from(body_keys), any_value, max_size=2), st.just({}))
messages = st.builds(
    lambda kind, body_changes, changes: (
        {"from": USER, "id": "wamid.1", "timestamp": TS, "type": kind, kind: REALISTIC_BODIES[kind] | body_changes}
        | changes
    ),
    st.sampled_from(sorted(REALISTIC_BODIES)),
    mutations,
    sometimes(
        st.dictionaries(
            st.sampled_from(["from", "from_user_id", "user_id", "id", "timestamp", "type", "context"]),
            any_value | st.dictionaries(st.sampled_from(body_keys), any_value, max_size=3),
            max_size=2,
        ),
        st.just({}),
    ),
)
statuses = st.builds(
    lambda changes: {"id": "wamid.1", "status": "failed", "timestamp": TS, "recipient_id": USER} | changes,
    sometimes(
        st.dictionaries(
            st.sampled_from(["id", "status", "timestamp", "recipient_id", "recipient_user_id", "errors"]),
            any_value,
            max_size=2,
        ),
        st.just({}),
    ),
)
contacts = st.fixed_dictionaries(
    {"wa_id": sometimes(plausible, st.just(USER)), "profile": st.fixed_dictionaries({"name": any_value})}
)
values = st.fixed_dictionaries(
    {},
    optional={
        "contacts": mostly(st.lists(mostly(contacts), max_size=2)),
        "messages": mostly(st.lists(mostly(messages), max_size=3)),
        "statuses": mostly(st.lists(mostly(statuses), max_size=3)),
    },
)
fields = sometimes(st.just("account_update") | json_values, st.just("messages"), one_in=6)
changes = st.fixed_dictionaries({"field": fields, "value": mostly(values)})
entries = st.fixed_dictionaries({"id": st.just("WABA"), "changes": mostly(st.lists(mostly(changes), max_size=3))})
webhooks = st.fixed_dictionaries(
    {"object": st.just("whatsapp_business_account"), "entry": mostly(st.lists(mostly(entries), max_size=3))}
)


def parses_or_refuses(body):
    try:
        result = parse_webhook(body)
    except InvalidPayload:
        return
    assert isinstance(result, WebhookBatch)


@given(st.binary(max_size=2048))
def test_arbitrary_bytes_parse_or_are_refused(body):
    parses_or_refuses(body)


@given(json_values)
def test_arbitrary_json_parses_or_is_refused(value):
    parses_or_refuses(json.dumps(value).encode())


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(webhooks, st.booleans())
def test_arbitrary_webhook_shaped_json_parses_or_is_refused(value, ascii_only):
    parses_or_refuses(json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass"))
