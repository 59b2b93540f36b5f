"""The first-contact greeting."""

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from sportello.languages import load_registry
from sportello.menus import language_buttons
from sportello.responses import LANGUAGE_SLOT


class ActionGreet(Action):
    """Introduces the assistant; while the language is unknown, asks for it first."""

    def name(self) -> str:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        if tracker.get_slot(LANGUAGE_SLOT) is None:
            dispatcher.utter_message(response="utter_greet_language_menu", buttons=language_buttons(load_registry()))
            return []
        dispatcher.utter_message(response="utter_greet")
        dispatcher.utter_message(response="utter_menu")
        return []
