from rasa.shared.nlu.training_data.message import Message

from sportello.nlu.tokenizer import MultilingualTokenizer


def tokens(text, language):
    message = Message.build(text=text)
    message.set("language", {"name": language, "confidence": 1.0})
    return [t.text for t in MultilingualTokenizer(MultilingualTokenizer.get_default_config()).tokenize(message, "text")]


def test_chinese_is_segmented_into_words():
    words = tokens("我的permesso过期了怎么办", "zh")
    assert "过期" in words and "permesso" in words
    assert len(words) >= 4


def test_punctuation_is_dropped_and_offsets_kept():
    message = Message.build(text="Ciao, quanto costa?")
    message.set("language", {"name": "it", "confidence": 1.0})
    result = MultilingualTokenizer(MultilingualTokenizer.get_default_config()).tokenize(message, "text")
    assert [(t.text, t.start) for t in result] == [("Ciao", 0), ("quanto", 6), ("costa", 13)]


def test_language_specific_rules_apply():
    assert tokens("l'ufficio", "it") == ["l'", "ufficio"]
    assert tokens("привіт, як справи", "uk") == ["привіт", "як", "справи"]


def test_unknown_language_uses_the_reference_pipeline():
    assert tokens("quanto costa", "xx") == ["quanto", "costa"]


def test_only_punctuation_keeps_the_whole_text():
    assert tokens("?!", "it") == ["?!"]
