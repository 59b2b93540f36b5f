import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message

from sportello.nlu.application_number import ApplicationNumberExtractor, find_number


@pytest.mark.parametrize(
    "text, value",
    [
        ("050123456789", "050123456789"),
        ("il mio numero è 05 0123 456789 grazie", "050123456789"),
        ("pratica 23PG012345", "23PG012345"),
        ("номер 0501-2345-6789", "050123456789"),
        ("我的号码是050123456789", "050123456789"),  # Chinese text needs no spaces around it
        ("rinnovo per 2 anni", None),
        ("ho 3 figli di 12 e 14 anni", None),
    ],
)
def test_find_number(text, value):
    found = find_number(text)
    assert (found["value"] if found else None) == value


def extractor(tmp_path):
    return ApplicationNumberExtractor.create(
        {}, LocalModelStorage(tmp_path), Resource("n"), ExecutionContext(GraphSchema({}), "test")
    )


def classified(text, intent="out_of_scope"):
    message = Message.build(text=text)
    message.set("intent", {"name": intent, "confidence": 0.4})
    message.set("entities", [])
    return message


def test_a_bare_number_is_a_status_question(tmp_path):
    message = classified("il mio numero è 050123456789")
    extractor(tmp_path).process([message])
    assert message.get("intent") == {"name": "ask_status", "confidence": 1.0}
    [entity] = message.get("entities")
    assert entity["entity"] == "application_number" and entity["value"] == "050123456789"
    assert entity["extractor"] == "ApplicationNumberExtractor"


def test_a_number_inside_a_longer_question_keeps_its_intent(tmp_path):
    message = classified("ho pagato il bollettino 050123456789 ma non ho ancora ricevuto la lettera per l'appuntamento",
                         "ask_procedure")
    extractor(tmp_path).process([message])
    assert message.get("intent")["name"] == "ask_procedure"
    assert message.get("entities")[0]["value"] == "050123456789"
