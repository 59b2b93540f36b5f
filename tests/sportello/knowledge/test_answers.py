import pytest

from sportello.knowledge.answers import answer, format_amount, library
from sportello.languages import load_registry

KINDS = ("documents", "cost", "procedure")


@pytest.fixture(scope="module")
def lib():
    return library()


def test_every_offered_case_is_answered_in_every_language(lib):
    for language in load_registry().codes:
        for permit in lib.knowledge.permits.values():
            for procedure in permit.procedures:
                for kind in KINDS:
                    messages, asking = answer(lib, kind, permit.id, procedure, language)
                    assert not asking
                    text = "\n".join(message["text"] for message in messages)
                    assert permit.name[language] in text
                    assert "{" not in text, (language, permit.id, procedure, kind)
                    assert len(messages[-1]["buttons"]) == 3


def test_a_missing_permit_is_asked_with_a_button_per_permit(lib):
    [message], asking = answer(lib, "cost", None, "rinnovo", "en")
    assert asking
    assert message["text"] == "For which residence permit?"
    assert len(message["buttons"]) == len(lib.knowledge.permits)
    assert '/ask_cost{"permit_type":"studio"}' in [button["payload"] for button in message["buttons"]]


def test_a_missing_or_unoffered_procedure_is_asked_among_those_offered(lib):
    [message], asking = answer(lib, "documents", "ue_lungo_periodo", "conversione", "it")
    assert asking
    payloads = [button["payload"] for button in message["buttons"]]
    assert '/ask_documents{"permit_type":"ue_lungo_periodo","procedure":"rilascio"}' in payloads
    assert not any("conversione" in payload for payload in payloads)


def test_the_cost_answer_shows_parts_and_totals(lib):
    messages, _ = answer(lib, "cost", "lavoro_subordinato", "rinnovo", "it")
    text = messages[0]["text"]
    assert "• 16,00 €" in text and "• 30,46 €" in text and "• 30,00 €" in text
    assert "Totale: 116,46 €" in text and "Totale: 126,46 €" in text


def test_the_checklist_has_the_base_pack_route_total_caution_and_source(lib):
    messages, _ = answer(lib, "documents", "lavoro_subordinato", "rinnovo", "en")
    text = "\n".join(message["text"] for message in messages)
    assert lib.knowledge.base_pack[0]["en"] in text
    assert lib.knowledge.renewal_pack[0]["en"] in text
    assert "Where: " + lib.knowledge.routes["kit"].name["en"] in text
    assert "Total: 116,46 €" in text
    assert "⚠️ To be confirmed by the office:" in text  # the kit route is disputed (travel with the receipt)
    assert "Source: " in text and "checked on 27/11/2026" in text


def test_cases_needing_judgement_offer_a_person(lib):
    messages, _ = answer(lib, "documents", "protezione_speciale", "rinnovo", "it")
    assert "non una decisione" in messages[-1]["text"]


def test_format_amount():
    from decimal import Decimal

    assert format_amount(Decimal("1176.5")) == "1176,50 €"


def test_every_frequent_question_is_answered_in_every_language(lib):
    from sportello.knowledge.answers import faq_answer

    assert len(lib.knowledge.faqs) >= 30
    for language in load_registry().codes:
        for key, faq in lib.knowledge.faqs.items():
            message = faq_answer(lib, key, language)
            assert faq.answer[language] in message["text"]
            assert "{" not in message["text"]
            if faq.needs_person:
                assert lib.labels("needs_person", language) in message["text"]


def test_uncertain_questions_are_offered_as_buttons(lib):
    from sportello.knowledge.answers import faq_choices

    message = faq_choices(lib, ["receipt_work", "no_such_key", "lost_stolen"], "en")
    assert [button["payload"] for button in message["buttons"]] == [
        '/ask_faq{"faq_key": "receipt_work"}',
        '/ask_faq{"faq_key": "lost_stolen"}',
    ]
    assert message["buttons"][0]["title"] == lib.knowledge.faqs["receipt_work"].question["en"]
