"""The review of messages the assistant did not understand: export from a real Rasa tracker store, review, import."""

import asyncio
import shutil
import time
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Dict, List, Optional

import pytest
import yaml
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    Event,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from sportello.tracker_data import TrackerData
from sportello.training.examples import normalise, read_examples
from sportello.training.review import DATA_DIR, Label, ReviewError, collect, export, import_review, main

PASSPORT_QUESTION = "Bonjour, mon passeport YA1234567, appelez-moi au +39 333 123 4567, combien ça coûte ?"
VAGUE = "combien pour le permis ??"
PASSPORT_REVIEWED = "Bonjour, mon passeport YA0000000, combien ça coûte ?"
EMAIL = "écrivez à moussa.diallo@example.com pour le rendez-vous"
REFUSED = "mi hanno rifiutato il permesso, cosa posso fare adesso"
MOVED = "my fingerprints appointment moved what now"
UNDERSTOOD = "quanto costa il permesso di soggiorno per studio"
KNOWN = "kit ou questura"  # a training example of data/nlu/fr.yml (ask_faq, kit_or_questura)
NOW = time.time()


def user(text: str, intent: str, confidence: float, language: str, at: float, **parse: object) -> UserUttered:
    ranking = [{"name": intent, "confidence": confidence}]
    if intent == "nlu_fallback":
        ranking += [{"name": "ask_cost", "confidence": 0.22}, {"name": "ask_documents", "confidence": 0.1}]
    data = {"intent_ranking": ranking, "language": {"name": language, "confidence": 0.9}, **parse}
    return UserUttered(text, {"name": intent, "confidence": confidence}, parse_data=data, timestamp=at)


def turn(message: UserUttered, action: str, *after: Event) -> List[Event]:
    at = message.timestamp
    return [message, ActionExecuted(action, timestamp=at), BotUttered("...", timestamp=at), *after]


def conversations(at: float) -> Dict[str, List[Event]]:
    listen = ActionExecuted("action_listen", timestamp=at)
    fallback = "action_handle_fallback"
    return {
        "alice": [
            listen,
            *turn(user(PASSPORT_QUESTION, "nlu_fallback", 0.25, "fr", at), fallback),
            ActionExecuted("action_listen", timestamp=at),
            *turn(user(VAGUE, "nlu_fallback", 0.2, "fr", at), fallback),
            ActionExecuted("action_listen", timestamp=at),
            *turn(user(EMAIL, "nlu_fallback", 0.2, "fr", at), fallback),
            ActionExecuted("action_listen", timestamp=at),
            *turn(user(KNOWN, "nlu_fallback", 0.2, "fr", at), fallback),
            ActionExecuted("action_listen", timestamp=at),
            # Typed commands (neutralised by the channel) and button payloads are not examples.
            *turn(user("\u2060/restart", "nlu_fallback", 0.1, "en", at), fallback),
            ActionExecuted("action_listen", timestamp=at),
            *turn(user("/ask_cost", "ask_cost", 1.0, "fr", at), "utter_cost"),
            ActionExecuted("action_listen", timestamp=at),
        ],
        "bob": [
            listen,
            SlotSet("language", "fr", timestamp=at),
            *turn(user(VAGUE, "nlu_fallback", 0.28, "fr", at), fallback),
            ActionExecuted("action_listen", timestamp=at),
            *turn(user("  combien   pour le PERMIS ?? ", "nlu_fallback", 0.2, "fr", at), fallback),
            ActionExecuted("action_listen", timestamp=at),
        ],
        "carla": [
            listen,
            *turn(
                user(REFUSED, "ask_faq", 0.8, "it", at, faq={"key": "permit_refused", "confidence": 0.7}),
                "action_answer_faq",
                ConversationPaused(timestamp=at),
            ),
        ],
        "david": [
            listen,
            *turn(user(MOVED, "check_appointment", 0.6, "en", at), "action_check_appointment"),
            ActionExecuted("action_listen", timestamp=at),
            *turn(user("/request_human", "request_human", 1.0, "en", at), "action_handoff", ConversationPaused()),
            # Written to staff, while the assistant was not listening.
            user("hello?? anyone there", "nlu_fallback", 0.1, "en", at),
            ConversationResumed(timestamp=at),
            ActionExecuted("action_listen", timestamp=at),
            *turn(user(UNDERSTOOD, "ask_cost", 0.9, "it", at), "action_answer_cost"),
            ActionExecuted("action_listen", timestamp=at),
        ],
    }


def save(path: Path, conversations: Dict[str, List[Event]]) -> None:
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    for sender, events in conversations.items():
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
    store.engine.dispose()


@pytest.fixture
def tracker(tmp_path):
    save(tmp_path / "tracker.db", conversations(NOW))
    data = TrackerData(f"sqlite:///{tmp_path / 'tracker.db'}")
    yield data
    data.close()


