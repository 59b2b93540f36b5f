from sportello.training.examples import normalise, read_directory, read_examples

from .nlu_files import write_nlu

NLU = """version: "3.1"
nlu:
- intent: greet
  metadata:
    language: en
  examples: |
    - hi
    - [Lavoro](permit_type) please
    -

- synonym: lavoro
  examples: |
    - job
- intent: ask_faq
  metadata: {language: en, faq: card_lost}
  examples:
    - text: I lost my card
    - text: ho perso la carta
      metadata: {language: it}
"""


def test_examples_carry_their_line_intent_language_and_question(tmp_path):
    path = tmp_path / "en.yml"
    path.write_text(NLU, encoding="utf-8")
    examples = read_examples(path)
    assert [(e.intent, e.text, e.language, e.faq) for e in examples] == [
        ("greet", "hi", "en", None),
        ("greet", "[Lavoro](permit_type) please", "en", None),
        ("ask_faq", "I lost my card", "en", "card_lost"),
        ("ask_faq", "ho perso la carta", "it", "card_lost"),
    ]
    lines = NLU.splitlines()
    assert [e.line for e in examples] == [7, 8, 17, 18]
    assert all(lines[e.line - 1].strip().endswith(e.text) for e in examples)
    assert examples[2].label == "ask_faq (question card_lost)"


def test_the_written_test_files_are_read_back(tmp_path):
    write_nlu(tmp_path / "fr.yml", "fr", {"greet": ["salut", "bonjour"]})
    write_nlu(tmp_path / "en.yml", "en", {"goodbye": ["bye"]})
    examples = read_directory(tmp_path)
    assert [(e.path.name, e.intent, e.text) for e in examples] == [
        ("en.yml", "goodbye", "bye"),
        ("fr.yml", "greet", "salut"),
        ("fr.yml", "greet", "bonjour"),
    ]
    for example in examples:
        assert example.path.read_text(encoding="utf-8").splitlines()[example.line - 1].strip() == f"- {example.text}"


def test_normalise_ignores_entity_markup_case_and_spaces():
    assert normalise('Permesso di  [Lavoro]{"entity": "permit_type", "value": "lavoro_subordinato"} ') == (
        "permesso di lavoro"
    )
    assert normalise("permesso di [lavoro](permit_type)") == "permesso di lavoro"
    assert normalise("perche\u0301") == normalise("perché")
    assert normalise("permesso di lavoro") != normalise("permesso di studio")
