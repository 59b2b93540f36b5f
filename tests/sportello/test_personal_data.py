"""Export, erasure and retention across every store, with a real Rasa SQL tracker store."""

import asyncio
import time
from datetime import datetime, timedelta, timezone

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from sportello.appointments.backend import BookingRequest
from sportello.attachments.storage import FileStorage
from sportello.inbox.store import InboxStore
from sportello.personal_data import PersonalData
from sportello.tracker_data import TrackerData
from sportello.whatsapp.store import MediaRecord
from tests.sportello.appointments.conftest import NOW

ALICE, BOB = "393331111111", "393332222222"


def save_conversation(store: SQLTrackerStore, sender: str, at: float) -> None:
    tracker = DialogueStateTracker.from_events(
        sender,
        [
            ActionExecuted("action_listen", timestamp=at),
            UserUttered("ciao", {"name": "greet"}, timestamp=at),
            BotUttered("Buongiorno!", timestamp=at),
        ],
    )
    asyncio.run(store.save(tracker))


@pytest.fixture
def data(tmp_path, app, whatsapp_store):
    rasa_store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))
    now = time.time()
    save_conversation(rasa_store, ALICE, now)
    save_conversation(rasa_store, BOB, now - 200 * 86400)  # silent for 200 days
    storage = FileStorage(tmp_path / "attachments")
    key = storage.save(b"%PDF-1.4 passport", ".pdf")
    whatsapp_store.record_media(
        MediaRecord(
            "wamid.1", ALICE, "document", "application/pdf", "stored", storage_key=key, mime_type="application/pdf"
        )
    )
    whatsapp_store.touch_contact(ALICE, "Alice", datetime.now(timezone.utc))
    app.backend.book(BookingRequest(ALICE, "questura:20261203T0800Z", "Alice Liddell", None, None, None, "it"), NOW)
    inbox = InboxStore(f"sqlite:///{tmp_path / 'inbox.db'}")
    handoff = inbox.open_handoff(ALICE, "whatsapp", "erasure", "it", None)
    inbox.add_note(handoff.id, "anna", "chiede la cancellazione")
    parts = PersonalData(TrackerData(f"sqlite:///{tmp_path / 'tracker.db'}"), whatsapp_store, storage, app.store, inbox)
    yield parts, key
    inbox.close()


def test_export_gathers_every_store(data):
    parts, _ = data
    exported = parts.export(ALICE)
    assert [e["event"] for e in exported["conversation"]][:3] == ["action", "user", "bot"]
    assert exported["whatsapp"]["attachments"][0]["storage_key"]
    assert exported["bookings"][0]["name"] == "Alice Liddell"
    assert exported["handoffs"][0]["notes"][0]["text"] == "chiede la cancellazione"


def test_erasure_reaches_every_store_and_only_that_sender(data):
    parts, key = data
    deleted = parts.erase(ALICE)
    assert deleted["attachment_files"] == 1 and deleted["bookings"] == 1 and deleted["handoffs"] == 1
    assert deleted["conversation_events"] >= 3 and deleted["whatsapp_rows"] >= 2
    exported = parts.export(ALICE)
    assert exported["conversation"] == [] and exported["bookings"] == [] and exported["handoffs"] == []
    assert exported["whatsapp"] == {"received": [], "sent": [], "statuses": [], "attachments": []}
    with pytest.raises(KeyError):
        parts.storage.read(key)
    assert parts.tracker.events_of(BOB)  # someone else's conversation stays


def test_retention_deletes_whole_idle_conversations_and_old_staff_records(data):
    parts, _ = data
    closed = parts.inbox.open_handoff(BOB, "whatsapp", "asked", "en", None)
    parts.inbox.end_handoff(closed.id, "resolved")
    parts.inbox.audit("anna", "read", BOB)
    later = datetime.now(timezone.utc) + timedelta(days=800)
    deleted = parts.purge(datetime.now(timezone.utc))
    assert deleted["conversation_events"] >= 3  # Bob's, silent for more than 180 days
    assert parts.tracker.events_of(BOB) == [] and parts.tracker.events_of(ALICE)
    deleted = parts.purge(later)
    assert parts.inbox.handoff(closed.id) is None and parts.inbox.audit_log() == []
    assert parts.inbox.open_handoff_of(ALICE) is not None  # open handoffs are never deleted by age


def test_conversations_in_a_period_come_whole_and_in_order(data):
    parts, _ = data
    recent = datetime.now(timezone.utc) - timedelta(days=1)
    assert [sender for sender, _ in parts.tracker.conversations(start=recent)] == [ALICE]
    everything = dict(parts.tracker.conversations())
    assert set(everything) == {ALICE, BOB}
    assert [e["event"] for e in everything[BOB]] == ["action", "user", "bot"]
    assert list(parts.tracker.conversations(end=recent - timedelta(days=300))) == []
