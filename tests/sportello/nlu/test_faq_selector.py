import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from sportello.nlu.faq_selector import FaqSelector
from tests.sportello.nlu.test_intent_classifier import tokenised

FAQS = {
    "receipt_work": ["posso lavorare con la ricevuta", "can I work with the receipt", "lavoro con ricevuta"],
    "lost_stolen": ["ho perso il permesso", "my permit was stolen", "permesso rubato cosa faccio"],
    "free_help": ["chi mi aiuta gratis", "free help with the kit", "patronato gratis"],
}


def faq_example(text, key):
    message = tokenised(text, "ask_faq")
    message.set("metadata", {"intent": {"language": "it", "faq": key}})
    return message


@pytest.fixture
def context():
    return ExecutionContext(GraphSchema({}), "test")


@pytest.fixture
def trained(tmp_path, context):
    storage, resource = LocalModelStorage(tmp_path), Resource("faq_selector")
    selector = FaqSelector.create({}, storage, resource, context)
    examples = [faq_example(text, key) for key, texts in FAQS.items() for text in texts]
    examples.append(tokenised("quanto costa", "ask_cost"))  # other intents are ignored
    selector.train(TrainingData(examples))
    return FaqSelector.load({}, storage, resource, context)


def classified(text, intent):
    message = tokenised(text)
    message.set("intent", {"name": intent, "confidence": 0.9})
    return message


def test_adds_the_key_to_faq_messages_only(trained):
    asking = classified("mi hanno rubato il permesso", "ask_faq")
    other = classified("quanto costa", "ask_cost")
    trained.process([asking, other])
    faq = asking.get("faq")
    assert faq["key"] == "lost_stolen"
    assert faq["ranking"][0]["key"] == "lost_stolen" and len(faq["ranking"]) == 3
    assert "faq" in asking.output_properties
    assert other.get("faq") is None


def test_without_two_questions_it_stays_untrained(tmp_path, context):
    selector = FaqSelector.create({}, LocalModelStorage(tmp_path), Resource("x"), context)
    selector.train(TrainingData([faq_example("ho perso il permesso", "lost_stolen")]))
    message = classified("ho perso il permesso", "ask_faq")
    selector.process([message])
    assert message.get("faq") is None


def test_unannotated_faq_examples_are_skipped(tmp_path, context):
    storage, resource = LocalModelStorage(tmp_path), Resource("faq_selector")
    selector = FaqSelector.create({}, storage, resource, context)
    plain = Message.build(text="senza chiave", intent="ask_faq")
    examples = [faq_example(text, key) for key, texts in FAQS.items() for text in texts]
    selector.train(TrainingData([*examples, plain]))
    assert sorted(FaqSelector.load({}, storage, resource, context)._pipeline.classes_) == sorted(FAQS)
