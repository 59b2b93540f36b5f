from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from sportello.nlu.annotated_forms import AnnotatedFormsExtractor, learn_forms
from sportello.nlu.tokenizer import MultilingualTokenizer

TOKENIZER = MultilingualTokenizer(MultilingualTokenizer.get_default_config())


def message(text, entities=(), language="it", intent="inform"):
    result = Message.build(text=text, intent=intent, entities=[
        {"entity": e, "value": v, "start": text.index(form), "end": text.index(form) + len(form)}
        for form, e, v in entities
    ])
    result.set("language", {"name": language, "confidence": 1.0})
    TOKENIZER.process([result])
    return result


TRAINING = [
    message("rinnovo per lavoro",
            [("rinnovo", "procedure", "rinnovo"), ("lavoro", "permit_type", "lavoro_subordinato")]),
    message("Rinnovo!", [("Rinnovo", "procedure", "rinnovo")]),
    message("carta di soggiorno", [("carta di soggiorno", "permit_type", "ue_lungo_periodo")]),
    message("asilo", [("asilo", "permit_type", "richiesta_asilo")]),
    message("asilo!", [("asilo", "permit_type", "protezione_internazionale")]),
]


def test_learn_forms_keeps_unambiguous_normalised_forms():
    forms = learn_forms(TRAINING)
    assert forms["rinnovo"] == ("procedure", "rinnovo", ("inform",))
    assert forms["carta di soggiorno"] == ("permit_type", "ue_lungo_periodo", ("inform",))
    assert "asilo" not in forms  # annotated with two values as often: ambiguous


def test_extracts_known_forms_in_new_sentences_without_overlapping(tmp_path):
    storage, resource = LocalModelStorage(tmp_path), Resource("forms")
    context = ExecutionContext(GraphSchema({}), "test")
    AnnotatedFormsExtractor.create({}, storage, resource, context).train(TrainingData(TRAINING))
    extractor = AnnotatedFormsExtractor.load({}, storage, resource, context)

    new = message("Vorrei la CARTA DI SOGGIORNO, non il rinnovo")
    new.set("intent", {"name": "inform", "confidence": 0.9})
    extractor.process([new])
    found = [(e["entity"], e["value"], new.get("text")[e["start"]:e["end"]]) for e in new.get("entities")]
    assert found == [("permit_type", "ue_lungo_periodo", "CARTA DI SOGGIORNO"), ("procedure", "rinnovo", "rinnovo")]
    assert all(e["extractor"] == "AnnotatedFormsExtractor" for e in new.get("entities"))

    # Only under the intents a form was annotated in.
    elsewhere = message("orari di lavoro dell'ufficio")
    elsewhere.set("intent", {"name": "ask_office_info", "confidence": 0.9})
    extractor.process([elsewhere])
    assert not elsewhere.get("entities")

    already = message("rinnovo per lavoro")
    already.set("intent", {"name": "inform", "confidence": 0.9})
    already.set("entities", [{"entity": "procedure", "value": "rinnovo", "start": 0, "end": 7, "extractor": "CRF"}])
    extractor.process([already])
    assert [e["value"] for e in already.get("entities")] == ["rinnovo", "lavoro_subordinato"]


def test_other_extractors_values_become_canonical_or_are_dropped(tmp_path):
    storage, resource = LocalModelStorage(tmp_path), Resource("forms")
    context = ExecutionContext(GraphSchema({}), "test")
    AnnotatedFormsExtractor.create({}, storage, resource, context).train(TrainingData(TRAINING))
    extractor = AnnotatedFormsExtractor.load({}, storage, resource, context)
    new = message("voglio il rinovo del permesso di residenza")
    new.set("intent", {"name": "ask_documents", "confidence": 0.9})
    new.set("entities", [
        {"entity": "procedure", "value": "rinovo", "start": 9, "end": 15, "extractor": "CRF"},
        {"entity": "permit_type", "value": "permesso di residenza", "start": 20, "end": 41, "extractor": "CRF"},
        {"entity": "procedure", "value": "rinnovo", "start": 9, "end": 15, "extractor": "CRF"},
        {"entity": "unknown_kind", "value": "x", "start": 0, "end": 1, "extractor": "CRF"},
    ])
    extractor.process([new])
    assert [(e["entity"], e["value"]) for e in new.get("entities")] == [
        ("procedure", "rinnovo"), ("procedure", "rinnovo"), ("unknown_kind", "x")]
