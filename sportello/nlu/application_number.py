"""Finds an application number (assicurata or pratica) in a message.

Applicants check their application on the Polizia di Stato status page with the
12-character assicurata number of the kit's receipt or the 10-character pratica
number of the Questura (knowledge/catalogue.yml, step ``status_check``). When they
type one here, this component extracts it as the entity ``application_number``
(letters and digits only, upper case), and a message that is little more than the
number is read as ``ask_status``: a bare code means "check this", whatever the
intent classifier made of an unknown string of digits.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from sportello.knowledge.status import NUMBER_ENTITY as ENTITY

STATUS_INTENT = "ask_status"
# A group of letters and digits holding at least one digit; groups may be separated by
# one space or dash, as people copy a number from a receipt ("05 0123 456789").
_GROUP = r"[A-Za-z0-9]*\d[A-Za-z0-9]*"
NUMBER = re.compile(rf"(?<![A-Za-z0-9-]){_GROUP}(?:[ -]{_GROUP})*(?![A-Za-z0-9-])")
MIN_DIGITS = 6
MAX_LENGTH = 20
# Words besides the number ("il mio numero è ...") that still leave it a bare number.
MAX_OTHER_WORDS = 4


def find_number(text: str) -> Optional[Dict[str, Any]]:
    """The first number-like run in ``text`` as an entity, or None."""
    for match in NUMBER.finditer(text):
        value = re.sub(r"[ -]", "", match.group()).upper()
        if sum(ch.isdigit() for ch in value) >= MIN_DIGITS and len(value) <= MAX_LENGTH:
            return {"entity": ENTITY, "value": value, "start": match.start(), "end": match.end()}
    return None


def is_bare_number(text: str, entity: Dict[str, Any]) -> bool:
    """Whether the message says little besides the number."""
    rest = text[: entity["start"]] + " " + text[entity["end"] :]
    return len(re.findall(r"\w+", rest)) <= MAX_OTHER_WORDS


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class ApplicationNumberExtractor(GraphComponent, EntityExtractorMixin):
    """Extracts ``application_number``; a bare number becomes ``ask_status``."""

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ApplicationNumberExtractor:
        """Nothing to train or configure."""
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds the entity, and the status intent for bare numbers."""
        for message in messages:
            text = message.get(TEXT) or ""
            entity = find_number(text)
            if entity is None:
                continue
            entity = self.add_extractor_name([entity])[0]
            message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)
            if is_bare_number(text, entity):
                intent = {"name": STATUS_INTENT, "confidence": 1.0}
                message.set(INTENT, intent, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)
        return messages
