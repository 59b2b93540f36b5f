"""NLU component that tags every message with its language.

It runs first in the pipeline. At inference it detects the language; on training
data it takes the language declared in the example's metadata (``metadata:
{language: fr}`` on each intent block), falling back to detection, so that the
tokeniser learns with the right per-language rules. Training also stores the
lexicon of short training messages per language (sportello/langid/lexicon.py).
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from sportello.langid import make_identifier
from sportello.langid.lexicon import Lexicon, build_lexicon
from sportello.languages import load_registry
from sportello.nlu.metadata import declared

logger = logging.getLogger(__name__)

LANGUAGE = "language"
"""Key of the detection in the parse result: ``{"name": "fr", "confidence": 0.93, ...}``.

Besides name and confidence it carries the identifying ``script``, whether the script
alone ``decisive``-ly settled it, and which ``detector`` backend answered: the
conversation-language policy (sportello/conversation_language.py) needs all three.
"""
LEXICON_FILE = "lexicon.json"


def declared_language(message: Message) -> Optional[str]:
    """The language a training example declares in its (example or intent) metadata."""
    return declared(message, LANGUAGE)


def message_language(message: Message) -> Optional[str]:
    """The language code this component put on ``message``, if any."""
    detection = message.get(LANGUAGE) or {}
    return detection.get("name")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class LanguageDetector(GraphComponent):
    """Adds ``{"language": {"name", "confidence", ...}}`` to every parsed message."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """The backend measured best in docs/benchmarks/langid.md is the default."""
        return {"backend": "lingua"}

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        lexicon: Optional[Lexicon] = None,
    ) -> None:
        self._registry = load_registry()
        self._backend = config["backend"]
        self._identifier = make_identifier(self._registry, self._backend, lexicon)
        self._model_storage = model_storage
        self._resource = resource

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        """Creates an untrained component (no lexicon yet)."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LanguageDetector:
        """Loads the component with the lexicon stored at training time."""
        with model_storage.read_from(resource) as directory:
            raw = json.loads((directory / LEXICON_FILE).read_text(encoding="utf-8"))
        lexicon = {text: frozenset(languages) for text, languages in raw.items()}
        return cls(config, model_storage, resource, lexicon)

    def _language_of(self, example: Message) -> Optional[str]:
        declared = declared_language(example)
        if declared and not self._registry.get(declared):
            logger.warning("Training example declares unsupported language %r", declared)
            return None
        return declared

    def train(self, training_data: TrainingData) -> Resource:
        """Stores the lexicon of training messages by declared language."""
        pairs = []
        for example in training_data.training_examples:
            language = self._language_of(example)
            if language and example.get(TEXT):
                pairs.append((example.get(TEXT), language))
        lexicon = build_lexicon(pairs)
        with self._model_storage.write_to(self._resource) as directory:
            serialisable = {text: sorted(languages) for text, languages in lexicon.items()}
            (directory / LEXICON_FILE).write_text(json.dumps(serialisable, ensure_ascii=False), encoding="utf-8")
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Tags training examples with their declared (or else detected) language."""
        for example in training_data.training_examples:
            declared = self._language_of(example)
            if declared:
                example.set(LANGUAGE, {"name": declared, "confidence": 1.0})
            elif example.get(TEXT):
                example.set(LANGUAGE, self._identifier.detect(example.get(TEXT)).as_output())
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Detects the language of each incoming message."""
        for message in messages:
            detection = self._identifier.detect(message.get(TEXT) or "")
            output = {**detection.as_output(), "script": detection.script}
            output.update(decisive=detection.decisive, detector=self._backend)
            message.set(LANGUAGE, output, add_to_output=True)
        return messages
