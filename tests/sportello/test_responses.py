import pytest

from sportello.responses import menu_label, variation


def test_variation_picks_the_language_or_the_reference(domain):
    assert variation(domain, "utter_goodbye", "en")["text"].startswith("Goodbye")
    assert variation(domain, "utter_goodbye", None)["text"].startswith("Arrivederci")
    assert variation(domain, "utter_goodbye", "it")["text"].startswith("Arrivederci")


def test_unknown_response_raises(domain):
    with pytest.raises(KeyError):
        variation(domain, "utter_nothing", "en")


def test_menu_labels(domain):
    assert menu_label(domain, "ask_cost", "en") == "Costs"
    assert menu_label(domain, "ask_cost", None) == "Costi"
    assert menu_label(domain, "greet", "en") is None
