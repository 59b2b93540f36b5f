from sportello.training.conflicts import conflicts, leaks
from sportello.training.examples import read_directory

from .nlu_files import write_nlu


def test_a_message_under_two_intents_in_different_languages_is_named(tmp_path):
    write_nlu(tmp_path / "en.yml", "en", {"greet": ["hello", "good morning"], "goodbye": ["see you"]})
    write_nlu(tmp_path / "fr.yml", "fr", {"goodbye": ["Good  Morning", "au revoir"]})
    problems = conflicts(read_directory(tmp_path))
    assert len(problems) == 1
    problem = problems[0]
    assert problem.error
    assert problem.where.endswith("en.yml line 8")
    assert problem.subject == "intent greet"
    assert problem.example == "good morning"
    assert "fr.yml line 7 under goodbye" in problem.problem
    assert "delete it" in problem.fix
    assert "good morning" in problem.render() and "what to do:" in problem.render()


def test_entity_markup_does_not_hide_a_conflict(tmp_path):
    write_nlu(tmp_path / "it.yml", "it", {
        "inform": ['[lavoro]{"entity": "permit_type", "value": "lavoro_subordinato"}'],
        "ask_documents": ["[Lavoro](permit_type)"],
    })
    assert len(conflicts(read_directory(tmp_path))) == 1


def test_two_frequent_questions_with_the_same_message_conflict(tmp_path):
    write_nlu(tmp_path / "it" / "a.yml", "it", {"ask_faq": ["posso viaggiare?"]}, faq="travel")
    write_nlu(tmp_path / "it" / "b.yml", "it", {"ask_faq": ["posso viaggiare?"]}, faq="travel_receipt")
    [problem] = conflicts(read_directory(tmp_path / "it"))
    assert "ask_faq (question travel)" in problem.problem and "ask_faq (question travel_receipt)" in problem.problem


def test_the_same_message_under_the_same_intent_is_no_conflict(tmp_path):
    write_nlu(tmp_path / "en.yml", "en", {"greet": ["ciao", "hello"]})
    write_nlu(tmp_path / "it.yml", "it", {"greet": ["Ciao", "buongiorno"]})
    assert conflicts(read_directory(tmp_path)) == []


def test_a_training_example_that_is_also_held_out_is_a_leak(tmp_path):
    training = write_nlu(tmp_path / "data" / "en.yml", "en", {"greet": ["hello", "hi there"]})
    write_nlu(tmp_path / "heldout" / "ar.yml", "ar", {"greet": ["Hi  there"]})
    [problem] = leaks(read_directory(training.parent), read_directory(tmp_path / "heldout"))
    assert problem.where.endswith("en.yml line 8")
    assert problem.example == "hi there"
    assert "ar.yml line 7" in problem.problem
    assert "delete it from" in problem.fix and "tests/nlu_heldout" in problem.fix


def test_different_held_out_messages_are_no_leak(tmp_path):
    write_nlu(tmp_path / "data" / "en.yml", "en", {"greet": ["hello", "hi there"]})
    write_nlu(tmp_path / "heldout" / "en.yml", "en", {"greet": ["hi there friend"]})
    assert leaks(read_directory(tmp_path / "data"), read_directory(tmp_path / "heldout")) == []
