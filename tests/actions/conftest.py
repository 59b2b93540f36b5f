from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


def make_tracker(
    slots: Optional[Dict[str, Any]] = None,
    latest_message: Optional[Dict[str, Any]] = None,
    events: Optional[List[Dict[str, Any]]] = None,
) -> Tracker:
    return Tracker(
        "test-sender", slots or {}, latest_message or {}, events or [], False, None, {}, None
    )


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


def parse(text, intent, language=None, confidence=0.0, entities=(), script="Latin", decisive=False):
    return {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "intent_ranking": [{"name": intent, "confidence": 0.9}],
        "entities": list(entities),
        "language": {"name": language, "confidence": confidence, "script": script,
                     "decisive": decisive, "detector": "lingua"},
    }
