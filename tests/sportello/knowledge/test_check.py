from datetime import date

import yaml

from sportello import PROJECT_ROOT
from sportello.knowledge.check import main, provenances, stale
from sportello.knowledge.loader import load_knowledge
from sportello.languages import load_registry


def test_the_office_knowledge_is_complete_in_every_language(capsys):
    assert main(["--max-age-days", "100000"]) == 0
    assert "knowledge: OK" in capsys.readouterr().out


def test_every_offered_permit_and_procedure_has_every_part_in_every_language():
    registry = load_registry()
    knowledge = load_knowledge(PROJECT_ROOT / "knowledge", registry.codes, registry.reference)
    for permit in knowledge.permits.values():
        assert permit.procedures, permit.id
        for procedure in permit.procedures.values():
            route = knowledge.routes[procedure.route]
            texts = [permit.name, permit.description, route.name, *route.steps, *procedure.documents]
            for text in texts:
                assert set(text) == set(registry.codes), (permit.id, procedure.id, text)


def test_stale_items_are_listed_oldest_first(knowledge):
    assert stale(knowledge, date(2026, 11, 28), 365) == []
    old = stale(knowledge, date(2030, 1, 1), 365)
    assert len(old) == len(list(provenances(knowledge)))
    assert old[0].endswith("(verified 2026-11-27)")


def test_a_broken_file_fails_the_check(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("sportello.knowledge.check.KNOWLEDGE_DIR", tmp_path)
    assert main([]) == 1
    assert "fees.yml: file missing" in capsys.readouterr().err


def test_frequent_questions_need_training_examples_in_every_language(knowledge, tmp_path):
    from sportello.knowledge.check import faq_training_problems

    keys = list(knowledge.faqs)
    blocks = [{"intent": "ask_faq", "metadata": {"faq": key}, "examples": "- x\n"} for key in keys[1:]]
    blocks.append({"intent": "ask_faq", "metadata": {"faq": "typo_key"}, "examples": "- y\n"})
    (tmp_path / "it.yml").write_text(yaml.safe_dump({"nlu": blocks}), encoding="utf-8")
    assert faq_training_problems(knowledge, tmp_path, ["it"]) == [
        f"data/nlu/it.yml: no ask_faq examples for question {keys[0]!r}",
        "data/nlu/it.yml: ask_faq examples for 'typo_key', which faq.yml does not have",
    ]
