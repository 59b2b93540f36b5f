"""The answer to an attachment, or to a question about sending documents."""

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import hand_over_events
from sportello.attachments.replies import KIND_ENTITY, OUTCOME_ENTITY, needs_staff, reply_for


class ActionAcknowledgeMedia(Action):
    """Says what happens to a file the applicant sent (or may send)."""

    def name(self) -> str:
        return "action_acknowledge_media"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        outcome = next(tracker.get_latest_entity_values(OUTCOME_ENTITY), None)
        if outcome is None and (tracker.latest_message.get("metadata") or {}).get("caption_of"):
            # "Here is my passport" as the caption of the photo: the photo's answer said it all.
            return []
        kind = next(tracker.get_latest_entity_values(KIND_ENTITY), None)
        reply = reply_for(outcome, kind)
        dispatcher.utter_message(response=reply.response, **reply.values)
        if needs_staff(outcome, kind):
            # Staff check documents: the conversation goes to the inbox with the file.
            return hand_over_events(dispatcher, tracker, "documents")
        return []
