"""An applicant asks to delete their data: staff do it from the inbox, the applicant is told how."""

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionHandleFallback
from actions.handoff import hand_over_events

# Erasure hands the conversation over: a vague message the model leans towards erasure
# for ("I need information about my permit") gets "did you mean ...?" instead.
ERASURE_CONFIDENCE = 0.6


class ActionRequestErasure(Action):
    """Queues the erasure request for staff and tells the applicant what will be deleted."""

    def name(self) -> str:
        return "action_request_erasure"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        intent = tracker.latest_message.get("intent") or {}
        if float(intent.get("confidence") or 0) < ERASURE_CONFIDENCE:
            return await ActionHandleFallback().run(dispatcher, tracker, domain)
        return hand_over_events(dispatcher, tracker, "erasure")
