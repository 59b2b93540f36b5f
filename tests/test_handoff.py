"""End to end through the REST channel: handing over pauses the assistant, and nothing the user types resumes it."""

from __future__ import annotations

from tests.test_appointments import text
from tests.test_server import new_sender, say, tracker


def test_a_handed_over_conversation_stays_silent_whatever_the_user_types(server):
    sender = new_sender()
    say(server, sender, "Hello")
    replies = say(server, sender, "I want to talk to a human please")
    assert "in the queue" in text(replies)
    assert "075 5062594" in text(replies)
    assert tracker(server, sender)["paused"]
    for message in ["hello? anyone there?", "/restart", '/session_start', "what documents do I need?"]:
        assert say(server, sender, message) == []
    state = tracker(server, sender)
    assert state["paused"]
    user_texts = [e["text"] for e in state["events"] if e["event"] == "user"]
    assert "what documents do I need?" in user_texts  # still recorded for staff
