"""Every text a user sees exists, non-empty, in every supported language."""

import re
from typing import Any, Dict, List, Optional

import pytest

from sportello.appointments.messages import texts
from sportello.knowledge.answers import KNOWLEDGE_DIR
from sportello.knowledge.labels import load_labels
from sportello.office import load_office
from sportello.responses import LANGUAGE_SLOT

PLACEHOLDER = re.compile(r"\{(\w+)\}")
MAX_BUTTON_TITLE = 24  # WhatsApp list-row titles


def variation_languages(variations: List[Dict[str, Any]]) -> List[Optional[str]]:
    """The language each variation is for (None for the unconditioned reference text)."""
    languages: List[Optional[str]] = []
    for candidate in variations:
        values = [c.get("value") for c in candidate.get("condition") or [] if c.get("name") == LANGUAGE_SLOT]
        languages.append(values[0] if values else None)
    return languages


def responses(domain):
    return sorted(domain["responses"].items())


def test_every_response_has_the_reference_and_every_other_language(domain, registry):
    others = [code for code in registry.codes if code != registry.reference]
    for name, variations in responses(domain):
        languages = variation_languages(variations)
        assert languages.count(None) == 1, f"{name}: needs one variation without condition (Italian)"
        missing = sorted(set(others) - set(languages))
        assert not missing, f"{name}: no variation for {missing}"
        duplicated = {code for code in languages if code and languages.count(code) > 1}
        assert not duplicated, f"{name}: several variations for {sorted(duplicated)}"


def test_no_text_or_button_is_empty_and_placeholders_match(domain):
    for name, variations in responses(domain):
        reference = next(v for v in variations if not v.get("condition"))
        expected_placeholders = set(PLACEHOLDER.findall(reference.get("text", "")))
        expected_payloads = [b["payload"] for b in reference.get("buttons", [])]
        for candidate in variations:
            text = candidate.get("text", "")
            assert text.strip(), f"{name}: empty text in {candidate.get('condition')}"
            assert set(PLACEHOLDER.findall(text)) == expected_placeholders, name
            buttons = candidate.get("buttons", [])
            assert [b["payload"] for b in buttons] == expected_payloads, name
            for button in buttons:
                assert 0 < len(button["title"].strip()) <= MAX_BUTTON_TITLE, (name, button["title"])


def test_office_texts_exist_in_every_language(registry):
    for name, field in load_office().items():
        if field is None:
            continue
        assert field.get("source"), f"office field {name} has no source"
        assert field.get("verified"), f"office field {name} has no verification date"
        value = field["value"]
        if isinstance(value, dict):
            assert sorted(value) == sorted(registry.codes), f"office field {name}"
            assert all(str(text).strip() for text in value.values()), name


def test_the_checker_catches_a_missing_language(domain, registry):
    broken = {
        "utter_x": [
            {"text": "ciao"},
            {"text": "hi", "condition": [{"type": "slot", "name": "language", "value": "en"}]},
        ]
    }
    languages = variation_languages(broken["utter_x"])
    assert set(registry.codes) - {registry.reference} - set(languages)


@pytest.mark.parametrize("field", ["address", "opening_hours"])
def test_unsourced_office_fields_stay_unset(field):
    # Never invent an address or hours: the office must confirm them first.
    assert load_office()[field] is None


@pytest.mark.parametrize(
    "name", ["labels.yml", "appointment_labels.yml", "handoff_labels.yml", "canned_replies.yml"]
)
def test_label_files_have_every_language_with_the_same_placeholders(registry, name):
    load_labels(KNOWLEDGE_DIR / name, registry.codes, registry.reference)


def test_appointment_buttons_fit_whatsapp_reply_buttons(registry):
    for key in (
        "button_no_number",
        "button_later",
        "button_change_date",
        "button_cancel",
        "button_yes_cancel",
        "button_keep",
    ):
        for code in registry.codes:
            assert len(texts()(key, code)) <= 20, (key, code)
