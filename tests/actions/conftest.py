from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.handoff
from sportello.inbox.store import InboxStore


def make_tracker(
    slots: Optional[Dict[str, Any]] = None,
    latest_message: Optional[Dict[str, Any]] = None,
    events: Optional[List[Dict[str, Any]]] = None,
) -> Tracker:
    return Tracker("test-sender", slots or {}, latest_message or {}, events or [], False, None, {}, None)


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


def parse(text, intent, language=None, confidence=0.0, entities=(), script="Latin", decisive=False):
    return {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "intent_ranking": [{"name": intent, "confidence": 0.9}],
        "entities": list(entities),
        "language": {
            "name": language,
            "confidence": confidence,
            "script": script,
            "decisive": decisive,
            "detector": "lingua",
        },
    }


@pytest.fixture(autouse=True)
def handoff_store(tmp_path, monkeypatch):
    """Every action test hands over into its own inbox database, never var/inbox.db."""
    store = InboxStore(f"sqlite:///{tmp_path / 'inbox.db'}")
    monkeypatch.setattr(actions.handoff, "inbox_store", lambda: store)
    yield store
    store.close()
