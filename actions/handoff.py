"""Handing the conversation to a person of the office, and keeping it paused across sessions."""

from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from sportello.inbox.handoff import hand_over, inbox_store
from sportello.responses import LANGUAGE_SLOT, answer_language


def hand_over_events(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> List[EventType]:
    """Queues the conversation for staff, tells the applicant, and pauses the assistant."""
    language = answer_language(tracker.get_slot(LANGUAGE_SLOT))
    channel: Optional[str] = tracker.get_latest_input_channel() or "unknown"
    for text in hand_over(inbox_store(), tracker.sender_id, channel, reason, language, tracker.get_slot("permit_type")):
        dispatcher.utter_message(text=text)
    return [ConversationPaused()]


class ActionHandoff(Action):
    """The applicant asked for a person."""

    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        return hand_over_events(dispatcher, tracker, "asked")


class ActionSessionStart(Action):
    """Rasa's session start, except that a conversation waiting for staff stays paused.

    Rasa's own session start un-pauses the conversation, so an applicant writing
    after a day of silence would get the assistant back while staff still have it.
    """

    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        events: List[EventType] = [SessionStarted()]
        if (domain.get("session_config") or {}).get("carry_over_slots_to_new_session", True):
            events += [SlotSet(key, value) for key, value in tracker.current_slot_values().items() if value is not None]
        if inbox_store().open_handoff_of(tracker.sender_id) is not None:
            events.append(ConversationPaused())
        events.append(ActionExecuted("action_listen"))
        return events
