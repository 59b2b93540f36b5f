"""Answers from the permit knowledge base: documents, costs and procedure for the applicant's case."""

from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import hand_over_events
from sportello.knowledge.answers import FAQ_ENTITY, INTENTS, answer, faq_answer, faq_choices, library
from sportello.knowledge.status import NUMBER_ENTITY, status_answer
from sportello.languages import load_registry
from sportello.office import field_text, load_office
from sportello.responses import LANGUAGE_SLOT, answer_language

PENDING_SLOT = "pending_question"


async def _reply(kind: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[str, Any]]:
    permit = tracker.get_slot("permit_type")
    procedure = tracker.get_slot("procedure")
    if tracker.latest_message.get("text") == f"/{INTENTS[kind]}":
        # A bare button ("Another permit", the menu): ask afresh instead of reusing the last case.
        permit = procedure = None
    messages, asking = answer(library(), kind, permit, procedure, answer_language(tracker.get_slot(LANGUAGE_SLOT)))
    for message in messages:
        dispatcher.utter_message(text=message["text"], buttons=message.get("buttons") or [])
    events: List[Dict[str, Any]] = [SlotSet(PENDING_SLOT, kind if asking else None)]
    if permit is None:
        events.append(SlotSet("permit_type", None))
    return events


class _AnswerAction(Action):
    """Answers one kind of knowledge question; subclasses name the kind and the action."""

    kind = ""
    action_name = ""

    def name(self) -> str:
        return self.action_name

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        return await _reply(self.kind, dispatcher, tracker)


class ActionAnswerDocuments(_AnswerAction):
    """The document checklist for the applicant's permit and procedure."""

    kind, action_name = "documents", "action_answer_documents"


class ActionAnswerCost(_AnswerAction):
    """The fees and their total for the applicant's case."""

    kind, action_name = "cost", "action_answer_cost"


class ActionAnswerProcedure(_AnswerAction):
    """The steps of the applicant's procedure."""

    kind, action_name = "procedure", "action_answer_procedure"


class ActionResumeQuestion(Action):
    """After a typed permit type or procedure: the question it completes, or else the menu."""

    def name(self) -> str:
        return "action_resume_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        pending: Optional[str] = tracker.get_slot(PENDING_SLOT)
        if pending in INTENTS:
            return await _reply(pending, dispatcher, tracker)
        dispatcher.utter_message(response="utter_menu")
        return []


class ActionAnswerStatus(Action):
    """Where and with which number to check an application; checks the shape of a typed number."""

    def name(self) -> str:
        return "action_answer_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        language = answer_language(tracker.get_slot(LANGUAGE_SLOT))
        page = field_text(load_office()["status_page"], language, load_registry().reference) or ""
        number = next(tracker.get_latest_entity_values(NUMBER_ENTITY), None)
        for message in status_answer(library(), number, page, language):
            dispatcher.utter_message(text=message["text"])
        return []


class ActionAnswerFaq(Action):
    """Answers a frequent question, or offers the likeliest ones when unsure which it is."""

    def name(self) -> str:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        language = answer_language(tracker.get_slot(LANGUAGE_SLOT))
        lib = library()
        # A "did you mean" button names the question; otherwise the FAQ selector's guess.
        key = next(tracker.get_latest_entity_values(FAQ_ENTITY), None)
        selected = tracker.latest_message.get("faq") or {}
        if key is None and selected.get("confident"):
            key = selected.get("key")
        if key in lib.knowledge.faqs:
            message = faq_answer(lib, key, language)
            if lib.knowledge.faqs[key].needs_person:
                # A refusal, an appeal, a long-expired permit...: the answer, then a person.
                dispatcher.utter_message(text=message["text"])
                return hand_over_events(dispatcher, tracker, "judgement")
            dispatcher.utter_message(text=message["text"], buttons=message["buttons"])
            return []
        if selected.get("ranking"):
            # Unsure: the likeliest questions, then the menu (vague messages such as
            # "I need help with my permit" land here too).
            message = faq_choices(lib, [choice["key"] for choice in selected["ranking"]], language)
            dispatcher.utter_message(text=message["text"], buttons=message["buttons"])
        dispatcher.utter_message(response="utter_menu")
        return []
