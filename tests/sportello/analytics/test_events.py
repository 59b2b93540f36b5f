"""A sender's stored events as conversations: sessions, pauses, buttons, carried-over slots."""

from sportello.analytics.events import conversations


def user(t, text, intent, language="it"):
    return {
        "event": "user",
        "timestamp": t,
        "text": text,
        "parse_data": {"intent": {"name": intent}, "language": {"name": language}},
    }


def test_each_session_with_a_message_is_a_conversation():
    events = [
        {"event": "action", "name": "action_session_start", "timestamp": 100},
        {"event": "session_started", "timestamp": 100},
        user(101, "ciao", "greet"),
        {"event": "action", "name": "action_session_start", "timestamp": 200},
        {"event": "session_started", "timestamp": 200},  # a session without a message: not a conversation
        {"event": "action", "name": "action_session_start", "timestamp": 300},
        {"event": "session_started", "timestamp": 300},
        user(301, "bonjour", "greet", "fr"),
    ]
    first, second = conversations("s", events)
    assert first.started_at.timestamp() == 101 and first.ends_before.timestamp() == 200
    assert second.started_at.timestamp() == 301 and second.ends_before is None
    assert (first.language, second.language) == ("it", "fr")  # the detected language, without a language slot


def test_the_language_slot_wins_and_paused_messages_are_not_the_assistants():
    events = [
        {"event": "slot", "name": "language", "value": "uk", "timestamp": 1},
        {"event": "slot", "name": "permit_type", "value": "famiglia", "timestamp": 1},  # carried over
        user(2, "ну", "nlu_fallback", "ru"),
        {"event": "slot", "name": "permit_type", "value": "studio", "timestamp": 2},
        user(3, "/request_human", "request_human"),
        {"event": "pause", "timestamp": 3},
        user(4, "алло?", "nlu_fallback"),
        {"event": "resume", "timestamp": 5},
        user(6, "дякую", "thank"),
    ]
    [conversation] = conversations("s", events)
    assert conversation.language == "uk"
    assert conversation.intents == ("request_human", "thank")
    assert (conversation.typed, conversation.not_understood) == (2, 1)
    assert conversation.permit_types == frozenset({"studio"})


def test_events_without_an_applicants_message_give_nothing():
    assert conversations("s", [{"event": "action", "name": "action_listen", "timestamp": 1}]) == []
    assert conversations("s", []) == []