@pytest.fixture
def data_dir(tmp_path):
    copy = tmp_path / "nlu"
    shutil.copytree(DATA_DIR, copy)
    return copy


def blocks(path: Path) -> Dict[tuple, List[str]]:
    """(intent, language, faq) -> example texts of a review or NLU file."""
    found: Dict[tuple, List[str]] = {}
    for example in read_examples(path):
        found.setdefault((example.intent, example.language, example.faq), []).append(example.text)
    return found


def rasa_examples(path: Path) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # a skipped example is a failure
        return len(RasaYAMLReader().reads(path.read_text(encoding="utf-8")).training_examples)


def label_of(path: Path, text: str) -> Optional[Label]:
    labels = [Label(e.intent, e.faq) for e in read_examples(path) if e.key == normalise(text)]
    assert len(labels) <= 1, labels
    return labels[0] if labels else None


def sign(path: Path, edit: Dict[str, Optional[str]]) -> None:
    """What a trainer does: corrects (or deletes, None) lines, then writes a name in reviewed_by."""
    text = path.read_text(encoding="utf-8").replace('reviewed_by: ""', 'reviewed_by: "Anna Rossi"')
    for old, new in edit.items():
        assert old in text
        text = text.replace(old, new) if new is not None else text.replace(f"    - {old}\n", "")
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def review(tracker, tmp_path):
    out = tmp_path / "review.yml"
    export(tracker, out)
    return out


def test_export_groups_by_likely_intent_and_language_and_redacts(review):
    text = review.read_text(encoding="utf-8")
    assert "YA1234567" not in text and "123 4567" not in text and "moussa.diallo" not in text
    assert blocks(review) == {
        ("ask_cost", "fr", None): [
            VAGUE,  # seen three times: first
            "Bonjour, mon passeport [redacted], appelez-moi au [redacted], combien ça coûte ?",
            "écrivez à [redacted] pour le rendez-vous",
        ],
        ("ask_faq", "it", "permit_refused"): [REFUSED],  # led to a handoff
        ("check_appointment", "en", None): [MOVED],  # the message before the request for a person
    }
    assert "# 3 texts, seen 5 times (5 not understood); likeliest at 22%" in text
    assert "# 1 text, seen once (1 before a handoff); likeliest at 80%" in text
    assert rasa_examples(review) == 5
    assert yaml.safe_load(text)["reviewed_by"] == ""


def test_export_of_a_period_leaves_out_older_messages(tmp_path):
    old, recent = conversations(NOW - 40 * 86400)["carla"], conversations(NOW)["bob"]
    save(tmp_path / "period.db", {"eve": [*old, ConversationResumed(timestamp=NOW), *recent]})
    tracker = TrackerData(f"sqlite:///{tmp_path / 'period.db'}")
    since = datetime.now(timezone.utc) - timedelta(days=30)
    texts = [c.text for c in collect(tracker.conversations(since), since, None, set(), ["fr", "it"])]
    everything = [c.text for c in collect(tracker.conversations(), None, None, set(), ["fr", "it"])]
    tracker.close()
    assert texts == [VAGUE] and everything == [REFUSED, VAGUE]
    assert export(TrackerData("sqlite://"), tmp_path / "empty.yml") == []
    assert not (tmp_path / "empty.yml").exists()


def test_an_unreviewed_file_is_refused_and_nothing_changes(review, data_dir):
    before = {path.name: path.read_text(encoding="utf-8") for path in data_dir.iterdir()}
    with pytest.raises(ReviewError) as refused:
        import_review(review, data_dir)
    assert [problem.subject for problem in refused.value.problems] == ["reviewed_by"]
    assert {path.name: path.read_text(encoding="utf-8") for path in data_dir.iterdir()} == before


