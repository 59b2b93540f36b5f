"""Handing a conversation to a person: the queue entry and what the applicant is told.

The action server calls ``hand_over`` and pauses the Rasa conversation; the inbox
web application answers, then hands the conversation back. Texts come from
``knowledge/handoff_labels.yml`` and ``knowledge/canned_replies.yml``; answer hours and
the template for answers outside WhatsApp's 24-hour window from ``knowledge/handoff.yml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import List, Optional, Tuple

import yaml

from sportello.appointments.dates import date_words
from sportello.inbox.store import InboxStore, database_url
from sportello.knowledge.answers import KNOWLEDGE_DIR
from sportello.knowledge.labels import Labels, load_labels
from sportello.languages import load_registry
from sportello.office import field_text, load_office
from sportello.settings import SettingsReader, Template

SETTINGS_FILE = KNOWLEDGE_DIR / "handoff.yml"
REASONS = ("asked", "not_understood", "documents", "judgement", "erasure", "staff")


@dataclass(frozen=True)
class HandoffSettings:
    """When the office answers, and the template for answers outside the 24-hour window."""

    days: Tuple[int, ...]
    start: str
    end: str
    reply_template: Template


def load_handoff_settings(path: Path = SETTINGS_FILE) -> HandoffSettings:
    """Reads and checks handoff.yml.

    Raises:
        ConfigError: naming the setting at fault.

    """
    reader = SettingsReader(path.name)
    raw = reader.mapping(yaml.safe_load(path.read_text(encoding="utf-8")), "(top level)")
    hours = reader.mapping(raw.get("answer_hours"), "answer_hours")
    start = reader.clock(hours.get("start"), "answer_hours.start")
    end = reader.clock(hours.get("end"), "answer_hours.end")
    return HandoffSettings(
        days=reader.weekdays(hours.get("days"), "answer_hours.days"),
        start=f"{start:%H:%M}",
        end=f"{end:%H:%M}",
        reply_template=reader.template(raw.get("reply_template"), "reply_template"),
    )


@cache
def handoff_settings() -> HandoffSettings:
    """handoff.yml, read once per process."""
    return load_handoff_settings()


@cache
def handoff_texts() -> Labels:
    """The handoff texts in every supported language."""
    registry = load_registry()
    return load_labels(KNOWLEDGE_DIR / "handoff_labels.yml", registry.codes, registry.reference)


@cache
def canned_replies() -> Labels:
    """The ready answers staff pick, in every supported language."""
    registry = load_registry()
    return load_labels(KNOWLEDGE_DIR / "canned_replies.yml", registry.codes, registry.reference)


@cache
def inbox_store() -> InboxStore:
    """The process-wide inbox store (the action server's)."""
    return InboxStore(database_url())


def waiting_messages(reason: str, position: int, language: str) -> List[str]:
    """What the applicant reads when handed over: why, the place in the queue, when, and the phone line."""
    texts, settings = handoff_texts(), handoff_settings()
    reference = load_registry().reference
    words = date_words().get(language) or date_words()[reference]
    days = ", ".join(words.weekdays[day][0] for day in settings.days)
    office = load_office()
    lines = [
        texts(f"reason_{reason}", language),
        texts("waiting", language, position=str(position), days=days, start=settings.start, end=settings.end),
    ]
    phone = field_text(office["phone"], language, reference)
    if phone:
        hours = field_text(office["phone_hours"], language, reference) or ""
        lines.append(texts("phone", language, phone=phone, phone_hours=hours))
    return ["\n\n".join(lines)]


def hand_over(
    store: InboxStore,
    sender: str,
    channel: str,
    reason: str,
    language: str,
    permit_type: Optional[str],
) -> List[str]:
    """Opens (or finds) the sender's handoff and returns the messages for the applicant."""
    if reason not in REASONS:
        raise ValueError(f"unknown handoff reason {reason!r}")
    handoff = store.open_handoff(sender, channel, reason, language, permit_type)
    return waiting_messages(handoff.reason, store.position(handoff), language)
