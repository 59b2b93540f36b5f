"""Which frequent question a message asks, once the intent classifier has said it is one.

Frequent questions share the intent ``ask_faq`` (so they compete with the other
intents as one), and each training block names its question in metadata
(``faq: receipt_work``). This component learns those keys with the same TF-IDF and
logistic-regression model as the intent classifier and adds
``faq: {key, confidence, ranking, confident}`` to messages classified ``ask_faq``; the answer
itself comes from ``knowledge/faq.yml`` (Rasa's retrieval intents would keep answers in
the domain, without sources and dates).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from sportello.nlu.intent_classifier import TfidfIntentClassifier
from sportello.nlu.metadata import declared
from sportello.nlu.pipeline_component import PipelineComponent
from sportello.nlu.tfidf import build_pipeline, tokenised_text

logger = logging.getLogger(__name__)

FAQ = "faq"
MODEL_FILE = "faq_selector.skops"
# What it shares with the intent classifier: the TF-IDF and logistic-regression settings.
MODEL_SETTINGS = ("C", "char_ngram_range", "max_iter", "random_state")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FaqSelector(PipelineComponent):
    """Adds the frequent question's key to messages of the FAQ intent."""

    model_file = MODEL_FILE

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """The FAQ intent's name, and the intent classifier's model settings."""
        # Below `threshold` the assistant offers the likeliest questions instead of answering one.
        model = {key: TfidfIntentClassifier.get_default_config()[key] for key in MODEL_SETTINGS}
        return {**model, "intent": "ask_faq", "ranking_length": 3, "threshold": 0.3}

    def train(self, training_data: TrainingData) -> Resource:
        """Learns the keys from the FAQ intent's examples."""
        examples = [
            (tokenised_text(e), key)
            for e in training_data.intent_examples
            if e.get(INTENT) == self._config["intent"] and e.get(TEXT) and (key := declared(e, FAQ))
        ]
        keys = {key for _, key in examples}
        if len(keys) < 2:
            logger.warning("Fewer than two frequent questions in the training data: the FAQ selector is not trained")
            return self._resource
        pipeline = build_pipeline(self._config)
        pipeline.fit([text for text, _ in examples], [key for _, key in examples])
        return self._save(pipeline)

    def process(self, messages: List[Message]) -> List[Message]:
        """Sets ``faq`` on each message whose intent is the FAQ intent."""
        asking = [m for m in messages if (m.get(INTENT) or {}).get("name") == self._config["intent"]]
        if self._pipeline is None or not asking:
            return messages
        probabilities = self._pipeline.predict_proba([tokenised_text(m) for m in asking])
        keys = self._pipeline.classes_
        for message, row in zip(asking, probabilities, strict=True):
            order = np.argsort(-row)[: self._config["ranking_length"]]
            ranking = [{"key": str(keys[i]), "confidence": float(row[i])} for i in order]
            confident = ranking[0]["confidence"] >= self._config["threshold"]
            message.set(FAQ, {**ranking[0], "ranking": ranking, "confident": confident}, add_to_output=True)
        return messages
