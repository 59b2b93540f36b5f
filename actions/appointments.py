"""Booking, checking, moving and cancelling appointments: thin actions over sportello.appointments.dialogue."""

from datetime import date, datetime, timezone
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from sportello.appointments import dialogue
from sportello.appointments.applicant import application_number, clean_name, number_length
from sportello.appointments.dates import understand_date
from sportello.appointments.messages import CODE_ENTITY, FROM_ENTITY, SLOT_ENTITY, Message, texts
from sportello.appointments.service import appointments
from sportello.knowledge.answers import ask_permit, ask_procedure, library
from sportello.knowledge.status import NUMBER_ENTITY
from sportello.responses import LANGUAGE_SLOT, answer_language

FORM = "appointment_form"
NAME_SLOT = "applicant_name"
MODE_SLOT = "appointment_mode"
NOTICE_SLOT = "appointment_notice"
NO_NUMBER = "none"
# Slots the form fills and forgets once it ends (the name must not linger in the tracker).
FORM_SLOTS = (NAME_SLOT, NUMBER_ENTITY, SLOT_ENTITY, FROM_ENTITY, CODE_ENTITY, MODE_SLOT, NOTICE_SLOT)
# Intents that end the form instead of answering its question; data/rules.yml has one
# "stop the appointment form" rule for each (tests/actions/test_appointments.py checks).
STOP_INTENTS = (
    "deny",
    "cancel_appointment",
    "check_appointment",
    "request_human",
    "change_language",
    "ask_documents",
    "ask_cost",
    "ask_procedure",
    "ask_status",
    "ask_office_info",
)
# While a free text is expected (name, number, day), only a clear request stops the form.
FREE_TEXT_SLOTS = (NAME_SLOT, NUMBER_ENTITY, SLOT_ENTITY)
FREE_TEXT_STOP = ("deny", "cancel_appointment", "request_human", "change_language")
STOP_CONFIDENCE = 0.7


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _language(tracker: Tracker) -> str:
    return answer_language(tracker.get_slot(LANGUAGE_SLOT))


def _send(dispatcher: CollectingDispatcher, messages: List[Message]) -> None:
    for message in messages:
        dispatcher.utter_message(text=message["text"], buttons=message.get("buttons") or [])


def _entity(tracker: Tracker, name: str) -> Optional[str]:
    return next(tracker.get_latest_entity_values(name), None)


def _typed(tracker: Tracker) -> Optional[str]:
    """The user's own words (None for button payloads, which are handled by their entities)."""
    text = str(tracker.latest_message.get("text") or "").strip()
    return None if not text or text.startswith("/") else text


def _reset() -> List[EventType]:
    return [SlotSet(slot, None) for slot in FORM_SLOTS]


