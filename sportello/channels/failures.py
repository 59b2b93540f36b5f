"""Telling the applicant when a technical problem stopped the assistant from answering.

Rasa catches an action that fails (the action server down or broken, say), logs it
with its traceback on ``rasa.core.processor`` and carries on without the action's
messages, so the applicant would get nothing. While a channel hands a message to
Rasa it watches Rasa's loggers (``watch_turn``); when the turn logged such an error,
or raised one, the channel adds an apology in the conversation's language
(``knowledge/channel_labels.yml``). The message itself is already in the tracker
store and the channel's own store: nothing the applicant wrote is lost.

Rasa also carries on when its tracker store fails (a database restarting), with an
empty conversation kept in memory: that answer would ignore the conversation and be
lost with it, so the watch notes it too and the channel answers the message again
later instead.
"""

from __future__ import annotations

import contextlib
import logging
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Iterator, List, Optional

from sportello.knowledge.answers import KNOWLEDGE_DIR
from sportello.knowledge.labels import Labels, load_labels
from sportello.languages import load_registry

logger = logging.getLogger(__name__)
# Where Rasa logs an action (or any step of a turn) that raised.
PROCESSOR_LOGGER = "rasa.core.processor"
# Where Rasa logs that its tracker store failed and it carries on with an empty in-memory tracker.
TRACKER_STORE_LOGGER = "rasa.core.tracker_store"
IN_MEMORY_FALLBACK = "Falling back to use the 'InMemoryTrackerStore'"


class TrackerStoreUnreachable(Exception):
    """Rasa could not read or save the conversation: the turn's answer is not to be used."""


@dataclass
class TurnWatch:
    """What went wrong while Rasa handled one message.

    Attributes:
        failures: Errors with a traceback logged by Rasa's processor (an action failed).
        tracker_store_failed: Rasa fell back to an empty in-memory conversation, so the
            answer was computed without the conversation and is not saved with it.

    """

    failures: List[str] = field(default_factory=list)
    tracker_store_failed: bool = False


_watch: ContextVar[Optional[TurnWatch]] = ContextVar("sportello_turn_watch", default=None)


class _TurnFailureHandler(logging.Handler):
    """Notes, for the turn being watched in this context, the errors Rasa logged."""

    def emit(self, record: logging.LogRecord) -> None:
        watch = _watch.get()
        if watch is None:
            return
        if record.name == TRACKER_STORE_LOGGER and IN_MEMORY_FALLBACK in record.getMessage():
            watch.tracker_store_failed = True
        elif record.name == PROCESSOR_LOGGER and record.exc_info:
            watch.failures.append(record.getMessage())


_HANDLER = _TurnFailureHandler(level=logging.ERROR)


@contextlib.contextmanager
def watch_turn() -> Iterator[TurnWatch]:
    """Collects what went wrong while Rasa handles a message in this context."""
    for name in (PROCESSOR_LOGGER, TRACKER_STORE_LOGGER):
        rasa_logger = logging.getLogger(name)
        if _HANDLER not in rasa_logger.handlers:
            rasa_logger.addHandler(_HANDLER)
    watch = TurnWatch()
    token = _watch.set(watch)
    try:
        yield watch
    finally:
        _watch.reset(token)


@cache
def _labels() -> Labels:
    registry = load_registry()
    return load_labels(KNOWLEDGE_DIR / "channel_labels.yml", registry.codes, registry.reference)


def apology(language: Optional[Any]) -> str:
    """The apology for a technical problem, in ``language`` (the reference language if unknown)."""
    registry = load_registry()
    code = language if isinstance(language, str) and language in registry.codes else registry.reference
    return _labels()("technical_problem", code)


async def conversation_language(agent: Optional[Any], sender: str) -> Optional[str]:
    """The ``language`` slot of the sender's conversation, or None when it cannot be read."""
    if agent is None or getattr(agent, "tracker_store", None) is None:
        return None
    try:
        tracker = await agent.tracker_store.retrieve(sender)
    except Exception as error:  # noqa: BLE001 - the apology must go out even if the tracker cannot be read
        logger.warning("conversation language not read: %s", type(error).__name__)
        return None
    return tracker.get_slot("language") if tracker is not None else None
