"""The office's contacts."""

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from sportello.languages import load_registry
from sportello.office import field_text, load_office
from sportello.responses import LANGUAGE_SLOT, answer_language, variation


class ActionOfficeInfo(Action):
    """Tells the contacts the office's own sources state, and which are still to be confirmed."""

    def name(self) -> str:
        return "action_office_info"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        registry = load_registry()
        language = answer_language(tracker.get_slot(LANGUAGE_SLOT))
        unconfirmed = variation(domain, "utter_to_be_confirmed", language)["text"]
        values = {
            name: field_text(field, language, registry.reference) or unconfirmed
            for name, field in load_office().items()
        }
        dispatcher.utter_message(response="utter_office_info", **values)
        return []
