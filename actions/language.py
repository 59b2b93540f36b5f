"""Actions that keep track of, and change, the conversation language."""

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from sportello.conversation_language import language_after_message, requested_language
from sportello.languages import load_registry
from sportello.menus import language_buttons
from sportello.responses import LANGUAGE_SLOT


class ActionSetLanguage(Action):
    """Slot-mapping action: Rasa runs it after every user message to update ``language``."""

    def name(self) -> str:
        return "action_set_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        current = tracker.get_slot(LANGUAGE_SLOT)
        language = language_after_message(current, tracker.latest_message, load_registry())
        return [] if language == current else [SlotSet(LANGUAGE_SLOT, language)]


class ActionChangeLanguage(Action):
    """Confirms a language change, or shows the language menu when no language was named."""

    def name(self) -> str:
        return "action_change_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        registry = load_registry()
        requested = requested_language(tracker.latest_message, registry)
        # action_set_language has already switched to an honoured request.
        if requested and requested == tracker.get_slot(LANGUAGE_SLOT):
            dispatcher.utter_message(response="utter_language_changed")
        else:
            dispatcher.utter_message(response="utter_choose_language", buttons=language_buttons(registry))
        return []
