"""The trained model on held-out examples never used in training: floors per language.

The floors sit a little under the accuracy measured when they were set (see
docs/benchmarks/nlu.md), so that a change to the data or pipeline that makes one
language noticeably worse fails here before it ships.
"""

from __future__ import annotations

import asyncio

import pytest

from sportello.nlu.evaluation import evaluate, load_examples

INTENT_ACCURACY_FLOOR = {"it": 0.85, "en": 0.85, "fr": 0.85, "es": 0.85, "ar": 0.85, "sq": 0.85,
                         "uk": 0.85, "zh": 0.85}
LANGUAGE_ACCURACY_FLOOR = 0.9


@pytest.fixture(scope="module")
def scores(model_path):
    from rasa.core.agent import Agent

    agent = Agent.load(str(model_path))
    return asyncio.run(evaluate(agent.parse_message, load_examples()))


def test_every_language_is_evaluated(scores, registry):
    assert sorted(scores) == sorted(registry.codes)
    assert all(len(score.expected) >= 6 * 18 for score in scores.values())


@pytest.mark.parametrize("language", sorted(INTENT_ACCURACY_FLOOR))
def test_intent_accuracy_floor(scores, language):
    score = scores[language]
    assert score.accuracy >= INTENT_ACCURACY_FLOOR[language], f"{language}: {score.accuracy:.3f}"


def test_language_detection_on_heldout_messages(scores):
    for language, score in scores.items():
        assert score.language_accuracy >= LANGUAGE_ACCURACY_FLOOR, f"{language}: {score.language_accuracy:.3f}"