def test_a_reviewed_file_goes_under_the_right_intents_and_languages(review, data_dir):
    fr_before = (data_dir / "fr.yml").read_text(encoding="utf-8")
    counts = {path.stem: rasa_examples(path) for path in data_dir.iterdir()}
    sign(
        review,
        {
            # An invented number instead of [redacted]; the e-mail is deleted; MOVED goes to another intent.
            "Bonjour, mon passeport [redacted], appelez-moi au [redacted], combien ça coûte ?": PASSPORT_REVIEWED,
            "écrivez à [redacted] pour le rendez-vous": None,
            f"- intent: check_appointment\n  metadata:\n    language: en\n  examples: |\n    - {MOVED}\n": (
                "- intent: reschedule_appointment\n  metadata:\n    language: en\n  examples: |\n"
                f"    - {MOVED}\n"
                '    - [renewal]{"entity": "procedure", "value": "rinnovo"} appointment moved\n'
            ),
            f"    - {VAGUE}\n": f"    - {VAGUE}\n    - {KNOWN.upper()}\n",  # already trained, elsewhere: conflict
        },
    )
    with pytest.raises(ReviewError) as refused:
        import_review(review, data_dir)
    assert "kit_or_questura" in refused.value.problems[0].problem and len(refused.value.problems) == 1
    assert (data_dir / "fr.yml").read_text(encoding="utf-8") == fr_before

    sign(review, {f"    - {KNOWN.upper()}\n": ""})
    text = review.read_text(encoding="utf-8")
    # An example already in the training data under the same intent is skipped.
    review.write_text(text.replace(f"    - {REFUSED}\n", f"    - {REFUSED}\n    - {REFUSED.upper()}\n"))
    report = import_review(review, data_dir)
    assert report.reviewer == "Anna Rossi"
    assert dict(report.added) == {
        ("fr", Label("ask_cost")): 2,
        ("it", Label("ask_faq", "permit_refused")): 1,
        ("en", Label("reschedule_appointment")): 2,
    }
    assert [e.text for e in report.duplicates] == [REFUSED.upper()]
    assert label_of(data_dir / "fr.yml", VAGUE) == Label("ask_cost")
    assert label_of(data_dir / "it.yml", REFUSED) == Label("ask_faq", "permit_refused")
    assert label_of(data_dir / "en.yml", MOVED) == Label("reschedule_appointment")
    assert label_of(data_dir / "en.yml", "renewal appointment moved") == Label("reschedule_appointment")
    assert {path.stem: rasa_examples(path) for path in data_dir.iterdir()} == {
        **counts,
        "fr": counts["fr"] + 2,
        "it": counts["it"] + 1,
        "en": counts["en"] + 2,
    }
    # The file's layout is kept: only example lines are added, inside the intent's own block.
    fr_after = (data_dir / "fr.yml").read_text(encoding="utf-8").splitlines()
    added = [line for line in fr_after if line not in fr_before.splitlines()]
    assert added == [f"    - {VAGUE}", f"    - {PASSPORT_REVIEWED}"]
    assert fr_after.index("- intent: ask_cost") < fr_after.index(added[0]) < fr_after.index("- intent: ask_status")
    assert label_of(data_dir / "fr.yml", PASSPORT_REVIEWED) == Label("ask_cost")


def test_each_invalid_example_is_named(review, data_dir):
    sign(
        review,
        {
            f"    - {VAGUE}\n": f"    - /ask_cost\n    - {VAGUE}\n",
            "language: it\n    faq: permit_refused": "language: it\n    faq: no_such_question",
            "- intent: check_appointment": "- intent: nlu_fallback",
            MOVED: MOVED + " [here]{\"entity\": \"city\"}",
        },
    )
    with pytest.raises(ReviewError) as refused:
        import_review(review, data_dir)
    problems = " | ".join(problem.problem for problem in refused.value.problems)
    for expected in ("starting with /", "still contains [redacted]", "faq.yml", "nlu_fallback is not in domain.yml"):
        assert expected in problems
    assert "entities city" in problems


def test_round_trip_imported_texts_are_not_exported_again(tracker, data_dir, tmp_path):
    first = tmp_path / "first.yml"
    export(tracker, first, data_dir=data_dir)
    deleted = ["Bonjour, mon passeport [redacted], appelez-moi au [redacted], combien ça coûte ?"]
    deleted.append("écrivez à [redacted] pour le rendez-vous")
    sign(first, dict.fromkeys(deleted))
    import_review(first, data_dir)
    second = tmp_path / "second.yml"
    assert sorted(c.text for c in export(tracker, second, data_dir=data_dir)) == deleted
    assert sorted(c.text for c in export(tracker, second)) == sorted([*deleted, VAGUE, REFUSED, MOVED])


def test_command_line(review, data_dir, capsys, tmp_path):
    assert main(["import", str(review), "--data", str(data_dir)]) == 1
    assert "not marked as reviewed" in capsys.readouterr().err
    sign(review, {"Bonjour, mon passeport [redacted], appelez-moi au [redacted], combien ça coûte ?": None})
    sign(review, {"écrivez à [redacted] pour le rendez-vous": None})
    assert main(["import", str(review), "--data", str(data_dir)]) == 0
    printed = capsys.readouterr().out
    assert "Added 3 examples" in printed and "fr  ask_cost: 1" in printed and "make check" in printed
    out = tmp_path / "cli.yml"
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    assert main(["export", "--tracker", url, "--out", str(out), "--since", "2000-01-01"]) == 0
    assert "written to" in capsys.readouterr().out and out.is_file()
    assert main(["export", "--tracker", url, "--out", str(out)]) == 1  # never over a file under review
    assert "exists" in capsys.readouterr().err
