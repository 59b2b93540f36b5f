"""Messages to applicants about their booking, outside the conversation: reminders and staff changes.

WhatsApp delivers a free-form message only within 24 hours of the applicant's last
message; after that only an approved template (named in appointments.yml). Each
message goes into the WhatsApp outbox (which sends and retries it) and is recorded
against the booking.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import List, Optional

from sportello.appointments.config import AppointmentSettings
from sportello.appointments.messages import booking_facts, reminder_text, staff_change_text
from sportello.appointments.store import Booking, BookingStore
from sportello.languages import load_registry
from sportello.privacy import pseudonym
from sportello.settings import Template
from sportello.whatsapp.formatting import template_body, text_body
from sportello.whatsapp.store import WhatsAppStore

logger = logging.getLogger(__name__)
WINDOW = timedelta(hours=24)


class Notifier:
    """Queues booking messages on the WhatsApp outbox and records them."""

    def __init__(self, settings: AppointmentSettings, bookings: BookingStore, whatsapp: WhatsAppStore) -> None:
        self.settings = settings
        self.bookings = bookings
        self.whatsapp = whatsapp

    def remind(self, booking: Booking, now: datetime) -> str:
        """The day-before reminder; returns how it was sent (``text`` or ``template``)."""
        text = reminder_text(booking, self.settings.timezone)
        return self._send(booking, "reminder", text, self.settings.reminder_template, now)

    def staff_change(self, kind: str, booking: Booking, message: Optional[str], now: datetime) -> str:
        """Tells the applicant that staff cancelled (``cancelled``) or moved (``moved``) the booking."""
        text = staff_change_text(kind, booking, self.settings.timezone, message)
        return self._send(booking, kind, text, self.settings.change_template, now)

    def _send(self, booking: Booking, kind: str, text: str, template: Template, now: datetime) -> str:
        last = self.whatsapp.last_inbound_at(booking.sender)
        if last is not None and now - last < WINDOW:
            self.whatsapp.enqueue(booking.sender, text_body(booking.sender, text))
            channel, name = "text", None
        else:
            code = template.languages.get(booking.language) or template.languages[load_registry().reference]
            body = template_body(booking.sender, template.name, code, self._parameters(booking))
            self.whatsapp.enqueue(booking.sender, body)
            channel, name = "template", template.name
        self.bookings.record_notification(booking.id, kind, channel, name)
        logger.info("%s for booking %s sent to %s as %s", kind, booking.code, pseudonym(booking.sender), channel)
        return channel

    def _parameters(self, booking: Booking) -> List[str]:
        # The order the templates are approved with: date, time, booking code.
        facts = booking_facts(booking, self.settings.timezone, booking.language)
        return [facts["day"], facts["time"], facts["code"]]
