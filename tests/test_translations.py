"""Every text a user sees exists, non-empty, in every supported language."""

import pytest

from sportello.appointments.messages import texts
from sportello.knowledge.answers import KNOWLEDGE_DIR
from sportello.knowledge.labels import load_labels
from sportello.office import load_office
from sportello.training.translations import office_problems, response_problems


def test_every_response_is_complete_and_consistent_in_every_language(domain, registry):
    # The same check `make check` runs for trainers (sportello/training/translations.py).
    assert [problem.render() for problem in response_problems(domain, registry)] == []


def test_office_texts_exist_in_every_language(registry):
    assert [problem.render() for problem in office_problems(load_office(), registry)] == []


@pytest.mark.parametrize("field", ["address", "opening_hours"])
def test_unsourced_office_fields_stay_unset(field):
    # Never invent an address or hours: the office must confirm them first.
    assert load_office()[field] is None


@pytest.mark.parametrize(
    "name", ["labels.yml", "appointment_labels.yml", "handoff_labels.yml", "canned_replies.yml", "channel_labels.yml"]
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
