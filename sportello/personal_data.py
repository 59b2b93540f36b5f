"""Everything Sportello holds about one applicant, across every store: export, erasure, retention.

Stores: Rasa's tracker store (the conversation), the WhatsApp store (message texts,
statuses, the attachment index) and the attachment files, the appointment store
(bookings), the inbox (handoffs and staff notes). Staff export and erase from the
inbox (audited); the maintenance job deletes by age (knowledge/privacy.yml).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict

from sportello.appointments.store import BookingStore
from sportello.attachments.storage import AttachmentStorage
from sportello.inbox.store import InboxStore
from sportello.privacy import pseudonym
from sportello.retention import retention_days
from sportello.tracker_data import TrackerData
from sportello.whatsapp.store import WhatsAppStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PersonalData:
    """The stores that hold personal data."""

    tracker: TrackerData
    whatsapp: WhatsAppStore
    storage: AttachmentStorage
    bookings: BookingStore
    inbox: InboxStore

    def export(self, sender: str) -> Dict[str, Any]:
        """Everything held about ``sender`` (attachment files are listed, not embedded)."""
        return {
            "sender": sender,
            "conversation": self.tracker.events_of(sender),
            "whatsapp": self.whatsapp.export_sender(sender),
            "bookings": [vars(booking) for booking in self.bookings.of_sender(sender)],
            "handoffs": self.inbox.handoffs_of(sender),
        }

    def erase(self, sender: str) -> Dict[str, int]:
        """Deletes everything held about ``sender``; returns what was deleted per store."""
        files = 0
        for record in self.whatsapp.media_of_sender(sender):
            if record.storage_key:
                self.storage.delete(record.storage_key)
                files += 1
        deleted = {
            "attachment_files": files,
            "conversation_events": self.tracker.erase(sender),
            "whatsapp_rows": self.whatsapp.erase_sender(sender),
            "bookings": self.bookings.erase_sender(sender),
            "handoffs": self.inbox.erase_sender(sender),
        }
        logger.info("erased the data of %s: %s", pseudonym(sender), deleted)
        return deleted

    def purge(self, now: datetime) -> Dict[str, int]:
        """Deletes what is older than its retention period (attachments: the WhatsApp channel, hourly)."""
        conversations = now - timedelta(days=retention_days("conversations"))
        deleted = {
            "conversation_events": self.tracker.purge(conversations),
            "whatsapp_rows": self.whatsapp.purge_messages(conversations),
            "handoffs_and_audit": self.inbox.purge(
                now - timedelta(days=retention_days("handoffs")), now - timedelta(days=retention_days("audit"))
            ),
        }
        if any(deleted.values()):
            logger.info("retention: deleted %s", deleted)
        return deleted
