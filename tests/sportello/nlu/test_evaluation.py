import asyncio

import pytest

from sportello.nlu.evaluation import Example, entity_set, evaluate, load_examples


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


def test_entities_and_frequent_questions_are_scored():
    expected = entity_set([{"entity": "permit_type", "value": "studio"}, {"entity": "procedure", "value": "rinnovo"}])
    examples = [
        Example("rinnovo studio", "ask_documents", "it", expected),
        Example("posso lavorare con la ricevuta", "ask_faq", "it", frozenset(), "receipt_work"),
    ]

    async def parse(text):
        if text.startswith("rinnovo"):
            return {"intent": {"name": "ask_documents"},
                    "entities": [{"entity": "permit_type", "value": "studio"},
                                 {"entity": "permit_type", "value": "famiglia"},
                                 {"entity": "language", "value": "it"}]}
        return {"intent": {"name": "ask_faq"}, "faq": {"key": "receipt_work"}, "entities": []}

    [score] = asyncio.run(evaluate(parse, examples)).values()
    assert (score.entities_found, score.entities_expected, score.entities_right) == (2, 2, 1)
    assert score.entity_precision == 0.5 and score.entity_recall == 0.5
    assert score.faq_accuracy == 1.0
