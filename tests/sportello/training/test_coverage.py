from sportello.training.coverage import count, coverage_problems, domain_intents, table
from sportello.training.examples import read_directory

from .nlu_files import write_nlu

INTENTS = ["greet", "goodbye"]


def examples_of(words, n):
    return [f"{words} {i}" for i in range(n)]


def test_a_complete_set_passes(tmp_path):
    for language in ("it", "en"):
        write_nlu(tmp_path / f"{language}.yml", language, {i: examples_of(i, 3) for i in INTENTS})
    assert coverage_problems(read_directory(tmp_path), tmp_path, INTENTS, ["it", "en"], minimum=3) == []


def test_a_language_missing_an_intent_is_reported(tmp_path):
    write_nlu(tmp_path / "it.yml", "it", {i: examples_of(i, 3) for i in INTENTS})
    write_nlu(tmp_path / "en.yml", "en", {"greet": examples_of("hi", 3)})
    [problem] = coverage_problems(read_directory(tmp_path), tmp_path, INTENTS, ["it", "en"], minimum=3)
    assert problem.error
    assert problem.where.endswith("en.yml") and problem.subject == "intent goodbye"
    assert "no examples in en" in problem.problem
    assert "- intent: goodbye" in problem.fix and "language: en" in problem.fix


def test_an_intent_with_few_examples_is_a_warning(tmp_path):
    write_nlu(tmp_path / "it.yml", "it", {"greet": examples_of("ciao", 2), "goodbye": examples_of("ciao", 5)})
    [problem] = coverage_problems(read_directory(tmp_path), tmp_path, INTENTS, ["it"], minimum=5)
    assert not problem.error
    assert problem.subject == "intent greet" and "only 2 example(s) in it" in problem.problem


def test_missing_file_unknown_language_and_wrong_declaration(tmp_path):
    write_nlu(tmp_path / "fr.yml", "en", {"greet": ["salut"], "goodbye": ["au revoir"]})
    write_nlu(tmp_path / "ru.yml", "ru", {"greet": ["privet"], "goodbye": ["poka"]})
    problems = coverage_problems(read_directory(tmp_path), tmp_path, INTENTS, ["it", "fr"], minimum=1)
    described = [(p.where.rsplit("/", 1)[-1], p.subject) for p in problems if p.error]
    assert ("it.yml", "language it") in described
    assert ("ru.yml", "language ru") in described
    # One problem per block declaring the wrong language, at its first example.
    assert ("fr.yml line 7", "intent greet") in described
    assert ("fr.yml line 12", "intent goodbye") in described
    # it.yml is missing, so both intents have no Italian examples.
    assert ("it.yml", "intent greet") in described and ("it.yml", "intent goodbye") in described
    assert len(described) == 6


def test_table_counts_per_intent_and_language(tmp_path):
    write_nlu(tmp_path / "it.yml", "it", {"greet": examples_of("ciao", 20), "goodbye": examples_of("bye", 3)})
    write_nlu(tmp_path / "en.yml", "en", {"greet": examples_of("hi", 16)})
    text = table(count(read_directory(tmp_path)), INTENTS, ["it", "en"], minimum=15)
    assert text.splitlines() == [
        "intent     it    en",
        "greet      20    16",
        "goodbye    3!     -",
        "total      23    16",
    ]


def test_domain_intents_accept_names_and_mappings():
    domain = {"intents": ["greet", {"goodbye": {"use_entities": []}}]}
    assert domain_intents(domain) == ["greet", "goodbye"]
