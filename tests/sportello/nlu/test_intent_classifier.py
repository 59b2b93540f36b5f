import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from sportello.nlu.intent_classifier import MODEL_FILE, TfidfIntentClassifier
from sportello.nlu.tokenizer import MultilingualTokenizer

TOKENIZER = MultilingualTokenizer(MultilingualTokenizer.get_default_config())
EXAMPLES = {
    "ask_cost": ["quanto costa il permesso", "how much does it cost", "combien ça coûte", "quanto pago"],
    "greet": ["ciao", "buongiorno", "hello", "bonjour"],
    "ask_documents": ["quali documenti servono", "which documents do I need", "quels papiers", "documenti per rinnovo"],
}


def tokenised(text, intent=None):
    message = Message.build(text=text, intent=intent)
    message.set("language", {"name": "it", "confidence": 1.0})
    TOKENIZER.process([message])
    return message


@pytest.fixture
def trained(tmp_path):
    storage, resource = LocalModelStorage(tmp_path), Resource("intent_classifier")
    context = ExecutionContext(GraphSchema({}), "test")
    classifier = TfidfIntentClassifier.create({}, storage, resource, context)
    data = TrainingData([tokenised(text, intent) for intent, texts in EXAMPLES.items() for text in texts])
    classifier.train(data)
    return TfidfIntentClassifier.load({}, storage, resource, context)


def test_predicts_intent_and_ranking(trained):
    message = tokenised("quanto costa il rinnovo?")
    trained.process([message])
    assert message.get("intent")["name"] == "ask_cost"
    ranking = message.get("intent_ranking")
    assert ranking[0]["name"] == "ask_cost"
    assert sorted(r["name"] for r in ranking) == sorted(EXAMPLES)
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)
    assert "intent" in message.output_properties


def test_untrained_classifier_leaves_messages_alone(tmp_path):
    classifier = TfidfIntentClassifier.create({}, LocalModelStorage(tmp_path), Resource("x"),
                                              ExecutionContext(GraphSchema({}), "test"))
    classifier.train(TrainingData([]))
    message = tokenised("ciao")
    classifier.process([message])
    assert message.get("intent") is None


def test_refuses_to_load_unexpected_types(tmp_path):
    import skops.io as sio

    storage, resource = LocalModelStorage(tmp_path), Resource("intent_classifier")
    with storage.write_to(resource) as directory:
        sio.dump({"payload": __import__("collections").OrderedDict()}, directory / MODEL_FILE)
    with pytest.raises(ValueError, match="unexpected types"):
        TfidfIntentClassifier.load({}, storage, resource, ExecutionContext(GraphSchema({}), "test"))


def test_class_weights_between_none_and_balanced():
    from sportello.nlu.intent_classifier import class_weights

    labels = ["ask_faq"] * 90 + ["greet"] * 10
    assert class_weights(labels, 0.0) == {"ask_faq": 1.0, "greet": 1.0}
    balanced = class_weights(labels, 1.0)
    assert balanced["ask_faq"] * 90 == pytest.approx(balanced["greet"] * 10)
    half = class_weights(labels, 0.5)
    assert half["ask_faq"] == pytest.approx((50 / 90) ** 0.5) and half["greet"] == pytest.approx(5 ** 0.5)
