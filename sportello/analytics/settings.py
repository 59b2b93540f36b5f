"""The dashboard's staff-edited assumptions (``knowledge/dashboard.yml``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from sportello.knowledge.answers import KNOWLEDGE_DIR
from sportello.settings import SettingsReader

SETTINGS_FILE = KNOWLEDGE_DIR / "dashboard.yml"


@dataclass(frozen=True)
class DashboardSettings:
    """How many visits and calls a conversation resolved without a person spares, and the office's expectation."""

    visits_per_conversation: float
    calls_per_conversation: float
    reference_visits_per_year: int
    reference_source: str


def load_dashboard_settings(path: Path = SETTINGS_FILE) -> DashboardSettings:
    """Reads and checks dashboard.yml.

    Raises:
        ConfigError: naming the setting at fault.

    """
    reader = SettingsReader(path.name)
    raw = reader.mapping(yaml.safe_load(path.read_text(encoding="utf-8")), "(top level)")
    avoided = reader.mapping(raw.get("avoided_per_conversation"), "avoided_per_conversation")
    reference = reader.mapping(raw.get("reference"), "reference")
    return DashboardSettings(
        visits_per_conversation=_share(reader, avoided.get("visits"), "avoided_per_conversation.visits"),
        calls_per_conversation=_share(reader, avoided.get("calls"), "avoided_per_conversation.calls"),
        reference_visits_per_year=reader.whole(reference.get("visits_per_year"), "reference.visits_per_year", 0, 10**7),
        reference_source=reader.text(reference.get("source"), "reference.source"),
    )


@cache
def dashboard_settings() -> DashboardSettings:
    """dashboard.yml, read once per process."""
    return load_dashboard_settings()


def _share(reader: SettingsReader, value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise reader.fail(where, f"{value!r} must be a number from 0 to 1")
    return float(value)
