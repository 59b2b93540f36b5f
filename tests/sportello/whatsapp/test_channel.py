"""The channel's worker on a real store: a failed turn or answer gets the apology, never silence."""

import asyncio
import logging

import sqlalchemy as sa

from sportello.attachments.storage import FileStorage
from sportello.channels.commands import PayloadSigner
from sportello.channels.failures import PROCESSOR_LOGGER, apology
from sportello.whatsapp.channel import WhatsAppInput
from sportello.whatsapp.graph_api import GraphApi
from sportello.whatsapp.store import OUTBOX, WhatsAppStore
from tests.sportello.whatsapp.test_store import inbound, record


def answer_pending(store: WhatsAppStore, tmp_path, on_new_message) -> int:
    """One pass of the channel's worker; nothing listens on port 9, so sends stay in the outbox."""
    api = GraphApi("http://127.0.0.1:9/v21.0", "393517749241", "token")
    channel = WhatsAppInput("app-secret", "verify", api, store, PayloadSigner("payload-secret"), FileStorage(tmp_path))

    async def one_pass() -> int:
        try:
            return await channel.process_pending(on_new_message)
        finally:
            await api.close()

    return asyncio.run(one_pass())


def outbox_texts(store: WhatsAppStore) -> list:
    with store.engine.connect() as connection:
        rows = connection.execute(sa.select(OUTBOX.c.body).order_by(OUTBOX.c.id)).all()
    return [row.body["text"]["body"] for row in rows]


async def say(message, text: str) -> None:
    await message.output_channel.send_text_message(message.sender_id, text)


def test_an_action_that_failed_gets_the_apology_after_what_was_said(tmp_path):
    store = WhatsAppStore(f"sqlite:///{tmp_path / 'wa.db'}")
    record(store, inbound("wamid.1"))

    async def failing_action(message) -> None:
        await say(message, "Buongiorno!")
        try:
            raise RuntimeError("Failed to execute custom action 'action_checklist'")
        except RuntimeError:
            logging.getLogger(PROCESSOR_LOGGER).exception("Encountered an exception while running action")

    assert answer_pending(store, tmp_path, failing_action) == 1
    (text,) = outbox_texts(store)  # one turn, one WhatsApp message
    assert text.startswith("Buongiorno!") and text.endswith(apology("it"))
    assert store.claim_pending("w2") == []  # answered


def test_an_answer_that_cannot_be_recorded_is_replaced_by_the_apology(tmp_path):
    store = WhatsAppStore(f"sqlite:///{tmp_path / 'wa.db'}")
    record(store, inbound("wamid.1"))
    record_answer = store.answer

    def broken_once(message_id, sender, bodies, options):
        store.answer = record_answer  # the next call (the apology) works
        raise ValueError("a bug in formatting")

    store.answer = broken_once
    assert answer_pending(store, tmp_path, say_hello) == 1
    assert outbox_texts(store) == [apology("it")]
    assert store.claim_pending("w2") == []  # not handed out again and again


async def say_hello(message) -> None:
    await say(message, "Buongiorno!")
