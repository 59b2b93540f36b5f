"""A sender's stored Rasa events as conversations, and what the dashboard counts in each.

A conversation is one Rasa session (``session_config`` in domain.yml: a new one after
a day of silence) in which the applicant wrote at least once. Only messages the
assistant itself handled count as asked or not understood: while a person has the
conversation (between ``pause`` and ``resume``) Rasa records messages but the
assistant does not answer them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Tuple

from sportello.fallback import FALLBACK_INTENT
from sportello.responses import LANGUAGE_SLOT

PERMIT_SLOT = "permit_type"


@dataclass(frozen=True)
class Conversation:
    """One session of an applicant, reduced to the facts the dashboard counts."""

    sender: str
    begins_at: datetime  # the session's first event
    started_at: datetime  # the applicant's first message: the conversation's day
    ends_before: Optional[datetime]  # the next session's first event; None for the latest session
    language: Optional[str]
    intents: Tuple[str, ...]  # of the messages the assistant handled, not understood ones left out
    typed: int  # messages the assistant handled that were typed (not buttons or attachments)
    not_understood: int  # typed messages below the NLU threshold (nlu_fallback)
    permit_types: FrozenSet[str]  # set during the conversation (not carried over from an earlier one)


def conversations(sender: str, events: Iterable[Dict[str, Any]]) -> List[Conversation]:
    """The sender's conversations, oldest first (sessions without an applicant's message are left out)."""
    found: List[Conversation] = []
    session: List[Dict[str, Any]] = []
    for event in events:
        if event.get("event") == "session_started" and session:
            found.append(_conversation(sender, session, _time(event)))
            session = []
        session.append(event)
    if session:
        found.append(_conversation(sender, session, None))
    return [c for c in found if c is not None]


def _conversation(sender: str, events: List[Dict[str, Any]], ends_before: Optional[datetime]) -> Optional[Conversation]:
    paused = False
    started_at: Optional[datetime] = None
    detected: Optional[str] = None
    language: Optional[str] = None
    intents: List[str] = []
    typed = not_understood = 0
    permit_types = set()
    for event in events:
        kind = event.get("event")
        if kind == "pause":
            paused = True
        elif kind in ("resume", "restart", "session_started"):
            paused = False
        elif kind == "slot" and event.get("name") == LANGUAGE_SLOT and event.get("value"):
            language = str(event["value"])
        elif kind == "slot" and event.get("name") == PERMIT_SLOT and event.get("value") and started_at:
            permit_types.add(str(event["value"]))
        elif kind == "user":
            parse = event.get("parse_data") or {}
            if started_at is None:
                started_at = _time(event)
                detected = (parse.get("language") or {}).get("name")
            if paused:
                continue
            intent = (parse.get("intent") or {}).get("name")
            # Buttons and attachments arrive as "/intent{...}": they cannot be misunderstood.
            if not str(event.get("text") or "").startswith("/"):
                typed += 1
                if intent == FALLBACK_INTENT:
                    not_understood += 1
            if intent and intent != FALLBACK_INTENT:
                intents.append(str(intent))
    if started_at is None:
        return None
    return Conversation(
        sender=sender,
        begins_at=_time(events[0]),
        started_at=started_at,
        ends_before=ends_before,
        language=language or detected,
        intents=tuple(intents),
        typed=typed,
        not_understood=not_understood,
        permit_types=frozenset(permit_types),
    )


def _time(event: Dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(float(event.get("timestamp") or 0), timezone.utc)
