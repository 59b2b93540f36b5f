import pytest

from sportello.conversation_language import (
    POLICIES,
    LanguagePolicy,
    language_after_message,
    next_language,
    requested_language,
)
from sportello.langid import Detection

POLICY = LanguagePolicy(first_confidence=0.5, switch_confidence=0.7, script_change_confidence=0.5)
LATIN = ("Latin",)


def detection(language, confidence, script="Latin", decisive=False):
    return Detection(language, confidence, script, decisive)


def test_first_message_with_strong_evidence_sets_the_language():
    assert next_language(None, detection("fr", 0.8), "bonjour madame", POLICY) == "fr"


def test_first_message_with_weak_evidence_leaves_it_unknown():
    assert next_language(None, detection("sq", 0.3), "ok", POLICY) is None
    assert next_language(None, detection(None, 0.0, None), "👍", POLICY) is None


def test_weak_evidence_keeps_the_current_language():
    assert next_language("fr", detection("it", 0.6), "ok grazie", POLICY, LATIN) == "fr"


def test_strong_evidence_switches():
    assert next_language("fr", detection("it", 0.9), "vorrei rinnovare", POLICY, LATIN) == "it"


def test_a_script_of_its_own_always_switches():
    assert next_language("it", detection("ar", 1.0, "Arabic", True), "شكرا", POLICY, LATIN) == "ar"


def test_script_change_uses_its_own_gate():
    assert next_language("ar", detection("en", 0.6), "hello there", POLICY, ("Arabic",)) == "en"
    assert next_language("ar", detection("sq", 0.4), "ok", POLICY, ("Arabic",)) == "ar"


def test_short_messages_do_not_switch_when_the_policy_has_a_length_gate():
    gated = LanguagePolicy(0.5, 0.7, 0.5, min_switch_length=15)
    assert next_language("fr", detection("it", 0.99), "grazie", gated, LATIN) == "fr"


def parse(text, intent="greet", language=None, confidence=0.0, entities=(), detector="lingua"):
    return {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": list(entities),
        "language": {"name": language, "confidence": confidence, "script": "Latin",
                     "decisive": False, "detector": detector},
    }


LANGUAGE_EN = {"entity": "language", "value": "en"}


def test_explicit_request_wins_over_detection(registry):
    data = parse("in inglese per favore", "change_language", "it", 0.95, [LANGUAGE_EN])
    assert language_after_message("it", data, registry) == "en"


def test_naming_the_current_language_falls_back_to_detection(registry):
    # "I don't understand Italian", written in English, in an Italian conversation.
    data = parse("I don't understand Italian", "change_language", "en", 0.9,
                 [{"entity": "language", "value": "it"}])
    assert language_after_message("it", data, registry) == "en"


def test_unsupported_requested_language_is_ignored(registry):
    data = parse("по-русски", "change_language", "uk", 1.0, [{"entity": "language", "value": "ru"}])
    assert requested_language(data, registry) is None


def test_unknown_current_language_is_treated_as_none(registry):
    assert language_after_message("xx", parse("ok", language="sq", confidence=0.2), registry) is None


@pytest.mark.parametrize("backend", sorted(POLICIES))
def test_each_detector_has_a_policy(backend, registry):
    data = parse("bonjour, je voudrais renouveler mon titre", language="fr", confidence=0.999,
                 detector=backend)
    assert language_after_message(None, data, registry) == "fr"
