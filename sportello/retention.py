"""How long personal data is kept, from the office's ``knowledge/privacy.yml``."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from sportello import PROJECT_ROOT

PRIVACY_FILE = PROJECT_ROOT / "knowledge" / "privacy.yml"
KINDS = ("attachments", "appointments", "conversations", "handoffs", "audit")


@cache
def retention_days(kind: str, path: Path = PRIVACY_FILE) -> int:
    """Days after which data of ``kind`` is deleted; a missing or invalid setting is an error."""
    if kind not in KINDS:
        raise ValueError(f"unknown retention kind {kind!r}")
    with open(path, encoding="utf-8") as handle:
        days = ((yaml.safe_load(handle) or {}).get("retention_days") or {}).get(kind)
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError(f"{path}: retention_days.{kind} must be a whole number of days, at least 1")
    return days
