"""NLU tokeniser that splits each message with the rules of its own language.

Blank spaCy pipelines are enough for tokenisation; Chinese is segmented into words
with jieba (whitespace tokenisation would make a whole sentence one token).
"""

from __future__ import annotations

from typing import Any, Dict, List

import spacy
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from spacy.language import Language as SpacyPipeline

from sportello.languages import load_registry
from sportello.nlu.language_detector import message_language

# spaCy's default Chinese segmenter splits into single characters; jieba finds words.
_SPACY_OVERRIDES: Dict[str, Dict[str, Any]] = {
    "zh": {"nlp": {"tokenizer": {"segmenter": "jieba"}}}
}


def blank_pipeline(spacy_code: str) -> SpacyPipeline:
    """A blank spaCy pipeline (tokeniser only) for a spaCy language code."""
    return spacy.blank(spacy_code, config=_SPACY_OVERRIDES.get(spacy_code, {}))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class MultilingualTokenizer(Tokenizer):
    """Tokenises with the blank spaCy pipeline of the message's detected language."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Rasa's tokeniser options (intents are not split into tokens)."""
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    def __init__(self, config: Dict[str, Any]) -> None:
        super().__init__(config)
        registry = load_registry()
        self._reference = registry.reference
        self._pipelines = {lang.code: blank_pipeline(lang.spacy) for lang in registry.languages}

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MultilingualTokenizer:
        """Creates the tokeniser with one pipeline per supported language."""
        return cls(config)

    def tokenize(self, message: Message, attribute: str) -> List[Token]:
        """Splits ``attribute`` of ``message`` into word tokens, dropping punctuation and spaces."""
        text = message.get(attribute)
        if attribute != TEXT:
            # Intent and response names: plain whitespace split, as Rasa's own tokenisers do.
            return self._convert_words_to_tokens(text.split(), text)
        language = message_language(message) or self._reference
        pipeline = self._pipelines.get(language, self._pipelines[self._reference])
        tokens = [
            Token(token.text, token.idx)
            for token in pipeline.make_doc(text)
            if not (token.is_space or token.is_punct)
        ]
        if not tokens:  # only punctuation or emoji: keep the whole text, as Rasa does
            tokens = [Token(text, 0)]
        return self._apply_token_pattern(tokens)
