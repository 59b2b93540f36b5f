from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from sportello.nlu.language_detector import LanguageDetector, declared_language


def example(text, intent, language):
    message = Message.build(text=text, intent=intent)
    message.set("metadata", {"intent": {"language": language}})
    return message


def test_train_persist_load_and_process(tmp_path):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("language_detector")
    context = ExecutionContext(GraphSchema({}), "test")
    config = LanguageDetector.get_default_config()
    component = LanguageDetector.create(config, storage, resource, context)
    data = TrainingData([example("salut", "greet", "fr"), example("ok", "affirm", "fr"),
                         example("ok", "affirm", "en"), example("Ich möchte", "out_of_scope", "de")])
    component.train(data)

    loaded = LanguageDetector.load(config, storage, resource, context)
    salut, ok, sentence = (Message.build(text=t) for t in ("Salut !", "OK", "Buongiorno, vorrei rinnovare il permesso"))
    loaded.process([salut, ok, sentence])
    assert salut.get("language")["name"] == "fr"
    assert ok.get("language")["name"] is None
    assert sentence.get("language")["name"] == "it"
    assert sentence.get("language")["detector"] == "lingua"
    assert "language" in sentence.output_properties


def test_training_examples_take_their_declared_language(tmp_path):
    component = LanguageDetector.create(
        LanguageDetector.get_default_config(), LocalModelStorage(tmp_path), Resource("x"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    data = component.process_training_data(
        TrainingData([example("ok", "affirm", "uk"), example("Ich möchte hier", "out_of_scope", "de")])
    )
    assert data.training_examples[0].get("language") == {"name": "uk", "confidence": 1.0}
    # An unsupported declared language is ignored and the text detected instead.
    assert data.training_examples[1].get("language")["name"] is not None


def test_declared_language_prefers_the_example_level():
    message = Message.build(text="x")
    message.set("metadata", {"intent": {"language": "it"}, "example": {"language": "en"}})
    assert declared_language(message) == "en"
    assert declared_language(Message.build(text="y")) is None
