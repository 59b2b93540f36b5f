"""The two-stage fallback for messages the assistant did not understand."""

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from sportello.fallback import is_repeated_failure, suggestions
from sportello.responses import LANGUAGE_SLOT


class ActionHandleFallback(Action):
    """First "did you mean ...?" with the likeliest intents; on a second failure, a person."""

    def name(self) -> str:
        return "action_handle_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        buttons = suggestions(
            tracker.latest_message.get("intent_ranking") or [],
            domain,
            tracker.get_slot(LANGUAGE_SLOT),
        )
        if is_repeated_failure(tracker.events) or not buttons:
            dispatcher.utter_message(response="utter_offer_human")
        else:
            dispatcher.utter_message(response="utter_did_you_mean", buttons=buttons)
        return []
