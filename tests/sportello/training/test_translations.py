from sportello.languages import Language, LanguageRegistry
from sportello.training.translations import office_problems, response_problems

REGISTRY = LanguageRegistry(
    languages=tuple(Language(code, code, ("Latin",), code) for code in ("it", "en", "fr")), reference="it"
)


def when(language):
    return [{"type": "slot", "name": "language", "value": language}]


def complete(text="Ciao {name}", buttons=()):
    return [
        {"text": text, "buttons": list(buttons)},
        {"text": "Hi {name}", "condition": when("en"), "buttons": list(buttons)},
        {"text": "Salut {name}", "condition": when("fr"), "buttons": list(buttons)},
    ]


def test_a_complete_response_passes():
    assert response_problems({"responses": {"utter_greet": complete()}}, REGISTRY) == []


def test_a_missing_language_is_named_with_the_fix():
    variations = complete()[:2]
    [problem] = response_problems({"responses": {"utter_greet": variations}}, REGISTRY)
    assert problem.where == "domain.yml" and problem.subject == "response utter_greet"
    assert problem.problem == "no variation for fr"
    assert "value: <code>" in problem.fix


def test_no_reference_and_duplicates_are_reported():
    variations = complete()[1:] + [{"text": "Hello {name}", "condition": when("en")}]
    problems = {p.problem for p in response_problems({"responses": {"utter_greet": variations}}, REGISTRY)}
    assert problems == {"0 variations without condition (needs exactly one: the Italian text)",
                        "several variations for en"}


def test_placeholders_buttons_and_empty_texts_must_match_the_reference():
    button = {"title": "Sì", "payload": "/affirm"}
    variations = complete(buttons=[button])
    variations[1] = {"text": "Hi {nome}", "condition": when("en"), "buttons": [button]}
    variations[2] = {"text": " ", "condition": when("fr"), "buttons": [{"title": "x" * 30, "payload": "/affirm"}]}
    problems = [p.problem for p in response_problems({"responses": {"utter_greet": variations}}, REGISTRY)]
    assert "the en variation has the placeholders {nome}, the Italian one {name}" in problems
    assert "the fr variation has no text" in problems
    assert any("button title" in p and "longer than 24" in p for p in problems)
    variations[2]["buttons"] = []
    problems = [p.problem for p in response_problems({"responses": {"utter_greet": variations}}, REGISTRY)]
    assert "the buttons of the fr variation differ from the Italian ones" in problems


def test_office_texts_need_every_language_and_a_source():
    office = {
        "phone": {"value": "075 000", "source": "site", "verified": "2026-11-01"},
        "phone_hours": {"value": {"it": "lun", "en": "mon", "de": "Mo"}, "source": "site"},
        "address": None,
    }
    problems = [(p.where, p.subject, p.problem) for p in office_problems(office, REGISTRY)]
    assert problems == [
        ("knowledge/office.yml", "field phone_hours", "no source or no verification date"),
        ("knowledge/office.yml", "field phone_hours", "no text in fr"),
        ("knowledge/office.yml", "field phone_hours",
         "texts for de, which knowledge/languages.yml does not list"),
    ]
