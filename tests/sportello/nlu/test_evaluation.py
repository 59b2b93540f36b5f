import asyncio

import pytest

from sportello.nlu.evaluation import Example, evaluate, load_examples


def test_heldout_files_declare_languages_and_intents(registry):
    examples = load_examples()
    assert {e.language for e in examples} == set(registry.codes)
    assert all(e.text and e.intent for e in examples)


def test_evaluate_scores_per_language():
    examples = [Example("a", "greet", "it"), Example("b", "thank", "it"), Example("c", "greet", "en")]
    answers = {"a": ("greet", "it"), "b": ("nlu_fallback", "es"), "c": ("greet", "en")}

    async def parse(text):
        intent, language = answers[text]
        return {"intent": {"name": intent}, "language": {"name": language}}

    scores = asyncio.run(evaluate(parse, examples))
    assert scores["it"].accuracy == pytest.approx(0.5)
    assert scores["it"].language_accuracy == pytest.approx(0.5)
    assert scores["en"].accuracy == 1.0
    assert scores["en"].macro_f1 == 1.0
