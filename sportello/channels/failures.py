"""Telling the applicant when a technical problem stopped the assistant from answering.

Rasa catches an action that fails (the action server down or broken, say), logs it
with its traceback on ``rasa.core.processor`` and carries on without the action's
messages, so the applicant would get nothing. While a channel hands a message to
Rasa it watches that logger (``watch_turn``); when the turn logged such an error, or
raised one, the channel adds an apology in the conversation's language
(``knowledge/channel_labels.yml``). The message itself is already in the tracker
store and the channel's own store: nothing the applicant wrote is lost.
"""

from __future__ import annotations

import contextlib
import logging
from contextvars import ContextVar
from functools import cache
from typing import Any, Iterator, List, Optional

from sportello.knowledge.answers import KNOWLEDGE_DIR
from sportello.knowledge.labels import Labels, load_labels
from sportello.languages import load_registry

# Where Rasa logs an action (or any step of a turn) that raised.
PROCESSOR_LOGGER = "rasa.core.processor"

_failures: ContextVar[Optional[List[str]]] = ContextVar("sportello_turn_failures", default=None)


class _TurnFailureHandler(logging.Handler):
    """Notes, for the turn being watched in this context, every error Rasa logged with a traceback."""

    def emit(self, record: logging.LogRecord) -> None:
        failures = _failures.get()
        if failures is not None and record.exc_info and record.levelno >= logging.ERROR:
            failures.append(record.getMessage())


_HANDLER = _TurnFailureHandler(level=logging.ERROR)


@contextlib.contextmanager
def watch_turn() -> Iterator[List[str]]:
    """Collects what failed while Rasa handles a message in this context (an empty list: nothing)."""
    processor_logger = logging.getLogger(PROCESSOR_LOGGER)
    if _HANDLER not in processor_logger.handlers:
        processor_logger.addHandler(_HANDLER)
    failures: List[str] = []
    token = _failures.set(failures)
    try:
        yield failures
    finally:
        _failures.reset(token)


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
        logging.getLogger(__name__).warning("conversation language not read: %s", type(error).__name__)
        return None
    return tracker.get_slot("language") if tracker is not None else None
