from sportello.langid import make_identifier
from sportello.langid.identifier import LEXICON_CONFIDENCE
from sportello.langid.lexicon import build_lexicon, normalise


def test_normalise_drops_case_accents_and_punctuation():
    assert normalise("  Ça va?! ") == "ca va"
    assert normalise("Buenos DÍAS!!") == "buenos dias"
    assert normalise("你好！") == "你好"
    assert normalise("😀 !!") == ""


def test_build_lexicon_collects_languages_per_text():
    lexicon = build_lexicon([("Hello!", "en"), ("hello", "en"), ("ok", "en"), ("OK", "it"), ("", "it")])
    assert lexicon == {"hello": frozenset({"en"}), "ok": frozenset({"en", "it"})}


def test_identifier_uses_the_lexicon_for_known_short_messages(registry):
    lexicon = build_lexicon([("hello", "en"), ("ok", "en"), ("ok", "it"), ("salut", "fr"), ("ciao", "zh")])
    identifier = make_identifier(registry, "lingua", lexicon)
    hello = identifier.detect("Hello!")
    assert (hello.language, hello.confidence) == ("en", LEXICON_CONFIDENCE)
    assert identifier.detect("ok").language is None  # several languages: no evidence
    assert identifier.detect("salut").language == "fr"
    # A Latin-script text cannot be Chinese: the lexicon entry is ignored.
    assert identifier.detect("ciao").language != "zh"
    # Unknown texts still go to the detector.
    assert identifier.detect("Bonjour, je voudrais renouveler mon titre de séjour").language == "fr"
