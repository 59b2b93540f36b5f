from datetime import date, timedelta

import pytest

from sportello.knowledge.loader import KnowledgeError, load_knowledge
from sportello.knowledge.model import PROCEDURES
from tests.sportello.knowledge.conftest import LANGUAGES, edit


def problems_after(knowledge_dir, name, change, languages=LANGUAGES):
    edit(knowledge_dir / name, change)
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(knowledge_dir, languages)
    return caught.value.problems


def test_the_catalogue_loads_with_texts_in_every_language(knowledge):
    studio = knowledge.permits["studio"]
    assert set(studio.name) == {"it", "en"}
    assert set(studio.procedures) <= set(PROCEDURES)
    assert all(set(text) == {"it", "en"} for text in knowledge.base_pack)
    assert str(knowledge.fees["permit_card"].amount) == "30.46"


def test_generic_procedures_are_shared(knowledge):
    assert knowledge.permits["studio"].procedures["duplicato"] is knowledge.permits["famiglia"].procedures["duplicato"]


def test_a_missing_translation_is_named_precisely(knowledge_dir):
    problems = problems_after(
        knowledge_dir, "translations/en/catalogue.yml", lambda data: data["documents"].pop("passport_copy")
    )
    assert problems == ["catalogue.yml: documents.passport_copy: no en translation (translations/en/catalogue.yml)"]


def test_a_translation_with_a_mistyped_id_is_reported(knowledge_dir):
    def add(data):
        data["documents"]["pasport_copy"] = "Passport"

    problems = problems_after(knowledge_dir, "translations/en/catalogue.yml", add)
    assert problems == ["translations/en/catalogue.yml: documents.pasport_copy: not a text of the master file"]


def test_an_unknown_route_and_document(knowledge_dir):
    def change(data):
        data["permits"]["studio"]["procedures"]["rinnovo"]["route"] = "posta"
        data["permits"]["studio"]["procedures"]["rinnovo"]["documents"].append("libretto")

    problems = problems_after(knowledge_dir, "catalogue.yml", change)
    assert "catalogue.yml: permits.studio.procedures.rinnovo.route: unknown route 'posta'" in problems
    assert "catalogue.yml: permits.studio.procedures.rinnovo.documents: unknown document 'libretto'" in problems


def test_an_item_without_source_or_date(knowledge_dir):
    def change(data):
        data["items"]["postal_fee"]["sources"] = []
        del data["items"]["permit_card"]["verified"]

    problems = problems_after(knowledge_dir, "fees.yml", change)
    assert "fees.yml: items.postal_fee.sources: at least one source is needed" in problems
    assert "fees.yml: items.permit_card.verified: needs a date (YYYY-MM-DD)" in problems


def test_an_unconfirmed_item_needs_a_caution(knowledge_dir):
    def change(data):
        data["items"]["postal_fee"]["status"] = "to_confirm"

    assert problems_after(knowledge_dir, "fees.yml", change) == ["fees.yml: items.postal_fee.caution: missing"]


@pytest.mark.parametrize("amount", ["30,46", "30.4", 30.46, "-1.00"])
def test_amounts_must_be_written_as_strings_with_cents(knowledge_dir, amount):
    def change(data):
        data["items"]["permit_card"]["amount"] = amount

    [problem] = problems_after(knowledge_dir, "fees.yml", change)
    assert problem.startswith("fees.yml: items.permit_card.amount:")


def test_a_future_verification_date_is_refused(knowledge_dir):
    def change(data):
        data["items"]["permit_card"]["verified"] = date.today() + timedelta(days=3)

    problems = problems_after(knowledge_dir, "fees.yml", change)
    assert problems == ["fees.yml: items.permit_card.verified: is in the future"]


def test_broken_yaml_gives_line_and_column(knowledge_dir):
    (knowledge_dir / "fees.yml").write_text("items:\n  permit_card: [unclosed\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(knowledge_dir, LANGUAGES)
    assert any("fees.yml: line" in problem and "not valid YAML" in problem for problem in caught.value.problems)


def test_every_language_needs_its_files(knowledge_dir):
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(knowledge_dir, [*LANGUAGES, "fr"])
    assert any("translations/fr/fees.yml" in problem and "file missing" in problem for problem in caught.value.problems)


def test_an_unused_document_is_reported(knowledge_dir):
    def change(data):
        data["documents"]["orphan"] = "Documento che nessuno usa"

    def translate(data):
        data["documents"]["orphan"] = "Document nobody uses"

    edit(knowledge_dir / "translations/en/catalogue.yml", translate)
    assert problems_after(knowledge_dir, "catalogue.yml", change) == [
        "catalogue.yml: documents.orphan: defined but never used"
    ]
