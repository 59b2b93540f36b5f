"""Watching a turn for failures, and the apology in the conversation's language."""

import asyncio
import logging

import pytest

from sportello.channels.failures import (
    PROCESSOR_LOGGER,
    TRACKER_STORE_LOGGER,
    apology,
    conversation_language,
    watch_turn,
)


def fail_like_rasa() -> None:
    try:
        raise RuntimeError("Failed to execute custom action 'action_checklist'")
    except RuntimeError:
        logging.getLogger(PROCESSOR_LOGGER).exception("Encountered an exception while running action 'x'.")


def test_an_error_logged_by_rasa_during_the_turn_is_noted():
    with watch_turn() as watch:
        logging.getLogger(PROCESSOR_LOGGER).warning("an ordinary warning")
        fail_like_rasa()
    assert len(watch.failures) == 1 and "action 'x'" in watch.failures[0]
    assert not watch.tracker_store_failed


def test_errors_outside_the_watched_turn_are_not_noted():
    fail_like_rasa()
    with watch_turn() as watch:
        logging.getLogger(PROCESSOR_LOGGER).error("an error without a traceback")
    assert watch.failures == [] and not watch.tracker_store_failed


def test_rasa_falling_back_to_an_in_memory_conversation_is_noted():
    with watch_turn() as watch:
        logging.getLogger(TRACKER_STORE_LOGGER).error(
            "Error happened when trying to retrieve conversation tracker from 'SQLTrackerStore'. Falling back to use "
            "the 'InMemoryTrackerStore'. Please investigate the following error: server closed the connection."
        )
    assert watch.tracker_store_failed and watch.failures == []


def test_concurrent_turns_see_only_their_own_failures():
    async def turn(fails: bool) -> list:
        with watch_turn() as watch:
            await asyncio.sleep(0.01)
            if fails:
                fail_like_rasa()
            await asyncio.sleep(0.01)
        return watch.failures

    async def both() -> list:
        return await asyncio.gather(turn(True), turn(False))

    failing, clean = asyncio.run(both())
    assert len(failing) == 1 and clean == []


@pytest.mark.parametrize(("language", "start"), [("it", "Mi dispiace"), ("fr", "Je suis désolé"), ("zh", "抱歉")])
def test_the_apology_is_in_the_conversations_language(language, start):
    assert apology(language).startswith(start)


def test_an_unknown_language_gets_the_reference_language():
    assert apology(None) == apology("it") == apology("klingon")


class BrokenStore:
    async def retrieve(self, sender):
        raise ConnectionError("database restarting")


class Agent:
    def __init__(self, store) -> None:
        self.tracker_store = store


def test_the_language_is_unknown_when_the_tracker_cannot_be_read():
    assert asyncio.run(conversation_language(Agent(BrokenStore()), "393331234567")) is None
    assert asyncio.run(conversation_language(None, "393331234567")) is None
