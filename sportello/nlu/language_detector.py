"""NLU component that tags every message with its language.

It runs first in the pipeline. At inference it detects the language; on training
data it takes the language declared in the example's metadata (``metadata:
{language: fr}`` on each intent block), falling back to detection, so that the
tokeniser learns with the right per-language rules.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import METADATA, METADATA_EXAMPLE, METADATA_INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from sportello.langid import LanguageIdentifier, make_identifier
from sportello.languages import load_registry

logger = logging.getLogger(__name__)

LANGUAGE = "language"
"""Key of the detection in the parse result: ``{"name": "fr", "confidence": 0.93, ...}``.

Besides name and confidence it carries the identifying ``script``, whether the script
alone ``decisive``-ly settled it, and which ``detector`` backend answered: the
conversation-language policy (sportello/conversation_language.py) needs all three.
"""


def declared_language(message: Message) -> Optional[str]:
    """The language a training example declares in its (example or intent) metadata."""
    metadata = message.get(METADATA) or {}
    for level in (METADATA_EXAMPLE, METADATA_INTENT):
        value = (metadata.get(level) or {}).get(LANGUAGE)
        if value:
            return str(value)
    return None


def message_language(message: Message) -> Optional[str]:
    """The language code this component put on ``message``, if any."""
    detection = message.get(LANGUAGE) or {}
    return detection.get("name")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class LanguageDetector(GraphComponent):
    """Adds ``{"language": {"name", "confidence"}}`` to every parsed message."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """The backend measured best on docs/benchmarks/langid.md is the default."""
        return {"backend": "lingua"}

    def __init__(self, identifier: LanguageIdentifier, known: List[str], backend: str) -> None:
        self._identifier = identifier
        self._known = known
        self._backend = backend

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        """Creates the component with the configured backend and the language registry."""
        registry = load_registry()
        backend = config["backend"]
        return cls(make_identifier(registry, backend), registry.codes, backend)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Tags training examples with their declared (or else detected) language."""
        for example in training_data.training_examples:
            declared = declared_language(example)
            if declared and declared not in self._known:
                logger.warning("Training example declares unsupported language %r", declared)
                declared = None
            if declared:
                example.set(LANGUAGE, {"name": declared, "confidence": 1.0})
            elif example.get(TEXT):
                example.set(LANGUAGE, self._identifier.detect(example.get(TEXT)).as_output())
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Detects the language of each incoming message."""
        for message in messages:
            text = message.get(TEXT) or ""
            detection = self._identifier.detect(text)
            output = {**detection.as_output(), "script": detection.script}
            output.update(decisive=detection.decisive, detector=self._backend)
            message.set(LANGUAGE, output, add_to_output=True)
        return messages