class ValidateAppointmentForm(FormValidationAction):
    """Extracts and checks the form's answers; books or moves when a slot is chosen."""

    def name(self) -> str:
        return "validate_appointment_form"

    async def required_slots(
        self, domain_slots: List[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[str]:
        # Moving a booking needs only the new slot.
        return [SLOT_ENTITY] if tracker.get_slot(MODE_SLOT) == dialogue.RESCHEDULE else domain_slots

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        app, now, sender = appointments(), _now(), tracker.sender_id
        requested = tracker.get_slot(REQUESTED_SLOT)
        events: List[EventType] = []
        if tracker.get_slot(MODE_SLOT) is None:
            events = self._start(tracker, now)
            tracker.add_slots(events)
        notice = dialogue.precheck(app, sender, tracker.get_slot(MODE_SLOT), tracker.get_slot(CODE_ENTITY), now)
        if notice is not None:
            return [*events, SlotSet(NOTICE_SLOT, notice), SlotSet(REQUESTED_SLOT, None)]
        if requested and self._stops(tracker, requested):
            # Nothing extracted: Rasa rejects the form and a "stop" rule takes over.
            return []
        result = await super().run(dispatcher, tracker, domain)
        if requested and not any(e.get("event") == "slot" and e.get("name") == requested for e in result):
            dispatcher.utter_message(text=texts()("choose_option", _language(tracker)))
            result.append(SlotSet(requested, None))
        return [*events, *result]

    @staticmethod
    def _start(tracker: Tracker, now: datetime) -> List[EventType]:
        """Booking or moving, which booking, and a day named in the first message ("book for Thursday")."""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        mode = dialogue.RESCHEDULE if intent == "reschedule_appointment" else dialogue.BOOK
        events = [SlotSet(MODE_SLOT, mode)]
        if mode == dialogue.RESCHEDULE:
            booking = dialogue.booking_to_move(appointments(), tracker.sender_id, _entity(tracker, CODE_ENTITY), now)
            events.append(SlotSet(CODE_ENTITY, booking.code if booking else None))
        text = _typed(tracker)
        if text:
            day = understand_date(text, now.astimezone(appointments().settings.timezone).date()).day
            if day is not None:
                events.append(SlotSet(FROM_ENTITY, day.isoformat()))
        return events

    @staticmethod
    def _stops(tracker: Tracker, requested: str) -> bool:
        intent = tracker.latest_message.get("intent") or {}
        name, confidence = intent.get("name"), float(intent.get("confidence") or 0)
        if requested == NUMBER_ENTITY and name == "deny":
            return False  # "no" to "do you have a number?" answers the question
        if _typed(tracker) is None:
            return name in STOP_INTENTS
        stops = FREE_TEXT_STOP if requested in FREE_TEXT_SLOTS else STOP_INTENTS
        return name in stops and confidence >= STOP_CONFIDENCE

    async def extract_applicant_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        text = _typed(tracker)
        return {NAME_SLOT: text} if tracker.get_slot(REQUESTED_SLOT) == NAME_SLOT and text else {}

    async def extract_application_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if tracker.get_slot(REQUESTED_SLOT) != NUMBER_ENTITY:
            return {}
        if (tracker.latest_message.get("intent") or {}).get("name") == "deny":
            return {NUMBER_ENTITY: NO_NUMBER}
        value = _entity(tracker, NUMBER_ENTITY) or _typed(tracker)
        return {NUMBER_ENTITY: value} if value else {}

    async def extract_appointment_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if tracker.get_slot(REQUESTED_SLOT) != SLOT_ENTITY:
            return {}
        later = _entity(tracker, FROM_ENTITY)
        value = _entity(tracker, SLOT_ENTITY) or (dialogue.FROM_PREFIX + later if later else None) or _typed(tracker)
        return {SLOT_ENTITY: value} if value else {}

    def validate_permit_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if value in library().knowledge.permits:
            return {"permit_type": value}
        dispatcher.utter_message(text=texts()("choose_option", _language(tracker)))
        return {"permit_type": None}

    def validate_procedure(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        permit = library().knowledge.permits.get(tracker.get_slot("permit_type") or "")
        if permit is None or value in permit.procedures:
            return {"procedure": value}
        dispatcher.utter_message(text=texts()("choose_option", _language(tracker)))
        return {"procedure": None}

    def validate_applicant_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        limit = appointments().settings.limits.max_name_length
        name = clean_name(str(value), limit)
        if name is None:
            dispatcher.utter_message(text=texts()("name_invalid", _language(tracker), max=str(limit)))
        return {NAME_SLOT: name}

    def validate_application_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if value == NO_NUMBER:
            return {NUMBER_ENTITY: NO_NUMBER}
        number = application_number(str(value))
        if number is None:
            length = str(number_length(str(value)))
            dispatcher.utter_message(text=texts()("number_invalid", _language(tracker), length=length))
        return {NUMBER_ENTITY: number}

    def validate_appointment_slot(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        app, now, sender = appointments(), _now(), tracker.sender_id
        moving = None
        if tracker.get_slot(MODE_SLOT) == dialogue.RESCHEDULE:
            moving = dialogue.booking_to_move(app, sender, tracker.get_slot(CODE_ENTITY), now)
        number = tracker.get_slot(NUMBER_ENTITY)
        details = {
            "name": tracker.get_slot(NAME_SLOT),
            "permit_type": tracker.get_slot("permit_type"),
            "procedure": tracker.get_slot("procedure"),
            "application_number": None if number == NO_NUMBER else number,
        }
        step = dialogue.choose(app, sender, _language(tracker), str(value), details, moving, now)
        _send(dispatcher, step.messages)
        if step.notice is not None:
            return {SLOT_ENTITY: None, NOTICE_SLOT: step.notice, REQUESTED_SLOT: None}
        return {SLOT_ENTITY: None, **step.slots}


class ActionAskPermitType(Action):
    """Which permit the appointment is for (buttons answer the form, not a knowledge question)."""

    def name(self) -> str:
        return "action_ask_appointment_form_permit_type"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        _send(dispatcher, [ask_permit(library(), "inform", _language(tracker))])
        return []


class ActionAskProcedure(Action):
    """Which procedure the appointment is for."""

    def name(self) -> str:
        return "action_ask_appointment_form_procedure"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        permit = library().knowledge.permits[tracker.get_slot("permit_type")]
        _send(dispatcher, [ask_procedure(library(), "inform", permit, _language(tracker))])
        return []


class ActionAskApplicantName(Action):
    """The applicant's name as on the passport."""

    def name(self) -> str:
        return "action_ask_applicant_name"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(text=texts()("ask_name", _language(tracker)))
        return []


class ActionAskApplicationNumber(Action):
    """The pratica or assicurata number, if the applicant has one."""

    def name(self) -> str:
        return "action_ask_application_number"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        language = _language(tracker)
        button = {"title": texts()("button_no_number", language), "payload": "/deny"}
        dispatcher.utter_message(text=texts()("ask_number", language), buttons=[button])
        return []


class ActionAskAppointmentSlot(Action):
    """The free slots as a list grouped by day (from the day asked for, if any)."""

    def name(self) -> str:
        return "action_ask_appointment_slot"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        app, now = appointments(), _now()
        typed_from = tracker.get_slot(FROM_ENTITY)
        from_day = date.fromisoformat(typed_from) if typed_from else None
        moving = None
        if tracker.get_slot(MODE_SLOT) == dialogue.RESCHEDULE:
            moving = dialogue.booking_to_move(app, tracker.sender_id, tracker.get_slot(CODE_ENTITY), now)
        _send(dispatcher, dialogue.slot_question(app, tracker.sender_id, _language(tracker), now, from_day, moving))
        return []


class ActionAppointmentDone(Action):
    """After the form: the confirmation, or why booking could not go on; then forgets the form's answers."""

    def name(self) -> str:
        return "action_appointment_done"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        app, language = appointments(), _language(tracker)
        notice, code = tracker.get_slot(NOTICE_SLOT), tracker.get_slot(CODE_ENTITY)
        if notice is not None:
            _send(dispatcher, dialogue.notice_messages(app, notice, tracker.sender_id, language, _now()))
        elif code and tracker.get_slot(SLOT_ENTITY):
            moved = tracker.get_slot(MODE_SLOT) == dialogue.RESCHEDULE
            _send(dispatcher, dialogue.booked_messages(app, library(), code, language, moved))
        return _reset()


class ActionStopAppointment(Action):
    """Ends the form on request: nothing was saved; the answer to the new request follows."""

    def name(self) -> str:
        return "action_stop_appointment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if tracker.get_slot(MODE_SLOT) == dialogue.BOOK:
            dispatcher.utter_message(text=texts()("stopped", _language(tracker)))
        return [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None), *_reset()]


class ActionCheckAppointment(Action):
    """The sender's upcoming appointments, with buttons to move or cancel each."""

    def name(self) -> str:
        return "action_check_appointment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        _send(dispatcher, dialogue.check_messages(appointments(), tracker.sender_id, _language(tracker), _now()))
        return []


class ActionCancelAppointment(Action):
    """Asks to confirm cancelling; the yes or no that follows is handled by action_answer_yes_no."""

    def name(self) -> str:
        return "action_cancel_appointment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        messages, code = dialogue.cancel_question(
            appointments(), tracker.sender_id, _language(tracker), _entity(tracker, CODE_ENTITY), _now()
        )
        _send(dispatcher, messages)
        return [SlotSet(CODE_ENTITY, code)]


class ActionAnswerYesNo(Action):
    """Yes or no: confirms or keeps the booking just asked about, else asks what else is needed."""

    def name(self) -> str:
        return "action_answer_yes_no"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        code = tracker.get_slot(CODE_ENTITY)
        # Only an answer to the question just asked counts: a "yes" later must not cancel anything.
        if code and _previous_action(tracker) == "action_cancel_appointment":
            language = _language(tracker)
            if (tracker.latest_message.get("intent") or {}).get("name") == "affirm":
                _send(dispatcher, dialogue.cancel(appointments(), tracker.sender_id, language, code))
            else:
                dispatcher.utter_message(text=texts()("kept", language))
            return [SlotSet(CODE_ENTITY, None)]
        dispatcher.utter_message(response="utter_anything_else")
        return [SlotSet(CODE_ENTITY, None)] if code else []


def _previous_action(tracker: Tracker) -> Optional[str]:
    """The last action before the latest user message, other than listening."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_user = True
        elif seen_user and event.get("event") == "action" and event.get("name") != "action_listen":
            return event.get("name")
    return None
