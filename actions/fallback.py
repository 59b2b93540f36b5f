"""The two-stage fallback for messages the assistant did not understand."""

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import hand_over_events
from sportello.fallback import did_you_mean, is_repeated_failure
from sportello.responses import LANGUAGE_SLOT


class ActionHandleFallback(Action):
    """First "did you mean ...?" (or "say it again, or ask for a person"); on a second failure in a row, a person."""

    def name(self) -> str:
        return "action_handle_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        ranking = tracker.latest_message.get("intent_ranking") or []
        question = did_you_mean(ranking, domain, tracker.get_slot(LANGUAGE_SLOT))
        if is_repeated_failure(tracker.events):
            return hand_over_events(dispatcher, tracker, "not_understood")
        if question is None:
            dispatcher.utter_message(response="utter_offer_human")
        else:
            dispatcher.utter_message(text=question["text"], buttons=question["buttons"])
        return []
